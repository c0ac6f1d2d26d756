//===- Gpt2.cpp - GPT2LMHeadModel -----------------------------------------===//
//
// Hugging Face's GPT-2: learned absolute positions, pre-norm layers, one
// fused q/k/v projection, and Conv1D weights stored [in, out] (the loader
// transposes them to tfm.linear's [out, in]):
//
//   x = wte[tokens] + wpe[positions]
//   per layer:  h = x + c_proj(attn(split(c_attn(ln_1(x)))))
//               x = h + mlp.c_proj(act(c_fc(ln_2(h))))
//   logits = lm_head(ln_f(x))          (lm_head = wte unless untied)
//
//===----------------------------------------------------------------------===//
#include "Importers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tfm;

namespace {
struct Gpt2Config {
  int64_t vocab, width, layers, heads, headDim, positions, inner;
  double eps;
  bool tied, scaleByHeadDim;
  ActivationKind act;
};
} // namespace

static std::optional<Gpt2Config> readConfig(ConfigReader &config) {
  Gpt2Config c;
  c.vocab = config.integer("vocab_size");
  c.width = config.integer("n_embd");
  c.layers = config.integer("n_layer");
  c.heads = config.integer("n_head");
  c.positions = config.integer("n_positions");
  c.inner = config.integer("n_inner", 4 * c.width, 1);
  c.eps = config.positive("layer_norm_epsilon", 1e-5);
  c.tied = config.boolean("tie_word_embeddings", true);
  c.scaleByHeadDim = config.boolean("scale_attn_weights", true);
  c.act = readActivation(config, "activation_function", "gelu_new");
  requireFlag(config, "scale_attn_by_inverse_layer_idx", false);
  requireFlag(config, "add_cross_attention", false);
  c.headDim = splitWidthIntoHeads(config, "n_head", c.heads, "n_embd", c.width);
  if (config.failed())
    return std::nullopt;
  return c;
}

static Value buildLayer(GraphBuilder &g, LayerLoop &layer,
                        const Gpt2Config &c) {
  Value x = layer.carried(0);
  // Conv1D: y = x·W + b with W stored [in, out].
  auto conv1d = [&](Value input, llvm::StringRef name, int64_t out, int64_t in,
                    std::optional<ActivationKind> act = std::nullopt) {
    return layer.dense(input, name, out, in, /*bias=*/true, act,
                       /*transposed=*/true);
  };

  Value qkv = conv1d(layer.norm(NormKind::layer, x, "ln_1", c.width, c.eps),
                     "attn.c_attn", 3 * c.width, c.width);
  auto heads = [&](int64_t part) {
    return g.splitHeads(g.sliceLast(qkv, part * c.width, c.width), c.heads,
                        c.headDim);
  };
  Value q = heads(0);
  Value k = heads(1);
  Value v = heads(2);
  double scale = c.scaleByHeadDim ? 1.0 / std::sqrt(double(c.headDim)) : 1.0;
  Value attention = g.attention(q, k, v, scale, g.causalMask());
  Value h = g.add(
      x, conv1d(g.mergeHeads(attention), "attn.c_proj", c.width, c.width));
  Value up = conv1d(layer.norm(NormKind::layer, h, "ln_2", c.width, c.eps),
                    "mlp.c_fc", c.inner, c.width, c.act);
  return g.add(h, conv1d(up, "mlp.c_proj", c.width, c.inner));
}

void tfm::importGpt2(ConfigReader &config, GraphBuilder &g) {
  std::optional<Gpt2Config> c = readConfig(config);
  if (!c)
    return;
  Value tokens = g.beginForward();
  Value wte = g.weight("transformer.wte.weight", {c->vocab, c->width});
  Value wpe = g.weight("transformer.wpe.weight", {c->positions, c->width});
  Value x = g.embedding(wte, tokens);
  x = g.addBroadcast(x, {g.embedding(wpe, g.positions(x))});

  LayerLoop layers(g, c->layers, "transformer.h.", x);
  x = layers.finish(buildLayer(g, layers, *c))[0];

  x = g.norm(NormKind::layer, x,
             g.weight("transformer.ln_f.weight", {c->width}),
             g.weight("transformer.ln_f.bias", {c->width}), c->eps);
  Value head = c->tied ? wte : g.weight("lm_head.weight", {c->vocab, c->width});
  g.endForward(g.linear(x, head), "GPT2LMHeadModel", c->vocab, c->positions,
               /*logits=*/true);
}
