"""tfm.dwconv against explicit float64 loops over the taps, per the op's
padding table."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tfm_e2e import Library, check, random  # noqa: E402

lib = Library(sys.argv[1])


def dwconv(x, w, bias=None, padding="zero", stride=None, dilation=None):
    """y[b,c,i] = Σ_t w[c,t]·xpad[b,c,i·stride + t·dilation] (+ bias[c]);
    the padded input wraps around for circular padding."""
    x, w = np.float64(x), np.float64(w)
    rank = w.ndim - 1
    stride = stride or [1] * rank
    dilation = dilation or [1] * rank
    padded = x
    outputs = []
    for i in range(rank):
        extent = (w.shape[1 + i] - 1) * dilation[i]
        lo, hi = {"zero": (extent // 2, extent - extent // 2),
                  "circular": (extent // 2, extent - extent // 2),
                  "causal": (extent, 0), "full": (extent, extent)}[padding]
        length = x.shape[2 + i]
        source = np.arange(-lo, length + hi)
        if padding == "circular":
            taken = np.take(padded, source % length, axis=2 + i)
        else:
            inside = (source >= 0) & (source < length)
            taken = np.take(padded, np.clip(source, 0, length - 1), axis=2 + i)
            shape = [1] * x.ndim
            shape[2 + i] = len(source)
            taken = taken * inside.reshape(shape)
        padded = taken
        outputs.append((length + lo + hi - extent - 1) // stride[i] + 1)
    y = np.zeros(x.shape[:2] + tuple(outputs))
    for taps in np.ndindex(*w.shape[1:]):
        window = tuple(slice(t * d, t * d + s * (o - 1) + 1, s)
                       for t, d, s, o in zip(taps, dilation, stride, outputs))
        tap = w[(slice(None),) + taps].reshape((1, -1) + (1,) * rank)
        y += tap * padded[(slice(None), slice(None)) + window]
    if bias is not None:
        y += np.float64(bias).reshape((1, -1) + (1,) * rank)
    return y


def case(name, x_shape, w_shape, bias=False, seed=0, label=None, **attrs):
    x = random(x_shape, seed)
    w = random(w_shape, seed + 1)
    args = [x, w]
    b = None
    if bias:
        b = random((w_shape[0],), seed + 2)
        args.append(b)
    ref = dwconv(x, w, b, **attrs)
    out, = lib.call(name, args, [ref.shape])
    check(label or name, out, ref)


case("direct_zero_bias", (2, 5, 37), (5, 5), bias=True, seed=1)
for impl in ("direct", "fft"):
    case(f"{impl}_circular", (2, 3, 37), (3, 3), padding="circular", seed=3)
    case(f"{impl}_circular_wide", (1, 2, 5), (2, 9), padding="circular", seed=4)
    for length in (37, 100, 1):
        case(f"{impl}_causal", (1, 4, length), (4, 4), bias=True, padding="causal",
             seed=5 + length, label=f"{impl}_causal[L={length}]")
    case(f"{impl}_2d_circular", (1, 4, 7, 10), (4, 5, 5), padding="circular",
         dilation=[1, 2], seed=7)

case("direct_zero_strided", (2, 3, 37), (3, 4), stride=[2], dilation=[2], seed=2)
case("direct_full", (2, 3, 37), (3, 6), padding="full", seed=9)
case("direct_2d_zero", (2, 3, 11, 9), (3, 3, 3), bias=True, stride=[2, 2], seed=10)
case("direct_2d_full", (1, 2, 6, 5), (2, 3, 2), padding="full", dilation=[2, 2], seed=8)
case("fft_zero_dilated", (2, 3, 37), (3, 4), bias=True, dilation=[3], seed=11)
case("fft_full", (2, 3, 37), (3, 6), padding="full", dilation=[2], seed=12)
case("fft_long", (1, 2, 4096), (2, 257), padding="causal", seed=14)

lib.finish()
