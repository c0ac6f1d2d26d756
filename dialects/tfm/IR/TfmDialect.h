//===- TfmDialect.h - the tfm dialect ---------------------------*- C++ -*-===//
//
// Declares the tfm dialect, its enums, attributes and ops.
//
//===----------------------------------------------------------------------===//
#ifndef TFM_IR_TFMDIALECT_H
#define TFM_IR_TFMDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "tfm/TfmOpsDialect.h.inc"
#include "tfm/TfmEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "tfm/TfmAttrs.h.inc"

namespace mlir::tfm {
/// The geometry of one spatial dim of a tfm.dwconv.
struct ConvGeometry {
  int64_t taps;
  int64_t stride;
  int64_t dilation;
  int64_t padLow;
  int64_t padHigh;
  /// The effective kernel extent minus one, `(taps - 1) * dilation`.
  int64_t extent() const { return (taps - 1) * dilation; }
};
} // namespace mlir::tfm

#define GET_OP_CLASSES
#include "tfm/TfmOps.h.inc"

#endif // TFM_IR_TFMDIALECT_H
