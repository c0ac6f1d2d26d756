//===- Mamba.cpp - MambaForCausalLM ---------------------------------------===//
//
// Hugging Face's Mamba (MambaMixer's reference path):
//
//   x = embeddings[tokens]
//   per layer:  u, z = split(in_proj(rms_norm(x)))
//               u = silu(causal_conv1d(u))
//               dt, B, C = split(x_proj(u))
//               y = selective_scan(u, dt_proj(dt), A = -exp(A_log), B, C, D,
//                                  z, delta_bias = dt_proj.bias, softplus)
//               x = x + out_proj(y)
//   logits = lm_head(rms_norm(x))      (lm_head = embeddings when tied)
//
//===----------------------------------------------------------------------===//
#include "Importers.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::tfm;

namespace {
struct MambaConfig {
  int64_t vocab, layers;
  double eps;
  bool tied;
  MambaMixerShape mixer;
};
} // namespace

int64_t tfm::readTimeStepRank(ConfigReader &config, llvm::StringRef key,
                              int64_t width) {
  // "auto" (the default) is ceil(width / 16).
  int64_t rank = (width + 15) / 16;
  if (!config.isString(key))
    return config.integer(key, rank, 1);
  if (config.string(key, "auto") != "auto")
    config.fail(key, "expected \"auto\" or an integer");
  return rank;
}

static std::optional<MambaConfig> readConfig(ConfigReader &config) {
  MambaConfig c;
  MambaMixerShape &m = c.mixer;
  c.vocab = config.integer("vocab_size");
  m.width = config.integer("hidden_size");
  c.layers = config.integer("num_hidden_layers");
  m.state = config.integer("state_size", 16, 1);
  m.inner = config.integer("intermediate_size",
                           config.integer("expand", 2, 1) * m.width, 1);
  m.kernel = config.integer("conv_kernel", 4, 1);
  c.eps = config.positive("layer_norm_epsilon", 1e-5);
  m.bias = config.boolean("use_bias", false);
  m.convBias = config.boolean("use_conv_bias", true);
  c.tied = config.boolean("tie_word_embeddings", true);
  m.rank = readTimeStepRank(config, "time_step_rank", m.width);
  // The scan's output gate is silu; the conv shares the activation.
  if (readActivation(config, "hidden_act", "silu") != ActivationKind::silu)
    config.fail("hidden_act", "Mamba's gate is silu; other activations are "
                              "not supported");
  if (config.failed())
    return std::nullopt;
  return c;
}

Value tfm::buildMambaMixer(GraphBuilder &g, LayerLoop &layer, Value x,
                           const MambaMixerShape &c, llvm::StringRef prefix) {
  auto projection = [&](Value input, llvm::StringRef name, int64_t out,
                        int64_t in, bool bias) {
    return layer.dense(input, (prefix + name).str(), out, in, bias);
  };
  auto weight = [&](llvm::StringRef name, llvm::ArrayRef<int64_t> shape) {
    return layer.weight((prefix + name).str(), shape);
  };

  Value projected = projection(x, "in_proj", 2 * c.inner, c.width, c.bias);
  Value u = g.swapLastTwo(g.sliceLast(projected, 0, c.inner));
  Value z = g.swapLastTwo(g.sliceLast(projected, c.inner, c.inner));

  // Depthwise causal conv1d; PyTorch stores its weight as [C, 1, k].
  Value convWeight = g.collapse(weight("conv1d.weight", {c.inner, 1, c.kernel}),
                                {{0, 1}, {2}});
  Value convBias = c.convBias ? weight("conv1d.bias", {c.inner}) : Value();
  Value conv = DwConvOp::create(g.builder(), g.loc, u, convWeight, convBias,
                                ConvPadding::causal, ConvImpl::direct,
                                /*stride=*/nullptr, /*dilation=*/nullptr);
  u = g.activation(ActivationKind::silu, conv);

  // Input-dependent time step, B and C.
  Value parameters = projection(g.swapLastTwo(u), "x_proj",
                                c.rank + 2 * c.state, c.inner, false);
  Value dt = projection(g.sliceLast(parameters, 0, c.rank), "dt_proj", c.inner,
                        c.rank, false);
  Value b = g.scanGroup(g.sliceLast(parameters, c.rank, c.state));
  Value cc = g.scanGroup(g.sliceLast(parameters, c.rank + c.state, c.state));
  Value a = g.negate(g.exp(weight("A_log", {c.inner, c.state})));
  auto scan = SelectiveScanOp::create(
      g.builder(), g.loc, u, g.swapLastTwo(dt), a, b, cc,
      weight("D", {c.inner}), z, weight("dt_proj.bias", {c.inner}),
      /*initial_state=*/Value(), /*delta_softplus=*/true);
  return projection(g.swapLastTwo(scan.getY()), "out_proj", c.width, c.inner,
                    c.bias);
}

static Value buildLayer(GraphBuilder &g, LayerLoop &layer,
                        const MambaConfig &c) {
  Value x = layer.carried(0);
  Value n = layer.norm(NormKind::rms, x, "norm", c.mixer.width, c.eps);
  return g.add(x, buildMambaMixer(g, layer, n, c.mixer, "mixer."));
}

void tfm::importMamba(ConfigReader &config, GraphBuilder &g) {
  std::optional<MambaConfig> c = readConfig(config);
  if (!c)
    return;
  Value tokens = g.beginForward();
  int64_t width = c->mixer.width;
  Value embed = g.weight("backbone.embeddings.weight", {c->vocab, width});
  Value x = g.embedding(embed, tokens);

  LayerLoop layers(g, c->layers, "backbone.layers.", x);
  x = layers.finish(buildLayer(g, layers, *c))[0];

  x = g.norm(NormKind::rms, x, g.weight("backbone.norm_f.weight", {width}), {},
             c->eps);
  Value head = c->tied ? embed : g.weight("lm_head.weight", {c->vocab, width});
  g.endForward(g.linear(x, head), "MambaForCausalLM", c->vocab,
               /*maxPositions=*/0, /*logits=*/true);
}
