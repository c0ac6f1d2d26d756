//===- TfmModel.cpp - tfm's own model format ------------------------------===//
//
// `"format": "tfm-model"`: a MetaFormer of `layers` equal pre-norm blocks,
//
//   x = embed[tokens] (+ pos_embed[positions])
//   per block:  x = x + mixer(norm1(x));  x = x + channel_mixer(norm2(x))
//   out = head(norm(x))   (or the hidden states)
//
// whose token mixer is softmax attention (any mask; NoPE, RoPE, ALiBi, T5
// buckets or URPE), linear attention (relu, elu+1 or Performer features),
// kernelized attention with FFT relative positions, or a Mamba mixer, and
// whose channel mixer is an MLP, a GLU or nothing. examples/models/README.md
// documents the fields and the weight names.
//
//===----------------------------------------------------------------------===//
#include "Importers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tfm;

namespace {
enum class MixerKind { Attention, LinearAttention, KernelizedAttention, Mamba };
enum class Position { None, Rope, Alibi, T5, Urpe };
enum class ChannelKind { None, Mlp, Glu };

struct MixerConfig {
  MixerKind kind;
  int64_t heads = 0, kvHeads = 0, headDim = 0;
  bool bias = false;
  double scale = 1.0;
  // Softmax attention.
  MaskAttr mask;
  Position position = Position::None;
  double ropeTheta = 1e4;
  RopeStyle ropeStyle = RopeStyle::half;
  int64_t rotaryDim = 0;
  int64_t buckets = 0, maxDistance = 0;
  bool bidirectional = true;
  // Linear and kernelized attention.
  FeatureMapKind featureMap = FeatureMapKind::relu;
  int64_t features = 0;
  bool causal = false;
  double eps = 1e-6;
  MambaMixerShape mamba;
};

struct ChannelConfig {
  ChannelKind kind = ChannelKind::None;
  int64_t hidden = 0;
  ActivationKind act = ActivationKind::gelu_erf;
  bool bias = false;
};

struct TfmModelConfig {
  int64_t vocab, width, layers, maxPositions;
  bool learnedPositions, finalNorm, tied, logits;
  NormKind norm;
  double eps;
  MixerConfig mixer;
  ChannelConfig channel;
};
} // namespace

/// One of `choices` by name, or `fallback` when absent.
template <typename T>
static T readChoice(ConfigReader &config, llvm::StringRef key,
                    llvm::StringRef fallback,
                    llvm::ArrayRef<std::pair<llvm::StringLiteral, T>> choices) {
  std::string name = config.string(key, fallback);
  for (const auto &[choice, value] : choices)
    if (name == choice)
      return value;
  SmallVector<std::string> names;
  for (const auto &choice : choices)
    names.push_back(choice.first.str());
  config.fail(key, "\"" + name + "\" is not one of " + llvm::join(names, ", "));
  return choices.front().second;
}

static MaskAttr readMask(ConfigReader &config, MLIRContext *ctx) {
  MaskKind kind = readChoice<MaskKind>(config, "mask", "causal",
                                       {{"none", MaskKind::none},
                                        {"causal", MaskKind::causal},
                                        {"window", MaskKind::window},
                                        {"prefix", MaskKind::prefix},
                                        {"block", MaskKind::block}});
  int64_t left = 0, right = 0, size = 0;
  if (kind == MaskKind::window) {
    left = config.integer("window_left", 0);
    right = config.integer("window_right", 0, 0);
  } else if (kind == MaskKind::prefix) {
    size = config.integer("prefix");
  } else if (kind == MaskKind::block) {
    size = config.integer("block_size");
  }
  return MaskAttr::get(ctx, kind, left, right, size);
}

/// Heads, head dim and projection bias, shared by the attention mixers.
static void readHeads(ConfigReader &config, int64_t width, MixerConfig &m) {
  m.heads = config.integer("heads");
  m.kvHeads = config.integer("kv_heads", m.heads, 1);
  m.bias = config.boolean("bias", false);
  if (config.failed())
    return;
  m.headDim = readHeadDim(config, {"heads", "kv_heads", "hidden_size"}, m.heads,
                          m.kvHeads, width);
}

static void readMixer(ConfigReader &config, int64_t width, bool positionsKnown,
                      MixerConfig &m, MLIRContext *ctx) {
  m.kind = readChoice<MixerKind>(
      config, "type", "",
      {{"attention", MixerKind::Attention},
       {"linear_attention", MixerKind::LinearAttention},
       {"kernelized_attention", MixerKind::KernelizedAttention},
       {"mamba", MixerKind::Mamba}});
  if (config.failed())
    return;
  if (m.kind == MixerKind::Mamba) {
    MambaMixerShape &s = m.mamba;
    s.width = width;
    s.state = config.integer("state_size", 16, 1);
    s.inner = config.integer("expand", 2, 1) * width;
    s.kernel = config.integer("conv_kernel", 4, 1);
    s.rank = readTimeStepRank(config, "dt_rank", width);
    s.bias = config.boolean("bias", false);
    s.convBias = config.boolean("conv_bias", true);
    return;
  }
  readHeads(config, width, m);
  if (config.failed())
    return;
  if (m.kind == MixerKind::Attention) {
    m.scale = config.positive("scale", 1.0 / std::sqrt(double(m.headDim)));
    m.mask = readMask(config, ctx);
    m.position = readChoice<Position>(config, "position", "none",
                                      {{"none", Position::None},
                                       {"rope", Position::Rope},
                                       {"alibi", Position::Alibi},
                                       {"t5", Position::T5},
                                       {"urpe", Position::Urpe}});
    m.ropeTheta = config.positive("rope_theta", 1e4);
    m.ropeStyle = readChoice<RopeStyle>(
        config, "rope_style", "half",
        {{"half", RopeStyle::half}, {"interleaved", RopeStyle::interleaved}});
    m.rotaryDim = config.integer("rotary_dim", m.headDim, 2);
    m.buckets = config.integer("buckets", 32, 2);
    m.maxDistance = config.integer("max_distance", 128, 1);
    m.bidirectional =
        config.boolean("bidirectional", m.mask.getKind() != MaskKind::causal);
    if (m.position == Position::Rope &&
        (m.rotaryDim > m.headDim || m.rotaryDim % 2 != 0))
      config.fail("rotary_dim",
                  llvm::formatv("expected an even size <= head_dim {0}, got "
                                "{1}",
                                m.headDim, m.rotaryDim));
    return;
  }
  if (m.kvHeads != m.heads)
    config.fail("kv_heads", "linear and kernelized attention need as many "
                            "key/value heads as query heads");
  m.causal = config.boolean("causal", false);
  m.eps = config.positive("eps", 1e-6);
  if (m.kind == MixerKind::KernelizedAttention) {
    // Performer features with relative positions: exp(q·k/√d + b_{j−i}).
    m.featureMap = FeatureMapKind::performer;
    if (!positionsKnown)
      config.fail("type", "kernelized_attention needs the model's "
                          "max_positions for its relative position table");
  } else {
    m.featureMap = readChoice<FeatureMapKind>(
        config, "feature_map", "elu_plus_one",
        {{"relu", FeatureMapKind::relu},
         {"elu_plus_one", FeatureMapKind::elu_plus_one},
         {"performer", FeatureMapKind::performer}});
  }
  m.features = config.integer("features", m.headDim, 1);
}

static void readChannel(ConfigReader &config, ChannelConfig &c) {
  c.kind = readChoice<ChannelKind>(config, "type", "",
                                   {{"none", ChannelKind::None},
                                    {"mlp", ChannelKind::Mlp},
                                    {"glu", ChannelKind::Glu}});
  if (c.kind == ChannelKind::None)
    return;
  c.hidden = config.integer("hidden");
  c.act = readActivation(config, "activation",
                         c.kind == ChannelKind::Glu ? "silu" : "gelu");
  c.bias = config.boolean("bias", c.kind == ChannelKind::Mlp);
}

static std::optional<TfmModelConfig> readConfig(ConfigReader &config,
                                                MLIRContext *ctx) {
  TfmModelConfig c;
  c.vocab = config.integer("vocab_size");
  c.width = config.integer("hidden_size");
  c.layers = config.integer("layers");
  c.maxPositions = config.integer("max_positions", 0, 1);
  c.learnedPositions = readChoice<bool>(config, "positions", "none",
                                        {{"none", false}, {"learned", true}});
  if (c.learnedPositions && !c.maxPositions)
    config.fail("max_positions", "missing; learned positions need the "
                                 "table's size");
  c.norm = readChoice<NormKind>(
      config, "norm", "rms",
      {{"rms", NormKind::rms}, {"layer", NormKind::layer}});
  c.eps = config.positive("norm_eps", 1e-5);
  c.finalNorm = config.boolean("final_norm", true);
  c.logits = readChoice<bool>(config, "output", "logits",
                              {{"logits", true}, {"hidden_states", false}});
  c.tied = config.boolean("tie_embeddings", false);
  if (config.failed())
    return std::nullopt;

  std::optional<ConfigReader> block = config.object("block");
  if (!block) {
    config.fail("block", "missing; expected an object with a mixer and a "
                         "channel_mixer");
    return std::nullopt;
  }
  std::optional<ConfigReader> mixer = block->object("mixer");
  if (!mixer) {
    block->fail("mixer", "missing; expected an object with a type");
    return std::nullopt;
  }
  readMixer(*mixer, c.width, c.maxPositions != 0, c.mixer, ctx);
  if (std::optional<ConfigReader> channel = block->object("channel_mixer"))
    readChannel(*channel, c.channel);
  if (config.failed())
    return std::nullopt;
  return c;
}

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

namespace {
class BlockBuilder {
public:
  BlockBuilder(GraphBuilder &g, LayerLoop &layer, const TfmModelConfig &c,
               Value positions)
      : g(g), layer(layer), c(c), positions(positions) {}

  Value build(Value x);

private:
  Value norm(Value x, llvm::StringRef name);
  Value dense(Value x, llvm::StringRef name, int64_t out, int64_t in, bool bias,
              std::optional<ActivationKind> act = std::nullopt);
  Value softmaxAttention(Value q, Value k, Value v);
  Value linearAttention(Value q, Value k, Value v);
  Value attentionMixer(Value x);
  Value channelMixer(Value x);

  GraphBuilder &g;
  LayerLoop &layer;
  const TfmModelConfig &c;
  Value positions;
};
} // namespace

Value BlockBuilder::norm(Value x, llvm::StringRef name) {
  return layer.norm(c.norm, x, name, c.width, c.eps);
}

Value BlockBuilder::dense(Value x, llvm::StringRef name, int64_t out,
                          int64_t in, bool bias,
                          std::optional<ActivationKind> act) {
  return layer.dense(x, name, out, in, bias, act);
}

Value BlockBuilder::softmaxAttention(Value q, Value k, Value v) {
  const MixerConfig &m = c.mixer;
  MLIRContext *ctx = g.builder().getContext();
  if (m.position == Position::Rope) {
    auto rotary = g.builder().getI64IntegerAttr(m.rotaryDim);
    q = RopeOp::create(g.builder(), g.loc, m.ropeStyle, q, positions,
                       llvm::APFloat(m.ropeTheta), rotary);
    k = RopeOp::create(g.builder(), g.loc, m.ropeStyle, k, positions,
                       llvm::APFloat(m.ropeTheta), rotary);
  }
  PosBiasAttr posBias;
  Value bias, mult;
  if (m.position == Position::Alibi)
    posBias = PosBiasAttr::get(ctx, PosBiasKind::alibi, 0, 0, true);
  if (m.position == Position::T5 || m.position == Position::Urpe) {
    posBias = PosBiasAttr::get(ctx, PosBiasKind::t5, m.buckets, m.maxDistance,
                               m.bidirectional);
    bias = layer.weight("mixer.relative_bias.weight", {m.buckets, m.heads});
  }
  if (m.position == Position::Urpe)
    mult = layer.weight("mixer.urpe.weight", {m.buckets, m.heads});
  return g.attention(q, k, v, m.scale, m.mask, posBias, bias, mult);
}

Value BlockBuilder::linearAttention(Value q, Value k, Value v) {
  const MixerConfig &m = c.mixer;
  OpBuilder &b = g.builder();
  Value projection;
  if (m.featureMap == FeatureMapKind::performer) {
    // φ(x) = exp(W·x − ‖x‖²/2)/√m of x scaled by d^(−1/4), so that
    // φ(q)·φ(k) estimates exp(q·k/√d).
    projection =
        layer.weight("mixer.feature_map.weight", {m.features, m.headDim});
    double scale = std::pow(double(m.headDim), -0.25);
    q = g.scale(q, scale);
    k = g.scale(k, scale);
  }
  Value fq = FeatureMapOp::create(b, g.loc, m.featureMap, q, projection);
  Value fk = FeatureMapOp::create(b, g.loc, m.featureMap, k, projection);
  Value toeplitz;
  if (m.kind == MixerKind::KernelizedAttention) {
    // c = exp(b) for offsets −(L−1)..L−1: the middle 2L−1 columns of the
    // [heads, 2·max_positions − 1] table of b.
    int64_t width = 2 * c.maxPositions - 1;
    Value table = layer.weight("mixer.rpe.weight", {m.heads, width});
    Value length = g.dim(q, 2);
    Value offset = arith::SubIOp::create(
        b, g.loc, g.indexConstant(c.maxPositions), length);
    Value size = arith::SubIOp::create(
        b, g.loc, arith::AddIOp::create(b, g.loc, length, length),
        g.indexConstant(1));
    Value window = tensor::ExtractSliceOp::create(
        b, g.loc, g.tensorType({m.heads, ShapedType::kDynamic}), table,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), offset},
        ArrayRef<OpFoldResult>{b.getIndexAttr(m.heads), size},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    toeplitz = g.exp(window);
  }
  return LinearAttentionOp::create(b, g.loc, fq, fk, v, toeplitz, m.causal,
                                   llvm::APFloat(m.eps),
                                   LinearAttentionImpl::auto_select,
                                   /*chunk=*/IntegerAttr());
}

Value BlockBuilder::attentionMixer(Value x) {
  const MixerConfig &m = c.mixer;
  int64_t qWidth = m.heads * m.headDim, kvWidth = m.kvHeads * m.headDim;
  Value q = g.splitHeads(dense(x, "mixer.q_proj", qWidth, c.width, m.bias),
                         m.heads, m.headDim);
  Value k = g.splitHeads(dense(x, "mixer.k_proj", kvWidth, c.width, m.bias),
                         m.kvHeads, m.headDim);
  Value v = g.splitHeads(dense(x, "mixer.v_proj", kvWidth, c.width, m.bias),
                         m.kvHeads, m.headDim);
  Value out = m.kind == MixerKind::Attention ? softmaxAttention(q, k, v)
                                             : linearAttention(q, k, v);
  return dense(g.mergeHeads(out), "mixer.o_proj", c.width, qWidth, m.bias);
}

Value BlockBuilder::channelMixer(Value x) {
  const ChannelConfig &ch = c.channel;
  if (ch.kind == ChannelKind::Mlp)
    return dense(dense(x, "mlp.fc1", ch.hidden, c.width, ch.bias, ch.act),
                 "mlp.fc2", c.width, ch.hidden, ch.bias);
  Value gate = dense(x, "mlp.gate", ch.hidden, c.width, ch.bias, ch.act);
  Value up = dense(x, "mlp.up", ch.hidden, c.width, ch.bias);
  return dense(g.mul(gate, up), "mlp.down", c.width, ch.hidden, ch.bias);
}

Value BlockBuilder::build(Value x) {
  Value n = norm(x, "norm1");
  Value mixed = c.mixer.kind == MixerKind::Mamba
                    ? buildMambaMixer(g, layer, n, c.mixer.mamba, "mixer.")
                    : attentionMixer(n);
  x = g.add(x, mixed);
  if (c.channel.kind == ChannelKind::None)
    return x;
  return g.add(x, channelMixer(norm(x, "norm2")));
}

void tfm::importTfmModel(ConfigReader &config, GraphBuilder &g) {
  std::optional<TfmModelConfig> c =
      readConfig(config, g.builder().getContext());
  if (!c)
    return;
  Value tokens = g.beginForward();
  Value embed = g.weight("embed.weight", {c->vocab, c->width});
  Value x = g.embedding(embed, tokens);
  Value positions;
  if (c->learnedPositions || c->mixer.position == Position::Rope)
    positions = g.positions(x);
  if (c->learnedPositions)
    x = g.addBroadcast(x, {g.embedding(g.weight("pos_embed.weight",
                                                {c->maxPositions, c->width}),
                                       positions)});

  LayerLoop layers(g, c->layers, "blocks.", x);
  x = layers.finish(
      BlockBuilder(g, layers, *c, positions).build(layers.carried(0)))[0];

  if (c->finalNorm)
    x = g.norm(c->norm, x, g.weight("norm.weight", {c->width}),
               c->norm == NormKind::layer ? g.weight("norm.bias", {c->width})
                                          : Value(),
               c->eps);
  if (c->logits) {
    Value head =
        c->tied ? embed : g.weight("head.weight", {c->vocab, c->width});
    x = g.linear(x, head);
  }
  g.endForward(x, "tfm-model", c->vocab, c->maxPositions, c->logits);
}
