"""tfm.linear_attention against the float64 oracles of OPS.md B1 and B2
(B2 with eps added to the denominator, and one-sided coefficients when
causal)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from oracles import kernel_rpe_attention, linear_attention  # noqa: E402
from tfm_e2e import Library, check, random  # noqa: E402

lib = Library(sys.argv[1])


def case(name, B, H, L, m, dv, seed, causal=False, toeplitz=False, eps=1e-6):
    # Positive features, as every feature map gives.
    fq = random((B, H, L, m), seed, 0.05, 1.0)
    fk = random((B, H, L, m), seed + 1, 0.05, 1.0)
    v = random((B, H, L, dv), seed + 2)
    args = [fq, fk, v]
    ref = np.empty((B, H, L, dv))
    c = None
    if toeplitz:
        c = np.exp(random((H, 2 * L - 1), seed + 3))
        args.append(c.astype(np.float32))
    for b in range(B):
        for h in range(H):
            q, k, x = (np.float64(t[b, h]) for t in (fq, fk, v))
            ref[b, h] = (kernel_rpe_attention(q, k, x, np.asarray(args[3][h], np.float64), causal, eps)
                         if toeplitz else linear_attention(q, k, x, causal, eps))
    out, = lib.call(name, args, [ref.shape])
    check(f"{name}[L={L}]", out, ref)


case("direct", 1, 2, 37, 8, 12, 1, eps=0.25)
case("chunked_default", 1, 2, 100, 8, 12, 2, causal=True)
case("auto_causal", 1, 1, 150, 4, 6, 3, causal=True)
case("toeplitz_direct", 1, 2, 37, 8, 12, 4, toeplitz=True, eps=0.25)
case("toeplitz_direct_causal", 1, 2, 37, 8, 12, 5, toeplitz=True, causal=True)
case("fft_tiles", 2, 2, 37, 16, 12, 6, toeplitz=True)
case("auto_toeplitz", 1, 1, 1, 6, 5, 7, toeplitz=True)
for L in (37, 100, 1):
    case("direct_causal", 1, 2, L, 8, 12, 10 + L, causal=True)
    case("auto", 2, 3, L, 8, 12, 11 + L)
    case("fft_causal", 1, 2, L, 8, 12, 13 + L, toeplitz=True, causal=True, eps=0.25)
for L in (37, 100, 1, 16, 32):
    case("chunked", 1, 2, L, 8, 12, 14 + L, causal=True, eps=0.25)
case("fft_long", 1, 1, 4096, 4, 4, 1, toeplitz=True, causal=True)

lib.finish()
