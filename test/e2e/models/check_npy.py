"""Checks a .npy written by a `tfmc --emit=exe` program or tfm-run against
the float64 reference: check_npy.py OUT.npy MODEL_DIR 1,2,3 (the tokens it
ran on; a [batch, seq, ...] output repeats them in every row)."""
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

out = np.load(sys.argv[1])
model_dir = sys.argv[2]
tokens = [int(t) for t in sys.argv[3].split(",")]
with open(os.path.join(model_dir, "config.json")) as f:
    config = json.load(f)
weights = safetensors_np.read(os.path.join(model_dir, "model.safetensors"))
expected = reference.forward(config, weights, tokens)
if out.ndim == 3:
    expected = np.stack([expected] * out.shape[0])
ok = out.dtype == np.float32 and check(f"program output {out.shape}", out, expected)
sys.exit(0 if ok else 1)
