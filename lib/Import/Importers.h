//===- Importers.h - one importer per model architecture --------*- C++ -*-===//
#ifndef TFMC_LIB_IMPORT_IMPORTERS_H
#define TFMC_LIB_IMPORT_IMPORTERS_H

#include "ConfigReader.h"
#include "GraphBuilder.h"

#include "tfmc/Import/Import.h"

namespace mlir::tfm {

/// Each importer reads its config, records any problem on `config` and
/// returns before building; otherwise it builds the model into `graph`.
void importLlamaFamily(ConfigReader &config, GraphBuilder &graph,
                       llvm::StringRef architecture);
void importGpt2(ConfigReader &config, GraphBuilder &graph);
void importBert(ConfigReader &config, GraphBuilder &graph,
                const ImportOptions &options);
void importMamba(ConfigReader &config, GraphBuilder &graph);
/// tfm's own format (`"format": "tfm-model"`).
void importTfmModel(ConfigReader &config, GraphBuilder &graph);

/// The shape of a Mamba mixer (Hugging Face's MambaMixer).
struct MambaMixerShape {
  int64_t width, inner, state, kernel, rank;
  bool bias, convBias;
};

/// The Mamba mixer on `x` ([1, L, width]): in_proj, causal depthwise conv,
/// x_proj, dt_proj, A = -exp(A_log), the selective scan with D and the z
/// gate, out_proj; weights `<prefix>in_proj.weight`, ... of `layer`.
Value buildMambaMixer(GraphBuilder &graph, LayerLoop &layer, Value x,
                      const MambaMixerShape &shape, llvm::StringRef prefix);

/// A Mamba time-step rank: "auto" (ceil(width / 16)) or an integer.
int64_t readTimeStepRank(ConfigReader &config, llvm::StringRef key,
                         int64_t width);

/// Hugging Face's activation names (`hidden_act`, `activation_function`).
ActivationKind readActivation(ConfigReader &config, llvm::StringRef key,
                              llvm::StringRef fallback);

/// Requires the boolean `key`, when present, to be `expected`: a feature
/// that changes the model's semantics and is not supported.
void requireFlag(ConfigReader &config, llvm::StringRef key, bool expected);

/// The head dim of `heads` heads (read from `headsKey`) splitting the model
/// width (read from `widthKey`), which they must divide; 0 after a problem.
int64_t splitWidthIntoHeads(ConfigReader &config, llvm::StringRef headsKey,
                            int64_t heads, llvm::StringRef widthKey,
                            int64_t width);

/// The config keys of grouped-query attention's sizes, for problems.
struct HeadKeys {
  llvm::StringRef heads, kvHeads, width;
};

/// The head dim of grouped-query attention: `head_dim` when present, else
/// splitWidthIntoHeads; also requires the key/value heads to divide the
/// query heads.
int64_t readHeadDim(ConfigReader &config, const HeadKeys &keys, int64_t heads,
                    int64_t kvHeads, int64_t width);

} // namespace mlir::tfm

#endif // TFMC_LIB_IMPORT_IMPORTERS_H
