"""Float64 numpy implementations of the Hugging Face architectures tfmc
imports, written from their documented semantics (modeling_llama.py,
modeling_mistral.py, modeling_qwen2.py, modeling_gpt2.py, modeling_bert.py,
modeling_mamba.py): one sequence of token ids in, logits (or BERT's last
hidden state) out. Weights are a {Hugging Face name: array} dict."""
import math

import numpy as np

from oracles import alibi_slopes, t5_bucket


def silu(x):
    return x / (1.0 + np.exp(-x))


def gelu_erf(x):
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


ACTIVATIONS = {"silu": silu, "swish": silu, "gelu": gelu_erf, "gelu_new": gelu_tanh,
               "gelu_pytorch_tanh": gelu_tanh, "gelu_fast": gelu_tanh,
               "relu": lambda x: np.maximum(x, 0.0)}


def softplus(x):
    return np.logaddexp(0.0, x)


def rms_norm(x, weight, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * weight


def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def softmax(s):
    s = s - s.max(-1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(-1, keepdims=True)


def attention(q, k, v, scale, visible=None):
    """q [H, L, d], k/v [Hk, L, d]; query head h reads KV head h // (H/Hk)
    (repeat_kv); `visible[i, j]` says whether query i sees key j."""
    group = q.shape[0] // k.shape[0]
    k = np.repeat(k, group, axis=0)
    v = np.repeat(v, group, axis=0)
    s = q @ k.transpose(0, 2, 1) * scale
    if visible is not None:
        s = np.where(visible[None], s, -np.inf)
    return softmax(s) @ v


def heads_of(x, count):
    """[L, count*d] -> [count, L, d]."""
    return x.reshape(x.shape[0], count, -1).transpose(1, 0, 2)


def merge(x):
    """[H, L, d] -> [L, H*d]."""
    return x.transpose(1, 0, 2).reshape(x.shape[1], -1)


def causal(length, window=None):
    i = np.arange(length)[:, None]
    j = np.arange(length)[None, :]
    visible = j <= i
    if window is not None:  # Mistral: keys within the last `window` positions
        visible &= j > i - window
    return visible


# --- Llama, Mistral, Qwen2 ---------------------------------------------------

def rope_inverse_frequencies(c, head_dim):
    scaling = c.get("rope_parameters") or c.get("rope_scaling") or {}
    theta = scaling.get("rope_theta", c.get("rope_theta", 10000.0))
    inv = 1.0 / theta ** (np.arange(0, head_dim, 2) / head_dim)
    kind = scaling.get("rope_type", scaling.get("type", "default"))
    if kind == "linear":
        return inv / scaling["factor"]
    if kind == "llama3":
        factor, low, high = (scaling["factor"], scaling["low_freq_factor"],
                             scaling["high_freq_factor"])
        context = scaling["original_max_position_embeddings"]
        wavelength = 2 * math.pi / inv
        smooth = (context / wavelength - low) / (high - low)
        scaled = np.where(wavelength > context / low, inv / factor, inv)
        medium = (wavelength <= context / low) & (wavelength >= context / high)
        return np.where(medium, (1 - smooth) * inv / factor + smooth * inv, scaled)
    assert kind == "default", kind
    return inv


def rope(x, inv_freq):
    """x [H, L, d], rotate_half pairing (channel i with i + d/2)."""
    angles = np.arange(x.shape[1])[:, None] * inv_freq[None, :]
    cos = np.cos(np.concatenate([angles, angles], -1))
    sin = np.sin(np.concatenate([angles, angles], -1))
    half = x.shape[-1] // 2
    rotated = np.concatenate([-x[..., half:], x[..., :half]], -1)
    return x * cos + rotated * sin


def llama(c, w, tokens):
    arch = c["architectures"][0]
    d, n_heads = c["hidden_size"], c["num_attention_heads"]
    n_kv = c.get("num_key_value_heads") or n_heads
    hd = c.get("head_dim") or d // n_heads
    eps = c.get("rms_norm_eps", 1e-6)
    act = ACTIVATIONS[c.get("hidden_act", "silu")]
    window = c.get("sliding_window") if arch == "MistralForCausalLM" else None
    inv_freq = rope_inverse_frequencies(c, hd)
    visible = causal(len(tokens), window)

    def linear(x, name):
        y = x @ w[name + ".weight"].T
        return y + w[name + ".bias"] if name + ".bias" in w else y

    x = w["model.embed_tokens.weight"][tokens]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        n = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = rope(heads_of(linear(n, p + "self_attn.q_proj"), n_heads), inv_freq)
        k = rope(heads_of(linear(n, p + "self_attn.k_proj"), n_kv), inv_freq)
        v = heads_of(linear(n, p + "self_attn.v_proj"), n_kv)
        o = merge(attention(q, k, v, hd ** -0.5, visible))
        x = x + linear(o, p + "self_attn.o_proj")
        m = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        x = x + linear(act(linear(m, p + "mlp.gate_proj")) * linear(m, p + "mlp.up_proj"),
                       p + "mlp.down_proj")
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["lm_head.weight"] if "lm_head.weight" in w else w["model.embed_tokens.weight"]
    return x @ head.T


# --- GPT-2 -------------------------------------------------------------------

def gpt2(c, w, tokens):
    d, n_heads = c["n_embd"], c["n_head"]
    eps = c.get("layer_norm_epsilon", 1e-5)
    act = ACTIVATIONS[c.get("activation_function", "gelu_new")]
    scale = (d // n_heads) ** -0.5 if c.get("scale_attn_weights", True) else 1.0
    visible = causal(len(tokens))

    def conv1d(x, name):  # Conv1D: x @ W + b, W stored [in, out]
        return x @ w[name + ".weight"] + w[name + ".bias"]

    x = w["transformer.wte.weight"][tokens] + w["transformer.wpe.weight"][:len(tokens)]
    for i in range(c["n_layer"]):
        p = f"transformer.h.{i}."
        a = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        q, k, v = np.split(conv1d(a, p + "attn.c_attn"), 3, axis=-1)
        o = merge(attention(heads_of(q, n_heads), heads_of(k, n_heads), heads_of(v, n_heads),
                            scale, visible))
        x = x + conv1d(o, p + "attn.c_proj")
        m = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        x = x + conv1d(act(conv1d(m, p + "mlp.c_fc")), p + "mlp.c_proj")
    x = layer_norm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    head = w.get("lm_head.weight", w["transformer.wte.weight"])
    return x @ head.T


# --- BERT --------------------------------------------------------------------

def bert(c, w, tokens):
    # A BertModel loads a task model's checkpoint without its "bert." prefix.
    w = {name.removeprefix("bert."): value for name, value in w.items()}
    d, n_heads = c["hidden_size"], c["num_attention_heads"]
    eps = c.get("layer_norm_eps", 1e-12)
    act = ACTIVATIONS[c.get("hidden_act", "gelu")]

    def dense(x, name):
        return x @ w[name + ".weight"].T + w[name + ".bias"]

    def ln(x, name):
        return layer_norm(x, w[name + ".weight"], w[name + ".bias"], eps)

    e = "embeddings."
    x = (w[e + "word_embeddings.weight"][tokens] + w[e + "position_embeddings.weight"][:len(tokens)]
         + w[e + "token_type_embeddings.weight"][0])
    x = ln(x, e + "LayerNorm")
    for i in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q, k, v = (heads_of(dense(x, p + "attention.self." + n), n_heads)
                   for n in ("query", "key", "value"))
        o = merge(attention(q, k, v, (d // n_heads) ** -0.5))
        h = ln(x + dense(o, p + "attention.output.dense"), p + "attention.output.LayerNorm")
        x = ln(h + dense(act(dense(h, p + "intermediate.dense")), p + "output.dense"),
               p + "output.LayerNorm")
    return x


# --- Mamba -------------------------------------------------------------------

def mamba_mixer(x, w, p, state_size, inner, rank):
    """Hugging Face's MambaMixer (slow path) on x [L, d], weights `p...`."""
    length = len(x)

    def linear(y, name):
        out = y @ w[p + name + ".weight"].T
        return out + w[p + name + ".bias"] if p + name + ".bias" in w else out

    projected = linear(x, "in_proj")
    u, z = projected[:, :inner], projected[:, inner:]
    # Depthwise conv, padding k-1 on the left, truncated to the length.
    kernel = w[p + "conv1d.weight"][:, 0, :]          # [inner, k]
    k = kernel.shape[1]
    padded = np.concatenate([np.zeros((k - 1, inner)), u], 0)
    conv = sum(padded[j:j + length] * kernel[:, j] for j in range(k))
    if p + "conv1d.bias" in w:
        conv = conv + w[p + "conv1d.bias"]
    u = silu(conv)
    params = linear(u, "x_proj")
    dt = softplus(linear(params[:, :rank], "dt_proj"))  # dt_proj has the bias
    b, c = params[:, rank:rank + state_size], params[:, rank + state_size:]
    a = -np.exp(w[p + "A_log"])
    state = np.zeros((inner, state_size))
    y = np.empty((length, inner))
    for t in range(length):
        state = np.exp(dt[t][:, None] * a) * state + (dt[t] * u[t])[:, None] * b[t][None, :]
        y[t] = state @ c[t] + w[p + "D"] * u[t]
    return linear(y * silu(z), "out_proj")


def time_step_rank(value, width):
    return math.ceil(width / 16) if value == "auto" else value


def mamba(c, w, tokens):
    d = c["hidden_size"]
    n = c.get("state_size", 16)
    inner = c.get("intermediate_size") or c.get("expand", 2) * d
    rank = time_step_rank(c.get("time_step_rank", "auto"), d)
    eps = c.get("layer_norm_epsilon", 1e-5)
    x = w["backbone.embeddings.weight"][tokens]
    for i in range(c["num_hidden_layers"]):
        n_x = rms_norm(x, w[f"backbone.layers.{i}.norm.weight"], eps)
        x = x + mamba_mixer(n_x, w, f"backbone.layers.{i}.mixer.", n, inner, rank)
    x = rms_norm(x, w["backbone.norm_f.weight"], eps)
    head = w.get("lm_head.weight", w["backbone.embeddings.weight"])
    return x @ head.T


# --- tfm's own format (examples/models/README.md) -----------------------------

def mask_visible(kind, length, m):
    i = np.arange(length)[:, None]
    j = np.arange(length)[None, :]
    if kind == "none":
        return np.ones((length, length), bool)
    if kind == "causal":
        return j <= i
    if kind == "window":
        return (j >= i - m["window_left"]) & (j <= i + m.get("window_right", 0))
    if kind == "prefix":
        return (j < m["prefix"]) | (j <= i)
    if kind == "block":
        return j // m["block_size"] == i // m["block_size"]
    raise ValueError(kind)


def rope_styled(x, theta, rotary, style):
    """x [H, L, d]: the first `rotary` channels rotated, half-split or
    interleaved pairs, angle position * theta^(-2i/rotary)."""
    xr, rest = x[..., :rotary], x[..., rotary:]
    angles = np.arange(x.shape[1])[:, None] * theta ** (-np.arange(0, rotary, 2) / rotary)
    cos, sin = np.cos(angles), np.sin(angles)
    if style == "half":
        a, b = xr[..., :rotary // 2], xr[..., rotary // 2:]
        out = np.concatenate([a * cos - b * sin, b * cos + a * sin], -1)
    else:
        a, b = xr[..., 0::2], xr[..., 1::2]
        out = np.stack([a * cos - b * sin, b * cos + a * sin], -1).reshape(xr.shape)
    return np.concatenate([out, rest], -1)


def feature_map(kind, x, projection=None):
    if kind == "relu":
        return np.maximum(x, 0.0)
    if kind == "elu_plus_one":
        return np.where(x > 0, x + 1.0, np.exp(x))
    # Performer's positive random features.
    m = projection.shape[0]
    return np.exp(x @ projection.T - (x * x).sum(-1, keepdims=True) / 2) / math.sqrt(m)


def linear_attention(fq, fk, v, causal, eps, coefficients=None):
    """Per head: out_i = Σ_j c_ij φq_i·φk_j v_j / (Σ_j c_ij φq_i·φk_j + eps),
    j ≤ i when causal; c = 1 without relative positions."""
    scores = fq @ fk.transpose(0, 2, 1)              # [H, L, L]
    if coefficients is not None:
        scores = scores * coefficients
    if causal:
        scores = np.where(np.tril(np.ones(scores.shape[1:], bool))[None], scores, 0.0)
    return (scores @ v) / (scores.sum(-1, keepdims=True) + eps)


def tfm_model(c, w, tokens):
    d = c["hidden_size"]
    length = len(tokens)
    eps = c.get("norm_eps", 1e-5)
    layer_norm_kind = c.get("norm", "rms") == "layer"
    block = c["block"]
    m = block["mixer"]
    ch = block.get("channel_mixer", {"type": "none"})

    def norm(x, name):
        if layer_norm_kind:
            return layer_norm(x, w[name + ".weight"], w[name + ".bias"], eps)
        return rms_norm(x, w[name + ".weight"], eps)

    def dense(x, name):
        y = x @ w[name + ".weight"].T
        return y + w[name + ".bias"] if name + ".bias" in w else y

    def attention_mixer(x, p):
        heads = m["heads"]
        kv = m.get("kv_heads", heads)
        hd = m.get("head_dim", d // heads)
        q = heads_of(dense(x, p + "q_proj"), heads)
        k = heads_of(dense(x, p + "k_proj"), kv)
        v = heads_of(dense(x, p + "v_proj"), kv)
        if m["type"] == "attention":
            position = m.get("position", "none")
            if position == "rope":
                theta, rotary = m.get("rope_theta", 1e4), m.get("rotary_dim", hd)
                style = m.get("rope_style", "half")
                q, k = rope_styled(q, theta, rotary, style), rope_styled(k, theta, rotary, style)
            kind = m.get("mask", "causal")
            visible = mask_visible(kind, length, m)
            i = np.arange(length)[:, None]
            j = np.arange(length)[None, :]
            bias, mult = 0.0, None
            if position == "alibi":
                bias = -alibi_slopes(heads)[:, None, None] * (i - j)[None]
            if position in ("t5", "urpe"):
                buckets = t5_bucket(j - i, m.get("bidirectional", kind != "causal"),
                                    m.get("buckets", 32), m.get("max_distance", 128))
                bias = w[p + "relative_bias.weight"][buckets].transpose(2, 0, 1)
            if position == "urpe":
                mult = w[p + "urpe.weight"][buckets].transpose(2, 0, 1)
            group = heads // kv
            k, v = np.repeat(k, group, 0), np.repeat(v, group, 0)
            s = q @ k.transpose(0, 2, 1) * m.get("scale", hd ** -0.5) + bias
            probs = softmax(np.where(visible[None], s, -np.inf))
            out = (probs * mult if mult is not None else probs) @ v
        else:
            group = heads // kv
            k, v = np.repeat(k, group, 0), np.repeat(v, group, 0)
            kind = ("performer" if m["type"] == "kernelized_attention"
                    else m.get("feature_map", "elu_plus_one"))
            projection = w.get(p + "feature_map.weight")
            if kind == "performer":
                q, k = q * hd ** -0.25, k * hd ** -0.25
            coefficients = None
            if m["type"] == "kernelized_attention":
                table, limit = w[p + "rpe.weight"], c["max_positions"]
                rel = np.arange(length)[None, :] - np.arange(length)[:, None]
                coefficients = np.exp(table[:, limit - 1 + rel])
            out = linear_attention(feature_map(kind, q, projection),
                                   feature_map(kind, k, projection), v,
                                   m.get("causal", False), m.get("eps", 1e-6), coefficients)
        return dense(merge(out), p + "o_proj")

    def channel_mixer(x, p):
        act = ACTIVATIONS[ch.get("activation", "silu" if ch["type"] == "glu" else "gelu")]
        if ch["type"] == "mlp":
            return dense(act(dense(x, p + "fc1")), p + "fc2")
        return dense(act(dense(x, p + "gate")) * dense(x, p + "up"), p + "down")

    x = w["embed.weight"][tokens]
    if c.get("positions", "none") == "learned":
        x = x + w["pos_embed.weight"][:length]
    for i in range(c["layers"]):
        p = f"blocks.{i}."
        n = norm(x, p + "norm1")
        if m["type"] == "mamba":
            inner = m.get("expand", 2) * d
            x = x + mamba_mixer(n, w, p + "mixer.", m.get("state_size", 16), inner,
                                time_step_rank(m.get("dt_rank", "auto"), d))
        else:
            x = x + attention_mixer(n, p + "mixer.")
        if ch["type"] != "none":
            x = x + channel_mixer(norm(x, p + "norm2"), p + "mlp.")
    if c.get("final_norm", True):
        x = norm(x, "norm")
    if c.get("output", "logits") == "hidden_states":
        return x
    head = w["embed.weight"] if c.get("tie_embeddings", False) else w["head.weight"]
    return x @ head.T


MODELS = {"LlamaForCausalLM": llama, "MistralForCausalLM": llama,
          "Qwen2ForCausalLM": llama, "GPT2LMHeadModel": gpt2, "BertModel": bert,
          "MambaForCausalLM": mamba}


def forward(config, weights, tokens):
    """The model of `config` on one sequence, in float64."""
    w = {name: np.asarray(value, dtype=np.float64) for name, value in weights.items()}
    model = (tfm_model if config.get("format") == "tfm-model"
             else MODELS[config["architectures"][0]])
    return model(config, w, np.asarray(tokens))
