"""Writes a variant of a model: its config.json with some fields replaced
and deterministic weights for it.

    variant.py BASE_CONFIG OUT_DIR [--seed N] [--dtype F32|F16|BF16]
               [--drop PREFIX] [--prefix P] [KEY=JSON ...]

e.g. `rope_scaling='{"rope_type": "linear", "factor": 2.0}'` or
`architectures='["MistralForCausalLM"]'`. `--drop` leaves out the tensors
whose names start with PREFIX; `--prefix` prepends P to every name (a base
model saved inside a task model: "bert.")."""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "examples", "models"))
import generate  # noqa: E402
import safetensors_np  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("base")
parser.add_argument("out_dir")
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--dtype", default="F32", choices=safetensors_np.DTYPES)
parser.add_argument("--drop")
parser.add_argument("--prefix", default="")
parser.add_argument("fields", nargs="*")
args = parser.parse_intermixed_args()

with open(args.base) as f:
    config = json.load(f)
for field in args.fields:
    key, value = field.split("=", 1)
    config[key] = json.loads(value)
os.makedirs(args.out_dir, exist_ok=True)
with open(os.path.join(args.out_dir, "config.json"), "w") as f:
    json.dump(config, f, indent=2)
weights = {args.prefix + name: value
           for name, value in generate.weights_for(config, args.seed).items()
           if not (args.drop and name.startswith(args.drop))}
safetensors_np.write(os.path.join(args.out_dir, "model.safetensors"), weights,
                     args.dtype)
