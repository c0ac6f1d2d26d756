#!/usr/bin/env python3
"""Times builds of bench/gpu/attention_decode.mlir against each other and
against SDPA, on bench.py's decode cases, in one process (for tuning the
decode kernel inside one device call).

    decode_variants.py DIR [--kv 8192,65536,262144] [--profile NAME,...]

DIR holds one library per variant (NAME.so, each with `decode_d128_device`).
Per KV length: the same inputs for every variant; each variant's output is
checked against float64 (bench.py's tolerance) before it is timed with
bench.py's method (CUDA events, median of 7 batches of back-to-back calls).
--profile: for these variants, the mean device time of each kernel per
call at the first KV length (torch.profiler), to split a call's time into
its kernels and the gaps between them.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

B, HEADS, KV_HEADS, D = 4, 32, 8, 128


def profile(torch_module, call, calls=50):
    """Mean device microseconds per call of each kernel `call` launches."""
    from torch.profiler import ProfilerActivity, profile as run_profile
    for _ in range(5):
        call()
    torch_module.cuda.synchronize()
    with run_profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(calls):
            call()
        torch_module.cuda.synchronize()
    kernels = {}
    for event in prof.events():
        if event.device_type == torch_module.autograd.DeviceType.CUDA:
            kernels.setdefault(event.name, []).append(event.time_range.elapsed_us())
    return {name: sum(times) / calls for name, times in kernels.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--kv", default="8192,65536,262144")
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    names = sorted(f[:-3] for f in os.listdir(args.dir) if f.endswith(".so"))
    libraries = {name: bench.Library(os.path.join(args.dir, name + ".so")) for name in names}
    generator = torch.Generator(device="cuda")
    generator.manual_seed(0)
    rows, moved = [], {}
    for index, kv in enumerate(int(k) for k in args.kv.split(",")):
        def randn(*shape):
            return torch.randn(*shape, generator=generator, device="cuda").to(torch.bfloat16)
        q = randn(B, HEADS, 1, D)
        k, v = randn(B, KV_HEADS, kv, D), randn(B, KV_HEADS, kv, D)
        out = torch.empty_like(q)
        bytes_moved = 2 * k.numel() * 2
        reference = bench.attention_reference(torch, q, k, v, torch.zeros(1, dtype=torch.long,
                                                                         device="cuda"), False)
        sdpa = lambda: torch.nn.functional.scaled_dot_product_attention(  # noqa: E731
            q, k, v, enable_gqa=True)
        sdpa_ms, spread = bench.time_ms(torch, sdpa)
        moved[kv] = bytes_moved
        rows.append(("SDPA", kv, sdpa_ms, spread, bench.relative_error(sdpa()[0], reference)))
        for name in names:
            try:
                call = libraries[name].entry("decode_d128", [q, k, v], [out])
                out.fill_(float("nan"))
                call()
                torch.cuda.synchronize()
                error = bench.relative_error(out[0], reference)
                ms, spread = bench.time_ms(torch, call)
                rows.append((name, kv, ms, spread, error))
                if index == 0 and name in args.profile.split(","):
                    for kernel, us in profile(torch, call).items():
                        print(f"profile {name} KV={kv}: {kernel}: {us:.1f} us per call")
                    for kernel, us in profile(torch, sdpa).items():
                        print(f"profile SDPA KV={kv}: {kernel}: {us:.1f} us per call")
            except Exception as error:  # report the variant, keep the others
                rows.append((name, kv, None, None, f"{type(error).__name__}: {error}"))
            print(rows[-1], flush=True)
        del q, k, v, out
        torch.cuda.empty_cache()
    print(f"\n{'variant':14} {'KV':>7} {'ms':>8} {'TB/s':>6} {'vs SDPA':>7} {'spread':>6}  err")
    sdpa_ms = {kv: ms for name, kv, ms, _, _ in rows if name == "SDPA"}
    for name, kv, ms, spread, error in rows:
        if ms is None:
            print(f"{name:14} {kv:>7} {'-':>8} {'-':>6} {'-':>7} {'-':>6}  {error}")
            continue
        rate = moved[kv] / ms / 1e9
        ok = "" if error == error and error <= bench.BF16_TOL else " WRONG"
        print(f"{name:14} {kv:>7} {ms:8.4f} {rate:6.2f} {sdpa_ms[kv] / ms:7.2f} "
              f"{100 * spread:5.0f}%  {error:.1e}{ok}")


if __name__ == "__main__":
    main()
