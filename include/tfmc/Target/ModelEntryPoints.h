//===- ModelEntryPoints.h - the C API of a compiled model -------*- C++ -*-===//
//
// A model (a module whose `@forward` maps token ids to logits or hidden
// states, its weights turned into arguments by tfm-weights-to-arguments) is
// compiled behind DESIGN.md's ABI:
//
//   int  NAME_create(const char *weights_path, tfm_model **out);
//   int  NAME_forward(tfm_model *m, const int32_t *tokens, int64_t batch,
//                     int64_t seq, float *out);
//   void NAME_destroy(tfm_model *m);
//   const char *tfm_last_error(void);
//
// create maps a safetensors file and checks it against the weight table
// (lib/Runtime/Model.c); forward checks its arguments and token ids and runs
// the lowered @forward on the loaded weights.
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_TARGET_MODELENTRYPOINTS_H
#define TFMC_TARGET_MODELENTRYPOINTS_H

#include "tfmc/Import/Safetensors.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/Module.h"

#include <string>
#include <vector>

namespace mlir::tfm {

/// Module attributes an importer sets to describe its model.
inline constexpr llvm::StringLiteral kVocabSizeAttr = "tfm.vocab_size";
inline constexpr llvm::StringLiteral kMaxPositionsAttr = "tfm.max_positions";
inline constexpr llvm::StringLiteral kOutputAttr = "tfm.output";
inline constexpr llvm::StringLiteral kArchitectureAttr = "tfm.architecture";

/// A weight of the model: its name and shape as stored in the weights file,
/// whether the model reads it transposed, and for a stacked weight (one
/// slice per layer of a layer loop) the number of tensors, named with `*` in
/// `stored.name` replaced by 0, 1, ...
struct ModelWeight {
  WeightSpec stored;
  bool transposed = false;
  int64_t stack = 0;
};

/// How the compiled model stores its weights (the loader reads f32).
enum class WeightStorage { F32, BF16, F16 };

struct ModelSignature {
  std::string name;         ///< the C prefix: NAME_create, ...
  std::string entry;        ///< the function computing the output
  std::string architecture; ///< for the header
  std::vector<ModelWeight> weights;
  WeightStorage storage = WeightStorage::F32;
  int64_t vocabSize = 0;    ///< token ids lie in [0, vocabSize)
  int64_t outputSize = 0;   ///< the output is [batch, seq, outputSize]
  int64_t maxPositions = 0; ///< the longest sequence; 0 when unbounded
  bool outputsLogits = true;
  int64_t randomSeed = -1; ///< >= 0: a NULL weights path means random
                           ///< weights from this seed
  bool embedded = false;   ///< a NULL weights path means the weights
                           ///< compiled into the object (--embed-weights)

  /// Every tensor the weights file must hold (stacked weights expanded).
  std::vector<WeightSpec> storedSpecs() const;
};

/// Reads the model's signature from `module` after tfm-weights-to-arguments:
/// `@entry(tokens: tensor<1x?xi32>, weights...) -> tensor<1x?xNxf32>`, the
/// model applied to one sequence.
FailureOr<ModelSignature> analyzeModel(ModuleOp module, llvm::StringRef name,
                                       llvm::StringRef entry = "forward");

/// Adds NAME_create, NAME_forward, NAME_destroy and tfm_last_error around
/// the lowered entry function, which becomes internal; NAME_forward runs it
/// on each sequence of the batch, and NAME_program, the descriptor tfm-run
/// and the `--emit=exe` main (as `tfm_rt_program` with `program`) call the
/// model through (lib/Runtime/Program.h). With `embedded` (the
/// checked weights file, for signature.embedded), the weights become
/// read-only data in the layout the model reads. With `cuda`, create also
/// copies the weights to the GPU once, and forward moves the tokens and the
/// output through device memory.
LogicalResult emitModelEntryPoints(llvm::Module &module,
                                   const ModelSignature &signature,
                                   bool program, Location loc,
                                   const SafetensorsFile *embedded = nullptr,
                                   bool cuda = false);

/// The C header declaring and documenting the model's API.
std::string renderModelHeader(llvm::StringRef guard,
                              const ModelSignature &signature);

} // namespace mlir::tfm

#endif // TFMC_TARGET_MODELENTRYPOINTS_H
