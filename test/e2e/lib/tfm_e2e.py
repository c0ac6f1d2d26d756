"""Calls tfmc-compiled entry points through ctypes and checks them against
numpy oracles. See ../README.md for the calling convention."""
import ctypes
import sys

import numpy as np

_CTYPES = {np.dtype(np.float32): ctypes.c_float,
           np.dtype(np.int32): ctypes.c_int32,
           np.dtype(np.int64): ctypes.c_int64,
           # bf16 and f16 tensors cross the ABI as their 16-bit patterns.
           np.dtype(np.uint16): ctypes.c_uint16}

# All-ones is a NaN both as bf16 and as f16: poisons 16-bit float results.
_NAN_BITS_16 = 0xFFFF

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
        outputs = [np.full(shape, _poison(dtype), dtype=dtype)
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


def _poison(dtype):
    """The value results are filled with before a call, so unwritten
    elements show up: NaN for floats (uint16 holds bf16/f16 bits), -1 for
    integers."""
    dtype = np.dtype(dtype)
    if dtype == np.uint16:
        return _NAN_BITS_16
    return np.nan if dtype.kind == "f" else -1


def to_bf16(x):
    """bf16 bit patterns (uint16) of float32 values, rounded to nearest even
    (NaN stays a quiet NaN)."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounding = ((bits >> 16) & 1) + np.uint32(0x7FFF)
    rounded = ((bits + rounding) >> 16).astype(np.uint16)
    quiet_nan = ((bits >> 16) | 0x0040).astype(np.uint16)
    return np.where(np.isnan(x), quiet_nan, rounded)


def from_bf16(bits):
    """float32 values of bf16 bit patterns (uint16)."""
    bits = np.ascontiguousarray(bits, dtype=np.uint16)
    return (bits.astype(np.uint32) << 16).view(np.float32)


def to_f16(x):
    """f16 bit patterns (uint16) of float values, rounded to nearest even."""
    return np.ascontiguousarray(x, dtype=np.float32).astype(np.float16).view(np.uint16)


def from_f16(bits):
    """float32 values of f16 bit patterns (uint16)."""
    return np.ascontiguousarray(bits, dtype=np.uint16).view(np.float16).astype(np.float32)


def relative_error(out, ref):
    if np.asarray(out).dtype == np.uint16 or np.asarray(ref).dtype == np.uint16:
        raise TypeError("relative_error of uint16 bit patterns: decode them "
                        "with from_bf16/from_f16 first")
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
