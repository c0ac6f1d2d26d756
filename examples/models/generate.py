#!/usr/bin/env python3
"""Writes deterministic random weights for a tiny model.

    generate.py MODEL_DIR [--seed N] [--dtype F32|F16|BF16] [--out FILE]

reads MODEL_DIR/config.json (a Hugging Face config, or tfm's own format)
and writes MODEL_DIR/model.safetensors (or FILE) with every parameter the
model has, named and shaped as Hugging Face's save_pretrained writes them
(or as README.md documents for tfm's format). Values
are seeded uniform draws scaled so activations keep their size through the
layers: matrices by 1/sqrt(fan-in), norm scales near 1, small biases.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np  # noqa: E402


def llama_weights(c):
    """LlamaForCausalLM, MistralForCausalLM and Qwen2ForCausalLM."""
    arch = c["architectures"][0]
    d, heads = c["hidden_size"], c["num_attention_heads"]
    kv = c.get("num_key_value_heads") or heads
    hd = c.get("head_dim") or d // heads
    f, v = c["intermediate_size"], c["vocab_size"]
    plain = arch == "LlamaForCausalLM"
    qkv_bias = arch == "Qwen2ForCausalLM" or (plain and c.get("attention_bias", False))
    o_bias = plain and c.get("attention_bias", False)
    mlp_bias = plain and c.get("mlp_bias", False)
    w = {"model.embed_tokens.weight": ("embedding", (v, d)),
         "model.norm.weight": ("scale", (d,))}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = ("scale", (d,))
        w[p + "post_attention_layernorm.weight"] = ("scale", (d,))
        for name, out, inp, bias in [("self_attn.q_proj", heads * hd, d, qkv_bias),
                                     ("self_attn.k_proj", kv * hd, d, qkv_bias),
                                     ("self_attn.v_proj", kv * hd, d, qkv_bias),
                                     ("self_attn.o_proj", d, heads * hd, o_bias),
                                     ("mlp.gate_proj", f, d, mlp_bias),
                                     ("mlp.up_proj", f, d, mlp_bias),
                                     ("mlp.down_proj", d, f, mlp_bias)]:
            w[p + name + ".weight"] = ("matrix", (out, inp))
            if bias:
                w[p + name + ".bias"] = ("bias", (out,))
    if not c.get("tie_word_embeddings", False):
        w["lm_head.weight"] = ("matrix", (v, d))
    return w


def gpt2_weights(c):
    d, v, n = c["n_embd"], c["vocab_size"], c["n_positions"]
    inner = c.get("n_inner") or 4 * d
    w = {"transformer.wte.weight": ("embedding", (v, d)),
         "transformer.wpe.weight": ("embedding", (n, d)),
         "transformer.ln_f.weight": ("scale", (d,)),
         "transformer.ln_f.bias": ("bias", (d,))}
    for i in range(c["n_layer"]):
        p = f"transformer.h.{i}."
        for ln in ("ln_1", "ln_2"):
            w[p + ln + ".weight"] = ("scale", (d,))
            w[p + ln + ".bias"] = ("bias", (d,))
        # Conv1D weights are stored [in, out].
        for name, inp, out in [("attn.c_attn", d, 3 * d), ("attn.c_proj", d, d),
                               ("mlp.c_fc", d, inner), ("mlp.c_proj", inner, d)]:
            w[p + name + ".weight"] = ("conv1d", (inp, out))
            w[p + name + ".bias"] = ("bias", (out,))
    if not c.get("tie_word_embeddings", True):
        w["lm_head.weight"] = ("matrix", (v, d))
    return w


def bert_weights(c):
    d, f = c["hidden_size"], c["intermediate_size"]
    w = {"embeddings.word_embeddings.weight": ("embedding", (c["vocab_size"], d)),
         "embeddings.position_embeddings.weight":
             ("embedding", (c["max_position_embeddings"], d)),
         "embeddings.token_type_embeddings.weight":
             ("embedding", (c.get("type_vocab_size", 2), d)),
         "embeddings.LayerNorm.weight": ("scale", (d,)),
         "embeddings.LayerNorm.bias": ("bias", (d,)),
         "pooler.dense.weight": ("matrix", (d, d)),
         "pooler.dense.bias": ("bias", (d,))}
    for i in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        for name, out, inp in [("attention.self.query", d, d),
                               ("attention.self.key", d, d),
                               ("attention.self.value", d, d),
                               ("attention.output.dense", d, d),
                               ("intermediate.dense", f, d),
                               ("output.dense", d, f)]:
            w[p + name + ".weight"] = ("matrix", (out, inp))
            w[p + name + ".bias"] = ("bias", (out,))
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"] = ("scale", (d,))
            w[p + ln + ".bias"] = ("bias", (d,))
    return w


def mamba_weights(c):
    d, v = c["hidden_size"], c["vocab_size"]
    n = c.get("state_size", 16)
    inner = c.get("intermediate_size") or c.get("expand", 2) * d
    k = c.get("conv_kernel", 4)
    rank = c.get("time_step_rank", "auto")
    rank = math.ceil(d / 16) if rank == "auto" else rank
    w = {"backbone.embeddings.weight": ("embedding", (v, d)),
         "backbone.norm_f.weight": ("scale", (d,))}
    for i in range(c["num_hidden_layers"]):
        p = f"backbone.layers.{i}."
        w[p + "norm.weight"] = ("scale", (d,))
        w[p + "mixer.in_proj.weight"] = ("matrix", (2 * inner, d))
        w[p + "mixer.conv1d.weight"] = ("conv", (inner, 1, k))
        w[p + "mixer.x_proj.weight"] = ("matrix", (rank + 2 * n, inner))
        w[p + "mixer.dt_proj.weight"] = ("matrix", (inner, rank))
        w[p + "mixer.dt_proj.bias"] = ("dt_bias", (inner,))
        w[p + "mixer.A_log"] = ("a_log", (inner, n))
        w[p + "mixer.D"] = ("scale", (inner,))
        w[p + "mixer.out_proj.weight"] = ("matrix", (d, inner))
        if c.get("use_conv_bias", True):
            w[p + "mixer.conv1d.bias"] = ("bias", (inner,))
        if c.get("use_bias", False):
            w[p + "mixer.in_proj.bias"] = ("bias", (2 * inner,))
            w[p + "mixer.out_proj.bias"] = ("bias", (d,))
    if not c.get("tie_word_embeddings", True):
        w["lm_head.weight"] = ("matrix", (v, d))
    return w


def tfm_model_weights(c):
    """tfm's own format; names as examples/models/README.md documents."""
    d, v = c["hidden_size"], c["vocab_size"]
    layer_norm = c.get("norm", "rms") == "layer"
    block = c["block"]
    mixer, channel = block["mixer"], block.get("channel_mixer", {"type": "none"})
    w = {"embed.weight": ("embedding", (v, d))}
    if c.get("positions", "none") == "learned":
        w["pos_embed.weight"] = ("embedding", (c["max_positions"], d))

    def norm(name):
        w[name + ".weight"] = ("scale", (d,))
        if layer_norm:
            w[name + ".bias"] = ("bias", (d,))

    def dense(name, out, inp, bias):
        w[name + ".weight"] = ("matrix", (out, inp))
        if bias:
            w[name + ".bias"] = ("bias", (out,))

    for i in range(c["layers"]):
        p = f"blocks.{i}."
        norm(p + "norm1")
        if mixer["type"] == "mamba":
            mamba = {"hidden_size": d, "vocab_size": v, "num_hidden_layers": 1,
                     "state_size": mixer.get("state_size", 16),
                     "expand": mixer.get("expand", 2),
                     "conv_kernel": mixer.get("conv_kernel", 4),
                     "time_step_rank": mixer.get("dt_rank", "auto"),
                     "use_bias": mixer.get("bias", False),
                     "use_conv_bias": mixer.get("conv_bias", True)}
            for name, spec in mamba_weights(mamba).items():
                if name.startswith("backbone.layers.0.mixer."):
                    w[p + name[len("backbone.layers.0."):]] = spec
        else:
            heads = mixer["heads"]
            kv = mixer.get("kv_heads", heads)
            hd = mixer.get("head_dim", d // heads)
            bias = mixer.get("bias", False)
            for name, out in [("q_proj", heads * hd), ("k_proj", kv * hd),
                              ("v_proj", kv * hd)]:
                dense(p + "mixer." + name, out, d, bias)
            dense(p + "mixer.o_proj", d, heads * hd, bias)
            position = mixer.get("position", "none")
            if position in ("t5", "urpe"):
                w[p + "mixer.relative_bias.weight"] = ("embedding", (mixer.get("buckets", 32), heads))
            if position == "urpe":
                w[p + "mixer.urpe.weight"] = ("scale", (mixer.get("buckets", 32), heads))
            if (mixer["type"] == "kernelized_attention"
                    or mixer.get("feature_map") == "performer"):
                w[p + "mixer.feature_map.weight"] = ("gaussian", (mixer.get("features", hd), hd))
            if mixer["type"] == "kernelized_attention":
                w[p + "mixer.rpe.weight"] = ("rpe", (heads, 2 * c["max_positions"] - 1))
        if channel["type"] != "none":
            norm(p + "norm2")
            f = channel["hidden"]
            bias = channel.get("bias", channel["type"] == "mlp")
            if channel["type"] == "mlp":
                dense(p + "mlp.fc1", f, d, bias)
                dense(p + "mlp.fc2", d, f, bias)
            else:
                dense(p + "mlp.gate", f, d, bias)
                dense(p + "mlp.up", f, d, bias)
                dense(p + "mlp.down", d, f, bias)
    if c.get("final_norm", True):
        norm("norm")
    if c.get("output", "logits") == "logits" and not c.get("tie_embeddings", False):
        w["head.weight"] = ("matrix", (v, d))
    return w


ARCHITECTURES = {"LlamaForCausalLM": llama_weights,
                 "MistralForCausalLM": llama_weights,
                 "Qwen2ForCausalLM": llama_weights,
                 "GPT2LMHeadModel": gpt2_weights,
                 "BertModel": bert_weights,
                 "MambaForCausalLM": mamba_weights}


def draw(kind, shape, rng):
    u = rng.uniform(-1.0, 1.0, size=shape)
    if kind == "matrix":
        return u * math.sqrt(3.0 / shape[1])
    if kind == "conv1d":
        return u * math.sqrt(3.0 / shape[0])
    if kind == "embedding":
        return u
    if kind == "scale":
        return 1.0 + 0.2 * u
    if kind == "bias":
        return 0.1 * u
    if kind == "conv":
        return u * 0.5
    if kind == "gaussian":  # unit variance, as Performer's random features
        return u * math.sqrt(3.0)
    if kind == "rpe":  # log-coefficients of kernelized attention's RPE
        return 0.5 * u
    if kind == "a_log":  # Mamba's init: A = -(1..N), jittered
        return np.log(np.arange(1, shape[1] + 1))[None, :] + 0.1 * u
    if kind == "dt_bias":  # softplus^-1 of time steps in [0.05, 1]: the
        # state then carries a large share of the output
        dt = np.exp(rng.uniform(math.log(0.05), math.log(1.0), size=shape))
        return dt + np.log(-np.expm1(-dt))
    raise ValueError(kind)


def weights_for(config, seed):
    """{name: float32 array} for `config`, deterministic in `seed`."""
    rng = np.random.default_rng(seed)
    if config.get("format") == "tfm-model":
        specs = tfm_model_weights(config)
    else:
        specs = ARCHITECTURES[config["architectures"][0]](config)
    return {name: draw(kind, shape, rng).astype(np.float32)
            for name, (kind, shape) in specs.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dtype", default="F32", choices=safetensors_np.DTYPES)
    parser.add_argument("--out", help="default: MODEL_DIR/model.safetensors")
    args = parser.parse_args()
    with open(os.path.join(args.model_dir, "config.json")) as f:
        config = json.load(f)
    out = args.out or os.path.join(args.model_dir, "model.safetensors")
    safetensors_np.write(out, weights_for(config, args.seed), args.dtype,
                         metadata={"format": "pt"})


if __name__ == "__main__":
    main()
