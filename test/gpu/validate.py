#!/usr/bin/env python3
"""Validates the CUDA target on the GPU machine, from what
scripts/gpu-build.sh compiled here into .gpu (see README.md).

    validate.py GPU_DIR [-k PATTERN] [--jobs N] [--timeout S] [--deadline S]

runs every case of GPU_DIR/cases.tsv in its own subprocess (so that a crash
or a hang costs one case): an operator case runs its checker,
test/e2e/NAME.py or test/gpu/NAME.py, on the CUDA library; a model case
runs the model's CUDA library on the tokens the CPU build ran on and
compares its logits with the CPU logits and with the float64 reference
(bf16 2e-2, f32 1e-4 relative error), then checks the error returns. One
line per case as it finishes, a summary table last; with $OUT set, the
whole output of every case goes to $OUT/validate.log. Exits 1 if any case
failed, did not compile, or did not finish.

Two internal modes:
    validate.py --record MODEL_DIR CPU_LIBRARY NAME   (here, by gpu-build.sh)
        writes MODEL_DIR/expected.npz: tokens, the CPU build's logits and
        the float64 reference, for each sequence length;
    validate.py --model MODEL_DIR LIBRARY NAME TOL    (there, one model case)
"""
import argparse
import concurrent.futures
import csv
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
E2E_LIB = os.path.join(ROOT, "test", "e2e", "lib")
MODELS_TEST = os.path.join(ROOT, "test", "e2e", "models")

# The sequences of test/e2e/models/check_model.py: batches of 2 random
# sequences of each length.
LENGTHS = (1, 5, 37)
BATCH = 2
TOKEN_SEED = 7

RELATIVE_ERROR = re.compile(r"relative error ([-+0-9.eE]+|inf|nan)")


# --- model cases ------------------------------------------------------------

def import_model_helpers():
    sys.path.insert(0, MODELS_TEST)
    import check_model  # noqa: E402  (puts reference.py and tfm_e2e on the path)
    return check_model


def record_expected(model_dir, cpu_library, name):
    """Runs the CPU build and the float64 reference on the check tokens."""
    import numpy as np
    check_model = import_model_helpers()
    import reference
    import safetensors_np
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    weights_path = os.path.join(model_dir, "model.safetensors")
    weights = safetensors_np.read(weights_path)
    model = check_model.Model(cpu_library, name, weights_path)
    rng = np.random.default_rng(TOKEN_SEED)
    arrays = {}
    for length in LENGTHS:
        tokens = rng.integers(0, config["vocab_size"], size=(BATCH, length), dtype=np.int32)
        expected = np.stack([reference.forward(config, weights, row) for row in tokens])
        status, logits = model.forward(tokens, expected.shape[-1])
        if status != 0:
            raise SystemExit(f"CPU forward failed: {model.error()}")
        check_model.check(f"CPU build, seq {length}", logits, expected)
        arrays[f"tokens_{length}"] = tokens
        arrays[f"cpu_{length}"] = logits
        arrays[f"reference_{length}"] = expected.astype(np.float32)
    model.destroy(model.handle)
    np.savez(os.path.join(model_dir, "expected.npz"), **arrays)


def check_model_case(model_dir, library, name, tol):
    """The GPU library's logits against the CPU logits and the reference;
    then the argument checks of check_model.py."""
    import ctypes
    import numpy as np
    check_model = import_model_helpers()
    import tfm_e2e
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    expected = np.load(os.path.join(model_dir, "expected.npz"))
    model = check_model.Model(library, name, os.path.join(model_dir, "model.safetensors"))
    width = None
    for length in LENGTHS:
        tokens = expected[f"tokens_{length}"]
        width = expected[f"cpu_{length}"].shape[-1]
        status, logits = model.forward(tokens, width)
        if status != 0:
            raise SystemExit(f"forward failed (seq {length}): {model.error()}")
        tfm_e2e.check(f"seq {length} vs CPU", logits, expected[f"cpu_{length}"], tol)
        tfm_e2e.check(f"seq {length} vs reference", logits,
                      expected[f"reference_{length}"], tol)
    vocab = config["vocab_size"]
    check_model.expect_failure("token id >= vocab", model, np.array([[1, vocab, 2]]), width,
                               f"tokens[0][1] is {vocab}")
    check_model.expect_failure("empty sequence", model, np.zeros((1, 0)), width,
                               "expected positive sizes")
    check_model.expect_failure("null model", model, np.array([[1]]), width,
                               "the model is null", handle=ctypes.c_void_p())
    model.destroy(model.handle)
    failures = tfm_e2e._failures + check_model._failures
    if failures:
        print(f"FAILED: {', '.join(failures)}")
        sys.exit(1)
    print("all cases passed")


# --- the driver ---------------------------------------------------------------

class Case:
    def __init__(self, row, gpu_dir):
        self.name = row["case"]
        self.kind = row["kind"]
        self.dtype = row["dtype"]
        self.tol = row["tol"]
        self.library = os.path.join(gpu_dir, row["library"])
        self.checker = row["checker"]
        self.symbol = row["symbol"]
        self.built = row["status"] == "built"
        self.note = row["note"]
        # Filled in by run().
        self.result = "FAIL"
        self.max_error = None
        self.checks = ""
        self.seconds = 0.0
        self.output = ""

    def command(self):
        if self.kind == "model":
            model_dir = os.path.dirname(self.library)
            return [sys.executable, os.path.abspath(__file__), "--model", model_dir,
                    self.library, self.symbol, self.tol]
        return [sys.executable, os.path.join(ROOT, self.checker), self.library]


def child_environment(jobs):
    env = dict(os.environ)
    paths = [E2E_LIB, HERE] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONUNBUFFERED"] = "1"
    # numpy oracles of concurrent cases share the cores.
    threads = str(max(1, (os.cpu_count() or 1) // jobs))
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(variable, threads)
    return env


def summarize_output(case):
    lines = case.output.splitlines()
    errors = [float(m.group(1)) for m in map(RELATIVE_ERROR.search, lines) if m]
    case.max_error = max(errors) if errors else None
    passed = sum(line.startswith("ok") for line in lines)
    failed = [line for line in lines if line.startswith("FAIL")]
    case.checks = f"{passed}/{passed + len(failed)}"
    if failed and not case.note:
        case.note = failed[0]


def run(case, env, timeout):
    if not case.built:
        case.result = "NOT BUILT"
        return case
    if timeout < 1:
        case.result = "SKIPPED"
        case.note = "out of time (--deadline)"
        return case
    start = time.monotonic()
    try:
        completed = subprocess.run(case.command(), cwd=ROOT, env=env, timeout=timeout,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        case.output = completed.stdout.decode(errors="replace")
        case.result = "PASS" if completed.returncode == 0 else "FAIL"
        summarize_output(case)
        if completed.returncode != 0 and not case.note:
            tail = case.output.strip().splitlines()
            case.note = (tail[-1] if tail else "") + f" (exit {completed.returncode})"
    except subprocess.TimeoutExpired as timeout_error:
        case.output = (timeout_error.stdout or b"").decode(errors="replace")
        summarize_output(case)
        case.result = "TIMEOUT"
        case.note = f"killed after {timeout:.0f} s"
    case.seconds = time.monotonic() - start
    return case


def format_error(value):
    return "-" if value is None else f"{value:.2e}"


def device_description():
    try:
        query = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                                "--format=csv,noheader"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, timeout=30)
        return query.stdout.decode().strip() or "no GPU reported by nvidia-smi"
    except (OSError, subprocess.TimeoutExpired):
        return "nvidia-smi not available"


def validate(args):
    gpu_dir = os.path.abspath(args.gpu_dir)
    with open(os.path.join(gpu_dir, "cases.tsv")) as f:
        cases = [Case(row, gpu_dir) for row in csv.DictReader(f, delimiter="\t")]
    if args.k:
        cases = [case for case in cases if re.search(args.k, case.name)]
    if not cases:
        raise SystemExit(f"no cases in {gpu_dir}/cases.tsv"
                         + (f" match '{args.k}'" if args.k else ""))
    env = child_environment(args.jobs)
    begin = time.monotonic()
    build_info = os.path.join(gpu_dir, "BUILD_INFO")
    built = open(build_info).read().strip() if os.path.exists(build_info) else "no BUILD_INFO"
    log_lines = [f"validate.py {gpu_dir}: {len(cases)} cases on {device_description()}",
                 f"run {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; {built}"]
    print("\n".join(log_lines), flush=True)

    def run_in_time(case):
        remaining = args.deadline - (time.monotonic() - begin)
        return run(case, env, min(args.timeout, remaining))

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for case in concurrent.futures.as_completed(
                [pool.submit(run_in_time, case) for case in cases]):
            case = case.result()
            line = (f"{case.result:9} {case.name:32} max rel err {format_error(case.max_error):>8}"
                    f"  {case.seconds:6.1f} s  {case.note}")
            print(line, flush=True)
            log_lines += ["", "=" * 78, line, "-" * 78, case.output.rstrip()]

    cases.sort(key=lambda case: case.name)
    width = max(len(case.name) for case in cases)
    table = ["", f"{'case':{width}}  {'result':9}  {'dtype':7}  {'tol':6}  {'checks':7}  "
                 f"{'max rel err':11}  {'time s':>6}  note",
             "-" * (width + 70)]
    for case in cases:
        table.append(f"{case.name:{width}}  {case.result:9}  {case.dtype:7}  {case.tol:6}  "
                     f"{case.checks:7}  {format_error(case.max_error):11}  "
                     f"{case.seconds:6.1f}  {case.note[:100]}")
    passed = sum(case.result == "PASS" for case in cases)
    table.append(f"{passed} of {len(cases)} cases passed "
                 f"({time.monotonic() - begin:.0f} s, {args.jobs} at a time)")
    print("\n".join(table))
    log_lines += table
    if os.environ.get("OUT"):
        with open(os.path.join(os.environ["OUT"], "validate.log"), "w") as f:
            f.write("\n".join(log_lines) + "\n")
    return 0 if passed == len(cases) else 1


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--record":
        if len(sys.argv) != 5:
            raise SystemExit("usage: validate.py --record MODEL_DIR CPU_LIBRARY NAME")
        record_expected(*sys.argv[2:])
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--model":
        if len(sys.argv) != 6:
            raise SystemExit("usage: validate.py --model MODEL_DIR LIBRARY NAME TOL")
        check_model_case(*sys.argv[2:5], float(sys.argv[5]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gpu_dir", help="the folder scripts/gpu-build.sh wrote (.gpu)")
    parser.add_argument("-k", help="only the cases whose name matches this regex")
    parser.add_argument("--jobs", type=int, default=4, help="cases run at once")
    parser.add_argument("--timeout", type=float, default=240, help="seconds per case")
    parser.add_argument("--deadline", type=float, default=360,
                        help="seconds from the start after which running cases are "
                             "stopped and no more start (so that the summary prints "
                             "inside the device call's limit)")
    return validate(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
