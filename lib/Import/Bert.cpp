//===- Bert.cpp - BertModel -----------------------------------------------===//
//
// Hugging Face's BERT encoder, post-norm, returning the last hidden state:
//
//   x = LN(word[tokens] + position[positions] + token_type[0])
//   per layer:  h = LN(x + attention.output.dense(attn(query(x), key(x),
//                                                      value(x))))
//               x = LN(h + output.dense(act(intermediate.dense(h))))
//
// Attention is bidirectional over the whole sequence (an all-ones
// attention_mask) and every token has token type 0. The pooler's weights,
// when the checkpoint has them, are checked and loaded but not used.
//
//===----------------------------------------------------------------------===//
#include "Importers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tfm;

namespace {
struct BertConfig {
  int64_t vocab, width, layers, heads, headDim, intermediate, positions, types;
  double eps;
  ActivationKind act;
};
} // namespace

static std::optional<BertConfig> readConfig(ConfigReader &config) {
  BertConfig c;
  c.vocab = config.integer("vocab_size");
  c.width = config.integer("hidden_size");
  c.layers = config.integer("num_hidden_layers");
  c.heads = config.integer("num_attention_heads");
  c.intermediate = config.integer("intermediate_size");
  c.positions = config.integer("max_position_embeddings");
  c.types = config.integer("type_vocab_size", 2, 1);
  c.eps = config.positive("layer_norm_eps", 1e-12);
  c.act = readActivation(config, "hidden_act", "gelu");
  std::string positionKind =
      config.string("position_embedding_type", "absolute");
  if (positionKind != "absolute")
    config.fail("position_embedding_type",
                "\"" + positionKind +
                    "\" is not supported; expected \"absolute\"");
  requireFlag(config, "is_decoder", false);
  requireFlag(config, "add_cross_attention", false);
  c.headDim = splitWidthIntoHeads(config, "num_attention_heads", c.heads,
                                  "hidden_size", c.width);
  if (config.failed())
    return std::nullopt;
  return c;
}

static Value buildLayer(GraphBuilder &g, LayerLoop &layer,
                        const BertConfig &c) {
  Value x = layer.carried(0);
  auto dense = [&](Value input, llvm::StringRef name, int64_t out, int64_t in,
                   std::optional<ActivationKind> act = std::nullopt) {
    return layer.dense(input, name, out, in, /*bias=*/true, act);
  };
  auto layerNorm = [&](Value input, llvm::StringRef name) {
    return layer.norm(NormKind::layer, input, name, c.width, c.eps);
  };

  auto heads = [&](llvm::StringRef name) {
    return g.splitHeads(dense(x, name, c.width, c.width), c.heads, c.headDim);
  };
  Value attention =
      g.attention(heads("attention.self.query"), heads("attention.self.key"),
                  heads("attention.self.value"),
                  1.0 / std::sqrt(double(c.headDim)), MaskAttr());
  Value h =
      layerNorm(g.add(x, dense(g.mergeHeads(attention),
                               "attention.output.dense", c.width, c.width)),
                "attention.output.LayerNorm");
  Value up = dense(h, "intermediate.dense", c.intermediate, c.width, c.act);
  return layerNorm(g.add(h, dense(up, "output.dense", c.width, c.intermediate)),
                   "output.LayerNorm");
}

void tfm::importBert(ConfigReader &config, GraphBuilder &g,
                     const ImportOptions &options) {
  std::optional<BertConfig> c = readConfig(config);
  if (!c)
    return;
  // A BertModel saves its weights unprefixed; one saved inside a task model
  // (BertForMaskedLM...) under "bert.". Without a checkpoint, assume the
  // defaults: unprefixed, with the pooler.
  const SafetensorsFile *file = options.weights;
  std::string prefix =
      file && file->lookup("bert.embeddings.word_embeddings.weight") ? "bert."
                                                                     : "";
  bool pooler = !file || file->lookup(prefix + "pooler.dense.weight");

  Value tokens = g.beginForward();
  auto weight = [&](llvm::StringRef name, llvm::ArrayRef<int64_t> shape) {
    return g.weight(prefix + name.str(), shape);
  };
  Value words =
      weight("embeddings.word_embeddings.weight", {c->vocab, c->width});
  Value positions =
      weight("embeddings.position_embeddings.weight", {c->positions, c->width});
  Value types =
      weight("embeddings.token_type_embeddings.weight", {c->types, c->width});
  Value x = g.embedding(words, tokens);
  x = g.addBroadcast(x,
                     {g.embedding(positions, g.positions(x)), g.row(types, 0)});
  x = g.norm(NormKind::layer, x,
             weight("embeddings.LayerNorm.weight", {c->width}),
             weight("embeddings.LayerNorm.bias", {c->width}), c->eps);

  LayerLoop layers(g, c->layers, prefix + "encoder.layer.", x);
  x = layers.finish(buildLayer(g, layers, *c))[0];
  if (pooler) {
    weight("pooler.dense.weight", {c->width, c->width});
    weight("pooler.dense.bias", {c->width});
  }
  g.endForward(x, "BertModel", c->vocab, c->positions, /*logits=*/false);
}
