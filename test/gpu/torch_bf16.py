"""Checks torch_bf16.mlir on the GPU against PyTorch's implementation of
each op, computed in float64 on the GPU from the same 16-bit-rounded inputs
(relative error: bf16 results 2e-2, f32 results 1e-4), then that the
stream-ordered `NAME_device` entry works on PyTorch's tensors with no
synchronization between it and the PyTorch ops around it. Needs PyTorch
with CUDA (the H200 machine has it)."""
import ctypes
import sys

import numpy as np

import tfm_e2e
from tfm_e2e import Library, check, from_bf16, random, to_bf16

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    raise SystemExit("torch_bf16.py needs PyTorch (it runs on the GPU machine)")
if not torch.cuda.is_available():
    raise SystemExit("torch_bf16.py: PyTorch sees no CUDA device")

lib = Library(sys.argv[1])
BF16_TOL = 2e-2
F32_TOL = 1e-4
BITS = [np.uint16]


def bf16(shape, seed, low=-1.0, high=1.0):
    """Random bf16 values: (bits to pass, the float64 tensor on the GPU)."""
    bits = to_bf16(random(shape, seed, low, high))
    return bits, torch.from_numpy(from_bf16(bits).astype(np.float64)).cuda()


def f32(shape, seed, low=-1.0, high=1.0):
    values = random(shape, seed, low, high)
    return values, torch.from_numpy(values.astype(np.float64)).cuda()


def run_bf16(name, args, ref, label):
    out, = lib.call(name, args, [tuple(ref.shape)], BITS)
    check(f"{label} vs torch", from_bf16(out), ref.cpu().numpy(), tol=BF16_TOL)


def run_f32(name, args, refs, label):
    outs = lib.call(name, args, [tuple(ref.shape) for ref in refs])
    for index, (out, ref) in enumerate(zip(outs, refs)):
        suffix = f" result {index}" if len(refs) > 1 else ""
        check(f"{label}{suffix} vs torch", out, ref.cpu().numpy(), tol=F32_TOL)


def visible(lq, lk, rule):
    """The [Lq, Lk] boolean mask SDPA takes (True: the key is attended)."""
    i = torch.arange(lq, device="cuda")[:, None]
    j = torch.arange(lk, device="cuda")[None, :]
    return rule(i, j)


# --- scaled_dot_product_attention ---------------------------------------------
for lq, lk in ((1, 300), (200, 1000), (257, 257)):
    q, qt = bf16((2, 8, lq, 128), 1 + lq)
    k, kt = bf16((2, 8, lk, 128), 2 + lk)
    v, vt = bf16((2, 8, lk, 128), 3 + lk)
    run_bf16("sdpa", [q, k, v], F.scaled_dot_product_attention(qt, kt, vt),
             f"sdpa Lq={lq} Lk={lk}")

for length in (1, 100, 1030):
    q, qt = bf16((1, 8, length, 64), 10 + length)
    k, kt = bf16((1, 2, length, 64), 11 + length)
    v, vt = bf16((1, 2, length, 64), 12 + length)
    ref = F.scaled_dot_product_attention(qt, kt, vt, is_causal=True, enable_gqa=True)
    run_bf16("sdpa_causal_gqa", [q, k, v], ref, f"sdpa causal GQA 8/2 L={length}")

for length in (50, 700):
    q, qt = bf16((1, 4, length, 64), 20 + length)
    k, kt = bf16((1, 4, length, 64), 21 + length)
    v, vt = bf16((1, 4, length, 64), 22 + length)
    mask = visible(length, length, lambda i, j: (j >= i - 100) & (j <= i + 3))
    run_bf16("sdpa_window", [q, k, v],
             F.scaled_dot_product_attention(qt, kt, vt, attn_mask=mask),
             f"sdpa window 100,3 L={length}")

# ALiBi as Press et al. define it for 8 heads: bias −m_h·(i − j), m_h = 2^(−h).
for length in (64, 513):
    q, qt = bf16((1, 8, length, 64), 30 + length)
    k, kt = bf16((1, 8, length, 64), 31 + length)
    v, vt = bf16((1, 8, length, 64), 32 + length)
    slopes = 2.0 ** -torch.arange(1, 9, device="cuda", dtype=torch.float64)
    distance = visible(length, length, lambda i, j: (i - j).double())
    bias = -slopes[:, None, None] * distance
    bias = bias.masked_fill(distance < 0, float("-inf"))
    run_bf16("sdpa_alibi", [q, k, v],
             F.scaled_dot_product_attention(qt, kt, vt, attn_mask=bias[None]),
             f"sdpa ALiBi causal L={length}")

for lk in (1, 4097):
    q, qt = bf16((2, 32, 1, 128), 40 + lk)
    k, kt = bf16((2, 8, lk, 128), 41 + lk)
    v, vt = bf16((2, 8, lk, 128), 42 + lk)
    run_bf16("sdpa_decode", [q, k, v],
             F.scaled_dot_product_attention(qt, kt, vt, enable_gqa=True),
             f"sdpa decode GQA 32/8 Lk={lk}")

q, qt = f32((1, 4, 90, 64), 50)
k, kt = f32((1, 4, 90, 64), 51)
v, vt = f32((1, 4, 90, 64), 52)
run_f32("sdpa_f32", [q, k, v], [F.scaled_dot_product_attention(qt, kt, vt, is_causal=True)],
        "sdpa f32 causal L=90")

# --- linear with its epilogue ---------------------------------------------------
for rows in (3, 300):
    x, xt = bf16((rows, 256), 60 + rows)
    w, wt = bf16((384, 256), 61, -256 ** -0.5, 256 ** -0.5)
    b, bt = bf16((384,), 62)
    run_bf16("linear_gelu_tanh", [x, w, b], F.gelu(F.linear(xt, wt, bt), approximate="tanh"),
             f"linear + bias + gelu(tanh) M={rows}")
    x, xt = bf16((rows, 128), 63 + rows)
    w, wt = bf16((512, 128), 64, -128 ** -0.5, 128 ** -0.5)
    gate, up = F.linear(xt, wt).chunk(2, dim=-1)
    run_bf16("linear_swiglu", [x, w], F.silu(gate) * up, f"linear SwiGLU M={rows}")
x, xt = f32((77, 96), 65)
w, wt = f32((80, 96), 66, -96 ** -0.5, 96 ** -0.5)
b, bt = f32((80,), 67)
run_f32("linear_f32", [x, w, b], [F.gelu(F.linear(xt, wt, bt))], "linear f32 + gelu(erf)")

# --- norms and activations --------------------------------------------------------
for rows in (1, 33):
    x, xt = bf16((rows, 4096), 70 + rows, -3, 5)
    g, gt = bf16((4096,), 71)
    run_bf16("rms_norm", [x, g], F.rms_norm(xt, (4096,), gt, eps=1e-6),
             f"rms_norm 4096 rows={rows}")
    x, xt = bf16((rows, 768), 72 + rows, -3, 5)
    g, gt = bf16((768,), 73)
    b, bt = bf16((768,), 74)
    run_bf16("layer_norm", [x, g, b], F.layer_norm(xt, (768,), gt, bt, eps=1e-5),
             f"layer_norm 768 rows={rows}")

x, xt = bf16((5000,), 80, -8, 8)
for name, fn in (("gelu_erf", F.gelu), ("gelu_tanh", lambda t: F.gelu(t, approximate="tanh")),
                 ("silu", F.silu), ("relu", F.relu), ("elu", F.elu),
                 ("sigmoid", torch.sigmoid), ("softplus", F.softplus)):
    run_bf16(f"act_{name}", [x], fn(xt), f"activation {name}")

# --- embedding, FFTs, depthwise conv --------------------------------------------
table, tablet = bf16((1000, 512), 90)
ids = np.random.default_rng(91).integers(0, 1000, size=(2, 17)).astype(np.int64)
run_bf16("embedding", [table, ids], F.embedding(torch.from_numpy(ids).cuda(), tablet),
         "embedding 1000x512")

x, xt = f32((4, 4096), 100)
spectrum = torch.fft.rfft(xt)
run_f32("rfft_4096", [x], [spectrum.real, spectrum.imag], "rfft 4096")
re, ret = f32((3, 501), 101)
im, imt = f32((3, 501), 102)
run_f32("irfft_1000", [re, im], [torch.fft.irfft(torch.complex(ret, imt), n=1000)],
        "irfft n=1000 (Bluestein)")

for length in (1, 999):
    x, xt = bf16((2, 64, length), 110 + length)
    w, wt = bf16((64, 4), 111)
    b, bt = bf16((64,), 112)
    ref = F.conv1d(F.pad(xt, (3, 0)), wt[:, None, :], bt, groups=64)
    run_bf16("conv1d_causal", [x, w, b], ref, f"causal depthwise conv1d L={length}")


# --- NAME_device on PyTorch's tensors, stream-ordered -------------------------
# The entry enqueues on the legacy default stream, PyTorch's default stream:
# a PyTorch op before it (writing its input) and after it (reading its
# output) need no synchronization; tfm_cuda_synchronize() waits and
# reports. The inputs are produced on the GPU right before the call and the
# output is read by a GPU op right after it, so an entry that ran on another
# stream, or returned before enqueueing its work, reads or leaves stale data.
def fail(name):
    print(f"FAIL {name}")
    tfm_e2e._failures.append(name)


def device_call(name, tensors):
    function = getattr(lib.lib, name + "_device")
    function.restype = ctypes.c_int
    args = []
    for tensor in tensors:
        args.append(ctypes.c_void_p(tensor.data_ptr()))
        args.extend(ctypes.c_int64(d) for d in tensor.shape)
    return function(*args)


lib.lib.tfm_cuda_synchronize.restype = ctypes.c_int
for lk in (4097, 65536):
    qt, kt, vt = (torch.randn(shape, device="cuda", dtype=torch.float64)
                  for shape in ((2, 32, 1, 128), (2, 8, lk, 128), (2, 8, lk, 128)))
    q16, k16, v16 = (t.to(torch.bfloat16) for t in (qt, kt, vt))
    out = torch.full_like(q16, float("nan"))
    scaled = q16 * 2   # written by PyTorch right before the entry reads it
    status = device_call("sdpa_decode", [scaled, k16, v16, out])
    doubled = out.double() * 2   # enqueued right behind the entry's work
    synchronized = lib.lib.tfm_cuda_synchronize()
    ref = 2 * F.scaled_dot_product_attention(q16.double() * 2, k16.double(), v16.double(),
                                             enable_gqa=True)
    if status != 0 or synchronized != 0:
        fail(f"sdpa_decode_device Lk={lk}: status {status}, synchronize {synchronized}: "
             f"{lib.last_error()}")
    else:
        check(f"sdpa_decode_device Lk={lk}, no synchronization around it",
              doubled.cpu().numpy(), ref.cpu().numpy(), tol=BF16_TOL)

# A wrong shape is still refused at once, before anything is enqueued.
q16 = torch.zeros((2, 32, 1, 64), device="cuda", dtype=torch.bfloat16)
status = device_call("sdpa_decode", [q16, k16, v16, out])
message = lib.last_error()
if status == 0 or "128" not in message:
    fail(f"sdpa_decode_device refuses D=64 (status {status}: {message})")
else:
    print(f"ok   sdpa_decode_device refuses D=64: {message}")

lib.finish()
