//===- FuseEpilogue.cpp - fuse activations and residuals into linears -----===//
#include "LinearFusionUtils.h"
#include "tfmc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tfm {
#define GEN_PASS_DEF_TFMFUSEEPILOGUE
#include "tfmc/Transforms/Passes.h.inc"
} // namespace mlir::tfm

using namespace mlir;
using namespace mlir::tfm;

namespace {
/// activation(linear(x)) -> linear(x) act(kind), for a linear with one use
/// and no epilogue yet.
struct FuseActivation : OpRewritePattern<ActivationOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ActivationOp activation,
                                PatternRewriter &rewriter) const override {
    auto linear = activation.getInput().getDefiningOp<LinearOp>();
    if (!linear || !isPlainProjection(linear) || !linear->hasOneUse())
      return rewriter.notifyMatchFailure(
          activation, "input is not a single-use linear without epilogue");
    rewriter.modifyOpInPlace(linear, [&] {
      linear.setActAttr(ActivationKindAttr::get(rewriter.getContext(),
                                                activation.getKind()));
    });
    rewriter.replaceOp(activation, linear.getResult());
    return success();
  }
};

/// addf(linear(x), r) -> linear(x) residual(r), for a single-use linear
/// without a residual.
struct FuseResidual : OpRewritePattern<arith::AddFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::AddFOp add,
                                PatternRewriter &rewriter) const override {
    for (auto [lhs, rhs] : {std::pair{add.getLhs(), add.getRhs()},
                            std::pair{add.getRhs(), add.getLhs()}}) {
      auto linear = lhs.getDefiningOp<LinearOp>();
      if (!linear || linear.getResidual() || !linear->hasOneUse() ||
          rhs.getType() != linear.getType())
        continue;
      // The residual must be available where the linear is.
      if (Operation *def = rhs.getDefiningOp())
        if (def->getBlock() != linear->getBlock() ||
            !def->isBeforeInBlock(linear))
          continue;
      rewriter.modifyOpInPlace(
          linear, [&] { linear.getResidualMutable().assign(rhs); });
      rewriter.replaceOp(add, linear.getResult());
      return success();
    }
    return rewriter.notifyMatchFailure(
        add, "no single-use linear operand that can take a residual");
  }
};

struct TfmFuseEpiloguePass
    : tfm::impl::TfmFuseEpilogueBase<TfmFuseEpiloguePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseActivation, FuseResidual>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
