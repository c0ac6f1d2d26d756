"""Oracles for attention.mlir: tfm.attention against OPS.md `attention` in
float64, with masks and positional biases built densely in numpy."""
import resource
import sys

import numpy as np

from oracles import alibi_slopes, t5_bucket
from tfm_e2e import Library, check, random

lib = Library(sys.argv[1])
f64 = lambda a: np.asarray(a, dtype=np.float64)


def attention(q, k, v, scale, bias=0.0, mask=None, mult=None):
    """OPS.md A1 (float64). q [B,H,Lq,d], k/v [B,Hk,Lk,*]; `mask` and `bias`
    broadcast to [B,H,Lq,Lk]. Fully masked rows give zeros and lse -inf.
    Returns (out, lse)."""
    group = q.shape[1] // k.shape[1]
    k, v = np.repeat(f64(k), group, 1), np.repeat(f64(v), group, 1)
    s = f64(q) @ k.swapaxes(-1, -2) * scale + bias
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = s.max(-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(s - m)
    l = e.sum(-1, keepdims=True)
    p = e / np.where(l > 0, l, 1.0)
    if mult is not None:
        p = p * mult
    with np.errstate(divide="ignore"):
        lse = (m + np.log(l))[..., 0]
    return p @ v, lse


def dense_mask(kind, lq, lk, offset=0, left=0, right=0, size=0, rows=None):
    """[Lq, Lk] visibility of key j to query position p = offset + i (only
    the query rows `rows` when given)."""
    p = offset + (np.arange(lq) if rows is None else rows)[:, None]
    j = np.arange(lk)[None, :]
    if kind == "causal":
        return j <= p
    if kind == "window":
        return (j >= p - left) & (j <= p + right)
    if kind == "prefix":
        return (j < size) | (j <= p)
    if kind == "block":
        return j // size == p // size
    raise ValueError(kind)


def relative(lq, lk, offset=0):
    """j - p for every query row and key."""
    return np.arange(lk)[None, :] - (offset + np.arange(lq)[:, None])


def alibi_bias(heads, lq, lk, offset=0):
    """-m_h (p - j), [1, H, Lq, Lk]."""
    return (alibi_slopes(heads)[:, None, None] * relative(lq, lk, offset))[None]


def t5_bias(table, lq, lk, bidir, maxd):
    """table[bucket(j - p), h] as [1, H, Lq, Lk]."""
    bucket = t5_bucket(relative(lq, lk), bidir, table.shape[0], maxd)
    return f64(table)[bucket].transpose(2, 0, 1)[None]


def qkv(b, h, hk, lq, lk, d, dv=None, seed=0):
    """Random q [B,H,Lq,d], k [B,Hk,Lk,d], v [B,Hk,Lk,dv]."""
    return (random((b, h, lq, d), seed), random((b, hk, lk, d), seed + 1),
            random((b, hk, lk, dv or d), seed + 2))


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# mask none, fully dynamic: ragged lengths (Lq=37, Lk=53, d=24), length 1,
# several key blocks, MQA (Hk=1) and dv != d.
for b, h, hk, lq, lk, d, dv in ((2, 3, 3, 37, 53, 24, 24), (1, 2, 2, 1, 1, 24, 24),
                                (1, 2, 2, 1, 130, 24, 24), (1, 2, 2, 130, 70, 24, 24),
                                (2, 4, 1, 33, 66, 16, 20)):
    q, k, v = qkv(b, h, hk, lq, lk, d, dv, seed=lq + lk + hk)
    out, = lib.call("mask_none", [q, k, v], [(b, h, lq, dv)])
    check(f"mask none B={b} H={h} Hk={hk} Lq={lq} Lk={lk} d={d} dv={dv}", out,
          attention(q, k, v, 0.2)[0])

masks = {"mask_causal": dict(kind="causal"),
         "mask_prefix": dict(kind="prefix", size=20),
         "mask_block": dict(kind="block", size=24)}
for name, spec in masks.items():
    for length in (1, 37, 200):
        q, k, v = qkv(1, 2, 2, length, length, 16, seed=length)
        out, = lib.call(name, [q, k, v], [q.shape])
        ref = attention(q, k, v, 0.25, mask=dense_mask(lq=length, lk=length, **spec))[0]
        check(f"{name} L={length}", out, ref)
q, k, v = qkv(1, 8, 2, 70, 70, 16, dv=12, seed=70)
out, = lib.call("mask_causal", [q, k, v], [(1, 8, 70, 12)])
check("mask_causal GQA H=8 Hk=2 dv=12", out,
      attention(q, k, v, 0.25, mask=dense_mask("causal", 70, 70))[0])

# Window 70,3 with the log-sum-exp: ragged, length 1, Lq != Lk, and rows
# past Lk + 70 that see no key (zeros, lse -inf).
for lq, lk in ((1, 1), (37, 37), (200, 200), (150, 90), (200, 50)):
    q, k, v = qkv(1, 2, 2, lq, lk, 16, seed=lq + 2 * lk)
    out, lse = lib.call("window_lse", [q, k, v], [q.shape, q.shape[:3]])
    ref, ref_lse = attention(q, k, v, 0.25, mask=dense_mask("window", lq, lk, left=70, right=3))
    check(f"window 70,3 Lq={lq} Lk={lk}: out", out, ref)
    seen = np.isfinite(ref_lse)
    check(f"window 70,3 Lq={lq} Lk={lk}: lse", lse[seen], ref_lse[seen])
    if not seen.all():
        check(f"window 70,3 Lq={lq} Lk={lk}: lse -inf on {np.sum(~seen)} unseen rows",
              np.isneginf(lse[~seen]), np.ones(np.sum(~seen)))

# Logits of about ±1e4, exact in f32 (integer inputs), so the only error is
# in the softmax itself.
gen = np.random.default_rng(110)
q = gen.integers(-12, 13, size=(1, 2, 70, 16)).astype(np.float32) * 8
k = gen.integers(-12, 13, size=(1, 2, 70, 16)).astype(np.float32) * 8
v = random((1, 2, 70, 16), 111)
out, lse = lib.call("window_lse", [q, k, v], [q.shape, q.shape[:3]])
ref, ref_lse = attention(q, k, v, 0.25, mask=dense_mask("window", 70, 70, left=70, right=3))
logits = np.abs(f64(q) @ f64(k).swapaxes(-1, -2) * 0.25).max()
check(f"logits up to ±{logits:.0f}: out", out, ref)
check(f"logits up to ±{logits:.0f}: lse", lse, ref_lse)

# ALiBi (causal, q_offset): H=8, and H=6 (interleaved slopes of 4 and 8).
for heads in (8, 6):
    q, k, v = qkv(1, heads, heads, 70, 70, 16, seed=heads)
    out, = lib.call("alibi", [q, k, v, 0], [q.shape])
    ref = attention(q, k, v, 0.125, bias=alibi_bias(heads, 70, 70),
                    mask=dense_mask("causal", 70, 70))[0]
    check(f"alibi H={heads} causal L=70", out, ref)

# T5 buckets: distances past max_distance reach the last bucket.
q, k, v = qkv(1, 3, 3, 150, 190, 16, seed=40)
table = random((32, 3), 41, low=-2, high=2)
out, = lib.call("t5_bidirectional", [q, k, v, table], [q.shape])
check("t5 bidirectional 32 buckets, max_distance 128, Lq=150 Lk=190", out,
      attention(q, k, v, 0.25, bias=t5_bias(table, 150, 190, True, 128))[0])
q, k, v = qkv(1, 2, 2, 120, 120, 16, seed=42)
table = random((16, 2), 43, low=-2, high=2)
out, = lib.call("t5_unidirectional", [q, k, v, table], [q.shape])
check("t5 unidirectional 16 buckets, max_distance 50, causal, L=120", out,
      attention(q, k, v, 1.0, bias=t5_bias(table, 120, 120, False, 50),
                mask=dense_mask("causal", 120, 120))[0])

# Explicit bias, broadcast over the batch or over the heads.
q, k, v = qkv(2, 3, 3, 70, 70, 16, seed=50)
bias = random((1, 3, 70, 70), 51, low=-3, high=3)
out, = lib.call("bias_per_head", [q, k, v, bias], [q.shape])
check("explicit bias [1,H,Lq,Lk] causal", out,
      attention(q, k, v, 0.25, bias=f64(bias), mask=dense_mask("causal", 70, 70))[0])
q, k, v = qkv(2, 3, 3, 45, 81, 16, seed=52)
bias = random((2, 1, 45, 81), 53, low=-3, high=3)
out, = lib.call("bias_per_batch", [q, k, v, bias], [q.shape])
check("explicit bias [B,1,Lq,Lk] Lq=45 Lk=81", out,
      attention(q, k, v, 0.25, bias=f64(bias))[0])

# URPE: mult scales the numerator only.
q, k, v = qkv(1, 2, 2, 90, 90, 16, seed=60)
table = random((32, 2), 61, low=-1, high=1)
mult = random((32, 2), 62, low=0.2, high=2)
out, = lib.call("urpe", [q, k, v, table, mult], [q.shape])
check("URPE t5 bias + mult, L=90", out,
      attention(q, k, v, 0.25, bias=t5_bias(table, 90, 90, True, 64),
                mult=t5_bias(mult, 90, 90, True, 64))[0])

# KV cache (causal, kv_len, q_offset, GQA 4/2): padded keys with a fully
# masked batch (kv_len 0 gives zeros), decode (Lq=1) from a cache of 37, and
# a 5-token chunk.
for batch, lq, lk, offset, lengths in ((3, 20, 53, 53, [53, 17, 0]),
                                       (2, 1, 37, 36, [37, 30]),
                                       (2, 5, 37, 32, [37, 30])):
    q, k, v = qkv(batch, 4, 2, lq, lk, 16, seed=90 + lq)
    lengths = np.array(lengths, dtype=np.int32)
    mask = dense_mask("causal", lq, lk, offset)[None, None] & \
        (np.arange(lk) < lengths[:, None])[:, None, None, :]
    out, = lib.call("kv_cache", [q, k, v, lengths, offset], [q.shape])
    check(f"kv cache Lq={lq} Lk={lk} q_offset={offset} kv_len {list(lengths)}",
          out, attention(q, k, v, 0.25, mask=mask)[0])

# 16384 tokens: a score matrix would be 1 GiB per head; the flash loop keeps
# the peak memory at the inputs plus tiles. Checked on a sample of rows, and
# the peak RSS is read right after each call, before any oracle runs.
length, rows = 16384, np.r_[0:3, 63:66, 5000:5003, 16380:16384]
q, k, v = qkv(1, 2, 2, length, length, 64, seed=120)
out, lse = lib.call("window_lse", [q, k, v], [q.shape, q.shape[:3]])
peak_mib = peak_rss_mib()
band = dense_mask("window", length, length, left=70, right=3, rows=rows)
ref, ref_lse = attention(q[:, :, rows], k, v, 0.25, mask=band)
check(f"window 70,3 L={length} H=2 d=64 (sampled rows): out", out[:, :, rows], ref)
check(f"window 70,3 L={length} H=2 d=64 (sampled rows): lse", lse[:, :, rows], ref_lse)
lq, offset = 64, length - 64
q, k, v = qkv(1, 2, 1, lq, length, 64, seed=121)
out, = lib.call("alibi", [q, k, v, offset], [q.shape])
peak_mib = max(peak_mib, peak_rss_mib())
ref = attention(q, k, v, 0.125, bias=alibi_bias(2, lq, length, offset),
                mask=dense_mask("causal", lq, length, offset))[0]
check(f"alibi causal MQA chunk Lq=64 at q_offset {offset}, Lk={length}", out, ref)
limit_mib = 512
print(f"{'ok  ' if peak_mib < limit_mib else 'FAIL'} peak RSS {peak_mib:.0f} MiB "
      f"with L={length} (limit {limit_mib} MiB)")
if peak_mib >= limit_mib:
    raise SystemExit(f"FAILED: peak memory {peak_mib:.0f} MiB")

lib.finish()
