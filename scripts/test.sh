#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole lit suite (dialect,
# transforms, conversions, end-to-end numerics against numpy).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
/usr/lib/llvm-22/bin/lit -sv "$root/build/test"
