"""Float64 numpy oracles from OPS.md, shared by the end-to-end tests."""
import math

import numpy as np


def gelu_erf(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softplus(x):
    return np.logaddexp(0.0, x)


ACTIVATIONS = {
    "gelu_erf": gelu_erf,
    "gelu_tanh": gelu_tanh,
    "silu": lambda x: x * sigmoid(x),
    "relu": lambda x: np.maximum(x, 0.0),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "sigmoid": sigmoid,
    "softplus": softplus,
}


def layer_norm(x, gamma=None, beta=None, eps=1e-5, axis=-1):
    mu = x.mean(axis, keepdims=True)
    var = ((x - mu) ** 2).mean(axis, keepdims=True)
    return _affine((x - mu) / np.sqrt(var + eps), gamma, beta, axis)


def rms_norm(x, gamma=None, beta=None, eps=1e-5, axis=-1):
    ms = (x ** 2).mean(axis, keepdims=True)
    return _affine(x / np.sqrt(ms + eps), gamma, beta, axis)


def affine_norm(x, gamma, beta=None, axis=-1):
    return _affine(x, gamma, beta, axis)


def _affine(y, gamma, beta, axis):
    shape = [1] * y.ndim
    shape[axis] = -1
    if gamma is not None:
        y = y * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y


def rope(x, pos, base=1e4, rot=None, style="half"):
    """OPS.md A2; pos is [L] or [B, L] (broadcast over heads)."""
    rot = rot or x.shape[-1]
    xr, xp = x[..., :rot], x[..., rot:]
    pos = np.asarray(pos, dtype=np.float64)
    if pos.ndim == 2:
        pos = pos[:, None, :]          # [B, 1, L]
    ang = pos[..., None] * base ** (-np.arange(0, rot, 2) / rot)
    c, s = np.cos(ang), np.sin(ang)
    if style == "half":
        a, b = xr[..., :rot // 2], xr[..., rot // 2:]
    else:
        a, b = xr[..., 0::2], xr[..., 1::2]
    ra, rb = a * c - b * s, b * c + a * s
    if style == "half":
        out = np.concatenate([ra, rb], -1)
    else:
        out = np.stack([ra, rb], -1).reshape(xr.shape)
    return np.concatenate([out, xp], -1)


def alibi_slopes(heads):
    """Hugging Face build_alibi_tensor: slopes of the closest power of two,
    then every other slope of twice that."""
    power = 2 ** int(np.floor(np.log2(heads)))
    slopes = (2.0 ** (-8.0 / power)) ** np.arange(1, power + 1)
    if power != heads:
        extra = (2.0 ** (-4.0 / power)) ** np.arange(1, 1 + 2 * (heads - power), 2)
        slopes = np.concatenate([slopes, extra])
    return slopes


def t5_bucket(rel, bidirectional, buckets, max_distance):
    """OPS.md A2, Hugging Face's _relative_position_bucket of rel = key - query."""
    ret = 0
    if bidirectional:
        buckets //= 2
        ret = (rel > 0) * buckets
        n = np.abs(rel)
    else:
        n = -np.minimum(rel, 0)
    exact = buckets // 2
    large = exact + (np.log(np.maximum(n, 1) / exact) / np.log(max_distance / exact)
                     * (buckets - exact)).astype(int)
    return ret + np.where(n < exact, n, np.minimum(large, buckets - 1))


def linear(x, w, b=None, act=None, gated=False, residual=None):
    y = x @ w.T
    if b is not None:
        y = y + b
    if gated:
        n = w.shape[0] // 2
        gate, up = y[..., :n], y[..., n:]
        y = ACTIVATIONS[act](gate) * up
    elif act:
        y = ACTIVATIONS[act](y)
    if residual is not None:
        y = y + residual
    return y


def linear_attention(fq, fk, v, causal=False, eps=1e-6):
    """OPS.md B1, one head: fq, fk [L, m], v [L, dv]."""
    if causal:
        kv = np.cumsum(fk[:, :, None] * v[:, None, :], 0)
        z = np.cumsum(fk, 0)
        return (np.einsum('lm,lmd->ld', fq, kv)
                / (np.einsum('lm,lm->l', fq, z) + eps)[:, None])
    return fq @ (fk.T @ v) / (fq @ fk.sum(0) + eps)[:, None]


def toeplitz_apply(c, X):
    """OPS.md B2: y_i = Σ_j c[L−1+j−i] X_j."""
    L = X.shape[0]
    n = 1 << (2 * L - 1).bit_length()
    Y = np.fft.irfft(np.fft.rfft(c[::-1], n)[:, None] * np.fft.rfft(X, n, axis=0),
                     n, axis=0)
    return Y[L - 1:2 * L - 1]


def kernel_rpe_attention(fq, fk, v, c, causal=False, eps=1e-6):
    """OPS.md B2, one head, with eps; causal keeps c[L−1+j−i] for j <= i."""
    L, m = fk.shape
    if causal:
        c = np.where(np.arange(2 * L - 1) <= L - 1, c, 0.0)
    D1 = toeplitz_apply(c, (fk[:, :, None] * v[:, None, :]).reshape(L, -1)).reshape(L, m, -1)
    D2 = toeplitz_apply(c, fk)
    return (np.einsum('lm,lmd->ld', fq, D1)
            / (np.einsum('lm,lm->l', fq, D2) + eps)[:, None])
