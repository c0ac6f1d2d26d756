//===- FoldAffineNorm.cpp - fold affine norms into linears ----------------===//
#include "tfm/IR/TfmDialect.h"
#include "tfmc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tfm {
#define GEN_PASS_DEF_TFMFOLDAFFINENORM
#include "tfmc/Transforms/Passes.h.inc"
} // namespace mlir::tfm

using namespace mlir;
using namespace mlir::tfm;

/// `weight` [N, K] with column k multiplied by `scale[k]`.
static Value scaleColumns(OpBuilder &b, Location loc, Value weight,
                          Value scale) {
  auto type = cast<RankedTensorType>(weight.getType());
  MLIRContext *ctx = b.getContext();
  AffineExpr n = getAffineDimExpr(0, ctx), k = getAffineDimExpr(1, ctx);
  SmallVector<AffineMap> maps = {AffineMap::get(2, 0, {n, k}, ctx),
                                 AffineMap::get(2, 0, {k}, ctx),
                                 AffineMap::get(2, 0, {n, k}, ctx)};
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType());
  auto generic = linalg::GenericOp::create(
      b, loc, type, ValueRange{weight, scale}, ValueRange{init}, maps,
      {utils::IteratorType::parallel, utils::IteratorType::parallel},
      [](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value product = arith::MulFOp::create(nested, nestedLoc, args[0], args[1]);
        linalg::YieldOp::create(nested, nestedLoc, product);
      });
  return generic.getResult(0);
}

/// `weight` [N, K] times `vector` [K], plus `addend` [N] when present.
static Value matVecPlus(OpBuilder &b, Location loc, Value weight, Value vector,
                        Value addend) {
  auto type = cast<RankedTensorType>(weight.getType());
  auto resultType =
      RankedTensorType::get({type.getDimSize(0)}, type.getElementType());
  Value init = addend;
  if (!init) {
    Value zero = arith::ConstantOp::create(
        b, loc, b.getZeroAttr(type.getElementType()));
    Value empty = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                          resultType.getElementType());
    init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  }
  return linalg::MatvecOp::create(b, loc, TypeRange{resultType},
                                  ValueRange{weight, vector}, ValueRange{init})
      .getResult(0);
}

namespace {
/// linear(x ⊙ s + t, W, b) -> linear(x, W·diag(s), b + W·t).
struct FoldAffineNormIntoLinear : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearOp linear,
                                PatternRewriter &rewriter) const override {
    auto norm = linear.getInput().getDefiningOp<NormOp>();
    if (!norm || norm.getKind() != NormKind::affine)
      return rewriter.notifyMatchFailure(linear, "input is not an affine norm");
    if (norm.getNormalizedAxis() != norm.getInput().getType().getRank() - 1)
      return rewriter.notifyMatchFailure(
          linear, "the norm is not over the contracted (last) axis");
    if (!linear.getWeight().getType().hasStaticShape())
      return rewriter.notifyMatchFailure(linear, "dynamic weight shape");

    Location loc = linear.getLoc();
    Value weight = linear.getWeight();
    Value bias = linear.getBias();
    if (Value shift = norm.getShift())
      bias = matVecPlus(rewriter, loc, weight, shift, bias);
    Value scaled = scaleColumns(rewriter, loc, weight, norm.getScale());
    rewriter.modifyOpInPlace(linear, [&] {
      linear.getInputMutable().assign(norm.getInput());
      linear.getWeightMutable().assign(scaled);
      if (bias)
        linear.getBiasMutable().assign(bias);
    });
    return success();
  }
};

struct TfmFoldAffineNormPass
    : tfm::impl::TfmFoldAffineNormBase<TfmFoldAffineNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldAffineNormIntoLinear>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
