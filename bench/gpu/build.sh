#!/usr/bin/env bash
# Compiles the GPU benchmark kernels (bench/gpu/*.mlir) with --target=cuda
# into .gpu/bench/NAME.so (TFM_GPU_OUT=DIR: DIR/bench), here (no GPU
# needed); bench/gpu/bench.py times them on the H200 against PyTorch.
#
#   bench/gpu/build.sh [--no-build]     (--no-build: keep the tfmc built)
#
# A kernel that does not compile is reported (first error line; the whole
# output in .gpu/bench/NAME.log) and the others continue; bench.py then
# shows its cases as not built.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tfmc=${TFM_BUILD_DIR:-$root/build}/bin/tfmc
gpu_out=${TFM_GPU_OUT:-$root/.gpu}
gpu_out_name=$(realpath --relative-to="$root" -m "$gpu_out")
out=$gpu_out/bench

if [[ ${1:-} != --no-build ]]; then
  echo "== building tfmc"
  flock /tmp/tfmc-build.lock "$root/scripts/build.sh" tfmc || {
    echo "build.sh: the tfmc build failed (--no-build uses the last one)" >&2
    exit 1
  }
fi

# A private copy: other engineers relink the shared build while this runs.
private=$(mktemp -d)
trap 'rm -rf "$private"' EXIT
# (no lock here: callers may hold it around this script; a copy taken
# mid-link does not run, so check and retry).
for attempt in 1 2 3 4 5 6; do
  cp "$tfmc" "$private/tfmc" 2>/dev/null && "$private/tfmc" --help > /dev/null 2>&1 && break
  ((attempt == 6)) && { echo "cannot copy a working $tfmc" >&2; exit 1; }
  sleep 10
done
tfmc=$private/tfmc

rm -rf "$out"
mkdir -p "$out"
# What was built, for the record of a run (the device gets no .git).
printf 'built %s from %s%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" \
  "$(git -C "$root" rev-parse --short HEAD)" \
  "$(git -C "$root" diff --quiet HEAD || echo ' with uncommitted changes')" > "$out/BUILD_INFO"
failed=()
for source in "$root"/bench/gpu/*.mlir; do
  name=$(basename "$source" .mlir)
  start=$SECONDS
  if timeout 900 "$tfmc" "$source" --target=cuda --emit=so -o "$out/$name.so" \
      > "$out/$name.log" 2>&1; then
    printf '  ok    %-20s %3ds\n' "$name" $((SECONDS - start))
  else
    printf '  FAIL  %-20s %3ds  %s\n' "$name" $((SECONDS - start)) \
      "$(grep -m1 -i error "$out/$name.log" || tail -n1 "$out/$name.log")"
    failed+=("$name")
  fi
done
((${#failed[@]})) && echo "not built: ${failed[*]}"
cat <<EOF

Run it on the H200 with the device tool:
  run  command: PYTHONUNBUFFERED=1 python3 bench/gpu/bench.py $gpu_out_name/bench
       carry:   ["$gpu_out_name"]
       timeout_s: 400
EOF
