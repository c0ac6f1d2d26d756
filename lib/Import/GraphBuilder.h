//===- GraphBuilder.h - building a model's tfm IR ---------------*- C++ -*-===//
//
// The vocabulary importers write models in: tfm ops, plus the reshapes,
// slices and broadcasts between them, on [1, seq, width] activations of one
// sequence of dynamic length. A model is
//
//   func.func @forward(%tokens: tensor<1x?xi32>) -> tensor<1x?xNxf32>
//
// (the C API runs a batch one sequence after the other: the rows of a batch
// never interact, and keeping the batch dim static keeps every reshape to
// one dynamic dim)
// whose layers of equal shape run as one loop over stacked weights
// (LayerLoop), so compile time and code size do not grow with depth.
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_LIB_IMPORT_GRAPHBUILDER_H
#define TFMC_LIB_IMPORT_GRAPHBUILDER_H

#include "tfm/IR/TfmDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <optional>
#include <string>

namespace mlir::tfm {

class GraphBuilder {
public:
  /// Loads the dialects models use; `file` names the model file in
  /// locations. Weights and activations are stored as `storageType` (f32,
  /// bf16 or f16); elementwise arithmetic is f32 whatever the storage.
  GraphBuilder(MLIRContext &context, llvm::StringRef file, Type storageType);

  OpBuilder &builder() { return b; }
  ModuleOp module() { return *moduleOp; }
  OwningOpRef<ModuleOp> takeModule() { return std::move(moduleOp); }

  /// Starts @forward and returns its token ids, tensor<1x?xi32>.
  Value beginForward();
  /// Returns `output` ([1, seq, N]) from @forward and records the
  /// model's description on the module.
  void endForward(Value output, llvm::StringRef architecture, int64_t vocabSize,
                  int64_t maxPositions, bool logits);

  /// A tensor of the storage type.
  RankedTensorType tensorType(llvm::ArrayRef<int64_t> shape);

  /// A named weight of @forward; `transposed` when the file stores the
  /// transpose of `shape` (Conv1D's [in, out]).
  Value weight(llvm::StringRef name, llvm::ArrayRef<int64_t> shape,
               bool transposed = false);

  /// Size `index` of `value` (built once, after `value`).
  Value dim(Value value, int64_t index);
  /// An index constant at the start of @forward.
  Value indexConstant(int64_t value);
  Value embedding(Value table, Value ids);
  Value linear(Value x, Value weight, Value bias = {},
               std::optional<ActivationKind> act = std::nullopt);
  Value norm(NormKind kind, Value x, Value scale, Value shift, double eps);
  Value activation(ActivationKind kind, Value x);
  Value add(Value a, Value b);
  Value mul(Value a, Value b);
  Value negate(Value x);
  /// x · factor.
  Value scale(Value x, double factor);
  Value exp(Value x);
  /// `x` plus each of `terms`, broadcast numpy-style over `x`'s leading
  /// dims (a [seq, width] position table, a [width] row).
  Value addBroadcast(Value x, llvm::ArrayRef<Value> terms);
  /// Positions 0..seq-1 of the [batch, seq, ...] value `x`, as i32.
  Value positions(Value x);
  /// Row `row` of the 2-D `table`, as a vector.
  Value row(Value table, int64_t row);

  /// x[..., offset : offset + size] along the last dim.
  Value sliceLast(Value x, int64_t offset, int64_t size);
  Value transpose(Value x, llvm::ArrayRef<int64_t> permutation);
  /// [B, L, H*d] -> [B, H, L, d].
  Value splitHeads(Value x, int64_t heads, int64_t headDim);
  /// [B, H, L, d] -> [B, L, H*d].
  Value mergeHeads(Value x);
  /// [B, L, C] -> [B, C, L] and back.
  Value swapLastTwo(Value x);
  /// Collapses (`dims`) of a weight, e.g. Conv1d's [C, 1, k] to [C, k].
  Value collapse(Value x, llvm::ArrayRef<ReassociationIndices> groups);
  /// [B, L, N] -> [B, 1, N, L]: one group of a selective scan's B or C.
  Value scanGroup(Value x);

  /// Softmax attention; `bias` and `mult` as tfm.attention takes them
  /// (T5 / URPE bucket tables with `posBias` t5).
  Value attention(Value q, Value k, Value v, double scale, MaskAttr mask,
                  PosBiasAttr posBias = {}, Value bias = {}, Value mult = {});
  /// Rotary embedding of [B, H, L, d] in half-split pairing (tfm.rope).
  Value rope(Value x, Value positions, double base);
  /// Rotary embedding with inverse frequencies `inverseFrequencies` (d/2 of
  /// them) in half-split pairing: the scaled variants (linear, llama3) that
  /// tfm.rope's `base` cannot express.
  Value ropeWithFrequencies(Value x, Value positions,
                            llvm::ArrayRef<double> inverseFrequencies);

  MaskAttr causalMask();
  /// Keys p-window+1 .. p (Mistral's sliding window).
  MaskAttr slidingWindowMask(int64_t window);

  Location loc;

private:
  friend class LayerLoop;
  /// An empty tensor shaped like `x`, or like `x` permuted.
  Value emptyLike(Value x, llvm::ArrayRef<int64_t> permutation = {});
  /// Dynamic sizes of `x` as OpFoldResults.
  SmallVector<OpFoldResult> sizes(Value x);

  OwningOpRef<ModuleOp> moduleOp;
  OpBuilder b;
  Type storageType;
  func::FuncOp forward;
  llvm::DenseMap<std::pair<Value, int64_t>, Value> dims;
  llvm::DenseMap<int64_t, Value> constants;
};

/// A loop over a model's layers of equal shape: the body is built once, and
/// iteration `i` reads layer `i`'s weights from stacked weights (tfm.weight
/// with `tfm.stacked`: the tensors named `<prefix>*.<suffix>`, `*` standing
/// for 0, 1, ..., stacked along a new leading dim by the loader). Compile time
/// and code size stay flat as the layer count grows.
class LayerLoop {
public:
  /// Starts `for layer in [0, count)` carrying `carried`; until finish(), the
  /// graph builds in its body.
  LayerLoop(GraphBuilder &graph, int64_t count, llvm::StringRef prefix,
            ValueRange carried);
  /// The value carried into this iteration.
  Value carried(unsigned index) { return loop.getRegionIterArg(index); }
  /// This layer's weight `<prefix><layer>.<suffix>`, of `shape`.
  Value weight(llvm::StringRef suffix, llvm::ArrayRef<int64_t> shape,
               bool transposed = false);
  /// A linear layer of this layer: weight `<name>.weight` ([out, in], or
  /// stored [in, out] when `transposed`), bias `<name>.bias` with `bias`.
  Value dense(Value x, llvm::StringRef name, int64_t out, int64_t in, bool bias,
              std::optional<ActivationKind> act = std::nullopt,
              bool transposed = false);
  /// A norm of this layer over `width` channels: `<name>.weight`, and
  /// `<name>.bias` for layer norms.
  Value norm(NormKind kind, Value x, llvm::StringRef name, int64_t width,
             double eps);
  /// Carries `next` to the next layer; returns the values after the last
  /// layer and goes on building after the loop.
  ValueRange finish(ValueRange next);

private:
  GraphBuilder &graph;
  int64_t count;
  std::string prefix;
  scf::ForOp loop;
};

} // namespace mlir::tfm

#endif // TFMC_LIB_IMPORT_GRAPHBUILDER_H
