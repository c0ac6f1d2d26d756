"""Reads and writes safetensors files with numpy only.

A safetensors file is an 8-byte little-endian header length N, N bytes of
JSON mapping each tensor name to {"dtype", "shape", "data_offsets"} (byte
offsets into the data that follows), and the data. F32, F16 and BF16 are
supported; BF16 is rounded to nearest even from float32.
"""
import json
import struct

import numpy as np

DTYPES = ("F32", "F16", "BF16")


def _encode(array, dtype):
    array = np.ascontiguousarray(array, dtype=np.float32)
    if dtype == "F32":
        return array.astype("<f4").tobytes()
    if dtype == "F16":
        return array.astype("<f2").tobytes()
    bits = array.view("<u4").astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype("<u2").tobytes()


def _decode(raw, dtype, shape):
    if dtype == "F32":
        values = np.frombuffer(raw, "<f4")
    elif dtype == "F16":
        values = np.frombuffer(raw, "<f2").astype(np.float32)
    else:
        values = (np.frombuffer(raw, "<u2").astype("<u4") << 16).view("<f4")
    return values.reshape(shape)


def write(path, tensors, dtype="F32", metadata=None):
    """Writes {name: array} with every tensor stored as `dtype`."""
    assert dtype in DTYPES, dtype
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, array in tensors.items():
        raw = _encode(array, dtype)
        header[name] = {"dtype": dtype, "shape": list(np.shape(array)),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # keeps the data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)


def read(path):
    """{name: float32 array} of a safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    data = blob[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        tensors[name] = _decode(data[begin:end], entry["dtype"], entry["shape"])
    return tensors
