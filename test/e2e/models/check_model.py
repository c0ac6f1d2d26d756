"""Runs a model compiled by tfmc (--emit=so) through its C API and compares
its output with the float64 reference of its architecture.

    check_model.py MODEL.so NAME MODEL_DIR [--lengths 1,5,37] [--batch 2]

MODEL_DIR holds config.json and model.safetensors. Each length runs as one
batch of `--batch` different sequences; every row must match the reference
to 1e-4 relative error. Bad calls (token ids out of range, an empty or
too long sequence, a null model) must fail with a message and leave the
output untouched."""
import argparse
import ctypes
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "examples", "models"))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import reference  # noqa: E402
import safetensors_np  # noqa: E402
from tfm_e2e import check  # noqa: E402

_failures = []


class Model:
    def __init__(self, library, name, weights):
        self.lib = ctypes.CDLL(library)
        self.lib.tfm_last_error.restype = ctypes.c_char_p
        self.create = getattr(self.lib, name + "_create")
        self.forward_fn = getattr(self.lib, name + "_forward")
        self.destroy = getattr(self.lib, name + "_destroy")
        self.handle = ctypes.c_void_p()
        path = weights.encode() if weights is not None else None
        if self.create(path, ctypes.byref(self.handle)) != 0:
            raise SystemExit(f"{name}_create failed: {self.error()}")

    def error(self):
        return self.lib.tfm_last_error().decode()

    def forward(self, tokens, width, handle=None):
        """(status, output) for int32 tokens [batch, seq]."""
        tokens = np.ascontiguousarray(tokens, dtype=np.int32)
        out = np.full(tokens.shape + (width,), np.nan, dtype=np.float32)
        status = self.forward_fn(
            self.handle if handle is None else handle,
            tokens.ctypes.data_as(ctypes.c_void_p), ctypes.c_int64(tokens.shape[0]),
            ctypes.c_int64(tokens.shape[1]), out.ctypes.data_as(ctypes.c_void_p))
        return status, out


def expect_failure(name, model, tokens, width, message, handle=None):
    status, out = model.forward(tokens, width, handle)
    error = model.error()
    ok = status != 0 and message in error and np.all(np.isnan(out))
    print(f"{'ok  ' if ok else 'FAIL'} {name}: status {status}: {error}")
    if not ok:
        _failures.append(name)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("library")
    parser.add_argument("name")
    parser.add_argument("model_dir")
    parser.add_argument("--lengths", default="1,5,37")
    parser.add_argument("--batch", type=int, default=2)
    args = parser.parse_args()

    with open(os.path.join(args.model_dir, "config.json")) as f:
        config = json.load(f)
    weights_path = os.path.join(args.model_dir, "model.safetensors")
    weights = safetensors_np.read(weights_path)
    vocab = config["vocab_size"]
    kind = config.get("format") or config["architectures"][0]
    model = Model(args.library, args.name, weights_path)

    rng = np.random.default_rng(7)
    width = None
    for length in (int(n) for n in args.lengths.split(",")):
        tokens = rng.integers(0, vocab, size=(args.batch, length), dtype=np.int32)
        expected = np.stack([reference.forward(config, weights, row) for row in tokens])
        width = expected.shape[-1]
        status, out = model.forward(tokens, width)
        if status != 0:
            raise SystemExit(f"forward failed: {model.error()}")
        if not check(f"{kind} batch {args.batch} seq {length}",
                     out, expected):
            _failures.append(f"seq {length}")

    expect_failure("token id >= vocab", model, np.array([[1, vocab, 2]]), width,
                   f"tokens[0][1] is {vocab}, expected a token id in [0, {vocab})")
    expect_failure("negative token id", model, np.array([[0], [-3]]), width,
                   "tokens[1][0] is -3")
    expect_failure("empty sequence", model, np.zeros((1, 0)), width,
                   "expected positive sizes")
    expect_failure("null model", model, np.array([[1]]), width, "the model is null",
                   handle=ctypes.c_void_p())
    # Learned position tables bound the sequence length.
    limit = {"GPT2LMHeadModel": "n_positions", "BertModel": "max_position_embeddings",
             "tfm-model": "max_positions"}.get(kind)
    if limit in config:
        expect_failure("sequence past the position table", model,
                       np.zeros((1, config[limit] + 1)), width,
                       f"seq is {config[limit] + 1}, the model has positions for at "
                       f"most {config[limit]} tokens")
    model.destroy(model.handle)
    if _failures:
        print(f"FAILED: {', '.join(_failures)}")
        sys.exit(1)
    print("all cases passed")


if __name__ == "__main__":
    main()
