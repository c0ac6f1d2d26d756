//===- WeightsToArguments.cpp - a model's weights become arguments --------===//
#include "tfm/IR/TfmDialect.h"
#include "tfmc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::tfm {
#define GEN_PASS_DEF_TFMWEIGHTSTOARGUMENTS
#include "tfmc/Transforms/Passes.h.inc"
} // namespace mlir::tfm

using namespace mlir;
using namespace mlir::tfm;

static constexpr llvm::StringLiteral kWeightAttr = "tfm.weight";

namespace {
struct TfmWeightsToArgumentsPass
    : tfm::impl::TfmWeightsToArgumentsBase<TfmWeightsToArgumentsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto entryFunc = module.lookupSymbol<func::FuncOp>(entry);
    if (!entryFunc || entryFunc.isExternal()) {
      module.emitError() << "no function @" << entry
                         << " with a body to take the weights";
      return signalPassFailure();
    }

    // Weights belong to the entry function, which passes them on.
    WalkResult misplaced = module.walk([&](WeightOp weight) {
      if (weight->getParentOfType<func::FuncOp>() == entryFunc)
        return WalkResult::advance();
      weight.emitError() << "weight '" << weight.getName()
                         << "' is referenced outside @" << entry
                         << "; other functions take weights as arguments";
      return WalkResult::interrupt();
    });
    if (misplaced.wasInterrupted())
      return signalPassFailure();

    // Per name, the argument and the storage attributes it was given.
    llvm::StringMap<std::pair<BlockArgument, DictionaryAttr>> arguments;
    SmallVector<WeightOp> weights;
    entryFunc.walk([&](WeightOp weight) { weights.push_back(weight); });
    for (WeightOp weight : weights) {
      // How the file stores the weight (tfm.transposed, tfm.stacked) goes
      // with it onto the argument.
      NamedAttrList attrs(weight->getDiscardableAttrDictionary());
      DictionaryAttr storage = attrs.getDictionary(&getContext());
      auto [it, inserted] = arguments.try_emplace(weight.getName());
      if (!inserted) {
        auto [previous, previousStorage] = it->second;
        if (previous.getType() != weight.getType() ||
            previousStorage != storage) {
          weight.emitError()
              << "weight '" << weight.getName() << "' is used as "
              << previous.getType() << " " << previousStorage << " and as "
              << weight.getType() << " " << storage;
          return signalPassFailure();
        }
      } else {
        attrs.set(kWeightAttr, weight.getNameAttr());
        unsigned index = entryFunc.getNumArguments();
        if (failed(entryFunc.insertArgument(index, weight.getType(),
                                            attrs.getDictionary(&getContext()),
                                            weight.getLoc())))
          return signalPassFailure();
        it->second = {entryFunc.getArgument(index), storage};
      }
      weight.replaceAllUsesWith(it->second.first);
      weight.erase();
    }
  }
};
} // namespace
