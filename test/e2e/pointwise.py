"""Oracles for pointwise.mlir: activations, norms, rope, embedding, linear."""
import sys

import numpy as np

import oracles
from tfm_e2e import Library, check, random

lib = Library(sys.argv[1])
f64 = lambda a: np.asarray(a, dtype=np.float64)

for length in (1, 41):
    x = random((3, length), seed=length, low=-6, high=6)
    for name, fn in oracles.ACTIVATIONS.items():
        out, = lib.call(f"act_{name}", [x], [x.shape])
        check(f"act_{name} L={length}", out, fn(f64(x)))

for length in (1, 23):
    x = random((2, length, 37), seed=10 + length, low=-3, high=5)
    g, b = random((37,), 11), random((37,), 12)
    out, = lib.call("layer_norm", [x, g, b], [x.shape])
    check(f"layer_norm L={length}", out, oracles.layer_norm(f64(x), f64(g), f64(b)))
    out, = lib.call("rms_norm", [x, g], [x.shape])
    check(f"rms_norm L={length}", out, oracles.rms_norm(f64(x), f64(g), eps=1e-6))
x = random((9, 5), 13) + 100.0   # large mean: the two-pass variance stays exact
out, = lib.call("layer_norm_plain", [x], [x.shape])
check("layer_norm mean 100", out, oracles.layer_norm(f64(x)), tol=1e-3)
x, s, t = random((2, 6, 11), 14), random((6,), 15), random((6,), 16)
out, = lib.call("batch_norm_axis1", [x, s, t], [x.shape])
check("affine norm axis 1", out, oracles.affine_norm(f64(x), f64(s), f64(t), axis=1))

for length in (1, 19):
    x = random((1, 3, length, 16), 20 + length)
    pos = np.arange(length, dtype=np.int32) + 5
    out, = lib.call("rope_half", [x, pos], [x.shape])
    check(f"rope half L={length}", out, oracles.rope(f64(x), pos))
x = random((2, 2, 7, 12), 30)
pos = np.stack([np.arange(7), np.arange(7) * 3 + 1000]).astype(np.int64)
out, = lib.call("rope_interleaved_partial", [x, pos], [x.shape])
check("rope interleaved rotary 4 base 500", out,
      oracles.rope(f64(x), pos, base=500.0, rot=4, style="interleaved"))
x = random((1, 2, 5, 10), 31)
pos = np.array([0, 1, 20000, 3, 16383], dtype=np.int32)   # large positions
out, = lib.call("rope_half_partial", [x, pos], [x.shape])
check("rope half rotary 6, positions to 20000", out, oracles.rope(f64(x), pos, rot=6))

table = random((50, 24), 40)
ids = np.random.default_rng(41).integers(0, 50, size=(2, 9)).astype(np.int32)
out, = lib.call("embedding", [table, ids], [(2, 9, 24)])
check("embedding", out, f64(table)[ids])

for rows in (1, 31, 300):   # 300 rows: several parallel M blocks and a remainder
    x, w = random((rows, 37), 50 + rows), random((29, 37), 51)
    out, = lib.call("linear_plain", [x, w], [(rows, 29)])
    check(f"linear M={rows}", out, oracles.linear(f64(x), f64(w)))
x, w, b = random((2, 13, 37), 52), random((29, 37), 53), random((29,), 54)
out, = lib.call("linear_bias_gelu", [x, w, b], [(2, 13, 29)])
check("linear bias gelu_tanh", out, oracles.linear(f64(x), f64(w), f64(b), act="gelu_tanh"))
x, w, r = random((11, 16), 55), random((46, 16), 56), random((11, 23), 57)
out, = lib.call("linear_swiglu_residual", [x, w, r], [(11, 23)])
check("linear swiglu + residual", out,
      oracles.linear(f64(x), f64(w), act="silu", gated=True, residual=f64(r)))
x, w, b = random((16,), 58), random((8, 16), 59), random((8,), 60)
out, = lib.call("linear_vector", [x, w, b], [(8,)])
check("linear rank-1 input relu", out, oracles.linear(f64(x), f64(w), f64(b), act="relu"))
x, w, b, r = random((3, 5, 16), 61), random((24, 16), 62), random((24,), 63), random((3, 5, 24), 64)
out, = lib.call("linear_batched_dynamic", [x, w, b, r], [(3, 5, 24)])
check("linear [?, ?, K] bias gelu_erf residual", out,
      oracles.linear(f64(x), f64(w), f64(b), act="gelu_erf", residual=f64(r)))
out, = lib.call("linear_batched_dynamic_glu", [x, w], [(3, 5, 12)])
check("linear [?, ?, K] swiglu", out, oracles.linear(f64(x), f64(w), act="silu", gated=True))

lib.finish()
