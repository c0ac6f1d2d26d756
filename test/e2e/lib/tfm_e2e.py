"""Calls tfmc-compiled entry points through ctypes and checks them against
numpy oracles. See ../README.md for the calling convention."""
import ctypes
import sys

import numpy as np

_CTYPES = {np.dtype(np.float32): ctypes.c_float,
           np.dtype(np.int32): ctypes.c_int32,
           np.dtype(np.int64): ctypes.c_int64}

_failures = []


def random(shape, seed, low=-1.0, high=1.0, dtype=np.float32):
    """Seeded uniform random array (never zeros: zeros hide missing work)."""
    gen = np.random.default_rng(seed)
    return gen.uniform(low, high, size=shape).astype(dtype)


class Library:
    """A shared library written by `tfmc --emit=so`."""

    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.lib.tfm_last_error.restype = ctypes.c_char_p

    def last_error(self):
        return self.lib.tfm_last_error().decode()

    def call_status(self, name, args, result_shapes, result_dtypes=None):
        """Calls NAME; returns (status, outputs). Arguments are numpy arrays
        (passed with all their dims) or Python ints (index arguments)."""
        result_dtypes = result_dtypes or [np.float32] * len(result_shapes)
        outputs = [np.full(shape, np.nan, dtype=dtype) if np.dtype(dtype).kind == "f"
                   else np.full(shape, -1, dtype=dtype)
                   for shape, dtype in zip(result_shapes, result_dtypes)]
        c_args = []
        keep_alive = []
        for arg in list(args) + outputs:
            if isinstance(arg, (int, np.integer)):
                c_args.append(ctypes.c_int64(int(arg)))
                continue
            if arg is None:
                c_args.append(ctypes.c_void_p(0))
                continue
            array = np.ascontiguousarray(arg)
            keep_alive.append(array)
            c_args.append(array.ctypes.data_as(ctypes.POINTER(_CTYPES[array.dtype])))
            c_args.extend(ctypes.c_int64(d) for d in array.shape)
        function = getattr(self.lib, name)
        function.restype = ctypes.c_int
        status = function(*c_args)
        return status, outputs

    def call(self, name, args, result_shapes, result_dtypes=None):
        status, outputs = self.call_status(name, args, result_shapes, result_dtypes)
        if status != 0:
            raise SystemExit(f"{name}: returned {status}: {self.last_error()}")
        return outputs

    def finish(self):
        if _failures:
            print(f"FAILED: {', '.join(_failures)}")
            sys.exit(1)
        print("all cases passed")


def relative_error(out, ref):
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if out.shape != ref.shape:
        return float("inf")
    denom = np.linalg.norm(ref)
    return float(np.linalg.norm(out - ref) / (denom if denom > 0 else 1.0))


def check(name, out, ref, tol=1e-4):
    """Records and prints whether out matches ref to `tol` relative error."""
    error = relative_error(out, ref)
    ok = np.all(np.isfinite(out)) and error <= tol
    print(f"{'ok  ' if ok else 'FAIL'} {name}: relative error {error:.3e} (tol {tol:g})")
    if not ok:
        _failures.append(name)
    return ok
