//===- NormToLinalg.cpp - tfm.norm to linalg ------------------------------===//
//
// Layer and RMS norms take their statistics with reductions over the norm
// axis (two passes for layer norm: the mean, then the centered second
// moment, which stays accurate when |mean| >> std), then one elementwise pass
// applies them together with scale and shift.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;
using namespace mlir::tfm;

namespace {
struct NormToLinalg : OpConversionPattern<NormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(NormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value input = adaptor.getInput();
    int64_t rank = op.getInput().getType().getRank();
    int64_t axis = op.getNormalizedAxis();
    Type f32 = rewriter.getF32Type();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap channelMap = singleDimMap(rank, axis, ctx);
    AffineMap statMap = dropDimsMap(rank, {axis}, ctx);

    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, input);
    SmallVector<OpFoldResult> statSizes(sizes);
    statSizes.erase(statSizes.begin() + axis);
    Value count = arith::IndexCastOp::create(
        rewriter, loc, rewriter.getI64Type(),
        getValueOrCreateConstantIndexOp(rewriter, loc, sizes[axis]));
    Value countF = arith::SIToFPOp::create(rewriter, loc, f32, count);
    Value zero = constantF32(rewriter, loc, 0.0);
    Value eps = constantF32(rewriter, loc, op.getEps().convertToDouble());

    // Mean (layer norm only) and reciprocal standard deviation per row.
    Value mean;
    Value rstd;
    NormKind kind = op.getKind();
    if (kind != NormKind::affine) {
      auto meanOf = [&](Value source, Value center) {
        SmallVector<Value> inputs = {source};
        SmallVector<AffineMap> maps = {identity};
        if (center) {
          inputs.push_back(center);
          maps.push_back(statMap);
        }
        Value sum = createFilled(rewriter, loc, statSizes, zero);
        auto generic = linalg::GenericOp::create(
            rewriter, loc, sum.getType(), inputs, ValueRange{sum},
            llvm::to_vector(llvm::concat<const AffineMap>(maps, ArrayRef{statMap})),
            reductionIterators(rank, axis),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value x = args[0];
              if (center)
                x = arith::SubFOp::create(b, l, x, args[1]);
              Value term = arith::MulFOp::create(b, l, x, x);
              linalg::YieldOp::create(
                  b, l, arith::AddFOp::create(b, l, term, args.back()).getResult());
            });
        return generic.getResult(0);
      };
      if (kind == NormKind::layer) {
        Value sum = buildReduction(
            rewriter, loc, input, createFilled(rewriter, loc, statSizes, zero),
            {axis}, [](OpBuilder &b, Location l, ValueRange args) {
              return arith::AddFOp::create(b, l, args[0], args[1]).getResult();
            });
        mean = buildParallelGeneric(
            rewriter, loc, createEmpty(rewriter, loc, statSizes, f32), sum,
            rewriter.getMultiDimIdentityMap(rank - 1),
            [&](OpBuilder &b, Location l, ValueRange args) {
              return arith::DivFOp::create(b, l, args[0], countF).getResult();
            });
      }
      Value squares = meanOf(input, mean);
      rstd = buildParallelGeneric(
          rewriter, loc, createEmpty(rewriter, loc, statSizes, f32), squares,
          rewriter.getMultiDimIdentityMap(rank - 1),
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value variance = arith::DivFOp::create(b, l, args[0], countF);
            return math::RsqrtOp::create(
                       b, l, arith::AddFOp::create(b, l, variance, eps))
                .getResult();
          });
    }

    // y = (x - mean) * rstd * scale + shift, with absent terms skipped.
    SmallVector<Value> inputs = {input};
    SmallVector<AffineMap> maps = {identity};
    auto addInput = [&](Value value, AffineMap map) -> int {
      if (!value)
        return -1;
      inputs.push_back(value);
      maps.push_back(map);
      return inputs.size() - 1;
    };
    int meanIdx = addInput(mean, statMap);
    int rstdIdx = addInput(rstd, statMap);
    int scaleIdx = addInput(adaptor.getScale(), channelMap);
    int shiftIdx = addInput(adaptor.getShift(), channelMap);
    Value init = createEmptyLike(rewriter, loc, input, f32);
    Value result = buildParallelGeneric(
        rewriter, loc, init, inputs, maps,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value y = args[0];
          if (meanIdx >= 0)
            y = arith::SubFOp::create(b, l, y, args[meanIdx]);
          if (rstdIdx >= 0)
            y = arith::MulFOp::create(b, l, y, args[rstdIdx]);
          if (scaleIdx >= 0)
            y = arith::MulFOp::create(b, l, y, args[scaleIdx]);
          if (shiftIdx >= 0)
            y = arith::AddFOp::create(b, l, y, args[shiftIdx]);
          return y;
        });
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  static SmallVector<utils::IteratorType> reductionIterators(int64_t rank,
                                                             int64_t axis) {
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators[axis] = utils::IteratorType::reduction;
    return iterators;
  }
};
} // namespace

void tfm::populateNormToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<NormToLinalg>(patterns.getContext());
}
