"""tfm.feature_map against float64 numpy (OPS.md B1, B2)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tfm_e2e import Library, check, random  # noqa: E402

lib = Library(sys.argv[1])


def performer(x, w):
    """φ(x) = exp(W·x − ‖x‖²/2)/√m."""
    x, w = np.float64(x), np.float64(w)
    return np.exp(x @ w.T - 0.5 * (x * x).sum(-1, keepdims=True)) / np.sqrt(w.shape[0])


x = random((2, 3, 37, 16), 1, -2.0, 2.0)
out, = lib.call("relu", [x], [x.shape])
check("relu", out, np.maximum(np.float64(x), 0.0))

for length in (37, 100, 1):
    x = random((1, 2, length, 8), 2 + length, -2.0, 2.0)
    xd = np.float64(x)
    out, = lib.call("elu_plus_one", [x], [x.shape])
    check(f"elu_plus_one[L={length}]", out, np.where(xd > 0, xd, np.expm1(xd)) + 1.0)

    # Performer inputs are pre-scaled by d^(-1/4) in the model.
    x = random((1, 2, length, 12), 3 + length) * 12 ** -0.25
    w = np.float32(np.random.default_rng(4).standard_normal((20, 12)))
    out, = lib.call("performer", [x, w], [(1, 2, length, 20)])
    check(f"performer[L={length}]", out, performer(x, w))

x = random((37, 8), 5) * 8 ** -0.25
w = np.float32(np.random.default_rng(6).standard_normal((64, 8)))
out, = lib.call("performer_rank2", [x, w], [(37, 64)])
check("performer_rank2", out, performer(x, w))

lib.finish()
