# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "TFM"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tfm_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

config.substitutions.append(("%tfm_src", config.tfm_src_root))
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%cc", config.c_compiler))

tool_dirs = [config.tfm_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["tfm-opt"], tool_dirs)
llvm_config.add_tool_substitutions(["tfmc"], tool_dirs)
llvm_config.add_tool_substitutions(["tfm-run"], tool_dirs)

# End-to-end tests import their helpers from test/e2e/lib.
config.environment["PYTHONPATH"] = os.path.join(config.tfm_src_root, "test", "e2e", "lib")

# CUDA: CI machines have no GPU. Emitted PTX is assembled with ptxas where a
# CUDA toolkit provides one (`%ptxas`, feature `ptxas`); without a driver
# (feature `no-cuda-driver`) CUDA libraries must fail cleanly at call time.
import ctypes.util
import shutil

ptxas = shutil.which("ptxas") or next(
    (p for p in ["/usr/local/cuda/bin/ptxas"] if os.path.exists(p)), None)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
try:
    ctypes.CDLL("libcuda.so.1")
except OSError:
    config.available_features.add("no-cuda-driver")
