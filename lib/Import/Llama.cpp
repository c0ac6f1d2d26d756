//===- Llama.cpp - LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM -===//
//
// Hugging Face's Llama decoder and its two close relatives:
//
//   x = embed_tokens[tokens]
//   per layer:  h = x + o_proj(attn(rope(q_proj(n)), rope(k_proj(n)),
//   v_proj(n)))
//               x = h + down_proj(act(gate_proj(m)) * up_proj(m))
//               with n = rms_norm(x), m = rms_norm(h)
//   logits = lm_head(rms_norm(x))      (lm_head = embed_tokens when tied)
//
// Attention is causal with grouped KV heads; Mistral restricts it to a
// sliding window, Qwen2 gives q/k/v a bias, Llama's attention_bias gives
// q/k/v/o one and mlp_bias the MLP.
//
//===----------------------------------------------------------------------===//
#include "Importers.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tfm;

namespace {
struct LlamaConfig {
  int64_t vocab, hidden, intermediate, layers, heads, kvHeads, headDim;
  double eps, ropeTheta;
  bool tied, qkvBias, outputBias, mlpBias;
  ActivationKind act;
  /// Set for scaled RoPE (linear, llama3): the d/2 inverse frequencies.
  std::vector<double> scaledFrequencies;
  std::optional<int64_t> slidingWindow;
};
} // namespace

/// RoPE's inverse frequencies θ^(−2i/d) after the `rope_scaling` (or
/// transformers 5's `rope_parameters`) of `config`; empty when unscaled.
static std::vector<double> readRopeScaling(ConfigReader &config,
                                           int64_t headDim, double &theta) {
  std::optional<ConfigReader> scaling = config.object("rope_parameters");
  if (scaling)
    theta = scaling->positive("rope_theta", theta);
  else
    scaling = config.object("rope_scaling");
  if (!scaling)
    return {};
  // Older configs spell rope_type as "type".
  llvm::StringRef typeKey = scaling->has("rope_type") ? "rope_type" : "type";
  std::string type = scaling->string(typeKey, "default");
  if (type == "default")
    return {};
  std::vector<double> frequencies;
  for (int64_t i = 0; i < headDim / 2; ++i)
    frequencies.push_back(1.0 / std::pow(theta, 2.0 * i / headDim));
  if (type == "linear") {
    double factor = scaling->positive("factor");
    for (double &f : frequencies)
      f /= factor;
    return frequencies;
  }
  if (type == "llama3") {
    double factor = scaling->positive("factor");
    double low = scaling->positive("low_freq_factor");
    double high = scaling->positive("high_freq_factor");
    double context = scaling->integer("original_max_position_embeddings");
    if (!(high > low))
      scaling->fail("high_freq_factor", "must be larger than low_freq_factor");
    // Long wavelengths are divided by `factor`, short ones kept, and the
    // band between interpolated (transformers' _compute_llama3_parameters).
    for (double &f : frequencies) {
      double wavelength = 2 * M_PI / f;
      if (wavelength > context / low) {
        f /= factor;
      } else if (wavelength >= context / high) {
        double smooth = (context / wavelength - low) / (high - low);
        f = (1 - smooth) * f / factor + smooth * f;
      }
    }
    return frequencies;
  }
  scaling->fail(typeKey, "\"" + type +
                             "\" is not supported; expected default, linear "
                             "or llama3");
  return {};
}

static std::optional<LlamaConfig> readConfig(ConfigReader &config,
                                             llvm::StringRef architecture) {
  bool mistral = architecture == "MistralForCausalLM";
  bool qwen2 = architecture == "Qwen2ForCausalLM";
  LlamaConfig c;
  c.vocab = config.integer("vocab_size");
  c.hidden = config.integer("hidden_size");
  c.intermediate = config.integer("intermediate_size");
  c.layers = config.integer("num_hidden_layers");
  c.heads = config.integer("num_attention_heads");
  c.kvHeads = config.integer("num_key_value_heads", c.heads, 1);
  c.eps = config.positive("rms_norm_eps", 1e-6);
  c.ropeTheta = config.positive("rope_theta", 10000.0);
  c.tied = config.boolean("tie_word_embeddings", false);
  c.act = readActivation(config, "hidden_act", "silu");
  bool attentionBias =
      !mistral && !qwen2 && config.boolean("attention_bias", false);
  c.qkvBias = qwen2 || attentionBias;
  c.outputBias = attentionBias;
  c.mlpBias = !mistral && !qwen2 && config.boolean("mlp_bias", false);
  if (config.failed())
    return std::nullopt;

  c.headDim = readHeadDim(
      config, {"num_attention_heads", "num_key_value_heads", "hidden_size"},
      c.heads, c.kvHeads, c.hidden);
  if (config.failed())
    return std::nullopt;
  if (c.headDim % 2 != 0)
    config.fail(
        config.has("head_dim") ? "head_dim" : "num_attention_heads",
        llvm::formatv("RoPE needs an even head dimension, got {0}", c.headDim));
  if (config.has("partial_rotary_factor") &&
      config.positive("partial_rotary_factor", 1.0) != 1.0)
    config.fail("partial_rotary_factor", "partial rotary embeddings are not "
                                         "supported for " +
                                             architecture);
  c.scaledFrequencies = readRopeScaling(config, c.headDim, c.ropeTheta);
  if (mistral && config.has("sliding_window"))
    c.slidingWindow = config.integer("sliding_window");
  if (qwen2)
    requireFlag(config, "use_sliding_window", false);
  if (config.failed())
    return std::nullopt;
  return c;
}

/// One decoder layer: hidden [B, L, D] -> hidden.
static Value buildLayer(GraphBuilder &g, LayerLoop &layer, Value positions,
                        const LlamaConfig &c) {
  Value x = layer.carried(0);
  Value n = layer.norm(NormKind::rms, x, "input_layernorm", c.hidden, c.eps);
  int64_t qWidth = c.heads * c.headDim, kvWidth = c.kvHeads * c.headDim;
  Value q = g.splitHeads(
      layer.dense(n, "self_attn.q_proj", qWidth, c.hidden, c.qkvBias), c.heads,
      c.headDim);
  Value k = g.splitHeads(
      layer.dense(n, "self_attn.k_proj", kvWidth, c.hidden, c.qkvBias),
      c.kvHeads, c.headDim);
  Value v = g.splitHeads(
      layer.dense(n, "self_attn.v_proj", kvWidth, c.hidden, c.qkvBias),
      c.kvHeads, c.headDim);
  if (c.scaledFrequencies.empty()) {
    q = g.rope(q, positions, c.ropeTheta);
    k = g.rope(k, positions, c.ropeTheta);
  } else {
    q = g.ropeWithFrequencies(q, positions, c.scaledFrequencies);
    k = g.ropeWithFrequencies(k, positions, c.scaledFrequencies);
  }
  MaskAttr mask =
      c.slidingWindow ? g.slidingWindowMask(*c.slidingWindow) : g.causalMask();
  Value attention =
      g.attention(q, k, v, 1.0 / std::sqrt(double(c.headDim)), mask);
  Value h = g.add(x, layer.dense(g.mergeHeads(attention), "self_attn.o_proj",
                                 c.hidden, qWidth, c.outputBias));

  Value m =
      layer.norm(NormKind::rms, h, "post_attention_layernorm", c.hidden, c.eps);
  Value gate = layer.dense(m, "mlp.gate_proj", c.intermediate, c.hidden,
                           c.mlpBias, c.act);
  Value up = layer.dense(m, "mlp.up_proj", c.intermediate, c.hidden, c.mlpBias);
  return g.add(h, layer.dense(g.mul(gate, up), "mlp.down_proj", c.hidden,
                              c.intermediate, c.mlpBias));
}

void tfm::importLlamaFamily(ConfigReader &config, GraphBuilder &g,
                            llvm::StringRef architecture) {
  std::optional<LlamaConfig> c = readConfig(config, architecture);
  if (!c)
    return;
  Value tokens = g.beginForward();
  Value embed = g.weight("model.embed_tokens.weight", {c->vocab, c->hidden});
  Value x = g.embedding(embed, tokens);
  Value positions = g.positions(x);

  LayerLoop layers(g, c->layers, "model.layers.", x);
  x = layers.finish(buildLayer(g, layers, positions, *c))[0];

  x = g.norm(NormKind::rms, x, g.weight("model.norm.weight", {c->hidden}), {},
             c->eps);
  Value head =
      c->tied ? embed : g.weight("lm_head.weight", {c->vocab, c->hidden});
  g.endForward(g.linear(x, head), architecture, c->vocab,
               /*maxPositions=*/0, /*logits=*/true);
}
