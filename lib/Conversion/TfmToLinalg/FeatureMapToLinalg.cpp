//===- FeatureMapToLinalg.cpp - tfm.feature_map to linalg -----------------===//
//
// relu and elu + 1 are one elementwise generic. Performer's positive random
// features φ(x) = exp(W·x − ‖x‖²/2)/√m take the projection W·x and ‖x‖² as
// reductions over the input features, then one elementwise generic joins
// them (the elementwise fusion pass fuses it with its producers).
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;
using namespace mlir::tfm;

namespace {
struct FeatureMapToLinalg : OpConversionPattern<FeatureMapOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(FeatureMapOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    int64_t rank = op.getInput().getType().getRank();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    Type f32 = rewriter.getF32Type();
    Value result;
    switch (op.getKind()) {
    case FeatureMapKind::relu:
    case FeatureMapKind::elu_plus_one: {
      bool elu = op.getKind() == FeatureMapKind::elu_plus_one;
      result = buildParallelGeneric(
          rewriter, loc, createEmptyLike(rewriter, loc, x, f32), x, identity,
          [&](OpBuilder &b, Location l, ValueRange args) {
            if (!elu)
              return emitActivation(b, l, ActivationKind::relu, args[0]);
            return arith::AddFOp::create(
                       b, l, emitActivation(b, l, ActivationKind::elu, args[0]),
                       constantF32(b, l, 1.0))
                .getResult();
          });
      break;
    }
    case FeatureMapKind::performer:
      result = buildPerformer(rewriter, loc, x, adaptor.getProjection());
      break;
    }
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  /// exp(W·x − ‖x‖²/2)/√m for x `[..., d]` and W `[m, d]`.
  static Value buildPerformer(OpBuilder &b, Location loc, Value x,
                              Value projection) {
    MLIRContext *ctx = b.getContext();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    Value zero = constantF32(b, loc, 0.0);
    SmallVector<OpFoldResult> rowSizes = tensor::getMixedSizes(b, loc, x);
    OpFoldResult features = tensor::getMixedSize(b, loc, projection, 0);
    rowSizes.pop_back();
    SmallVector<OpFoldResult> outSizes(rowSizes);
    outSizes.push_back(features);

    // Loops (rows..., feature, d), d reduced.
    int64_t loops = rank + 1;
    SmallVector<AffineExpr> xExprs, outExprs;
    for (int64_t dim = 0; dim < rank - 1; ++dim)
      xExprs.push_back(getAffineDimExpr(dim, ctx));
    outExprs = xExprs;
    outExprs.push_back(getAffineDimExpr(rank - 1, ctx));
    xExprs.push_back(getAffineDimExpr(rank, ctx));
    AffineMap wMap = AffineMap::get(
        loops, 0,
        {getAffineDimExpr(rank - 1, ctx), getAffineDimExpr(rank, ctx)},
        ctx);
    SmallVector<utils::IteratorType> iterators(loops,
                                               utils::IteratorType::parallel);
    iterators.back() = utils::IteratorType::reduction;
    Value projectedInit = createFilled(b, loc, outSizes, zero);
    auto projected = linalg::GenericOp::create(
        b, loc, projectedInit.getType(), ValueRange{x, projection},
        projectedInit,
        {AffineMap::get(loops, 0, xExprs, ctx), wMap,
         AffineMap::get(loops, 0, outExprs, ctx)},
        iterators, [](OpBuilder &nb, Location l, ValueRange args) {
          Value product = arith::MulFOp::create(nb, l, args[0], args[1]);
          Value sum = arith::AddFOp::create(nb, l, product, args[2]);
          linalg::YieldOp::create(nb, l, sum);
        });

    Value squaredNorm = buildReduction(
        b, loc, x, createFilled(b, loc, rowSizes, zero), {rank - 1},
        [](OpBuilder &nb, Location l, ValueRange args) {
          Value square = arith::MulFOp::create(nb, l, args[0], args[0]);
          return arith::AddFOp::create(nb, l, square, args[1]).getResult();
        });

    // 1/√m, m possibly dynamic.
    Value invSqrtM;
    if (std::optional<int64_t> m = getConstantIntValue(features)) {
      invSqrtM = constantF32(b, loc, 1.0 / std::sqrt(static_cast<double>(*m)));
    } else {
      Value m64 = arith::IndexCastOp::create(
          b, loc, b.getI64Type(),
          getValueOrCreateConstantIndexOp(b, loc, features));
      invSqrtM = math::RsqrtOp::create(
          b, loc, arith::SIToFPOp::create(b, loc, b.getF32Type(), m64));
    }
    Value half = constantF32(b, loc, 0.5);
    return buildParallelGeneric(
        b, loc, createEmpty(b, loc, outSizes, b.getF32Type()),
        {projected.getResult(0), squaredNorm},
        {b.getMultiDimIdentityMap(rank), dropDimsMap(rank, {rank - 1}, ctx)},
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value exponent = arith::SubFOp::create(
              nb, l, args[0], arith::MulFOp::create(nb, l, args[1], half));
          Value exp = math::ExpOp::create(nb, l, exponent);
          return arith::MulFOp::create(nb, l, exp, invSqrtM).getResult();
        });
  }
};
} // namespace

void tfm::populateFeatureMapToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<FeatureMapToLinalg>(patterns.getContext());
}
