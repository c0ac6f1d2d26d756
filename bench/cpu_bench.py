#!/usr/bin/python3
"""CPU benchmark of tfmc kernels against ONNX Runtime (CPU) and numpy/OpenBLAS.

A benchmark, not a test: it measures and prints a table; it never fails a
build. Run with the system python (it has numpy and, after bench/setup.sh,
python3-onnx):

    bench/setup.sh                       # once: python3-onnx, onnxruntime-node
    /usr/bin/python3 bench/cpu_bench.py [--tfmc PATH] [--rounds 3] [--quick]

In one run it
  1. measures the ceilings: fp32 FMA peak (zmm and ymm) and the triad
     bandwidth, 1 and 2 threads (bench/ceilings.c, gcc -O3 -march=native);
  2. compiles each case's tfm IR with tfmc to a shared library and checks its
     output against a float64 numpy oracle (OPS.md), rel. error <= 1e-4,
     with the outputs poisoned with NaN first;
  3. times, in several rounds (interleaved, so that a burst of load hits all
     contenders alike), tfmc with TFM_NUM_THREADS=1 and 2, ONNX Runtime with
     intraOpNumThreads 1 and 2 (bench/ort_runner.js), numpy with
     OPENBLAS_NUM_THREADS=1 and 2; each timing runs in its own process:
     warm-up, repeats, median; the figure reported is the median of the
     round medians, the spread the half range of the round medians;
  4. prints one table: time, GFLOP/s or GB/s, fraction of the limit (the
     larger of FLOPs / FMA peak and bytes / triad bandwidth, same thread
     count), and the speed ratio tfmc/ORT (= ORT time / tfmc time: > 1 means
     tfmc is faster) and tfmc/numpy.
"""
import argparse
import ctypes
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHON = "/usr/bin/python3"
OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread"   # from setup.sh
TOL = 1e-4

# --------------------------------------------------------------------------
# Calling a tfmc entry point (test/e2e/README.md: pointer + all dims per
# tensor, results caller-allocated, returns 0 or sets tfm_last_error()).

_CTYPES = {np.dtype(np.float32): ctypes.c_float,
           np.dtype(np.int32): ctypes.c_int32,
           np.dtype(np.int64): ctypes.c_int64}


class Kernel:
    """One public function of a tfmc shared library, with its argument list
    built once, so that a timed call costs only the call."""

    def __init__(self, so_path, name, inputs, output_shapes):
        self.lib = ctypes.CDLL(so_path)
        self.lib.tfm_last_error.restype = ctypes.c_char_p
        self.inputs = [np.ascontiguousarray(x) for x in inputs]
        self.outputs = [np.empty(s, np.float32) for s in output_shapes]
        args = []
        for array in self.inputs + self.outputs:
            args.append(array.ctypes.data_as(ctypes.POINTER(_CTYPES[array.dtype])))
            args.extend(ctypes.c_int64(d) for d in array.shape)
        self.args = args
        self.function = getattr(self.lib, name)
        self.function.restype = ctypes.c_int

    def poison(self):
        for out in self.outputs:
            out.fill(np.nan)

    def __call__(self):
        status = self.function(*self.args)
        if status != 0:
            raise RuntimeError(f"returned {status}: {self.lib.tfm_last_error().decode()}")


def relative_error(out, ref):
    out = np.asarray(out, np.float64)
    ref = np.asarray(ref, np.float64)
    if out.shape != ref.shape:
        return float("inf")
    if not np.all(np.isfinite(out)):
        return float("inf")
    denom = np.linalg.norm(ref)
    return float(np.linalg.norm(out - ref) / (denom if denom > 0 else 1.0))


def rand(shape, seed, low=-1.0, high=1.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(np.float32)


# --------------------------------------------------------------------------
# float64 oracles (OPS.md) and the numpy contenders (float32, what a numpy
# user would write; the FFT one is the OPS.md B2 oracle itself, numpy's FFT
# being float64 only).

def ref_linear(x, w):
    return [np.float64(x) @ np.float64(w).T]


def ref_attention(q, k, v, scale, causal):
    B, H, L, _ = q.shape
    out = np.empty(q.shape)
    mask = np.tril(np.ones((L, L), bool)) if causal else None
    for b in range(B):
        for h in range(H):
            s = np.float64(q[b, h]) @ np.float64(k[b, h]).T * scale
            if causal:
                s = np.where(mask, s, -np.inf)
            s = np.exp(s - s.max(-1, keepdims=True))
            out[b, h] = (s / s.sum(-1, keepdims=True)) @ np.float64(v[b, h])
    return [out]


def ref_rms(x, g, eps):
    x = np.float64(x)
    return [x / np.sqrt(np.mean(x * x, -1, keepdims=True) + eps) * np.float64(g)]


def scan_loop(u, dl, A, B, C, Dk, z, dbias, dtype):
    """OPS.md C1 (G = 1, softplus on), in `dtype`."""
    u, dl, A, B, C, Dk, z, dbias = (np.asarray(t, dtype) for t in (u, dl, A, B, C, Dk, z, dbias))
    B, C = B[:, 0], C[:, 0]                               # [B, N, L]
    dl = np.log1p(np.exp(dl + dbias[:, None]))
    h = np.zeros(u.shape[:2] + A.shape[1:], dtype)
    y = np.empty(u.shape, dtype)
    for t in range(u.shape[-1]):
        d = dl[:, :, t, None]
        h = np.exp(d * A) * h + d * B[:, None, :, t] * u[:, :, t, None]
        y[:, :, t] = np.einsum('bdn,bn->bd', h, C[:, :, t])
    y = y + u * Dk[:, None]
    y = y * z / (1 + np.exp(-z))
    return y, h


def ref_scan(u, dl, A, B, C, Dk, z, dbias):
    return list(scan_loop(u, dl, A, B, C, Dk, z, dbias, np.float64))


def toeplitz_apply(c, X):
    """OPS.md B2: y_i = sum_j c[L-1+j-i] X_j; c [2L-1], X [L, ch]."""
    L = X.shape[0]
    n = 1 << (2 * L - 1).bit_length()
    Y = np.fft.irfft(np.fft.rfft(c[::-1], n)[:, None] * np.fft.rfft(X, n, axis=0), n, axis=0)
    return Y[L - 1:2 * L - 1]


def kernel_rpe_attention(fq, fk, v, c, eps):
    """OPS.md B2 for one head (with eps in the denominator, as tfm defines)."""
    L, m = fk.shape
    D1 = toeplitz_apply(c, (fk[:, :, None] * v[:, None, :]).reshape(L, -1)).reshape(L, m, -1)
    D2 = toeplitz_apply(c, fk)
    return np.einsum('lm,lmd->ld', fq, D1) / (np.einsum('lm,lm->l', fq, D2) + eps)[:, None]


def ref_krpe(fq, fk, v, c, eps):
    B, H = fq.shape[:2]
    out = np.empty(v.shape)
    for b in range(B):
        for h in range(H):
            out[b, h] = kernel_rpe_attention(np.float64(fq[b, h]), np.float64(fk[b, h]),
                                             np.float64(v[b, h]), np.float64(c[h]), eps)
    return [out]


def make_numpy(impl, params, inputs):
    """The numpy contender: returns (setup done) a callable and its output."""
    if impl == "linear":
        x, w = inputs
        wt = w.T
        return lambda: x @ wt
    if impl == "attention":
        q, k, v = inputs
        L = q.shape[2]
        scale = np.float32(params["scale"])
        neg = (np.where(np.tril(np.ones((L, L), bool)), 0, -np.inf).astype(np.float32)
               if params["causal"] else None)
        out = np.empty_like(q)

        def run():
            for b in range(q.shape[0]):
                for h in range(q.shape[1]):
                    s = q[b, h] @ k[b, h].T
                    s *= scale
                    if neg is not None:
                        s += neg
                    s -= s.max(-1, keepdims=True)
                    np.exp(s, out=s)
                    s /= s.sum(-1, keepdims=True)
                    np.matmul(s, v[b, h], out=out[b, h])
            return out
        return run
    if impl == "rms":
        x, g = inputs
        eps = np.float32(params["eps"])
        return lambda: x * (1 / np.sqrt(np.mean(np.square(x), -1, keepdims=True) + eps)) * g
    if impl == "scan":
        return lambda: scan_loop(*inputs, np.float32)[0]
    if impl == "krpe":
        fq, fk, v, c = inputs
        return lambda: ref_krpe(fq, fk, v, c, params["eps"])[0]
    raise ValueError(impl)


# --------------------------------------------------------------------------
# ONNX graphs for ONNX Runtime (built with Debian's python3-onnx).

def onnx_model(nodes, inputs, outputs):
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        nodes, "bench",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s)) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s)) for n, s in outputs])
    model = helper.make_model(graph, producer_name="tfmc-bench",
                              opset_imports=[helper.make_opsetid("", 13),
                                             helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    return model.SerializeToString()


def ort_matmul(M, K, N):
    from onnx import helper
    return onnx_model([helper.make_node("MatMul", ["a", "b"], ["y"])],
                      [("a", (M, K)), ("b", (K, N))], [("y", (M, N))])


def ort_mha(B, H, L, D, scale, causal):
    from onnx import helper
    node = helper.make_node("MultiHeadAttention", ["query", "key", "value"], ["out"],
                            domain="com.microsoft", num_heads=H, scale=scale,
                            unidirectional=1 if causal else 0)
    shape = (B, L, H * D)
    return onnx_model([node], [("query", shape), ("key", shape), ("value", shape)],
                      [("out", shape)])


def ort_rms(R, C, eps):
    from onnx import helper
    # ONNX Runtime's RMSNorm kernel (a contrib op registered in the default
    # domain; the one LLaMA exports use).
    node = helper.make_node("SimplifiedLayerNormalization", ["x", "g"], ["y"],
                            axis=-1, epsilon=eps, stash_type=1)
    return onnx_model([node], [("x", (R, C)), ("g", (C,))], [("y", (R, C))])


def to_bshd(x):
    B, H, L, D = x.shape
    return np.ascontiguousarray(x.transpose(0, 2, 1, 3).reshape(B, L, H * D))


# --------------------------------------------------------------------------
# The cases.

class Case:
    def __init__(self, family, name, mlir, inputs, output_shapes, ref, flops, nbytes,
                 numpy_impl, numpy_params=None, ort=None, causal=False):
        self.family = family          # tfm op family, for --tfmc-override
        self.name = name
        self.mlir = mlir              # defines @kernel
        self.inputs = inputs          # float32 arrays, in argument order
        self.output_shapes = output_shapes
        self.ref = ref                # () -> float64 outputs
        self.flops = flops            # useful FLOPs (half the dense ones if causal)
        self.nbytes = nbytes          # each input read once, each output written once
        self.numpy_impl = numpy_impl
        self.numpy_params = numpy_params or {}
        # ort: (model bytes, [(name, array)], output -> tfm layout)
        self.ort = ort
        self.causal = causal
        self.id = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")


def tensor(shape):
    return "tensor<" + "x".join(str(d) for d in shape) + "xf32>"


def linear_case(M, K, N, name):
    x, w = rand((M, K), 1), rand((N, K), 2)
    mlir = (f"func.func @kernel(%x: {tensor((M, K))}, %w: {tensor((N, K))}) -> {tensor((M, N))} {{\n"
            f"  %y = tfm.linear %x, %w : {tensor((M, K))}, {tensor((N, K))}\n"
            f"  return %y : {tensor((M, N))}\n}}\n")
    return Case("linear", name, mlir, [x, w], [(M, N)], lambda: ref_linear(x, w),
                2.0 * M * N * K, 4.0 * (M * K + N * K + M * N), "linear",
                ort=(lambda: ort_matmul(M, K, N),
                     lambda: [("a", x), ("b", np.ascontiguousarray(w.T))], lambda y: y))


def attention_case(B, H, L, D, causal):
    q, k, v = rand((B, H, L, D), 3), rand((B, H, L, D), 4), rand((B, H, L, D), 5)
    t = tensor((B, H, L, D))
    mask = " mask <causal>" if causal else ""
    mlir = (f"func.func @kernel(%q: {t}, %k: {t}, %v: {t}) -> {t} {{\n"
            f"  %o = tfm.attention %q, %k, %v scale 0.125{mask}\n      : {t}, {t}, {t}\n"
            f"  return %o : {t}\n}}\n")
    dense = 4.0 * B * H * L * L * D
    return Case("attention", f"attention L={L} {'causal' if causal else 'full'}", mlir,
                [q, k, v], [(B, H, L, D)], lambda: ref_attention(q, k, v, 0.125, causal),
                dense / 2 if causal else dense, 4.0 * 4 * B * H * L * D,
                "attention", {"scale": 0.125, "causal": causal},
                ort=(lambda: ort_mha(B, H, L, D, 0.125, causal),
                     lambda: [("query", to_bshd(q)), ("key", to_bshd(k)), ("value", to_bshd(v))],
                     lambda o: o.reshape(B, L, H, D).transpose(0, 2, 1, 3)),
                causal=causal)


def rms_case(R, C):
    x, g = rand((R, C), 6), rand((C,), 7, 0.5, 1.5)
    eps = 1e-6
    mlir = (f"func.func @kernel(%x: {tensor((R, C))}, %g: {tensor((C,))}) -> {tensor((R, C))} {{\n"
            f"  %y = tfm.norm rms %x scale(%g : {tensor((C,))}) {{eps = 1.0e-6 : f64}} : {tensor((R, C))}\n"
            f"  return %y : {tensor((R, C))}\n}}\n")
    return Case("norm", f"rms_norm {R}x{C}", mlir, [x, g], [(R, C)], lambda: ref_rms(x, g, eps),
                4.0 * R * C, 4.0 * (2 * R * C + C), "rms", {"eps": eps},
                ort=(lambda: ort_rms(R, C, eps), lambda: [("x", x), ("g", g)], lambda y: y))


def scan_case(B, D, N, L):
    u = rand((B, D, L), 8)
    dt = rand((B, D, L), 9, -3.0, 0.0)                 # softplus(dt + bias) ~ 0.01..0.5
    A = -np.exp(rand((D, N), 10, -1.0, 1.0))
    Bm, Cm = rand((B, 1, N, L), 11), rand((B, 1, N, L), 12)
    Dk, z, bias = rand((D,), 13), rand((B, D, L), 14, -2.0, 2.0), rand((D,), 15, -1.0, 0.0)
    tu, tA, tB = tensor((B, D, L)), tensor((D, N)), tensor((B, 1, N, L))
    tD, th = tensor((D,)), tensor((B, D, N))
    mlir = (f"func.func @kernel(%u: {tu}, %dt: {tu}, %A: {tA}, %B: {tB}, %C: {tB}, %D: {tD},\n"
            f"                  %z: {tu}, %bias: {tD}) -> ({tu}, {th}) {{\n"
            f"  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C D(%D : {tD}) z(%z : {tu})\n"
            f"      delta_bias(%bias : {tD}) delta_softplus : {tu}, {tA}, {tB}\n"
            f"  return %y, %h : {tu}, {th}\n}}\n")
    inputs = [u, dt, A, Bm, Cm, Dk, z, bias]
    return Case("selective_scan", f"selective_scan D={D} N={N} L={L}", mlir, inputs,
                [(B, D, L), (B, D, N)], lambda: ref_scan(*inputs),
                9.0 * B * D * N * L,
                4.0 * (4 * B * D * L + 2 * B * N * L + D * N + 2 * D + B * D * N), "scan")


def krpe_case(B, H, L, m, d):
    fq, fk = rand((B, H, L, m), 16, 0.05, 1.0), rand((B, H, L, m), 17, 0.05, 1.0)
    v = rand((B, H, L, d), 18)
    c = np.exp(rand((H, 2 * L - 1), 19)).astype(np.float32)
    eps = 1e-6
    tq, tv, tc = tensor((B, H, L, m)), tensor((B, H, L, d)), tensor((H, 2 * L - 1))
    mlir = (f"func.func @kernel(%fq: {tq}, %fk: {tq}, %v: {tv}, %c: {tc}) -> {tv} {{\n"
            f"  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : {tc}) impl(fft)\n"
            f"      : {tq}, {tq}, {tv}\n"
            f"  return %o : {tv}\n}}\n")
    return Case("linear_attention", f"kernel-RPE attn (FFT) H={H} L={L} m={m} d={d}", mlir,
                [fq, fk, v, c], [(B, H, L, d)], lambda: ref_krpe(fq, fk, v, c, eps),
                10.0 * B * H * m * d * L * math.log2(2 * L),
                4.0 * (B * H * L * (2 * m + 2 * d) + H * (2 * L - 1)), "krpe", {"eps": eps})


def all_cases(quick):
    if quick:
        return [linear_case(256, 256, 256, "linear 256^3"),
                attention_case(1, 2, 256, 64, False), attention_case(1, 2, 256, 64, True),
                rms_case(256, 1024), scan_case(1, 64, 16, 256), krpe_case(1, 2, 256, 8, 16)]
    cases = [linear_case(1024, 1024, 1024, "linear 1024^3"),
             linear_case(2048, 2048, 2048, "linear 2048^3"),
             linear_case(512, 2048, 5632, "linear MLP 512x2048x5632")]
    for L in (512, 1024, 2048, 4096):
        for causal in (False, True):
            cases.append(attention_case(1, 12, L, 64, causal))
    cases += [rms_case(4096, 4096), scan_case(1, 1536, 16, 2048), krpe_case(1, 12, 2048, 16, 64)]
    return cases


# --------------------------------------------------------------------------
# Timing workers (one process per measurement, so that the thread-count
# environment variables take effect from the start).

def timed(fn, warmup, min_repeats, max_repeats, budget_s, slow_s):
    """Warm-up calls, then repeats until min_repeats and budget_s are both
    reached (at most max_repeats). A warm-up call slower than slow_s is
    taken as the only sample (a 30 s kernel is not worth 4 calls)."""
    for _ in range(warmup):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        t1 = time.perf_counter()
        cpu_ms = (time.process_time() - c0) * 1e3
        if t1 - t0 > slow_s:
            return [(t1 - t0) * 1e3], [cpu_ms]
    times, cpu = [], []
    start = time.perf_counter()
    while len(times) < max_repeats:
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        t1, c1 = time.perf_counter(), time.process_time()
        times.append((t1 - t0) * 1e3)
        cpu.append((c1 - c0) * 1e3)
        if len(times) >= min_repeats and t1 - start > budget_s:
            break
    return times, cpu


def worker(spec):
    inputs = [np.load(p) for p in spec["inputs"]]
    if spec["kind"] == "tfmc":
        kernel = Kernel(spec["so"], "kernel", inputs, spec["outputs"])
        fn = kernel
        result = lambda: kernel.outputs[0]   # noqa: E731
    else:
        impl = make_numpy(spec["impl"], spec["params"], inputs)
        last = {}

        def fn():
            last["out"] = impl()
        result = lambda: last["out"]         # noqa: E731
    times, cpu = timed(fn, spec["warmup"], spec["min_repeats"], spec["max_repeats"], spec["budget_s"],
                  spec["slow_s"])
    if spec.get("dump"):
        np.save(spec["dump"], np.asarray(result(), np.float32))
    with open("/proc/self/maps") as f:
        blas = sorted({l.split()[-1] for l in f if "blas" in l.split()[-1]})
    print(json.dumps({"median_ms": statistics.median(times), "times_ms": times,
                      "cpu_ms": statistics.median(cpu),
                      "single": len(times) == 1, "blas": blas}))


# --------------------------------------------------------------------------
# The driver.

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_json(cmd, env=None, timeout=900):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if p.returncode != 0 or not lines:
        tail = (p.stderr.strip().splitlines() or p.stdout.strip().splitlines() or ["?"])[-1]
        return {"error": tail[:200]}
    return json.loads(lines[-1])


def measure_ceilings(binary):
    out = {}
    for key, args in (("fma512_1", ["fma", "1", "512", "3"]), ("fma512_2", ["fma", "2", "512", "3"]),
                      ("fma256_1", ["fma", "1", "256", "3"]), ("fma256_2", ["fma", "2", "256", "3"]),
                      ("triad_1", ["triad", "1", "6"]), ("triad_2", ["triad", "2", "6"])):
        p = subprocess.run([binary] + args, capture_output=True, text=True)
        rows = [line.split() for line in p.stdout.splitlines() if "nan" not in line]
        out[key] = [float(r[0]) for r in rows]
        out[key + "_cpu"] = [float(r[1]) for r in rows]
    return out


def compile_case(case, tfmc, workdir):
    src = os.path.join(workdir, case.id + ".mlir")
    so = os.path.join(workdir, case.id + ".so")
    with open(src, "w") as f:
        f.write(case.mlir)
    t0 = time.perf_counter()
    try:
        p = subprocess.run([tfmc, src, "--emit=so", "-o", so], capture_output=True, text=True)
    except OSError as e:
        return None, "n/a (no tfmc)", str(e)
    secs = time.perf_counter() - t0
    if p.returncode != 0:
        err = p.stderr
        first = next((l for l in err.splitlines() if "error:" in l), None)
        if first is None:
            tail = err.strip().splitlines()[-1:] or ["no message"]
            first = f"exit status {p.returncode}: {tail[0][:200]}"
        first = first.split("error:", 1)[-1].strip()
        if "failed to legalize operation 'tfm." in err:
            return None, "n/a (not lowered yet)", first
        return None, "n/a (compile error)", first
    return so, None, f"compiled in {secs:.1f} s"


def spread(vals):
    if len(vals) < 2:
        return 0.0
    return (max(vals) - min(vals)) / 2 / statistics.median(vals)


def fmt_ms(entry, once=False):
    if entry is None:
        return "—"
    if isinstance(entry, str):
        return entry
    med = statistics.median(entry)
    if once or len(entry) == 1:
        return f"{med:.4g} (1 run)"
    return f"{med:.4g} ±{100 * spread(entry):.0f}%"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tfmc", default=os.path.join(ROOT, "build", "bin", "tfmc"))
    ap.add_argument("--tfmc-override", action="append", default=[], metavar="FAMILY=PATH",
                    help="use another tfmc for one op family (linear, attention, norm, "
                         "selective_scan, linear_attention), e.g. a branch build; marked in the notes")
    ap.add_argument("--tfmc-fallback", action="append", default=[], metavar="PATH",
                    help="another tfmc to try when a case does not compile with --tfmc "
                         "(repeatable; the notes say which one compiled each case)")
    ap.add_argument("--rounds", type=int, default=3, help="timing rounds (default 3)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--only", default="", help="comma-separated substrings of case names")
    ap.add_argument("--skip", default="", help="contenders to skip: tfmc,ort,numpy")
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--budget", type=float, default=1.0, help="seconds of repeats per measurement")
    ap.add_argument("--slow", type=float, default=5.0,
                    help="a call slower than this (s) is timed once, in the first round only")
    ap.add_argument("--workdir", default=None, help="keep the .mlir/.so/.onnx here")
    ap.add_argument("--json", default=None, help="write all raw figures here")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        with open(args.worker) as f:
            worker(json.load(f))
        return

    threads = [int(t) for t in args.threads.split(",")]
    skip = set(filter(None, args.skip.split(",")))
    overrides = dict(o.split("=", 1) for o in args.tfmc_override)
    workdir = args.workdir or tempfile.mkdtemp(prefix="tfmc-bench-")
    os.makedirs(workdir, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)

    cases = all_cases(args.quick)
    built_at = {}     # tfmc path -> its build time when it compiled the cases
    if args.only:
        keys = [k.strip() for k in args.only.split(",")]
        cases = [c for c in cases if any(k in c.name for k in keys)]

    # Ceilings.
    ceil_bin = os.path.join(workdir, "ceilings")
    subprocess.run(["gcc", "-O3", "-march=native", "-pthread", os.path.join(HERE, "ceilings.c"),
                    "-o", ceil_bin], check=True)
    ceilings = {}

    def add_ceilings():
        for k, v in measure_ceilings(ceil_bin).items():
            ceilings.setdefault(k, []).extend(v)
    log("measuring ceilings ...")
    add_ceilings()

    # Compile and check.
    ort_ok = "ort" not in skip and os.path.isdir(os.path.join(HERE, "node_modules", "onnxruntime-node"))
    if "ort" not in skip and not ort_ok:
        log("bench/node_modules/onnxruntime-node missing: run bench/setup.sh (ORT skipped)")
    status = {}         # case.id -> {"tfmc": so|None, "note": ..., ...}
    for case in cases:
        st = status[case.id] = {"notes": []}
        case_dir = os.path.join(workdir, case.id)
        os.makedirs(case_dir, exist_ok=True)
        st["inputs"] = []
        for i, x in enumerate(case.inputs):
            path = os.path.join(case_dir, f"in{i}.npy")
            np.save(path, x)
            st["inputs"].append(path)
        candidates = [overrides.get(case.family, args.tfmc)] + args.tfmc_fallback
        first_failure = None
        for tfmc in candidates:
            log(f"[{case.name}] compiling with {tfmc}")
            so, failure, msg = compile_case(case, tfmc, case_dir)
            if so:
                break
            log(f"[{case.name}] {tfmc}: {failure}: {msg}")
            first_failure = first_failure or (failure, msg)
        if not so:
            failure, msg = first_failure
            tfmc = candidates[0]
        elif tfmc != candidates[0]:
            st["notes"].append(f"{candidates[0]}: {first_failure[0]}: {first_failure[1]}")
        st["tfmc_path"] = tfmc
        built_at[tfmc] = built_at.get(tfmc) or built(tfmc)
        st["so"] = None
        st["tfmc_status"] = failure
        st["compile_msg"] = msg
        refs = None
        if so and "tfmc" not in skip:
            log(f"[{case.name}] {msg}; checking against the float64 oracle")
            refs = case.ref()
            try:
                kernel = Kernel(so, "kernel", case.inputs, case.output_shapes)
                kernel.poison()
                kernel()
                errs = [relative_error(o, r) for o, r in zip(kernel.outputs, refs)]
                st["tfmc_err"] = max(errs)
                if st["tfmc_err"] <= TOL:
                    st["so"] = so
                else:
                    st["tfmc_status"] = f"WRONG (rel err {st['tfmc_err']:.1e})"
                del kernel
            except (RuntimeError, OSError, AttributeError) as e:
                st["tfmc_status"] = f"n/a (call failed: {e})"
        elif not so:
            log(f"[{case.name}] tfmc: {failure}: {msg}")
        st["refs"] = refs
        if case.ort and ort_ok:
            build, feeds, _ = case.ort
            model = os.path.join(case_dir, "model.onnx")
            with open(model, "wb") as f:
                f.write(build())
            st["ort_feeds"] = []
            for name, arr in feeds():
                path = os.path.join(case_dir, f"ort_{name}.bin")
                np.ascontiguousarray(arr, np.float32).tofile(path)
                st["ort_feeds"].append({"name": name, "file": path, "shape": list(arr.shape)})
            st["ort_model"] = model

    # Timing rounds.
    times = {}   # (case.id, contender, threads) -> [round medians]
    cpu_times = {}   # same keys -> [round medians of the CPU time per call]
    loads = []
    blas_seen = set()

    single = set()   # keys whose first call took > slow_s: timed once, in round 1 only

    def record(key, res):
        if "error" in res:
            times[key] = "n/a (" + res["error"] + ")"
            return
        if not isinstance(times.get(key, []), str):
            times.setdefault(key, []).append(res["median_ms"])
            if res.get("cpu_ms") is not None:
                cpu_times.setdefault(key, []).append(res["cpu_ms"])
        if res.get("single"):
            single.add(key)
        if res.get("blas") and key[1] == "numpy":
            blas_seen.update(res["blas"])

    def wanted(key):
        return key not in single and not isinstance(times.get(key), str)

    for rnd in range(args.rounds):
        loads.append(os.getloadavg()[0])
        log(f"round {rnd + 1}/{args.rounds} (load average {loads[-1]:.1f})")
        if rnd:
            add_ceilings()
        for case in cases:
            st = status[case.id]
            for t in threads:
                env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                           TFM_NUM_THREADS=str(t))
                common = {"inputs": st["inputs"], "outputs": case.output_shapes, "warmup": 1,
                          "min_repeats": 3, "max_repeats": 20, "budget_s": args.budget,
                          "slow_s": args.slow}
                first = rnd == 0 and t == threads[0]
                key = (case.id, "tfmc", t)
                if st["so"] and wanted(key):
                    spec = dict(common, kind="tfmc", so=st["so"])
                    record(key, run_json([PYTHON, __file__, "--worker", write_spec(workdir, spec)], env))
                key = (case.id, "ort", t)
                if st.get("ort_model") and wanted(key):
                    dump = os.path.join(workdir, case.id, "ort_out.bin") if first else None
                    spec = {"model": st["ort_model"], "threads": t, "inputs": st["ort_feeds"],
                            "warmup": 1, "min_repeats": 3, "max_repeats": 20,
                            "budget_s": args.budget, "dump": dump}
                    res = run_json(["node", os.path.join(HERE, "ort_runner.js"),
                                    write_spec(workdir, spec)], env)
                    record(key, res)
                    if first and "error" not in res:
                        st["ort_version"] = res.get("ort")
                        check_ort(case, st, dump)
                key = (case.id, "numpy", t)
                if "numpy" not in skip and wanted(key):
                    npenv = dict(env, OPENBLAS_NUM_THREADS=str(t))
                    if os.path.isdir(OPENBLAS_DIR):
                        npenv["LD_LIBRARY_PATH"] = OPENBLAS_DIR + (
                            ":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
                    dump = os.path.join(workdir, case.id, "np_out.npy") if first else None
                    spec = dict(common, kind="numpy", impl=case.numpy_impl,
                                params=case.numpy_params, dump=dump)
                    if case.numpy_impl in ("attention", "scan", "krpe"):
                        spec.update(min_repeats=2, max_repeats=5)
                    res = run_json([PYTHON, __file__, "--worker", write_spec(workdir, spec)], npenv)
                    record(key, res)
                    if first and "error" not in res:
                        err = relative_error(np.load(dump), refs_of(case, st)[0])
                        st["numpy_err"] = err
            log(f"  {case.name}: " + ", ".join(
                f"{c}{t}={fmt_ms(times.get((case.id, c, t)))}" for t in threads
                for c in ("tfmc", "ort", "numpy") if (case.id, c, t) in times))
    loads.append(os.getloadavg()[0])

    report(args, cases, status, times, ceilings, threads, loads, started, overrides,
           single, sorted(blas_seen), built_at)
    report_cpu(cases, status, times, cpu_times, ceilings, single)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"ceilings": ceilings, "loads": loads,
                       "times": {"|".join(map(str, k)): v for k, v in times.items()},
                       "cpu_times": {"|".join(map(str, k)): v for k, v in cpu_times.items()},
                       "status": {k: {kk: vv for kk, vv in v.items() if kk != "refs"}
                                  for k, v in status.items()}}, f, indent=1)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


_spec_counter = [0]


def write_spec(workdir, spec):
    _spec_counter[0] += 1
    path = os.path.join(workdir, f"spec{_spec_counter[0]}.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


def refs_of(case, st):
    if st.get("refs") is None:
        st["refs"] = case.ref()
    return st["refs"]


def check_ort(case, st, dump):
    """ONNX Runtime must compute the same problem: compare its output with the
    oracle too (a mismatch is noted in the table)."""
    ref = refs_of(case, st)[0]
    out = np.fromfile(dump, np.float32)
    try:
        out = case.ort[2](out.reshape(ort_out_shape(case)))
    except ValueError:
        st["notes"].append("ORT output has another shape")
        return
    err = relative_error(out, ref)
    st["ort_err"] = err


def ort_out_shape(case):
    if case.family == "attention":
        B, H, L, D = case.output_shapes[0]
        return (B, L, H * D)
    return case.output_shapes[0]


def built(path):
    try:
        stamp = datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)
        return f"built {stamp:%Y-%m-%d %H:%M} UTC"
    except OSError:
        return "missing"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def git_rev():
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" (+ uncommitted changes in the tree)" if dirty else "")
    except OSError:
        return "?"


def report(args, cases, status, times, ceilings, threads, loads, started, overrides, single, blas,
           built_at):
    best = {k: max(v) if v else float("nan") for k, v in ceilings.items()}
    med = {k: statistics.median(v) if v else float("nan") for k, v in ceilings.items()}

    # The limits are the hardware's: the ceilings over CPU time (over wall time
    # they only say how much of the machine this process got).
    def peak(t):
        return max(best.get(f"fma512_{t}_cpu", 0) or 0, best.get(f"fma256_{t}_cpu", 0) or 0)

    def bw(t):
        return best.get(f"triad_{t}_cpu", float("nan"))

    ort_version = next((s.get("ort_version") for s in status.values() if s.get("ort_version")), "?")
    print(f"# tfmc CPU benchmark, {started:%Y-%m-%d %H:%M} UTC\n")
    print(f"- machine: {cpu_model()}, {os.cpu_count()} CPUs; load average (1 min) per round: "
          + ", ".join(f"{l:.1f}" for l in loads))
    def built_(path):
        return f"{path} ({built_at.get(path) or built(path)})"
    print(f"- tfmc: {built_(args.tfmc)}; {ROOT} at {git_rev()}"
          + "".join(f"; for {fam}: {built_(p)}" for fam, p in overrides.items())
          + "".join(f"; fallback: {built_(p)}" for p in args.tfmc_fallback))
    print(f"- ONNX Runtime {ort_version} (onnxruntime-node, CPU EP, default spinning); numpy "
          f"{np.__version__} with {', '.join(os.path.basename(os.path.dirname(b)) + '/' + os.path.basename(b) for b in blas) or '?'}")
    print(f"- {args.rounds} rounds, each measurement in its own process: a warm-up call, then repeats "
          f"for ~{args.budget:g} s (3 at least), median; calls slower than {args.slow:g} s are timed "
          f"once (marked \"1 run\")")
    print("- ceilings, best / median of all samples, over wall time (what a process got here) "
          "and over CPU time (the hardware's, when it runs):")
    nan = float("nan")
    for t in threads:
        print(f"  - {t} thread{'s' if t > 1 else ''}: FMA zmm {best.get(f'fma512_{t}', nan):.0f}"
              f" / {med.get(f'fma512_{t}', nan):.0f} GFLOP/s (CPU time: "
              f"{best.get(f'fma512_{t}_cpu', nan):.0f} / {med.get(f'fma512_{t}_cpu', nan):.0f}), ymm "
              f"{best.get(f'fma256_{t}', nan):.0f} / {med.get(f'fma256_{t}', nan):.0f} (CPU time: "
              f"{best.get(f'fma256_{t}_cpu', nan):.0f}); triad {bw(t):.1f} / "
              f"{med.get(f'triad_{t}', nan):.1f} GB/s (CPU time: {best.get(f'triad_{t}_cpu', nan):.1f}"
              f" / {med.get(f'triad_{t}_cpu', nan):.1f})")
    print()
    print("Times: median of the round medians, ± half the range of the round medians. "
          "Rate: GFLOP/s (useful FLOPs: half of 4·B·H·L²·d when causal) or GB/s. "
          "limit: time of the larger floor (FLOPs / FMA peak, bytes / triad bandwidth; the best "
          "CPU-time ceilings, same thread count) over the measured time. tfmc/ORT and tfmc/numpy: speed ratios "
          "(their time / tfmc's; > 1: tfmc faster).\n")
    print("| case | thr | tfmc ms | tfmc rate | limit | ORT ms | ORT rate | tfmc/ORT | numpy ms | tfmc/numpy |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    t_ratio = []
    for case in cases:
        st = status[case.id]
        bytes_bound = case.flops / peak(1) < case.nbytes / bw(1)
        for t in threads:
            cells = [case.name if t == threads[0] else "", str(t)]
            tf = times.get((case.id, "tfmc", t))
            orv = times.get((case.id, "ort", t))
            npv = times.get((case.id, "numpy", t))

            def rate(v):
                if not isinstance(v, list) or not v:
                    return "—"
                s = statistics.median(v) / 1e3
                if bytes_bound:
                    return f"{case.nbytes / s / 1e9:.1f} GB/s"
                return f"{case.flops / s / 1e9:.1f} GF/s"

            def ratio(other):
                if isinstance(tf, list) and isinstance(other, list) and tf and other:
                    return f"{statistics.median(other) / statistics.median(tf):.2f}x"
                return "—"

            if st["tfmc_status"] and not isinstance(tf, list):
                tf_cell = st["tfmc_status"]
            else:
                tf_cell = fmt_ms(tf, (case.id, "tfmc", t) in single)
            cells.append(tf_cell)
            cells.append(rate(tf))
            if isinstance(tf, list) and tf:
                s = statistics.median(tf) / 1e3
                floor = max(case.flops / (peak(t) * 1e9), case.nbytes / (bw(t) * 1e9))
                which = "B" if case.nbytes / bw(t) > case.flops / peak(t) else "F"
                cells.append(f"{100 * floor / s:.0f}% {which}")
            else:
                cells.append("—")
            cells += [fmt_ms(orv, (case.id, "ort", t) in single) if case.ort else "no ORT op",
                      rate(orv) if case.ort else "—", ratio(orv),
                      fmt_ms(npv, (case.id, "numpy", t) in single), ratio(npv)]
            print("| " + " | ".join(cells) + " |")
        if isinstance(times.get((case.id, "tfmc", 1)), list) and isinstance(times.get((case.id, "tfmc", 2)), list):
            t_ratio.append(statistics.median(times[(case.id, "tfmc", 1)])
                           / statistics.median(times[(case.id, "tfmc", 2)]))
    print()
    notes = []
    for case in cases:
        st = status[case.id]
        extra = []
        for who in ("tfmc", "ORT", "numpy"):
            err = st.get(who.lower() + "_err")
            if err is not None:
                extra.append(f"{who} rel err {err:.1e}" + (" FAIL" if err > TOL else ""))
        if not st["so"] and st["compile_msg"]:
            extra.append(f"tfmc: {st['compile_msg']}")
        extra += st["notes"]
        if st["tfmc_path"] != args.tfmc:
            extra.append(f"tfmc binary: {st['tfmc_path']}")
        notes.append(f"- {case.name}: " + "; ".join(extra))
    print("Checks against the float64 oracle (tolerance 1e-4) and notes:")
    print("\n".join(notes))
    if t_ratio:
        print(f"\ntfmc TFM_NUM_THREADS=2 vs 1: time ratio T1/T2 median {statistics.median(t_ratio):.2f}"
              f" (range {min(t_ratio):.2f}-{max(t_ratio):.2f}; 1.0 = the variable has no effect)")


def report_cpu(cases, status, times, cpu_times, ceilings, single):
    """Single-thread figures over CPU time (the time the process actually
    ran): much less sensitive to other work on the machine than wall time."""
    peak = max(max(ceilings.get("fma512_1_cpu") or [0]), max(ceilings.get("fma256_1_cpu") or [0]))
    bw = max(ceilings.get("triad_1_cpu") or [float("nan")])
    print("\nOne thread, CPU time per call (process CPU time, median of the round medians): "
          f"the ceilings over CPU time are FMA {peak:.0f} GFLOP/s and triad {bw:.1f} GB/s. "
          "ORT's CPU time with intraOpNumThreads=1 is its calling thread's work only.\n")
    print("| case | tfmc CPU ms | tfmc rate | limit | ORT CPU ms | tfmc/ORT | numpy CPU ms | tfmc/numpy |")
    print("|---|---|---|---|---|---|---|---|")
    for case in cases:
        tf = cpu_times.get((case.id, "tfmc", 1))
        orv = cpu_times.get((case.id, "ort", 1))
        npv = cpu_times.get((case.id, "numpy", 1))
        bytes_bound = case.flops / peak < case.nbytes / bw

        def cell(v, key):
            if not v:
                return "—"
            return fmt_ms(v, key in single)

        def ratio(other):
            if tf and other:
                return f"{statistics.median(other) / statistics.median(tf):.2f}x"
            return "—"
        if tf:
            s = statistics.median(tf) / 1e3
            rate = (f"{case.nbytes / s / 1e9:.1f} GB/s" if bytes_bound
                    else f"{case.flops / s / 1e9:.1f} GF/s")
            floor = max(case.flops / (peak * 1e9), case.nbytes / (bw * 1e9))
            limit = f"{100 * floor / s:.0f}% {'B' if bytes_bound else 'F'}"
        else:
            rate, limit = "—", "—"
        tf_cell = cell(tf, (case.id, "tfmc", 1)) if tf else (status[case.id]["tfmc_status"] or "—")
        print(f"| {case.name} | {tf_cell} | {rate} | {limit} | "
              f"{cell(orv, (case.id, 'ort', 1)) if case.ort else 'no ORT op'} | {ratio(orv)} | "
              f"{cell(npv, (case.id, 'numpy', 1))} | {ratio(npv)} |")


if __name__ == "__main__":
    main()
