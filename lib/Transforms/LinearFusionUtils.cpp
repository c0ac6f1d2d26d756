//===- LinearFusionUtils.cpp - helpers of the linear fusions --------------===//
#include "LinearFusionUtils.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::tfm;

Value tfm::stackRows(OpBuilder &b, Location loc, ValueRange parts) {
  auto first = cast<RankedTensorType>(parts.front().getType());
  SmallVector<int64_t> shape(first.getShape());
  shape[0] = 0;
  for (Value part : parts)
    shape[0] += cast<RankedTensorType>(part.getType()).getDimSize(0);
  Value result = tensor::EmptyOp::create(b, loc, shape, first.getElementType());
  int64_t row = 0;
  for (Value part : parts) {
    auto type = cast<RankedTensorType>(part.getType());
    SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
    offsets[0] = b.getIndexAttr(row);
    SmallVector<OpFoldResult> sizes;
    for (int64_t size : type.getShape())
      sizes.push_back(b.getIndexAttr(size));
    SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
    result = tensor::InsertSliceOp::create(b, loc, part, result, offsets, sizes,
                                           strides);
    row += type.getDimSize(0);
  }
  return result;
}

bool tfm::isPlainProjection(LinearOp linear) {
  return !linear.getAct() && !linear.getGated() && !linear.getResidual();
}
