"""Checks what examples/models/main.c printed: for each row of its batch,
the next token and its logit must be the reference's.
check_c_program.py OUTPUT MODEL_DIR"""
import json
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "examples", "models"))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import reference  # noqa: E402
import safetensors_np  # noqa: E402
from tfm_e2e import check  # noqa: E402

ROWS = [[1, 2, 3, 4], [9, 8, 7, 6]]  # main.c's batch

text = open(sys.argv[1]).read()
with open(os.path.join(sys.argv[2], "config.json")) as f:
    config = json.load(f)
weights = safetensors_np.read(os.path.join(sys.argv[2], "model.safetensors"))
ok = True
for row, tokens in enumerate(ROWS):
    last = reference.forward(config, weights, tokens)[-1]
    match = re.search(rf"row {row}: next token (\d+) \(logit (\S+)\)", text)
    ok &= match is not None and int(match.group(1)) == int(np.argmax(last))
    ok &= check(f"row {row} logit", np.array([float(match.group(2))]),
                np.array([last.max()]))
sys.exit(0 if ok else 1)
