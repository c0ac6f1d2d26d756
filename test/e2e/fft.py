"""tfm.rfft and tfm.irfft against numpy's float64 rfft and irfft."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tfm_e2e import Library, check, random  # noqa: E402

lib = Library(sys.argv[1])


def rfft_case(name, shape, n=None, axis=-1, seed=0, label=None):
    x = random(shape, seed)
    ref = np.fft.rfft(np.float64(x), n=n, axis=axis)
    re, im = lib.call(name, [x], [ref.shape, ref.shape])
    check(label or name, np.stack([re, im]), np.stack([ref.real, ref.imag]))


def irfft_case(name, bins_shape, n, axis=-1, seed=0):
    re, im = random(bins_shape, seed), random(bins_shape, seed + 1)
    ref = np.fft.irfft(np.float64(re) + 1j * np.float64(im), n=n, axis=axis)
    out, = lib.call(name, [re, im], [ref.shape])
    check(name, out, ref)


rfft_case("rfft_pow2", (3, 64), seed=1)
rfft_case("rfft_bluestein", (3, 100), seed=2)
rfft_case("rfft_pad", (2, 37), n=64, seed=3)
rfft_case("rfft_truncate", (2, 100), n=37, seed=4)
rfft_case("rfft_axis0", (37, 3), axis=0, seed=5)
rfft_case("rfft_middle", (2, 24, 3), axis=-2, seed=6)
rfft_case("rfft_one", (4, 1), seed=7)
for length in (37, 100, 128, 1, 300):
    rfft_case("rfft_dynamic", (2, length), n=128, seed=8 + length,
              label=f"rfft_dynamic[L={length}]")
rfft_case("rfft_long", (2, 4096), seed=9)
rfft_case("rfft_bluestein_long", (1, 3000), seed=16)

irfft_case("irfft_pow2", (3, 33), 64, seed=10)
irfft_case("irfft_odd", (3, 19), 37, seed=11)
irfft_case("irfft_even", (2, 51), 100, seed=12)
irfft_case("irfft_axis", (2, 19, 3), 37, axis=1, seed=13)
irfft_case("irfft_one", (4, 1), 1, seed=14)
irfft_case("irfft_long", (2, 2049), 4096, seed=15)

lib.finish()
