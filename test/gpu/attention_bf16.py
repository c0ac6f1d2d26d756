"""Checks attention_bf16.mlir (tfm.attention with 16-bit storage, and the
split-KV decode kernels, on the GPU) against the float64 oracle of
test/e2e/attention.py on the 16-bit-rounded inputs: relative error <= 2e-2
(f32 cases 1e-4)."""
import ast
import os
import sys

import numpy as np

from tfm_e2e import Library, check, from_bf16, from_f16, random, to_bf16, to_f16

TOLERANCE = 2e-2
F32_TOLERANCE = 1e-4


def load_e2e_oracles():
    """The definitions of test/e2e/attention.py (its oracle, masks and
    biases) without running its cases."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e",
                        "attention.py")
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    tree.body = [node for node in tree.body
                 if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef))
                 or (isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda))]
    namespace = {}
    exec(compile(tree, path, "exec"), namespace)
    return namespace


e2e = load_e2e_oracles()
attention, dense_mask = e2e["attention"], e2e["dense_mask"]
alibi_bias, t5_bias = e2e["alibi_bias"], e2e["t5_bias"]

lib = Library(sys.argv[1])
seed = iter(range(3000, 4000))


def rounded(shape, scale=1.0, to=to_bf16, back=from_bf16):
    """16-bit bits of a seeded random array and their float64 values."""
    bits = to(random(shape, next(seed)) * scale)
    return bits, back(bits).astype(np.float64)


def qkv(b, h, hk, lq, lk, d, dv=None, to=to_bf16, back=from_bf16):
    q, qf = rounded((b, h, lq, d), to=to, back=back)
    k, kf = rounded((b, hk, lk, d), to=to, back=back)
    v, vf = rounded((b, hk, lk, dv or d), to=to, back=back)
    return (q, k, v), (qf, kf, vf)


def run(name, label, args, shapes, references, decode=from_bf16, lse=False):
    """Calls NAME and checks its 16-bit output (and f32 lse: finite rows
    against the oracle, the others -inf)."""
    dtypes = [np.uint16] + ([np.float32] if lse else [])
    outputs = lib.call(name, args, shapes, dtypes)
    check(f"{name} {label}", decode(outputs[0]), references[0], tol=TOLERANCE)
    if lse:
        out_lse, ref_lse = outputs[1], references[1]
        seen = np.isfinite(ref_lse)
        check(f"{name} {label}: lse", out_lse[seen], ref_lse[seen], tol=TOLERANCE)
        if not seen.all():
            check(f"{name} {label}: lse -inf on {np.sum(~seen)} rows without keys",
                  np.isneginf(out_lse[~seen]), np.ones(np.sum(~seen)))


# Tensor-core kernel. Causal at d = 128: a single row, one whole tile, and
# a ragged 1000 (the last tiles partial, masked blocks skipped).
for length in (1, 64, 1000):
    (q, k, v), (qf, kf, vf) = qkv(1, 4, 4, length, length, 128)
    run("causal_d128", f"L={length}", [q, k, v], [q.shape],
        [attention(qf, kf, vf, 128 ** -0.5, mask=dense_mask("causal", length, length))[0]])

# GQA 8/2 without a mask, Lq != Lk, a single query row.
for lq, lk in ((200, 333), (1, 77)):
    (q, k, v), (qf, kf, vf) = qkv(2, 8, 2, lq, lk, 64)
    run("gqa_d64", f"Lq={lq} Lk={lk}", [q, k, v], [q.shape],
        [attention(qf, kf, vf, 0.125)[0]])

# Window with lse; rows past Lk + 100 see no key (zeros, lse -inf).
for lq, lk in ((1000, 1000), (300, 150)):
    (q, k, v), (qf, kf, vf) = qkv(1, 2, 2, lq, lk, 128)
    ref = attention(qf, kf, vf, 128 ** -0.5,
                    mask=dense_mask("window", lq, lk, left=100, right=3))
    run("window_lse_d128", f"Lq={lq} Lk={lk}", [q, k, v], [q.shape, q.shape[:3]],
        ref, lse=True)

for name, spec in (("prefix_d64", dict(kind="prefix", size=50)),
                   ("block_d64", dict(kind="block", size=48))):
    (q, k, v), (qf, kf, vf) = qkv(1, 2, 2, 300, 300, 64)
    run(name, "L=300", [q, k, v], [q.shape],
        [attention(qf, kf, vf, 0.125, mask=dense_mask(lq=300, lk=300, **spec))[0]])

# ALiBi (6 heads: interleaved slopes), a chunk of 100 queries at offset 300.
(q, k, v), (qf, kf, vf) = qkv(1, 6, 6, 100, 400, 64)
run("alibi_offset_d64", "Lq=100 Lk=400 q_offset=300", [q, k, v, 300], [q.shape],
    [attention(qf, kf, vf, 0.125, bias=alibi_bias(6, 100, 400, 300),
               mask=dense_mask("causal", 100, 400, 300))[0]])

# T5 buckets and URPE's mult (numerator only).
(q, k, v), (qf, kf, vf) = qkv(1, 2, 2, 300, 300, 64)
table, tablef = rounded((32, 2), 2.0)
mult = to_bf16(np.abs(random((32, 2), next(seed))) + 0.25)
multf = from_bf16(mult).astype(np.float64)
run("urpe_d64", "L=300", [q, k, v, table, mult], [q.shape],
    [attention(qf, kf, vf, 0.125, bias=t5_bias(tablef, 300, 300, True, 64),
               mult=t5_bias(multf, 300, 300, True, 64))[0]])

# Explicit bf16 bias, causal.
(q, k, v), (qf, kf, vf) = qkv(1, 2, 2, 150, 150, 64)
bias, biasf = rounded((1, 2, 150, 150), 3.0)
run("bias_d64", "L=150", [q, k, v, bias], [q.shape],
    [attention(qf, kf, vf, 0.125, bias=biasf, mask=dense_mask("causal", 150, 150))[0]])

# A 5-token chunk on a KV cache: GQA 8/2, kv_len with an empty sequence.
(q, k, v), (qf, kf, vf) = qkv(3, 8, 2, 5, 300, 64)
lengths = np.array([300, 137, 0], dtype=np.int32)
mask = dense_mask("causal", 5, 300, 295)[None, None] & \
    (np.arange(300) < lengths[:, None])[:, None, None, :]
run("kv_cache_chunk", "Lk=300 q_offset=295 kv_len [300, 137, 0]",
    [q, k, v, lengths, 295], [q.shape], [attention(qf, kf, vf, 0.125, mask=mask)[0]])

# Logits of about ±1e4 (integer inputs, exact in bf16).
gen = np.random.default_rng(110)
qf = gen.integers(-3, 4, size=(1, 2, 200, 64)).astype(np.float32) * 8
kf = gen.integers(-3, 4, size=(1, 2, 200, 64)).astype(np.float32) * 8
v, vf = rounded((1, 2, 200, 64))
ref = attention(qf, kf, vf, 0.25)
logits = np.abs(qf.astype(np.float64) @ kf.swapaxes(-1, -2) * 0.25).max()
run("stable_d64", f"logits up to ±{logits:.0f}", [to_bf16(qf), to_bf16(kf), v],
    [qf.shape, qf.shape[:3]], ref, lse=True)

(q, k, v), (qf, kf, vf) = qkv(1, 2, 2, 300, 300, 64, to=to_f16, back=from_f16)
run("f16_d64", "L=300", [q, k, v], [q.shape],
    [attention(qf, kf, vf, 0.125, mask=dense_mask("causal", 300, 300))[0]],
    decode=from_f16)

# Head dims: 256 (queries from shared memory), 48 with dv = 80, 16; 24 (not
# a multiple of 16) takes the CUDA-core kernel.
(q, k, v), (qf, kf, vf) = qkv(1, 2, 2, 200, 200, 256)
run("d256", "L=200", [q, k, v], [q.shape],
    [attention(qf, kf, vf, 0.0625, mask=dense_mask("causal", 200, 200))[0]])
(q, k, v), (qf, kf, vf) = qkv(1, 2, 2, 150, 150, 48, dv=80)
run("d48_dv80", "L=150", [q, k, v], [(1, 2, 150, 80)], [attention(qf, kf, vf, 0.14)[0]])
(q, k, v), (qf, kf, vf) = qkv(1, 2, 2, 250, 250, 16)
run("d16", "L=250", [q, k, v], [q.shape],
    [attention(qf, kf, vf, 0.25, mask=dense_mask("window", 250, 250, left=20, right=20))[0]])
(q, k, v), (qf, kf, vf) = qkv(1, 2, 2, 100, 100, 24)
run("simt_d24", "L=100", [q, k, v], [q.shape],
    [attention(qf, kf, vf, 0.2, mask=dense_mask("causal", 100, 100))[0]])

# Split-KV decoding. GQA 32/8 on a 16384-token cache (kv_len cuts batch 1).
(q, k, v), (qf, kf, vf) = qkv(2, 32, 8, 1, 16384, 128)
lengths = np.array([16384, 12345], dtype=np.int32)
mask = (np.arange(16384) < lengths[:, None])[:, None, None, :]
run("decode_gqa_d128", "Lk=16384 kv_len [16384, 12345]", [q, k, v, lengths, 16383],
    [q.shape], [attention(qf, kf, vf, 128 ** -0.5, mask=mask)[0]])
for lk in (1, 5000):
    (q, k, v), (qf, kf, vf) = qkv(3, 4, 4, 1, lk, 64)
    run("decode_mha_d64", f"Lk={lk}", [q, k, v], [q.shape],
        [attention(qf, kf, vf, 0.125)[0]])
(q, k, v), (qf, kf, vf) = qkv(1, 8, 2, 2, 3000, 128)
run("decode_two_rows_lse", "Lk=3000 q_offset=2998", [q, k, v, 2998],
    [q.shape, q.shape[:3]],
    attention(qf, kf, vf, 128 ** -0.5, mask=dense_mask("causal", 2, 3000, 2998)),
    lse=True)

# f32 decoding with ALiBi: 1e-4.
q = random((2, 4, 1, 128), 3900)
k, v = random((2, 4, 3000, 128), 3901), random((2, 4, 3000, 128), 3902)
out, out_lse = lib.call("decode_f32_alibi_lse", [q, k, v, 2999], [q.shape, q.shape[:3]])
ref, ref_lse = attention(q, k, v, 128 ** -0.5, bias=alibi_bias(4, 1, 3000, 2999))
check("decode_f32_alibi_lse Lk=3000", out, ref, tol=F32_TOLERANCE)
check("decode_f32_alibi_lse Lk=3000: lse", out_lse, ref_lse, tol=F32_TOLERANCE)

lib.finish()
