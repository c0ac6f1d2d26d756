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

#define GET_OP_CLASSES
#include "tfm/TfmOps.h.inc"

#endif // TFM_IR_TFMDIALECT_H
