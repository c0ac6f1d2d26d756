"""Checks dwconv_fft.mlir on the GPU against float64 numpy (direct
correlation, np.correlate, per plane): f32 to 1e-4, bf16 to 2e-2, the
oracle run on the bf16-rounded inputs."""
import sys

import numpy as np

from tfm_e2e import Library, check, from_bf16, random, to_bf16

lib = Library(sys.argv[1])


def dwconv(x, w, bias=None, padding="zero", dilation=1):
    """y[b,c,i] = Σ_t w[c,t]·xpad[b,c,i + t·dilation] (+ bias[c]), float64."""
    x, w = np.float64(x), np.float64(w)
    extent = (w.shape[1] - 1) * dilation
    lo, hi = {"zero": (extent // 2, extent - extent // 2), "causal": (extent, 0),
              "full": (extent, extent)}[padding]
    padded = np.pad(x, ((0, 0), (0, 0), (lo, hi)))
    dilated = np.zeros((w.shape[0], extent + 1))
    dilated[:, ::dilation] = w
    y = np.stack([np.stack([np.correlate(padded[b, c], dilated[c], "valid")
                            for c in range(x.shape[1])]) for b in range(x.shape[0])])
    if bias is not None:
        y += np.float64(bias)[None, :, None]
    return y


def bf16(shape, seed):
    bits = to_bf16(random(shape, seed))
    return bits, from_bf16(bits).astype(np.float64)


x, w, b = random((3, 2, 8192), 1), random((2, 8192), 2), random((2,), 3)
ref = dwconv(x, w, b, padding="causal")
out, = lib.call("long_causal", [x, w, b], [ref.shape])
check("long_causal f32 L=8192 k=8192", out, ref)

(x, xf), (w, wf) = bf16((2, 4, 8192), 4), bf16((4, 8192), 5)
ref = dwconv(xf, wf, padding="causal")
out, = lib.call("long_causal_bf16", [x, w], [ref.shape], [np.uint16])
check("long_causal bf16 L=8192 k=8192", from_bf16(out), ref, tol=2e-2)

# N = 2^⌈log2(L + 897)⌉: 1024 points (L ≤ 127), 16384, then the direct
# kernel past 16384 points.
w = random((4, 300), 6)
for length in (1, 100, 5000, 20000):
    x = random((3, 4, length), 7 + length)
    ref = dwconv(x, w, padding="zero", dilation=3)
    out, = lib.call("ragged_zero_dilated", [x, w], [ref.shape])
    check(f"ragged_zero_dilated f32 L={length}", out, ref)

(x, xf), (w, wf), (b, bf) = bf16((2, 8, 3001), 8), bf16((8, 129), 9), bf16((8,), 10)
ref = dwconv(xf, wf, bf, padding="full", dilation=2)
out, = lib.call("ragged_full_bf16", [x, w, b], [ref.shape], [np.uint16])
check("ragged_full bf16 L=3001 k=129", from_bf16(out), ref, tol=2e-2)

lib.finish()
