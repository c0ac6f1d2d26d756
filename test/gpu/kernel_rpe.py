"""Checks kernel_rpe.mlir on the GPU against the float64 oracle of OPS.md B2
(eps in the denominator; causally one-sided coefficients): f32 to 1e-4,
bf16 to 2e-2 on the bf16-rounded inputs."""
import sys

import numpy as np

from oracles import kernel_rpe_attention
from tfm_e2e import Library, check, from_bf16, random, to_bf16

lib = Library(sys.argv[1])


def case(name, B, H, L, m, dv, seed, causal=False, bf16=False):
    # Positive features, as every feature map gives; c = exp(b).
    fq = random((B, H, L, m), seed, 0.05, 1.0)
    fk = random((B, H, L, m), seed + 1, 0.05, 1.0)
    v = random((B, H, L, dv), seed + 2)
    c = np.exp(random((H, 2 * L - 1), seed + 3)).astype(np.float32)
    args = [fq, fk, v, c]
    tol = 1e-4
    if bf16:
        args = [to_bf16(x) for x in args]
        fq, fk, v, c = (from_bf16(x) for x in args)
        tol = 2e-2
    ref = np.empty((B, H, L, dv))
    for b in range(B):
        for h in range(H):
            ref[b, h] = kernel_rpe_attention(*(np.float64(t[b, h]) for t in (fq, fk, v)),
                                             np.float64(c[h]), causal)
    out, = lib.call(name, args, [ref.shape], [np.uint16] if bf16 else None)
    check(f"{name}[L={L}]", from_bf16(out) if bf16 else out, ref, tol=tol)


case("rpe_9000", 1, 2, 9000, 5, 6, 1)
case("rpe_causal_16384", 1, 1, 16384, 4, 4, 2, causal=True)
for L in (1, 300, 2000, 5000, 8192, 8193, 65536):
    case("rpe_dynamic", 1, 2, L, 4, 3, 10 + L)
for L in (37, 3000, 40000):
    case("rpe_causal_dynamic", 1, 1, L, 4, 4, 20 + L, causal=True)
for L in (1000, 20000):
    case("rpe_bf16", 2, 2, L, 8, 8, 30 + L, bf16=True)

lib.finish()
