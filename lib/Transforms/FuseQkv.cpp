//===- FuseQkv.cpp - fuse projections of one input ------------------------===//
#include "LinearFusionUtils.h"
#include "tfmc/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/MapVector.h"

namespace mlir::tfm {
#define GEN_PASS_DEF_TFMFUSEQKV
#include "tfmc/Transforms/Passes.h.inc"
} // namespace mlir::tfm

using namespace mlir;
using namespace mlir::tfm;

/// Makes `value` available before `point` when it is defined by an op without
/// operands (tfm.weight, constants) by moving that op; false otherwise.
static bool hoistBefore(Value value, Operation *point) {
  if (!value)
    return true;
  Operation *def = value.getDefiningOp();
  if (!def) // a block argument of the enclosing function
    return true;
  if (def->getBlock() == point->getBlock() && def->isBeforeInBlock(point))
    return true;
  if (def->getNumOperands() != 0 || def->getBlock() != point->getBlock())
    return false;
  def->moveBefore(point);
  return true;
}

/// Replaces `group` (plain projections of one input, in block order) by one
/// linear over stacked weights and a slice per original result.
static void fuseGroup(ArrayRef<LinearOp> group) {
  LinearOp first = group.front();
  OpBuilder b(first);
  Location loc = first.getLoc();
  SmallVector<Value> weights, biases;
  for (LinearOp linear : group) {
    weights.push_back(linear.getWeight());
    if (linear.getBias())
      biases.push_back(linear.getBias());
  }
  Value weight = stackRows(b, loc, weights);
  Value bias = biases.empty() ? Value() : stackRows(b, loc, biases);
  auto fused = LinearOp::create(b, loc, first.getInput(), weight, bias,
                                /*residual=*/Value(), /*act=*/nullptr,
                                /*gated=*/false);
  int64_t rank = fused.getType().getRank();
  SmallVector<OpFoldResult> sizes =
      tensor::getMixedSizes(b, loc, fused.getResult());
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  int64_t column = 0;
  SmallVector<Value> slices;
  for (LinearOp linear : group) {
    int64_t width = linear.getType().getShape().back();
    offsets.back() = b.getIndexAttr(column);
    sizes.back() = b.getIndexAttr(width);
    slices.push_back(tensor::ExtractSliceOp::create(
        b, loc, linear.getType(), fused.getResult(), offsets, sizes, strides));
    column += width;
  }
  // Erase only now: the builder inserts before `first`.
  for (auto [index, slice] : llvm::enumerate(slices)) {
    LinearOp linear = group[index];
    linear.getResult().replaceAllUsesWith(slice);
    linear.erase();
  }
}

namespace {
struct TfmFuseQkvPass : tfm::impl::TfmFuseQkvBase<TfmFuseQkvPass> {
  void runOnOperation() override {
    // Group candidate projections by their input, per block, in order.
    llvm::MapVector<std::pair<Block *, Value>, SmallVector<LinearOp>> groups;
    getOperation()->walk([&](LinearOp linear) {
      if (isPlainProjection(linear) &&
          linear.getWeight().getType().hasStaticShape())
        groups[{linear->getBlock(), linear.getInput()}].push_back(linear);
    });
    for (auto &[key, candidates] : groups) {
      if (candidates.size() < 2)
        continue;
      bool withBias = static_cast<bool>(candidates.front().getBias());
      LinearOp first = candidates.front();
      SmallVector<LinearOp> group;
      for (LinearOp linear : candidates) {
        if (static_cast<bool>(linear.getBias()) != withBias ||
            linear.getWeight().getType().getElementType() !=
                first.getWeight().getType().getElementType())
          continue;
        if (!hoistBefore(linear.getWeight(), first) ||
            !hoistBefore(linear.getBias(), first))
          continue;
        group.push_back(linear);
      }
      if (group.size() >= 2)
        fuseGroup(group);
    }
  }
};
} // namespace
