#!/usr/bin/env bash
# The main job on bundled examples: install what is missing, build tfmc,
# round-trip every example through tfm-opt, compile the tiny Llama checkpoint
# (config.json + generated model.safetensors) into a program and run it on a
# prompt, and compile the MLP block example to an object + C header linked
# into a C program.
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

echo "== compiling examples/models/tiny_llama (Hugging Face LlamaForCausalLM) -> a program"
model="$root/examples/models/tiny_llama"
/usr/bin/python3 "$root/examples/models/generate.py" "$model" --out "$out/tiny_llama.safetensors"
"$bin/tfmc" "$model/config.json" --weights "$out/tiny_llama.safetensors" --emit=exe \
  -o "$out/tiny_llama"
echo "== running it on tokens 1,2,3 (top next tokens after the last position)"
"$out/tiny_llama" --weights "$out/tiny_llama.safetensors" --tokens 1,2,3

echo "== compiling examples/c/mlp_block.mlir -> mlp_block.o + mlp_block.h"
"$bin/tfmc" "$root/examples/c/mlp_block.mlir" --emit=obj -o "$out/mlp_block.o"
cc -O2 -I"$out" "$root/examples/c/main.c" "$out/mlp_block.o" -lm -o "$out/mlp_block"
echo "== running it"
"$out/mlp_block"
