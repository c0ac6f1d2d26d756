#!/usr/bin/env bash
# Builds, on this machine (no GPU needed), everything the H200 validation
# runs there: tfmc, every end-to-end case compiled with --target=cuda, and
# the example models with the CPU build's logits to compare against.
#
#   scripts/gpu-build.sh [-k PATTERN] [--no-build]
#
# -k PATTERN   only the cases whose name matches the extended regex PATTERN
#              (names: e2e/attention, gpu/NAME, model/tiny_llama, ...)
# --no-build   use the tfmc already built instead of building it
#
# It takes the build lock itself while it builds: do not run it under
# flock /tmp/tfmc-build.lock (that deadlocks).
#
# Writes .gpu/ (git-ignored; carried to the device machine; TFM_GPU_OUT=DIR
# writes DIR instead, for a second engineer's runs), leaving .gpu/bench
# (bench/gpu/build.sh) alone:
#   lib/e2e/NAME.so     test/e2e/NAME.mlir (f32), checked by test/e2e/NAME.py
#   lib/gpu/NAME.so     test/gpu/NAME.mlir (bf16/f16), checked by test/gpu/NAME.py
#   models/NAME/        config.json, model.safetensors, the CUDA library
#                       (NAME.so, and NAME_bf16.so where tfmc has --dtype),
#                       expected.npz (tokens, CPU logits, float64 reference)
#   logs/CASE.log       each compile's output
#   BUILD_INFO          the date and the commit built
#   cases.tsv           what test/gpu/validate.py runs, with each compile's
#                       outcome (a case that did not compile is reported
#                       there as a failure)
# and prints the device call that runs test/gpu/validate.py on it.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TFM_BUILD_DIR:-$root/build}
tfmc=$build/bin/tfmc
out=${TFM_GPU_OUT:-$root/.gpu}
out_name=$(realpath --relative-to="$root" -m "$out")
python=/usr/bin/python3   # the interpreter with numpy (as in the lit suite)
size_limit_mib=60

pattern=
build_tfmc=1
while (($#)); do
  case $1 in
    -k) pattern=${2:?-k needs a pattern}; shift 2 ;;
    --no-build) build_tfmc=0; shift ;;
    -h|--help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "gpu-build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if ((build_tfmc)); then
  echo "== building tfmc"
  flock /tmp/tfmc-build.lock "$root/scripts/build.sh" tfmc || {
    echo "gpu-build.sh: the tfmc build failed (--no-build uses the last one)" >&2
    exit 1
  }
fi
# A private copy: other engineers relink the shared build while this runs.
host_build=$(mktemp -d)
trap 'rm -rf "$host_build"' EXIT
# (no lock here: callers may hold it around this script; a copy taken
# mid-link does not run, so check and retry).
for attempt in 1 2 3 4 5 6; do
  cp "$tfmc" "$host_build/tfmc" 2>/dev/null && "$host_build/tfmc" --help > /dev/null 2>&1 && break
  ((attempt == 6)) && { echo "cannot copy a working $tfmc" >&2; exit 1; }
  sleep 10
done
tfmc=$host_build/tfmc
tfmc_help=$("$tfmc" --help 2>/dev/null)
if [[ $tfmc_help != *--target* ]]; then
  echo "gpu-build.sh: $tfmc has no --target option: no CUDA target yet" >&2
  exit 1
fi
# Models compile in each storage dtype where tfmc can choose it.
model_dtypes=(default)
[[ $tfmc_help == *--dtype* ]] && model_dtypes=(f32 bf16)

rm -rf "$out/lib" "$out/models" "$out/logs" "$out/cases.tsv" "$out/BUILD_INFO"
mkdir -p "$out/lib/e2e" "$out/lib/gpu" "$out/models" "$out/logs"
printf 'case\tkind\tdtype\ttol\tlibrary\tchecker\tsymbol\tstatus\tnote\n' > "$out/cases.tsv"
# What was built, for the record of a run (the device gets no .git).
printf 'built %s from %s%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" \
  "$(git -C "$root" rev-parse --short HEAD)" \
  "$(git -C "$root" diff --quiet HEAD || echo ' with uncommitted changes')" > "$out/BUILD_INFO"

selected() { [[ -z $pattern ]] || [[ $1 =~ $pattern ]]; }

built=0
failed=()
# record CASE KIND DTYPE TOL LIBRARY CHECKER SYMBOL STATUS [NOTE]
record() {
  local note=${9:-}
  note=${note//$'\t'/ }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" \
    "$8" "${note//$'\n'/ }" >> "$out/cases.tsv"
  if [[ $8 == built ]]; then
    built=$((built + 1))
  else
    failed+=("$1")
  fi
}

first_error() { grep -m1 -i 'error' "$1" || tail -n1 "$1"; }

# compile CASE LOG COMMAND...: runs a compile, logs it; prints the first
# error line when it fails.
compile() {
  local case=$1 log=$2
  shift 2
  local start=$SECONDS
  if timeout 900 "$@" > "$log" 2>&1; then
    printf '  ok    %-40s %3ds\n' "$case" $((SECONDS - start))
    return 0
  fi
  printf '  FAIL  %-40s %3ds  %s\n' "$case" $((SECONDS - start)) "$(first_error "$log")"
  return 1
}

echo "== operator cases (--target=cuda --emit=so)"
for group in e2e gpu; do
  for source in "$root"/test/$group/*.mlir; do
    [[ -e $source ]] || continue
    name=$(basename "$source" .mlir)
    case=$group/$name
    selected "$case" || continue
    checker=test/$group/$name.py
    # f32 cases check to the checker's default tolerance; the GPU cases'
    # checkers pass their own (bf16: 2e-2).
    dtype=f32; tol=1e-4
    [[ $group == gpu ]] && { dtype=mixed; tol=2e-2; }
    library=lib/$group/$name.so
    log=$out/logs/${group}_$name.log
    if [[ ! -f $root/$checker ]]; then
      echo "  FAIL  $case: no checker $checker"
      record "$case" op "$dtype" "$tol" "$library" "$checker" - not-built "no checker $checker"
    elif compile "$case" "$log" "$tfmc" "$source" --target=cuda --emit=so -o "$out/$library"; then
      record "$case" op "$dtype" "$tol" "$library" "$checker" - built
    else
      record "$case" op "$dtype" "$tol" "$library" "$checker" - not-built "$(first_error "$log")"
    fi
  done
done

echo "== example models (weights as the e2e model tests make them; CPU logits)"
for config in "$root"/examples/models/*/config.json; do
  model=$(basename "$(dirname "$config")")
  dir=$out/models/$model
  wanted=0
  for dtype in "${model_dtypes[@]}"; do
    suffix=; [[ $dtype == bf16 ]] && suffix=_bf16
    selected "model/$model$suffix" && wanted=1
  done
  ((wanted)) || continue
  log=$out/logs/model_${model}_cpu.log
  # The CPU build and its logits are the reference of every dtype variant.
  expected_note=
  if ! "$python" "$root/test/e2e/models/variant.py" "$config" "$dir" > "$log" 2>&1; then
    expected_note="weights: $(first_error "$log")"
  elif ! compile "model/$model (CPU)" "$log" "$tfmc" "$dir/config.json" \
      --weights "$dir/model.safetensors" --emit=so -o "$host_build/$model.so"; then
    expected_note="CPU build: $(first_error "$log")"
  elif ! "$python" "$root/test/gpu/validate.py" --record "$dir" "$host_build/$model.so" \
      "$model" >> "$log" 2>&1; then
    expected_note="CPU logits: $(first_error "$log")"
    echo "  FAIL  model/$model CPU logits: $expected_note"
  fi
  for dtype in "${model_dtypes[@]}"; do
    suffix=; flags=(); tol=1e-4
    [[ $dtype != default ]] && flags=(--dtype="$dtype")
    [[ $dtype == bf16 ]] && { suffix=_bf16; tol=2e-2; }
    case=model/$model$suffix
    selected "$case" || continue
    symbol=$model$suffix
    library=models/$model/$symbol.so
    log=$out/logs/model_$symbol.log
    if [[ -n $expected_note ]]; then
      record "$case" model "$dtype" "$tol" "$library" - "$symbol" not-built "$expected_note"
    elif compile "$case" "$log" "$tfmc" "$dir/config.json" --weights "$dir/model.safetensors" \
        --target=cuda --emit=so "${flags[@]}" -o "$out/$library"; then
      record "$case" model "$dtype" "$tol" "$library" - "$symbol" built
    else
      record "$case" model "$dtype" "$tol" "$library" - "$symbol" not-built "$(first_error "$log")"
    fi
  done
done

size_mib=$(du -sm "$out" | cut -f1)
echo
echo "built $built cases in $out_name ($size_mib MiB)"
if ((${#failed[@]})); then
  echo "not built (validate.py reports them as failures): ${failed[*]}"
fi
if ((size_mib > size_limit_mib)); then
  echo "gpu-build.sh: $out_name is $size_mib MiB, over the $size_limit_mib MiB budget of a device call" >&2
  exit 1
fi
cat <<EOF

Run it on the H200 with the device tool:
  run  command: PYTHONUNBUFFERED=1 python3 test/gpu/validate.py $out_name
       carry:   ["$out_name"]
       timeout_s: 400
EOF
