//===- LoweringUtils.h - helpers shared by the tfm lowerings ----*- C++ -*-===//
#ifndef TFMC_LIB_CONVERSION_TFMTOLINALG_LOWERINGUTILS_H
#define TFMC_LIB_CONVERSION_TFMTOLINALG_LOWERINGUTILS_H

#include "tfm/IR/TfmDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::tfm {

/// Builds the body value of a generic from its block arguments.
using BodyBuilder =
    function_ref<Value(OpBuilder &, Location, ValueRange blockArgs)>;

/// scf.for from `lb` to `ub` by `step` carrying `inits`; `body` returns the
/// values to yield. Returns the loop's results.
ValueRange
buildFor(OpBuilder &b, Location loc, Value lb, Value ub, Value step,
         ValueRange inits,
         function_ref<SmallVector<Value>(OpBuilder &, Location, Value iv,
                                         ValueRange args)>
             body);

/// `tensor.empty` with the given (static or dynamic) sizes.
Value createEmpty(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elementType);

/// `tensor.empty` shaped like `like`, with element type `elementType`.
Value createEmptyLike(OpBuilder &b, Location loc, Value like, Type elementType);

/// `tensor.empty` filled with `value`.
Value createFilled(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Value value);

/// An all-parallel `linalg.generic` writing `init` (identity map); `inputs`
/// are read through `inputMaps`. The body receives the inputs' elements then
/// the init element and returns the element to yield.
Value buildParallelGeneric(OpBuilder &b, Location loc, Value init,
                           ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                           BodyBuilder body);

/// Reduces `input` over `reducedDims` into `init` (whose rank is that of
/// `input` minus the reduced dims) with `combine(element, accumulator)`.
Value buildReduction(OpBuilder &b, Location loc, Value input, Value init,
                     ArrayRef<int64_t> reducedDims, BodyBuilder combine);

/// The map from `rank` loops to the loops except `dropped`.
AffineMap dropDimsMap(int64_t rank, ArrayRef<int64_t> dropped,
                      MLIRContext *ctx);

/// The map from `rank` loops to loop `dim` alone.
AffineMap singleDimMap(int64_t rank, int64_t dim, MLIRContext *ctx);

/// `activation(x)` for an f32 scalar or vector `x`.
Value emitActivation(OpBuilder &b, Location loc, ActivationKind kind, Value x);

/// f32 constant.
Value constantF32(OpBuilder &b, Location loc, double value);

/// index constant.
Value constantIndex(OpBuilder &b, Location loc, int64_t value);

/// T5 relative-position buckets (Hugging Face's `_relative_position_bucket`,
/// OPS.md `t5_bucket`) as integer compares against bucket boundaries found
/// once at compile time.
class T5Buckets {
public:
  explicit T5Buckets(PosBiasAttr attr);
  /// The bucket of the relative position `rel` = j − p (index or an
  /// integer type; the result has its type).
  Value emit(OpBuilder &b, Location loc, Value rel) const;

private:
  bool bidirectional;
  int64_t perDirection;
  int64_t exact;
  /// The smallest distance of each log-spaced bucket exact + 1, exact + 2, ...
  SmallVector<int64_t> firstDistances;
};

/// The keys [first, end) that queries at positions [pBegin, pEnd) may see
/// under `mask`, within [0, kvEnd). Every mask hides all but one interval of
/// keys from each row, so with pEnd = pBegin + 1 this is a row's mask. The
/// values are all index or all one integer type (the GPU kernels use i32).
std::pair<Value, Value> visibleKeyInterval(OpBuilder &b, Location loc,
                                           MaskAttr mask, Value pBegin,
                                           Value pEnd, Value kvEnd);

/// Fails the match unless every tensor operand and result of `op` is f32:
/// the CPU lowering computes in f32.
LogicalResult requireF32(Operation *op, PatternRewriter &rewriter);

} // namespace mlir::tfm

#endif // TFMC_LIB_CONVERSION_TFMTOLINALG_LOWERINGUTILS_H
