"""Calls the CUDA library's add_scaled where no CUDA driver exists."""
import sys

import numpy as np

from tfm_e2e import Library

lib = Library(sys.argv[1])
x = np.ones((4, 64), np.float32)
status, (out,) = lib.call_status("add_scaled", [x, x], [(4, 64)])
print(f"status {status}: add_scaled: {lib.last_error()}")
print("output untouched:", bool(np.isnan(out).all()))

# Shapes are checked before the driver is needed: a wrong call is that
# error, not the missing driver.
status, (out,) = lib.call_status("add_scaled", [x, np.ones((4, 65), np.float32)], [(4, 64)])
print(f"bad shape status {status}: {lib.last_error()}")

# tfm_cuda_synchronize reports the missing driver too.
status = lib.lib.tfm_cuda_synchronize()
print(f"synchronize status {status}: {lib.last_error()}")
