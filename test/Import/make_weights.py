"""Writes a checkpoint for a model and broken copies of it, one problem
each, for the weights error tests: make_weights.py CONFIG OUT_DIR."""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "models"))
import generate  # noqa: E402
import safetensors_np  # noqa: E402

config_path, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
with open(config_path) as f:
    weights = generate.weights_for(json.load(f), seed=0)


def path(name):
    return os.path.join(out, name + ".safetensors")


def write_raw(name, header, data):
    text = json.dumps(header).encode()
    with open(path(name), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


safetensors_np.write(path("good"), weights)
good = open(path("good"), "rb").read()

safetensors_np.write(path("missing"), {k: v for k, v in weights.items()
                                       if k != "model.layers.2.mlp.up_proj.weight"})
safetensors_np.write(path("extra"), {**weights, "model.rotary_emb.inv_freq": weights["model.norm.weight"]})
safetensors_np.write(path("misshapen"), {**weights, "model.layers.1.self_attn.k_proj.weight":
                                         weights["model.layers.1.self_attn.k_proj.weight"].T})

# One tensor's dtype changed to F64 (its bytes doubled accordingly).
header, data = {}, b""
for name, value in weights.items():
    raw = value.astype("<f8" if name == "model.norm.weight" else "<f4").tobytes()
    header[name] = {"dtype": "F64" if name == "model.norm.weight" else "F32",
                    "shape": list(value.shape), "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
write_raw("dtype", header, data)

# Header offsets past the end of the data; two tensors sharing bytes.
header, data = {}, b""
for name, value in weights.items():
    raw = value.astype("<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(value.shape),
                    "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
beyond = dict(header)
end = len(data)
beyond["model.norm.weight"] = {"dtype": "F32", "shape": [64], "data_offsets": [end, end + 256]}
write_raw("offsets", beyond, data)
overlap = dict(header)
overlap["model.norm.weight"] = {"dtype": "F32", "shape": [64], "data_offsets": [0, 256]}
write_raw("overlap", overlap, data)

with open(path("truncated"), "wb") as f:
    f.write(good[:len(good) - 1000])
with open(path("header_length"), "wb") as f:
    f.write(struct.pack("<Q", 1 << 40) + good[8:])
with open(path("not_json"), "wb") as f:
    f.write(struct.pack("<Q", 12) + b'{"a": [1, 2' + b" " + good[20:])
with open(path("short"), "wb") as f:
    f.write(b"\x10\x00\x00")
