//===- TfmDialect.cpp - the tfm dialect -----------------------------------===//
#include "tfm/IR/TfmDialect.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tfm;

#include "tfm/TfmOpsDialect.cpp.inc"
#include "tfm/TfmEnums.cpp.inc"

void TfmDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "tfm/TfmOps.cpp.inc"
      >();
}
