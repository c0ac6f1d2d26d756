"""Checks sequence_bf16.mlir on the GPU against float64 numpy oracles run on
the 16-bit-rounded inputs (relative error 2e-2)."""
import os
import sys

import numpy as np

from tfm_e2e import Library, check, from_bf16, from_f16, random, to_bf16, to_f16

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from selective_scan import selective_scan  # noqa: E402

lib = Library(sys.argv[1])
TOL = 2e-2
CODECS = {"bf16": (to_bf16, from_bf16), "f16": (to_f16, from_f16)}


def stored(shape, seed, low=-1.0, high=1.0, dtype="bf16"):
    """Random values rounded to `dtype`: (bits to pass, float64 values)."""
    encode, decode = CODECS[dtype]
    bits = encode(random(shape, seed, low, high))
    return bits, decode(bits).astype(np.float64)


def decoded(bits, dtype="bf16"):
    return CODECS[dtype][1](bits)


# --- selective scan ---------------------------------------------------------

for length in (1, 300):
    b, d, n, g = 2, 64, 16, 2
    u, uf = stored((b, d, length), 1)
    dt, dtf = stored((b, d, length), 2, -3.0, 1.0)
    a, af = stored((d, n), 3, -2.5, -0.3)
    bm, bmf = stored((b, g, n, length), 4)
    cm, cmf = stored((b, g, n, length), 5)
    skip, skipf = stored((d,), 6)
    z, zf = stored((b, d, length), 7, -2.0, 2.0)
    bias, biasf = stored((d,), 8, -2.0, 0.5)
    h0 = random((b, d, n), 9)
    y, h = lib.call("scan_all", [u, dt, a, bm, cm, skip, z, bias, h0],
                    [(b, d, length), (b, d, n)], [np.uint16, np.float32])
    ry, rh = selective_scan(uf, dtf, af, bmf, cmf, Dk=skipf, z=zf,
                            dbias=biasf, softplus=True, h0=np.float64(h0))
    check(f"scan_all y L={length}", decoded(y), ry, tol=TOL)
    check(f"scan_all final state L={length}", h, rh, tol=TOL)

# N = 5 and 40 take the register forms of capacity 16 and 64, N = 80 the
# state in memory.
for n in (5, 40, 80):
    d, length = 20, 70
    u, uf = stored((1, d, length), 10 + n)
    dt, dtf = stored((1, d, length), 11 + n, 0.05, 1.0)
    a, af = stored((d, n), 12 + n, -1.0, -0.1)
    bm, bmf = stored((1, 1, n, length), 13 + n)
    cm, cmf = stored((1, 1, n, length), 14 + n)
    y, h = lib.call("scan_dynamic_n", [u, dt, a, bm, cm],
                    [(1, d, length), (1, d, n)], [np.uint16, np.float32])
    ry, rh = selective_scan(uf, dtf, af, bmf, cmf)
    check(f"scan_dynamic_n y N={n}", decoded(y), ry, tol=TOL)
    check(f"scan_dynamic_n final state N={n}", h, rh, tol=TOL)

u, uf = stored((1, 40, 100), 20, dtype="f16")
dt, dtf = stored((1, 40, 100), 21, 0.05, 1.0, dtype="f16")
a, af = stored((40, 8), 22, -2.0, -0.1, dtype="f16")
bm, bmf = stored((1, 1, 8, 100), 23, dtype="f16")
cm, cmf = stored((1, 1, 8, 100), 24, dtype="f16")
z, zf = stored((1, 40, 100), 25, -2.0, 2.0, dtype="f16")
y, h = lib.call("scan_f16", [u, dt, a, bm, cm, z], [(1, 40, 100), (1, 40, 8)],
                [np.uint16, np.float32])
ry, rh = selective_scan(uf, dtf, af, bmf, cmf, z=zf)
check("scan_f16 y", decoded(y, "f16"), ry, tol=TOL)
check("scan_f16 final state", h, rh, tol=TOL)

# --- rfft / irfft -----------------------------------------------------------


def rfft_case(name, shape, n=None, seed=0, label=None):
    x, xf = stored(shape, seed)
    ref = np.fft.rfft(xf, n=n, axis=-1)
    re, im = lib.call(name, [x], [ref.shape, ref.shape], [np.uint16, np.uint16])
    check(label or name, np.stack([decoded(re), decoded(im)]),
          np.stack([ref.real, ref.imag]), tol=TOL)


rfft_case("rfft_pow2", (3, 256), seed=30)
for length in (37, 100, 130):
    rfft_case("rfft_bluestein", (4, length), n=100, seed=31 + length,
              label=f"rfft_bluestein[L={length}]")

for name, shape, n in (("irfft", (2, 33, 3), 64), ("irfft_bluestein", (2, 19), 37)):
    axis = 1 if len(shape) == 3 else -1
    re, ref_re = stored(shape, 40)
    im, ref_im = stored(shape, 41)
    ref = np.fft.irfft(ref_re + 1j * ref_im, n=n, axis=axis)
    out, = lib.call(name, [re, im], [ref.shape], [np.uint16])
    check(name, decoded(out), ref, tol=TOL)

# --- linear attention -------------------------------------------------------


def linear_attention(fq, fk, v, causal=False, c=None, eps=1e-6):
    """out_i = Σ_j w_ij (φq_i·φk_j) v_j / (Σ_j w_ij φq_i·φk_j + eps) per
    (batch, head), as dense [L, L] weights."""
    length = fq.shape[2]
    scores = np.einsum("bhim,bhjm->bhij", fq, fk)
    if c is not None:
        taps = length - 1 + np.arange(length)[None, :] - np.arange(length)[:, None]
        scores = scores * c[:, taps][None]
    if causal:
        scores = np.tril(scores)
    return (scores @ v) / (scores.sum(-1, keepdims=True) + eps)


for name, batch, m, dv, causal, toeplitz, lengths in (
        ("la_direct", 1, 16, 32, False, False, (1, 100)),
        ("la_chunked", 2, 16, 32, True, False, (1, 37, 200)),
        ("la_toeplitz", 1, 8, 16, True, True, (5, 150))):
    for length in lengths:
        seed = 50 + length
        fq, fqf = stored((batch, 2, length, m), seed, 0.05, 1.0)
        fk, fkf = stored((batch, 2, length, m), seed + 1, 0.05, 1.0)
        v, vf = stored((batch, 2, length, dv), seed + 2)
        args = [fq, fk, v]
        c = None
        if toeplitz:
            c_bits, c = stored((2, 2 * length - 1), seed + 3, 0.2, 2.0)
            args.append(c_bits)
        out, = lib.call(name, args, [(batch, 2, length, dv)], [np.uint16])
        check(f"{name} L={length}", decoded(out),
              linear_attention(fqf, fkf, vf, causal, c), tol=TOL)

# --- dwconv -----------------------------------------------------------------

for length in (1, 9, 333):
    x, xf = stored((2, 64, length), 60 + length)
    w, wf = stored((64, 4), 61)
    bias, biasf = stored((64,), 62)
    padded = np.concatenate([np.zeros((2, 64, 3)), xf], axis=2)
    ref = sum(wf[None, :, t, None] * padded[:, :, t:t + length] for t in range(4))
    ref = ref + biasf[None, :, None]
    out, = lib.call("conv1d_causal", [x, w, bias], [ref.shape], [np.uint16])
    check(f"conv1d_causal L={length}", decoded(out), ref, tol=TOL)

x, xf = stored((1, 8, 15, 12), 70)
w, wf = stored((8, 3, 3), 71)
padded = np.pad(xf, ((0, 0), (0, 0), (1, 1), (1, 1)))
ref = np.zeros((1, 8, 8, 6))
for i in range(3):
    for j in range(3):
        ref += wf[None, :, i, j, None, None] * padded[:, :, i:i + 15:2, j:j + 11:2]
out, = lib.call("conv2d_strided", [x, w], [ref.shape], [np.uint16])
check("conv2d_strided", decoded(out), ref, tol=TOL)

lib.finish()
