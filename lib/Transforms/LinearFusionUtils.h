//===- LinearFusionUtils.h - helpers of the linear fusions ------*- C++ -*-===//
#ifndef TFMC_LIB_TRANSFORMS_LINEARFUSIONUTILS_H
#define TFMC_LIB_TRANSFORMS_LINEARFUSIONUTILS_H

#include "tfm/IR/TfmDialect.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::tfm {

/// Stacks static-shaped tensors along dim 0 (weights [Ni, K] or biases
/// [Ni]) with tensor.empty + insert_slice.
Value stackRows(OpBuilder &b, Location loc, ValueRange parts);

/// True when `linear` is a plain projection: no activation, gate or residual.
bool isPlainProjection(LinearOp linear);

} // namespace mlir::tfm

#endif // TFMC_LIB_TRANSFORMS_LINEARFUSIONUTILS_H
