//===- FuseGlu.cpp - fuse GLU gate and up projections ---------------------===//
#include "LinearFusionUtils.h"
#include "tfmc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tfm {
#define GEN_PASS_DEF_TFMFUSEGLU
#include "tfmc/Transforms/Passes.h.inc"
} // namespace mlir::tfm

using namespace mlir;
using namespace mlir::tfm;

namespace {
/// The gate side of a GLU product: a linear with a fused activation, or a
/// tfm.activation of a plain linear.
struct Gate {
  LinearOp linear;
  ActivationKind act;
};

static std::optional<Gate> matchGate(Value value) {
  if (auto linear = value.getDefiningOp<LinearOp>())
    if (linear.getAct() && !linear.getGated() && !linear.getResidual())
      return Gate{linear, *linear.getAct()};
  if (auto activation = value.getDefiningOp<ActivationOp>())
    if (auto linear = activation.getInput().getDefiningOp<LinearOp>())
      if (isPlainProjection(linear) && linear->hasOneUse())
        return Gate{linear, activation.getKind()};
  return std::nullopt;
}

/// mulf(act(x·Wgᵀ + bg), x·Wuᵀ + bu) -> linear(x, [Wg; Wu], [bg; bu]) gated.
struct FuseGluProduct : OpRewritePattern<arith::MulFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::MulFOp mul,
                                PatternRewriter &rewriter) const override {
    for (auto [gateSide, upSide] : {std::pair{mul.getLhs(), mul.getRhs()},
                                    std::pair{mul.getRhs(), mul.getLhs()}}) {
      std::optional<Gate> gate = matchGate(gateSide);
      auto up = upSide.getDefiningOp<LinearOp>();
      if (!gate || !up || !isPlainProjection(up) ||
          up.getInput() != gate->linear.getInput())
        continue;
      LinearOp gateLinear = gate->linear;
      if (gateLinear.getWeight().getType() != up.getWeight().getType() ||
          !gateLinear.getWeight().getType().hasStaticShape() ||
          static_cast<bool>(gateLinear.getBias()) !=
              static_cast<bool>(up.getBias()))
        continue;
      Location loc = mul.getLoc();
      Value weight =
          stackRows(rewriter, loc, {gateLinear.getWeight(), up.getWeight()});
      Value bias = gateLinear.getBias()
                       ? stackRows(rewriter, loc,
                                   {gateLinear.getBias(), up.getBias()})
                       : Value();
      rewriter.replaceOpWithNewOp<LinearOp>(
          mul, up.getInput(), weight, bias, /*residual=*/Value(),
          ActivationKindAttr::get(rewriter.getContext(), gate->act),
          /*gated=*/true);
      return success();
    }
    return rewriter.notifyMatchFailure(
        mul, "not act(x·Wgᵀ) ⊙ x·Wuᵀ over one input with like weights");
  }
};

struct TfmFuseGluPass : tfm::impl::TfmFuseGluBase<TfmFuseGluPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseGluProduct>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
