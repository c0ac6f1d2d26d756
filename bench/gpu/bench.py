#!/usr/bin/env python3
"""Times tfmc's CUDA kernels against PyTorch on the same GPU in the same run.

    bench.py BENCH_DIR [-k REGEX] [--timeout S] [--json FILE]

BENCH_DIR holds the libraries bench/gpu/build.sh compiled (.gpu/bench). Each
family runs in its own subprocess (a kernel fault or a hang costs that
family only); the ceilings (device-to-device copy, torch's bf16 GEMM 8192³)
are measured first. For every case: our `NAME_device` entry point on
torch-allocated tensors and the PyTorch comparator, each checked once
against a float64 reference on fresh random inputs (outputs poisoned with
NaN first), then timed with CUDA events: warm-up, then 7 repeats of enough
back-to-back calls to fill ≥ 25 ms, median per call. Our `NAME_device`
entry points are stream-ordered like PyTorch's ops (they enqueue on the
legacy default stream, PyTorch's default stream, and return without
waiting), so back-to-back calls pipeline on both sides alike.
All inputs are larger than the 60 MB L2 except where noted.

The table at the end: times, the rate (TFLOP/s of useful work: causal
attention counts half the square; or TB/s of the fewest bytes: each input
read once, each output written once), that rate over the ceiling measured
here, the speed against PyTorch (its time over ours: > 1 is faster), and
the relative errors ‖out − ref‖ / ‖ref‖ of both (tolerance bf16 2e-2, f32
1e-4; a case over it is marked WRONG).
"""
import argparse
import ctypes
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

BF16_TOL = 2e-2
F32_TOL = 1e-4
MIN_REPEAT_MS = 25.0
REPEATS = 7
WARMUP_CALLS = 3
WARMUP_MS = 100.0
SLOW_CALL_MS = 1000.0


# --- calling our libraries ------------------------------------------------------

class Library:
    """A library from `tfmc --target=cuda --emit=so`, called through its
    `NAME_device` entry points: device pointers, each tensor followed by all
    its dims, the results after the arguments. They are stream-ordered: a
    fault of their kernels shows at the next call or at torch's next
    synchronization."""

    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.lib.tfm_last_error.restype = ctypes.c_char_p

    def entry(self, name, inputs, outputs):
        """A no-argument callable that runs NAME_device on these tensors and
        raises on a non-zero status (the argument list is built once, so
        the timing holds no ctypes conversions)."""
        function = getattr(self.lib, name + "_device")
        function.restype = ctypes.c_int
        args = []
        for tensor in list(inputs) + list(outputs):
            assert tensor.is_cuda and tensor.is_contiguous()
            args.append(ctypes.c_void_p(tensor.data_ptr()))
            args.extend(ctypes.c_int64(d) for d in tensor.shape)

        def call():
            status = function(*args)
            if status != 0:
                raise RuntimeError(f"{name}_device returned {status}: "
                                   f"{self.lib.tfm_last_error().decode()}")
        return call


class MissingLibrary:
    """Stands for a library that was not built: each case reports why, and
    its PyTorch comparator is still timed."""

    def __init__(self, reason):
        self.reason = reason

    def entry(self, name, inputs, outputs):
        raise RuntimeError(self.reason)


def load(bench_dir, name):
    path = os.path.join(bench_dir, name + ".so")
    if not os.path.exists(path):
        return MissingLibrary(f"{name}.so not built (see .gpu/bench/{name}.log)")
    try:
        return Library(path)
    except OSError as error:
        return MissingLibrary(f"{name}.so does not load: {error}")


# --- measuring ---------------------------------------------------------------------

def time_ms(torch, fn):
    """Median milliseconds per call over REPEATS timed batches of calls,
    and the spread (max − min) / median of those batches. Warm-up: at least
    WARMUP_CALLS calls and WARMUP_MS of them (module loads and first
    allocations happen in the first calls; clocks ramp up under load). A
    call slower than SLOW_CALL_MS is warmed up once and timed twice."""
    begin, warmup_calls = time.perf_counter(), 0
    while True:
        fn()
        torch.cuda.synchronize()
        warmup_calls += 1
        elapsed_ms = (time.perf_counter() - begin) * 1e3
        if elapsed_ms > SLOW_CALL_MS or (warmup_calls >= WARMUP_CALLS
                                          and elapsed_ms >= WARMUP_MS):
            break
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    end.synchronize()
    call_ms = start.elapsed_time(end)
    calls = max(1, math.ceil(MIN_REPEAT_MS / max(call_ms, 1e-3)))
    times = []
    for _ in range(REPEATS if call_ms < SLOW_CALL_MS else 2):
        start.record()
        for _ in range(calls):
            fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / calls)
    median = statistics.median(times)
    return median, (max(times) - min(times)) / median


def relative_error(out, ref):
    out, ref = out.double(), ref.double()
    if not bool(out.isfinite().all()):
        return float("nan")
    return float((out - ref).norm() / ref.norm())


def worst(errors):
    """The largest error; NaN if any is NaN (max() would depend on order)."""
    errors = list(errors)
    return float("nan") if any(e != e for e in errors) else max(errors)


class Family:
    """One family's cases; rows go to the driver as JSON."""

    def __init__(self, torch, bench_dir, pattern):
        self.torch = torch
        self.bench_dir = bench_dir
        self.pattern = pattern
        self.rows = []
        self.generator = torch.Generator(device="cuda")
        self.generator.manual_seed(0)

    def wanted(self, case):
        return not self.pattern or re.search(self.pattern, case)

    def randn(self, *shape, dtype=None, scale=1.0):
        torch = self.torch
        x = torch.randn(*shape, generator=self.generator, device="cuda", dtype=torch.float32)
        return (x * scale).to(dtype or torch.float32)

    def uniform(self, low, high, *shape, dtype=None):
        torch = self.torch
        x = torch.rand(*shape, generator=self.generator, device="cuda", dtype=torch.float32)
        return (low + (high - low) * x).to(dtype or torch.float32)

    def poisoned(self, *tensors):
        for tensor in tensors:
            tensor.fill_(float("nan"))

    def run(self, case, *, ours, torch_fn, check, tol, work, comparator, note="",
            comparator_rate=True):
        """ours(): (call, outputs); torch_fn(): the comparator, a callable;
        check(our outputs or None, torch's output) -> (our error, torch's
        error); work: ("flops", count) or ("bytes", count), what the rate
        column counts, or None; comparator_rate: whether that rate means
        anything for the comparator (not for a loop doing other work)."""
        row = {"case": case, "comparator": comparator, "work": work, "tol": tol, "note": note,
               "comparator_rate": comparator_rate}
        print(f"-- {case}", flush=True)
        try:
            comparator_fn = torch_fn()
            torch_out = comparator_fn()
            try:
                call, outputs = ours()
                self.poisoned(*outputs)
                call()
                row["err_ours"], row["err_torch"] = check(outputs, torch_out)
                row["ours_ms"], row["ours_spread"] = time_ms(self.torch, call)
            except Exception as error:  # report the case, keep the comparator
                row["error"] = f"{type(error).__name__}: {error}"
                _, row["err_torch"] = check(None, torch_out)
            row["torch_ms"], row["torch_spread"] = time_ms(self.torch, comparator_fn)
        except Exception as error:
            row.setdefault("error", f"{type(error).__name__}: {error}")
        print(f"   ours {format_ms(row.get('ours_ms'))} ms, torch {format_ms(row.get('torch_ms'))}"
              f" ms, errors {row.get('err_ours')} / {row.get('err_torch')}"
              + (f"; {row['error']}" if "error" in row else ""), flush=True)
        self.rows.append(row)
        self.torch.cuda.empty_cache()

    @staticmethod
    def errors(reference, ours, theirs):
        """(our error or None, torch's error) against the reference."""
        return (None if ours is None else relative_error(ours, reference),
                relative_error(theirs, reference))


# --- the families --------------------------------------------------------------------

def ceilings(family):
    """Device-to-device copy and torch's bf16 GEMM: the two ceilings."""
    torch = family.torch
    elements = 1 << 30  # 2 GiB of bf16 each way
    src = family.randn(elements, dtype=torch.bfloat16)
    dst = torch.empty_like(src)
    copy_ms, spread = time_ms(torch, lambda: dst.copy_(src))
    family.rows.append({"case": "ceiling: device copy 2 GiB", "work": ("bytes", 2 * 2 * elements),
                        "torch_ms": copy_ms, "torch_spread": spread,
                        "comparator": "Tensor.copy_ (read + write)"})
    del src, dst
    n = 8192
    a, b = family.randn(n, n, dtype=torch.bfloat16), family.randn(n, n, dtype=torch.bfloat16)
    gemm_ms, spread = time_ms(torch, lambda: torch.matmul(a, b))
    family.rows.append({"case": "ceiling: bf16 GEMM 8192^3", "work": ("flops", 2 * n ** 3),
                        "torch_ms": gemm_ms, "torch_spread": spread,
                        "comparator": "torch.matmul (cuBLAS)"})


def attention_reference(torch, q, k, v, rows, causal):
    """float64 attention of the query rows `rows` of batch 0 (all heads;
    query head h reads KV head h // (H / Hkv))."""
    q = q[0, :, rows].double()
    k, v = k[0].double(), v[0].double()
    group = q.shape[0] // k.shape[0]
    k = k.repeat_interleave(group, 0)
    v = v.repeat_interleave(group, 0)
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if causal:
        keys = torch.arange(k.shape[1], device=q.device)
        scores = scores.masked_fill(keys[None, None, :] > rows[None, :, None], float("-inf"))
    return scores.softmax(-1) @ v


def sampled_rows(torch, length, count=256):
    """Query rows spread over the sequence, the first and the last included."""
    return torch.unique(torch.linspace(0, length - 1, count, device="cuda").long())


def prefill(family):
    torch, F = family.torch, family.torch.nn.functional
    lib = load(family.bench_dir, "attention_prefill")
    heads, tokens = 16, 32 * 1024
    for d in (64, 128):
        for causal in (False, True):
            for s in (1024, 4096, 16384):
                case = f"prefill D={d} S={s // 1024}k{' causal' if causal else ''}"
                if not family.wanted(case):
                    continue
                b = tokens // s
                q, k, v = (family.randn(b, heads, s, d, dtype=torch.bfloat16) for _ in range(3))
                out = torch.empty_like(q)
                name = f"prefill_d{d}{'_causal' if causal else ''}"
                rows = sampled_rows(torch, s)

                def check(ours, theirs):
                    ref = attention_reference(torch, q, k, v, rows, causal)
                    return family.errors(ref, None if ours is None else ours[0][0, :, rows],
                                         theirs[0, :, rows])
                flops = 4 * b * heads * s * s * d // (2 if causal else 1)
                family.run(case, ours=lambda: (lib.entry(name, [q, k, v], [out]), [out]),
                           torch_fn=lambda: lambda: F.scaled_dot_product_attention(
                               q, k, v, is_causal=causal),
                           check=check, tol=BF16_TOL, work=("flops", flops), comparator="SDPA")
                del q, k, v, out


def decode(family):
    torch, F = family.torch, family.torch.nn.functional
    lib = load(family.bench_dir, "attention_decode")
    b, heads, kv_heads, d = 4, 32, 8, 128
    for kv in (8192, 65536, 262144):
        case = f"decode B=4 KV={kv // 1024}k"
        if not family.wanted(case):
            continue
        q = family.randn(b, heads, 1, d, dtype=torch.bfloat16)
        k, v = (family.randn(b, kv_heads, kv, d, dtype=torch.bfloat16) for _ in range(2))
        out = torch.empty_like(q)
        rows = torch.zeros(1, dtype=torch.long, device="cuda")

        def check(ours, theirs):
            ref = attention_reference(torch, q, k, v, rows, False)
            return family.errors(ref, None if ours is None else ours[0][0], theirs[0])
        family.run(case, ours=lambda: (lib.entry("decode_d128", [q, k, v], [out]), [out]),
                   torch_fn=lambda: lambda: F.scaled_dot_product_attention(
                       q, k, v, enable_gqa=True),
                   check=check, tol=BF16_TOL, work=("bytes", 2 * k.numel() * 2),
                   comparator="SDPA (enable_gqa)", note="rate: K+V read once")
        del q, k, v, out


def norms(family):
    torch, F = family.torch, family.torch.nn.functional
    lib = load(family.bench_dir, "norm")
    for kind in ("rms", "layer"):
        for rows_count, width in ((16384, 4096), (65536, 1024)):
            case = f"{kind} norm {rows_count}x{width}"
            if not family.wanted(case):
                continue
            x = family.randn(rows_count, width, dtype=torch.bfloat16, scale=2.0)
            x += family.uniform(-1, 1, rows_count, 1, dtype=torch.bfloat16)  # row means
            g = family.uniform(0.5, 1.5, width, dtype=torch.bfloat16)
            beta = family.uniform(-0.5, 0.5, width, dtype=torch.bfloat16)
            out = torch.empty_like(x)
            sample = slice(0, 2048)
            if kind == "rms":
                inputs, eps = [x, g], 1e-6

                def torch_fn():
                    return lambda: F.rms_norm(x, (width,), g, eps=1e-6)

                def reference():
                    return F.rms_norm(x[sample].double(), (width,), g.double(), eps=eps)
            else:
                inputs, eps = [x, g, beta], 1e-5

                def torch_fn():
                    return lambda: F.layer_norm(x, (width,), g, beta, eps=1e-5)

                def reference():
                    return F.layer_norm(x[sample].double(), (width,), g.double(),
                                        beta.double(), eps=eps)

            def check(ours, theirs):
                return family.errors(reference(), None if ours is None else ours[0][sample],
                                     theirs[sample])
            name = f"{kind}_norm_{width}"
            family.run(case, ours=lambda: (lib.entry(name, inputs, [out]), [out]),
                       torch_fn=torch_fn, check=check, tol=BF16_TOL,
                       work=("bytes", 2 * x.numel() * 2), comparator=f"F.{kind}_norm")
            del x, out


def scan_loop(torch, u, dt, A, B, C, D, z, bias):
    """The Mamba reference scan as a PyTorch loop over time (selective_scan_ref)."""
    F = torch.nn.functional
    dt = F.softplus(dt + bias[:, None])
    h = torch.zeros(u.shape[0], u.shape[1], A.shape[1], dtype=u.dtype, device=u.device)
    ys = []
    for t in range(u.shape[-1]):
        h = torch.exp(dt[:, :, t, None] * A) * h + dt[:, :, t, None] * B[:, :, :, t] * u[:, :, t, None]
        ys.append(torch.einsum("bdn,bn->bd", h, C[:, 0, :, t]))
    y = torch.stack(ys, -1) + u * D[:, None]
    return y * F.silu(z), h


def selective_scan(family):
    torch = family.torch
    lib = load(family.bench_dir, "selective_scan")
    b, d, length, n = 2, 1024, 2048, 16
    case = f"selective scan B={b} D={d} L={length} N={n}"
    if not family.wanted(case):
        return
    u, z = family.randn(b, d, length), family.randn(b, d, length)
    dt = family.randn(b, d, length, scale=0.5)
    A = -family.uniform(0.5, 4.0, d, n)
    B, C = family.randn(b, 1, n, length), family.randn(b, 1, n, length)
    D = family.randn(d)
    # Mamba's Δ bias: softplus⁻¹ of steps in [0.001, 0.1].
    bias = torch.log(torch.expm1(family.uniform(1e-3, 0.1, d)))
    y, h = torch.empty_like(u), torch.empty(b, d, n, device="cuda")
    inputs = [u, dt, A, B, C, D, z, bias]

    def check(ours, theirs):
        """The worse of y's and the last state's errors."""
        reference = scan_loop(torch, *(t.double() for t in inputs))
        ours_error = None if ours is None else worst(map(relative_error, ours, reference))
        return ours_error, worst(map(relative_error, theirs, reference))
    # The fewest bytes: u, Δ, z read and y written; B, C, A, D, the Δ bias
    # read and the last state written once.
    bytes_moved = 4 * (4 * u.numel() + 2 * B.numel() + h.numel() + A.numel() + 2 * d)
    family.run(case, ours=lambda: (lib.entry("selective_scan", inputs, [y, h]), [y, h]),
               torch_fn=lambda: lambda: scan_loop(torch, *inputs), check=check, tol=F32_TOL,
               work=("bytes", bytes_moved), comparator="PyTorch loop over L (f32)",
               note="of ceiling: the bandwidth floor over our time", comparator_rate=False)


def toeplitz_kernel_attention(torch, fq, fk, v, c, eps=1e-6):
    """Kernelized attention with Toeplitz RPE (OPS.md B2) through torch.fft:
    D1 = C·(φk ⊗ v), D2 = C·φk as length-n FFT convolutions, one batch
    element at a time (φk ⊗ v is m·dv channels per token)."""
    batch, heads, length, m = fk.shape
    dv = v.shape[-1]
    n = 1 << (2 * length - 1).bit_length()
    spectrum = torch.fft.rfft(c.flip(-1), n)[:, :, None]  # [H, n/2 + 1, 1]
    out = torch.empty(batch, heads, length, dv, dtype=v.dtype, device=v.device)
    for i in range(batch):
        channels = torch.cat([(fk[i, :, :, :, None] * v[i, :, :, None, :]).flatten(2), fk[i]], -1)
        mixed = torch.fft.irfft(torch.fft.rfft(channels, n, dim=1) * spectrum, n, dim=1)
        mixed = mixed[:, length - 1:2 * length - 1]
        numerator = torch.einsum("hlm,hlmd->hld", fq[i], mixed[..., :m * dv].unflatten(-1, (m, dv)))
        denominator = torch.einsum("hlm,hlm->hl", fq[i], mixed[..., m * dv:])
        out[i] = numerator / (denominator[..., None] + eps)
    return out


def kernel_rpe(family):
    torch = family.torch
    lib = load(family.bench_dir, "kernel_rpe")
    b, heads, m, dv = 4, 16, 32, 64
    # 8k is the longest length in one block's shared memory (M = 16384), 16k
    # the shortest through the four-step FFT.
    for length in (4096, 8192, 16384, 65536):
        case = f"FFT-RPE attention S={length // 1024}k"
        if not family.wanted(case):
            continue
        fq, fk = (family.uniform(0.05, 1.0, b, heads, length, m) for _ in range(2))
        v = family.randn(b, heads, length, dv)
        c = torch.exp(family.uniform(-2.0, 0.0, heads, 2 * length - 1))
        out = torch.empty_like(v)

        def check(ours, theirs):
            # float64 on batch 0, heads 0-1 (the full problem would not fit).
            part = [t[:1, :2].double() for t in (fq, fk, v)]
            ref = toeplitz_kernel_attention(torch, *part, c[:2].double())
            return family.errors(ref, None if ours is None else ours[0][:1, :2],
                                 theirs[:1, :2])
        family.run(case, ours=lambda: (lib.entry("kernel_rpe", [fq, fk, v, c], [out]), [out]),
                   torch_fn=lambda: lambda: toeplitz_kernel_attention(torch, fq, fk, v, c),
                   check=check, tol=F32_TOL, work=None,
                   comparator="torch.fft pipeline (f32)", note=f"B={b} H={heads} m={m} dv={dv}")
        del fq, fk, v, out


def linear(family):
    torch, F = family.torch, family.torch.nn.functional
    lib = load(family.bench_dir, "linear")
    for tokens, width, out_width, name in ((8192, 8192, 8192, "linear_8192"),
                                            (4096, 4096, 11008, "linear_11008")):
        case = f"linear {tokens}x{width}x{out_width}"
        if not family.wanted(case):
            continue
        x = family.randn(tokens, width, dtype=torch.bfloat16)
        w = family.randn(out_width, width, dtype=torch.bfloat16, scale=width ** -0.5)
        out = torch.empty(tokens, out_width, dtype=torch.bfloat16, device="cuda")
        sample = slice(0, 256)

        def check(ours, theirs):
            ref = x[sample].double() @ w.double().T
            return family.errors(ref, None if ours is None else ours[0][sample], theirs[sample])
        family.run(case, ours=lambda: (lib.entry(name, [x, w], [out]), [out]),
                   torch_fn=lambda: lambda: F.linear(x, w), check=check, tol=BF16_TOL,
                   work=("flops", 2 * tokens * width * out_width),
                   comparator="F.linear (cuBLAS)")
        del x, w, out


FAMILIES = {"ceilings": ceilings, "prefill": prefill, "decode": decode, "norms": norms,
            "selective_scan": selective_scan, "kernel_rpe": kernel_rpe, "linear": linear}


def run_family(name, bench_dir, pattern, json_path):
    import torch
    family = Family(torch, bench_dir, pattern)
    try:
        FAMILIES[name](family)
    except Exception as error:
        family.rows.append({"case": name, "error": f"{type(error).__name__}: {error}"})
    with open(json_path, "w") as f:
        json.dump(family.rows, f)


# --- the driver --------------------------------------------------------------------------

def format_ms(value):
    return "-" if value is None else (f"{value:.3f}" if value < 100 else f"{value:.1f}")


def format_error(value, tol):
    if value is None:
        return "-"
    if value != value or (tol is not None and value > tol):
        return f"{value:.1e} WRONG"
    return f"{value:.1e}"


def rate(row, ms):
    """(text, value, unit) of the case's rate at `ms` per call."""
    if ms is None or not row.get("work"):
        return "-", None, None
    unit, count = row["work"]
    value = count / ms / 1e9
    if unit == "flops":
        return f"{value:.0f} TFLOP/s", value, unit
    return f"{value:.2f} TB/s", value, unit


def table(rows):
    ceiling = {}
    for row in rows:
        if row["case"].startswith("ceiling") and row.get("torch_ms"):
            _, value, unit = rate(row, row["torch_ms"])
            ceiling[unit] = value
    header = ["case", "ours ms", "torch ms", "ours rate", "torch rate", "of ceiling",
              "speed vs torch", "err ours", "err torch", "comparator / note"]
    lines = []
    for row in rows:
        ours_ms, torch_ms = row.get("ours_ms"), row.get("torch_ms")
        ours_text, ours_value, unit = rate(row, ours_ms)
        torch_text = rate(row, torch_ms)[0] if row.get("comparator_rate", True) else "-"
        of_ceiling = "-"
        if ours_value is not None and ceiling.get(unit):
            of_ceiling = f"{100 * ours_value / ceiling[unit]:.0f}%"
        speed = f"{torch_ms / ours_ms:.2f}x" if ours_ms and torch_ms else "-"
        note = row.get("error") or "; ".join(
            filter(None, [row.get("comparator"), row.get("note")]))
        spreads = [s for s in (row.get("ours_spread"), row.get("torch_spread")) if s is not None]
        if spreads and max(spreads) > 0.10:
            note += f" (spread {100 * max(spreads):.0f}%)"
        lines.append([row["case"], format_ms(ours_ms), format_ms(torch_ms), ours_text,
                      torch_text, of_ceiling, speed, format_error(row.get("err_ours"), row.get("tol")),
                      format_error(row.get("err_torch"), None), note])
    widths = [max(len(str(line[i])) for line in [header] + lines) for i in range(len(header) - 1)]
    out = []
    for line in [header] + lines:
        out.append("  ".join(f"{cell:{w}}" for cell, w in zip(line, widths)) + "  " + line[-1])
        if line is header:
            out.append("-" * (sum(widths) + 2 * len(widths) + 20))
    return "\n".join(out)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--family":
        run_family(*sys.argv[2:6])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bench_dir", help="the folder bench/gpu/build.sh wrote (.gpu/bench)")
    parser.add_argument("-k", default="", help="only the cases whose name matches this regex")
    parser.add_argument("--timeout", type=float, default=150, help="seconds per family")
    parser.add_argument("--deadline", type=float, default=360,
                        help="seconds from the start after which no family starts and "
                             "a running one is stopped (so that the table prints inside "
                             "the device call's limit)")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    bench_dir = os.path.abspath(args.bench_dir)
    begin = time.monotonic()
    build_info = os.path.join(bench_dir, "BUILD_INFO")
    built = open(build_info).read().strip() if os.path.exists(build_info) else "no BUILD_INFO"
    print(f"bench.py {bench_dir}: run {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; {built}",
          flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in FAMILIES:
            json_path = os.path.join(scratch, name + ".json")
            command = [sys.executable, os.path.abspath(__file__), "--family", name, bench_dir,
                       args.k, json_path]
            start = time.monotonic()
            timeout = min(args.timeout, args.deadline - (start - begin))
            if timeout < 5:
                rows.append({"case": name, "error": "not run: out of time (--deadline)"})
                continue
            try:
                status = subprocess.run(command, timeout=timeout).returncode
            except subprocess.TimeoutExpired:
                status = f"killed after {timeout:.0f} s"
            if os.path.exists(json_path):
                with open(json_path) as f:
                    rows += json.load(f)
            else:
                rows.append({"case": name, "error": f"the family's process ended: {status}"})
            print(f"== {name}: {time.monotonic() - start:.0f} s", flush=True)
    report = table(rows)
    print()
    print(report)
    if args.json or os.environ.get("OUT"):
        path = args.json or os.path.join(os.environ["OUT"], "bench.json")
        with open(path, "w") as f:
            json.dump(rows, f, indent=1)
    if os.environ.get("OUT"):
        with open(os.path.join(os.environ["OUT"], "bench.txt"), "w") as f:
            f.write(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
