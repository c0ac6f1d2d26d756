//===- Import.h - model files to tfm IR -------------------------*- C++ -*-===//
//
// A model file is tfm's own format ("format": "tfm-model", see
// examples/models/README.md) or a Hugging Face config.json, chosen by its
// `architectures[0]` (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM,
// GPT2LMHeadModel, BertModel, MambaForCausalLM). Importing it builds
//
//   func.func @forward(%tokens: tensor<1x?xi32>) -> tensor<1x?xNxf32>
//
// (logits, or BERT's last hidden state, of one sequence; the C API loops
// over a batch) whose parameters are `tfm.weight`s
// named as the checkpoint names them, with the model's vocabulary size,
// output kind and position limit recorded as module attributes (see
// tfmc/Target/ModelEntryPoints.h).
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_IMPORT_IMPORT_H
#define TFMC_IMPORT_IMPORT_H

#include "tfmc/Import/Safetensors.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

namespace mlir::tfm {

struct ImportOptions {
  /// The weights the model will run with, when known at compile time: they
  /// settle what a config leaves open (whether a BertModel has its pooler).
  const SafetensorsFile *weights = nullptr;
  /// How weights and activations are stored: f32, bf16 or f16 (null: f32).
  /// Elementwise arithmetic is f32 either way; the output is f32.
  Type storageType;
};

/// Reads the model file at `path` and builds its tfm IR. Errors name the
/// file and the JSON path of the offending field and say what was expected.
llvm::Expected<OwningOpRef<ModuleOp>>
importModel(MLIRContext &context, llvm::StringRef path,
            const ImportOptions &options = {});

} // namespace mlir::tfm

#endif // TFMC_IMPORT_IMPORT_H
