"""Float64 numpy implementations of the Hugging Face architectures tfmc
imports, written from their documented semantics (modeling_llama.py,
modeling_mistral.py, modeling_qwen2.py, modeling_gpt2.py, modeling_bert.py,
modeling_mamba.py): one sequence of token ids in, logits (or BERT's last
hidden state) out. Weights are a {Hugging Face name: array} dict."""
import math

import numpy as np


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


def heads(x, count):
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
        q = rope(heads(linear(n, p + "self_attn.q_proj"), n_heads), inv_freq)
        k = rope(heads(linear(n, p + "self_attn.k_proj"), n_kv), inv_freq)
        v = heads(linear(n, p + "self_attn.v_proj"), n_kv)
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
        o = merge(attention(heads(q, n_heads), heads(k, n_heads), heads(v, n_heads),
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
        q, k, v = (heads(dense(x, p + "attention.self." + n), n_heads)
                   for n in ("query", "key", "value"))
        o = merge(attention(q, k, v, (d // n_heads) ** -0.5))
        h = ln(x + dense(o, p + "attention.output.dense"), p + "attention.output.LayerNorm")
        x = ln(h + dense(act(dense(h, p + "intermediate.dense")), p + "output.dense"),
               p + "output.LayerNorm")
    return x


# --- Mamba -------------------------------------------------------------------

def mamba(c, w, tokens):
    d = c["hidden_size"]
    n = c.get("state_size", 16)
    inner = c.get("intermediate_size") or c.get("expand", 2) * d
    rank = c.get("time_step_rank", "auto")
    rank = math.ceil(d / 16) if rank == "auto" else rank
    eps = c.get("layer_norm_epsilon", 1e-5)
    length = len(tokens)

    def linear(x, name):
        y = x @ w[name + ".weight"].T
        return y + w[name + ".bias"] if name + ".bias" in w else y

    x = w["backbone.embeddings.weight"][tokens]
    for i in range(c["num_hidden_layers"]):
        p = f"backbone.layers.{i}.mixer."
        projected = linear(rms_norm(x, w[f"backbone.layers.{i}.norm.weight"], eps),
                           p + "in_proj")
        u, z = projected[:, :inner], projected[:, inner:]
        # Depthwise conv, padding k-1 on the left, truncated to the length.
        kernel = w[p + "conv1d.weight"][:, 0, :]          # [inner, k]
        k = kernel.shape[1]
        padded = np.concatenate([np.zeros((k - 1, inner)), u], 0)
        conv = sum(padded[j:j + length] * kernel[:, j] for j in range(k))
        if p + "conv1d.bias" in w:
            conv = conv + w[p + "conv1d.bias"]
        u = silu(conv)
        params = linear(u, p + "x_proj")
        dt = softplus(linear(params[:, :rank], p + "dt_proj"))  # dt_proj has the bias
        b, cc = params[:, rank:rank + n], params[:, rank + n:]
        a = -np.exp(w[p + "A_log"])
        state = np.zeros((inner, n))
        y = np.empty((length, inner))
        for t in range(length):
            state = np.exp(dt[t][:, None] * a) * state + (dt[t] * u[t])[:, None] * b[t][None, :]
            y[t] = state @ cc[t] + w[p + "D"] * u[t]
        x = x + linear(y * silu(z), p + "out_proj")
    x = rms_norm(x, w["backbone.norm_f.weight"], eps)
    head = w.get("lm_head.weight", w["backbone.embeddings.weight"])
    return x @ head.T


MODELS = {"LlamaForCausalLM": llama, "MistralForCausalLM": llama,
          "Qwen2ForCausalLM": llama, "GPT2LMHeadModel": gpt2, "BertModel": bert,
          "MambaForCausalLM": mamba}


def forward(config, weights, tokens):
    """The model of `config` on one sequence, in float64."""
    w = {name: np.asarray(value, dtype=np.float64) for name, value in weights.items()}
    return MODELS[config["architectures"][0]](config, w, np.asarray(tokens))
