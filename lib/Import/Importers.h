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

/// Hugging Face's activation names (`hidden_act`, `activation_function`).
ActivationKind readActivation(ConfigReader &config, llvm::StringRef key,
                              llvm::StringRef fallback);

/// Requires the boolean `key`, when present, to be `expected`: a feature
/// that changes the model's semantics and is not supported.
void requireFlag(ConfigReader &config, llvm::StringRef key, bool expected);

} // namespace mlir::tfm

#endif // TFMC_LIB_IMPORT_IMPORTERS_H
