"""Recomputes examples/c/main.c's block in float64 and compares the values it
printed."""
import re
import sys

import numpy as np

import oracles
from tfm_e2e import check

SEQ, DIM, HIDDEN = 5, 64, 176


def fill(count, seed):
    """main.c's linear congruential fill."""
    values = np.empty(count)
    for i in range(count):
        seed = (seed * 1103515245 + 12345) & 0xFFFFFFFF
        values[i] = np.float32(((seed >> 8) % 2001) / 1000.0 - 1.0)
    return values


x = fill(SEQ * DIM, 1).reshape(SEQ, DIM)
norm = fill(DIM, 2)
gate_up = fill(2 * HIDDEN * DIM, 3).reshape(2 * HIDDEN, DIM)
down = fill(DIM * HIDDEN, 4).reshape(DIM, HIDDEN)
h = oracles.rms_norm(x, norm)
a = oracles.linear(h, gate_up, act="silu", gated=True)
y = oracles.linear(a, down, residual=x)

text = open(sys.argv[1]).read()
rows = {int(m.group(1)): [float(v) for v in m.group(2).split()]
        for m in re.finditer(r"y\[(\d+)\]\[0:4\] = (.*)", text)}
printed = np.array([rows[0], rows[SEQ - 1]])
ok = check("C program output", printed, np.array([y[0, :4], y[SEQ - 1, :4]]))
sys.exit(0 if ok else 1)
