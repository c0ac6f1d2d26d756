//===- MarkArgumentsReadOnly.cpp - inputs of public functions are const ---===//
#include "tfmc/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::tfm {
#define GEN_PASS_DEF_TFMMARKARGUMENTSREADONLY
#include "tfmc/Transforms/Passes.h.inc"
} // namespace mlir::tfm

using namespace mlir;

namespace {
struct TfmMarkArgumentsReadOnlyPass
    : tfm::impl::TfmMarkArgumentsReadOnlyBase<TfmMarkArgumentsReadOnlyPass> {
  void runOnOperation() override {
    auto readOnly = BoolAttr::get(&getContext(), false);
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isPrivate() || func.isExternal())
        continue;
      for (BlockArgument arg : func.getArguments())
        if (isa<TensorType>(arg.getType()))
          func.setArgAttr(arg.getArgNumber(),
                          bufferization::BufferizationDialect::kWritableAttrName,
                          readOnly);
    }
  }
};
} // namespace
