"""Shape errors at call time: status, message, and untouched outputs."""
import ctypes
import re
import sys

import numpy as np

import oracles
from tfm_e2e import Library, check, random

lib = Library(sys.argv[1])
failures = []


def expect_error(name, args, result_shapes, pattern):
    status, outputs = lib.call_status(name, args, result_shapes)
    message = lib.last_error()
    untouched = all(np.isnan(out).all() for out in outputs)
    ok = status != 0 and re.search(pattern, message) and untouched
    print(f"{'ok  ' if ok else 'FAIL'} {name}: status {status}: {message}")
    if not ok:
        failures.append(pattern)


x, w, r = random((5, 16), 1), random((24, 16), 2), random((5, 24), 3)
out, = lib.call("mlp", [x, w, r], [(5, 24)])
check("mlp reference call", out, oracles.linear(x.astype(np.float64), w.astype(np.float64),
                                               act="relu", residual=r.astype(np.float64)))
if lib.last_error() != "":
    failures.append("the error is cleared after a success")

expect_error("mlp", [random((5, 15), 4), w, r], [(5, 24)],
             r"^mlp: arg0 dim 1 is 15, expected 16 as the function's types fix it$")
expect_error("mlp", [x, random((24, 17), 5), r], [(5, 24)],
             r"^mlp: arg1 dim 1 is 17, expected 16")
expect_error("mlp", [x, w, random((6, 24), 6)], [(5, 24)],
             r"^mlp: arg2 dim 0 is 6, expected 5 to match arg0 dim 0$")
expect_error("mlp", [x, w, r], [(4, 24)],
             r"^mlp: result0 dim 0 is 4, expected 5 to match arg0 dim 0$")
expect_error("mlp", [np.zeros((0, 16), np.float32), w, np.zeros((0, 24), np.float32)], [(1, 24)],
             r"^mlp: arg0 dim 0 is 0, expected a positive size$")

# A null pointer: call the entry by hand with the right dims.
fn = lib.lib.mlp
fn.restype = ctypes.c_int
out = np.full((5, 24), np.nan, np.float32)
p = lambda a: a.ctypes.data_as(ctypes.c_void_p)
status = fn(p(x), ctypes.c_int64(5), ctypes.c_int64(16), None, ctypes.c_int64(24), ctypes.c_int64(16),
            p(r), ctypes.c_int64(5), ctypes.c_int64(24), p(out), ctypes.c_int64(5), ctypes.c_int64(24))
ok = status != 0 and lib.last_error() == "mlp: arg1 is a null pointer" and np.isnan(out).all()
print(f"{'ok  ' if ok else 'FAIL'} mlp null pointer: {lib.last_error()}")
if not ok:
    failures.append("null pointer")

# Attention: relations between dynamic dims of different arguments.
q, k, v = random((1, 4, 7, 8), 7), random((1, 2, 9, 8), 8), random((1, 2, 9, 6), 9)
out, = lib.call("attn", [q, k, v, 2], [(1, 4, 7, 6)])
expect_error("attn", [q, random((1, 2, 9, 5), 10), v, 2], [(1, 4, 7, 6)],
             r"^attn: arg1 dim 3 is 5, expected 8 to match arg0 dim 3$")
expect_error("attn", [q, k, random((1, 2, 10, 6), 11), 2], [(1, 4, 7, 6)],
             r"^attn: arg2 dim 2 is 10, expected 9 to match arg1 dim 2$")
expect_error("attn", [q, k, v, 2], [(1, 4, 7, 8)],
             r"^attn: result0 dim 3 is 8, expected 6 to match arg2 dim 3$")
expect_error("attn", [random((1, 3, 7, 8), 12), k, v, 2], [(1, 3, 7, 6)],
             r"^attn: query heads \(3\) must be a multiple of key/value heads \(2\)$")

x = random((3, 16), 13)
re_, im_ = lib.call("spectrum", [x], [(3, 9), (3, 9)])
spectrum = np.fft.rfft(x.astype(np.float64), axis=-1)
check("rfft default axis", re_, spectrum.real)
check("rfft default axis (imag)", im_, spectrum.imag)
expect_error("spectrum", [x], [(3, 9), (2, 9)],
             r"^spectrum: result1 dim 0 is 2, expected 3 to match arg0 dim 0$")

if failures:
    print("FAILED:", failures)
    sys.exit(1)
lib.finish()
