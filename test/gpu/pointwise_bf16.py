"""Checks pointwise_bf16.mlir on the GPU against float64 numpy oracles run
on the 16-bit-rounded inputs (relative error 2e-2)."""
import sys

import numpy as np

import oracles
from tfm_e2e import Library, check, from_bf16, from_f16, random, to_bf16, to_f16

lib = Library(sys.argv[1])
TOL = 2e-2
BITS = [np.uint16]
# Encoders and decoders of each 16-bit storage type.
CODECS = {"bf16": (to_bf16, from_bf16), "f16": (to_f16, from_f16)}


def stored(shape, seed, low=-1.0, high=1.0, dtype="bf16"):
    """Random values rounded to `dtype`: (bits to pass, float64 values)."""
    encode, decode = CODECS[dtype]
    bits = encode(random(shape, seed, low, high))
    return bits, decode(bits).astype(np.float64)


def run(name, args, shape, ref, label=None, dtype="bf16"):
    out, = lib.call(name, args, [shape], BITS)
    check(label or name, CODECS[dtype][1](out), ref, tol=TOL)


# Activations: a length of one run exactly, ragged lengths, several blocks.
for length in (1, 8, 41, 4099):
    x, xf = stored((3, length), length, -6, 6)
    for kind, fn in oracles.ACTIVATIONS.items():
        run(f"act_{kind}", [x], x.shape, fn(xf), f"act_{kind} L={length}")
for length in (5, 1000):
    x, xf = stored((length,), 7 + length, -6, 6, "f16")
    run("act_silu_f16", [x], x.shape, oracles.ACTIVATIONS["silu"](xf),
        f"act_silu f16 L={length}", "f16")
    run("act_gelu_tanh_f16", [x], x.shape, oracles.ACTIVATIONS["gelu_tanh"](xf),
        f"act_gelu_tanh f16 L={length}", "f16")

# Norms.
for rows in (1, 37):
    x, xf = stored((rows, 4096), 20 + rows, -3, 5)
    g, gf = stored((4096,), 21)
    run("rms_norm", [x, g], x.shape, oracles.rms_norm(xf, gf, eps=1e-6),
        f"rms_norm 4096 rows={rows}")
for length in (1, 7):
    x, xf = stored((2, length, 768), 22 + length, -3, 5)
    g, gf = stored((768,), 23)
    b, bf = stored((768,), 24)
    run("layer_norm_768", [x, g, b], x.shape, oracles.layer_norm(xf, gf, bf),
        f"layer_norm 768 L={length}")
    x, xf = stored((2, length, 37), 25 + length, -3, 5)
    g, gf = stored((37,), 26)
    b, bf = stored((37,), 27)
    run("layer_norm_37", [x, g, b], x.shape, oracles.layer_norm(xf, gf, bf),
        f"layer_norm 37 L={length}")
x, xf = stored((9, 2048), 28, -3, 5, "f16")
run("rms_norm_2048_f16", [x], x.shape, oracles.rms_norm(xf), "rms_norm 2048 f16",
    "f16")
x, xf = stored((9, 5), 29, 99, 101)   # |mean| >> std
run("layer_norm_plain", [x], x.shape, oracles.layer_norm(xf), "layer_norm mean 100")
for length in (1000, 37):   # vector runs, then element runs
    x, xf = stored((3, length), 30 + length, -3, 5)
    g, gf = stored((length,), 31)
    run("rms_norm_dynamic", [x, g], x.shape, oracles.rms_norm(xf, gf),
        f"rms_norm dynamic C={length}")
    x, xf = stored((3, length), 32 + length, 99, 101)
    run("layer_norm_dynamic", [x], x.shape, oracles.layer_norm(xf),
        f"layer_norm dynamic C={length} mean 100")
x, xf = stored((3, 70000), 33, -3, 5)
g, gf = stored((70000,), 34)
b, bf = stored((70000,), 35)
run("layer_norm_long", [x, g, b], x.shape, oracles.layer_norm(xf, gf, bf),
    "layer_norm 70000 (streamed)")
x, xf = stored((2, 6, 11), 36, -3, 5)
g, gf = stored((6,), 37)
b, bf = stored((6,), 38)
run("layer_norm_axis1", [x, g, b], x.shape,
    oracles.layer_norm(xf, gf, bf, axis=1), "layer_norm axis 1")
x, xf = stored((7, 300), 39, -3, 5, "f16")
run("rms_norm_axis0_f16", [x], x.shape, oracles.rms_norm(xf, axis=0),
    "rms_norm axis 0 f16", "f16")
x, xf = stored((2, 6, 11), 40, -3, 5)
s, sf = stored((6,), 41)
t, tf = stored((6,), 42)
run("affine_norm_axis1", [x, s, t], x.shape,
    oracles.affine_norm(xf, sf, tf, axis=1), "affine_norm axis 1")
x, xf = stored((5, 40), 43)
s, sf = stored((40,), 44)
run("affine_norm_last", [x, s], x.shape, oracles.affine_norm(xf, sf),
    "affine_norm last axis")

# Rope: large positions, [L] and [B, L], partial rotary, both styles.
for length in (1, 37):
    x, xf = stored((1, 32, length, 128), 50 + length)
    pos = (np.arange(length) * 547 % 20011).astype(np.int32)
    run("rope_half", [x, pos], x.shape, oracles.rope(xf, pos),
        f"rope half d=128 L={length}")
x, xf = stored((2, 10, 13, 64), 52)
pos = np.stack([np.arange(13), np.arange(13) + 4000]).astype(np.int32)
run("rope_half_batched", [x, pos], x.shape, oracles.rope(xf, pos),
    "rope half [B, L] positions, 10 heads")
x, xf = stored((2, 2, 7, 24), 53)
pos = np.stack([np.arange(7), np.arange(7) * 3 + 1000]).astype(np.int64)
run("rope_interleaved_partial", [x, pos], x.shape,
    oracles.rope(xf, pos, base=500.0, rot=8, style="interleaved"),
    "rope interleaved rotary 8 base 500")
x, xf = stored((1, 2, 5, 10), 54)
pos = np.array([0, 1, 20000, 3, 16383], dtype=np.int32)
run("rope_half_partial", [x, pos], x.shape, oracles.rope(xf, pos, rot=6),
    "rope half rotary 6")
x, xf = stored((1, 2, 6, 7), 55)
pos = np.arange(6, dtype=np.int32) + 9
run("rope_interleaved_odd", [x, pos], x.shape,
    oracles.rope(xf, pos, rot=4, style="interleaved"), "rope interleaved d=7")
x, xf = stored((1, 3, 19, 16), 56, dtype="f16")
pos = np.arange(19, dtype=np.int64) + 5
run("rope_half_f16", [x, pos], x.shape, oracles.rope(xf, pos), "rope half f16",
    "f16")

# Embedding: ids out of [0, V) read the nearest row, never out of bounds.
table, tablef = stored((50, 24), 60)
ids = np.random.default_rng(61).integers(0, 50, size=(2, 9)).astype(np.int64)
ids[0, 0], ids[1, 3] = -5, 1000
run("embedding", [table, ids], (2, 9, 24), tablef[np.clip(ids, 0, 49)],
    "embedding (ids clamped)")
table, tablef = stored((1000, 4096), 62, dtype="f16")
ids = np.random.default_rng(63).integers(0, 1000, size=(1, 33)).astype(np.int32)
run("embedding_wide_f16", [table, ids], (1, 33, 4096), tablef[ids],
    "embedding 4096 f16", "f16")


# Feature maps.
def performer(x, w):
    """φ(x) = exp(W·x − ‖x‖²/2)/√m."""
    return np.exp(x @ w.T - 0.5 * (x * x).sum(-1, keepdims=True)) / np.sqrt(w.shape[0])


def projection(shape, seed, dtype="bf16"):
    encode, decode = CODECS[dtype]
    bits = encode(np.float32(np.random.default_rng(seed).standard_normal(shape)))
    return bits, decode(bits).astype(np.float64)


x, xf = stored((2, 3, 37, 16), 70, -2, 2)
run("feature_relu", [x], x.shape, np.maximum(xf, 0.0), "feature_map relu")
for length in (1, 100):
    x, xf = stored((1, 2, length, 8), 71 + length, -2, 2)
    run("feature_elu_plus_one", [x], x.shape,
        np.where(xf > 0, xf, np.expm1(xf)) + 1.0, f"feature_map elu+1 L={length}")
    x, xf = stored((1, 2, length, 12), 72 + length, -12 ** -0.25, 12 ** -0.25)
    w, wf = projection((20, 12), 73)
    run("performer", [x, w], (1, 2, length, 20), performer(xf, wf),
        f"performer L={length}")
x, xf = stored((1, 4, 13, 64), 74, -64 ** -0.25, 64 ** -0.25)
w, wf = projection((200, 64), 75)
run("performer_wide", [x, w], (1, 4, 13, 200), performer(xf, wf),
    "performer m=200 L=13")
x, xf = stored((29, 48), 76, -48 ** -0.25, 48 ** -0.25, "f16")
w, wf = projection((70, 48), 77, "f16")
run("performer_dynamic_f16", [x, w], (29, 70), performer(xf, wf),
    "performer dynamic f16", "f16")

lib.finish()
