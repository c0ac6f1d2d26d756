"""Checks linear_bf16.mlir (tfm.linear, 16-bit storage, on the GPU) against
the float64 oracle on the 16-bit-rounded inputs: relative error <= 2e-2."""
import sys

import numpy as np

import oracles
from tfm_e2e import Library, check, from_bf16, from_f16, random, to_bf16, to_f16

TOLERANCE = 2e-2
lib = Library(sys.argv[1])
seed = iter(range(1000, 2000))


def bf16_input(shape, scale=1.0):
    """bf16 bits of a seeded random array, and their float64 values."""
    bits = to_bf16(random(shape, next(seed)) * scale)
    return bits, from_bf16(bits).astype(np.float64)


def run(name, args, result_shape, reference, decode=from_bf16):
    """Calls NAME on ARGS (bits or arrays) and checks its 16-bit result."""
    out, = lib.call(name, args, [result_shape], [np.uint16])
    check(f"{name} -> {list(result_shape)}", decode(out), reference, tol=TOLERANCE)


# Weights scaled by 1/sqrt(K) keep the outputs O(1), as in a model.
# M <= 4 takes the weight-streaming kernel, more rows the tensor cores.
for rows in (1, 4, 5, 77, 300):
    x, xf = bf16_input((rows, 200))
    w, wf = bf16_input((300, 200), 200 ** -0.5)
    run("plain", [x, w], (rows, 300), oracles.linear(xf, wf))

for length in (3, 45):
    x, xf = bf16_input((2, length, 136))
    w, wf = bf16_input((72, 136), 136 ** -0.5)
    b, bf = bf16_input((72,))
    r, rf = bf16_input((2, length, 72))
    run("bias_gelu_residual", [x, w, b, r], (2, length, 72),
        oracles.linear(xf, wf, bf, act="gelu_tanh", residual=rf))

for rows in (3, 130):
    x, xf = bf16_input((rows, 64))
    w, wf = bf16_input((192, 64), 64 ** -0.5)
    b, bf = bf16_input((192,))
    r, rf = bf16_input((rows, 96))
    run("swiglu_bias_residual", [x, w, b, r], (rows, 96),
        oracles.linear(xf, wf, bf, act="silu", gated=True, residual=rf))

for rows in (2, 19):
    x, xf = bf16_input((rows, 48))
    w, wf = bf16_input((74, 48), 48 ** -0.5)
    run("geglu_odd", [x, w], (rows, 37),
        oracles.linear(xf, wf, act="gelu_erf", gated=True))

x, xf = bf16_input((133, 37))
w, wf = bf16_input((29, 37), 37 ** -0.5)
b, bf = bf16_input((29,))
run("ragged_k_relu", [x, w, b], (133, 29), oracles.linear(xf, wf, bf, act="relu"))

x, xf = bf16_input((257, 520))
w, wf = bf16_input((264, 520), 520 ** -0.5)
b, bf = bf16_input((264,))
run("deep_gelu_erf", [x, w, b], (257, 264), oracles.linear(xf, wf, bf, act="gelu_erf"))

for act in ("elu", "sigmoid", "softplus"):
    x, xf = bf16_input((33, 64))
    w, wf = bf16_input((40, 64), 2 * 64 ** -0.5)
    run(act, [x, w], (33, 40), oracles.linear(xf, wf, act=act))

x, xf = bf16_input((256,))
w, wf = bf16_input((136, 256), 256 ** -0.5)
b, bf = bf16_input((136,))
run("vector", [x, w, b], (136,), oracles.linear(xf, wf, bf))

x = to_f16(random((70, 128), next(seed)))
w = to_f16(random((160, 128), next(seed)) * 128 ** -0.5)
b = to_f16(random((160,), next(seed)))
f64 = lambda bits: from_f16(bits).astype(np.float64)
run("f16_silu", [x, w, b], (70, 160),
    oracles.linear(f64(x), f64(w), f64(b), act="silu"), decode=from_f16)

x, xf = bf16_input((45, 75))
w, wf = bf16_input((51, 75), 75 ** -0.5)
run("dynamic", [x, w], (45, 51), oracles.linear(xf, wf))

lib.finish()
