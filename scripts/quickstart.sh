#!/usr/bin/env bash
# The main job on a bundled example: install what is missing, build tfmc,
# round-trip every example through tfm-opt, compile the MLP block example to
# an object + C header, link it into a C program and run it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
bin="$root/build/bin"
out="$root/build/quickstart"
mkdir -p "$out"

echo "== round-tripping examples/*.mlir through tfm-opt"
for f in "$root"/examples/*.mlir "$root"/examples/c/*.mlir; do
  [ -e "$f" ] || continue
  "$bin/tfm-opt" "$f" | "$bin/tfm-opt" > /dev/null
  echo "   ok $(basename "$f")"
done

echo "== compiling examples/c/mlp_block.mlir -> mlp_block.o + mlp_block.h"
"$bin/tfmc" "$root/examples/c/mlp_block.mlir" --emit=obj -o "$out/mlp_block.o"
cc -O2 -I"$out" "$root/examples/c/main.c" "$out/mlp_block.o" -lm -o "$out/mlp_block"
echo "== running it"
"$out/mlp_block"
