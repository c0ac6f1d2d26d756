//===- LinearToLinalg.cpp - tfm.linear to linalg --------------------------===//
//
// y = act(x·Wᵀ + b) [⊙ up] + residual becomes: the bias broadcast into the
// accumulator, one contraction over K, then one elementwise epilogue that
// applies the activation, the GLU gate and the residual.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

using namespace mlir;
using namespace mlir::tfm;

/// acc[..., n] = init[..., n] + Σ_k x[..., k]·W[n, k], over all leading dims
/// of x (loops: leading..., n, k).
static Value buildContraction(OpBuilder &b, Location loc, Value x, Value w,
                              Value init) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  int64_t loops = rank + 1;
  int64_t nDim = rank - 1, kDim = rank;
  SmallVector<AffineExpr> xExprs, outExprs;
  for (int64_t d = 0; d < rank - 1; ++d) {
    xExprs.push_back(getAffineDimExpr(d, ctx));
    outExprs.push_back(getAffineDimExpr(d, ctx));
  }
  xExprs.push_back(getAffineDimExpr(kDim, ctx));
  outExprs.push_back(getAffineDimExpr(nDim, ctx));
  SmallVector<AffineMap> maps = {
      AffineMap::get(loops, 0, xExprs, ctx),
      AffineMap::get(loops, 0,
                     {getAffineDimExpr(nDim, ctx), getAffineDimExpr(kDim, ctx)},
                     ctx),
      AffineMap::get(loops, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators(loops,
                                             utils::IteratorType::parallel);
  iterators[kDim] = utils::IteratorType::reduction;
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{x, w}, ValueRange{init}, maps,
      iterators, [](OpBuilder &nested, Location l, ValueRange args) {
        Value product = arith::MulFOp::create(nested, l, args[0], args[1]);
        linalg::YieldOp::create(
            nested, l, arith::AddFOp::create(nested, l, product, args[2]).getResult());
      });
  return generic.getResult(0);
}

/// `source[..., offset : offset + size]` along the last dim.
static Value sliceLastDim(OpBuilder &b, Location loc, Value source,
                          int64_t offset, int64_t size) {
  int64_t rank = cast<RankedTensorType>(source.getType()).getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, source);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  offsets.back() = b.getIndexAttr(offset);
  sizes.back() = b.getIndexAttr(size);
  return tensor::ExtractSliceOp::create(b, loc, source, offsets, sizes, strides);
}

namespace {
struct LinearToLinalg : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    Value w = adaptor.getWeight();
    int64_t rank = op.getInput().getType().getRank();
    int64_t rows = op.getWeight().getType().getDimSize(0);
    if (ShapedType::isDynamic(rows))
      return rewriter.notifyMatchFailure(op, "dynamic weight rows");
    Type f32 = rewriter.getF32Type();

    // Accumulator [..., rows], initialized with the bias (or zero).
    SmallVector<OpFoldResult> accSizes = tensor::getMixedSizes(rewriter, loc, x);
    accSizes.back() = rewriter.getIndexAttr(rows);
    Value acc;
    if (Value bias = adaptor.getBias()) {
      acc = buildParallelGeneric(
          rewriter, loc, createEmpty(rewriter, loc, accSizes, f32), bias,
          singleDimMap(rank, rank - 1, ctx),
          [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    } else {
      acc = createFilled(rewriter, loc, accSizes, constantF32(rewriter, loc, 0.0));
    }
    acc = buildContraction(rewriter, loc, x, w, acc);

    std::optional<ActivationKind> act = op.getAct();
    Value residual = adaptor.getResidual();
    bool gated = op.getGated();
    if (!act && !residual && !gated) {
      rewriter.replaceOp(op, acc);
      return success();
    }
    SmallVector<Value> inputs;
    if (gated) {
      inputs.push_back(sliceLastDim(rewriter, loc, acc, 0, rows / 2));
      inputs.push_back(sliceLastDim(rewriter, loc, acc, rows / 2, rows / 2));
    } else {
      inputs.push_back(acc);
    }
    if (residual)
      inputs.push_back(residual);
    SmallVector<AffineMap> maps(inputs.size(),
                                rewriter.getMultiDimIdentityMap(rank));
    Value init = createEmptyLike(rewriter, loc, inputs.front(), f32);
    Value result = buildParallelGeneric(
        rewriter, loc, init, inputs, maps,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value y = args[0];
          if (act)
            y = emitActivation(b, l, *act, y);
          if (gated)
            y = arith::MulFOp::create(b, l, y, args[1]);
          if (residual)
            y = arith::AddFOp::create(b, l, y, args[inputs.size() - 1]);
          return y;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void tfm::populateLinearToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LinearToLinalg>(patterns.getContext());
}
