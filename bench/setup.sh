#!/usr/bin/env bash
# Installs the benchmark-only dependencies (never needed by the compiler or its
# tests): Debian's python3-onnx, used to build the ONNX graphs, and ONNX Runtime
# from npm (onnxruntime-node, CPU library inside the package) into
# bench/node_modules. --ignore-scripts: the package's install script only
# downloads GPU parts, and fails offline.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# OpenBLAS for the numpy contender: cpu_bench.py loads it into its numpy
# processes only (LD_LIBRARY_PATH=$openblas); the system's libblas.so.3 choice
# is put back as it was, so that the tests' numpy is not changed by this.
openblas=/usr/lib/x86_64-linux-gnu/openblas-pthread
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
if ! /usr/bin/python3 -c 'import onnx' 2>/dev/null || [ ! -e "$openblas/libblas.so.3" ]; then
  blas_before="$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | sed -n 's/^Value: //p')"
  lapack_before="$(update-alternatives --query liblapack.so.3-x86_64-linux-gnu 2>/dev/null | sed -n 's/^Value: //p')"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-onnx python3-numpy gcc libopenblas0-pthread
  if [ -n "$blas_before" ] && [ -e "$blas_before" ]; then
    $sudo update-alternatives --quiet --set libblas.so.3-x86_64-linux-gnu "$blas_before"
  fi
  if [ -n "$lapack_before" ] && [ -e "$lapack_before" ]; then
    $sudo update-alternatives --quiet --set liblapack.so.3-x86_64-linux-gnu "$lapack_before"
  fi
fi
command -v node >/dev/null || { echo "setup.sh: node and npm are needed (apt-get install nodejs npm)" >&2; exit 1; }

cd "$here"
if [ ! -f package.json ]; then
  printf '{\n  "name": "tfmc-bench",\n  "private": true,\n  "description": "benchmark-only dependencies; not part of the compiler"\n}\n' > package.json
fi
if ! node -e 'require("onnxruntime-node")' 2>/dev/null; then
  npm install --ignore-scripts --no-audit --no-fund onnxruntime-node
fi
node -e 'const ort = require("onnxruntime-node"); console.log("onnxruntime-node", require("onnxruntime-node/package.json").version)'
/usr/bin/python3 -c 'import onnx, numpy; print("onnx", onnx.__version__, "numpy", numpy.__version__)'
ls "$openblas/libblas.so.3" >/dev/null && echo "OpenBLAS for the numpy contender: $openblas"
