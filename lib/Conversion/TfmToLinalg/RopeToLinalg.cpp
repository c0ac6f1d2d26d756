//===- RopeToLinalg.cpp - tfm.rope to linalg ------------------------------===//
//
// One elementwise pass over [B, H, L, d]: each rotated channel reads its pair
// partner with tensor.extract and computes its angle from the position and
// the frequency index; channels past rotary_dim pass through.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

using namespace mlir;
using namespace mlir::tfm;

namespace {
struct RopeToLinalg : OpConversionPattern<RopeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RopeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    Value positions = adaptor.getPositions();
    int64_t rotary = op.getRotaryDimOrHeadDim();
    int64_t half = rotary / 2;
    bool interleaved = op.getStyle() == RopeStyle::interleaved;
    // log(base) / (rotary / 2): angle = pos * exp(-i * logStep).
    double logStep = std::log(op.getBase().convertToDouble()) / half;

    // positions is [L] (map from loop l) or [B, L] (loops b, l).
    AffineMap positionMap =
        op.getPositions().getType().getRank() == 1
            ? singleDimMap(4, 2, ctx)
            : AffineMap::get(4, 0,
                             {getAffineDimExpr(0, ctx), getAffineDimExpr(2, ctx)},
                             ctx);
    Value init = createEmptyLike(rewriter, loc, x, rewriter.getF32Type());
    Value result = buildParallelGeneric(
        rewriter, loc, init, ValueRange{x, positions},
        {rewriter.getMultiDimIdentityMap(4), positionMap},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value value = args[0];
          Value c = linalg::IndexOp::create(b, l, 3);
          auto idx = [&](int64_t v) { return constantIndex(b, l, v); };
          Value inRotary = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::slt, c, idx(rotary));
          // Frequency index i, whether this is the first of its pair, and
          // the partner channel.
          Value freq, isFirst, partner;
          if (interleaved) {
            freq = arith::DivUIOp::create(b, l, c, idx(2));
            Value parity = arith::RemUIOp::create(b, l, c, idx(2));
            isFirst = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                            parity, idx(0));
            partner = arith::SelectOp::create(
                b, l, isFirst, arith::AddIOp::create(b, l, c, idx(1)),
                arith::SubIOp::create(b, l, c, idx(1)));
          } else {
            isFirst = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, c,
                                            idx(half));
            freq = arith::SelectOp::create(
                b, l, isFirst, c, arith::SubIOp::create(b, l, c, idx(half)));
            partner = arith::SelectOp::create(
                b, l, isFirst, arith::AddIOp::create(b, l, c, idx(half)),
                arith::SubIOp::create(b, l, c, idx(half)));
          }
          // Channels past rotary_dim read themselves (the select below
          // discards the rotation), keeping the extract in bounds.
          partner = arith::SelectOp::create(b, l, inRotary, partner, c);
          Value other = tensor::ExtractOp::create(
              b, l, x,
              ValueRange{linalg::IndexOp::create(b, l, 0),
                         linalg::IndexOp::create(b, l, 1),
                         linalg::IndexOp::create(b, l, 2), partner});
          // The angle is formed and range-reduced in f64: at positions in
          // the tens of thousands an f32 product is off by ~1e-3 rad.
          Type f32 = b.getF32Type(), f64 = b.getF64Type();
          auto c64 = [&](double v) {
            return arith::ConstantOp::create(b, l, b.getF64FloatAttr(v));
          };
          Value freqF = arith::UIToFPOp::create(
              b, l, f64, arith::IndexCastUIOp::create(b, l, b.getI64Type(), freq));
          Value invFreq = math::ExpOp::create(
              b, l, arith::MulFOp::create(b, l, freqF, c64(-logStep)));
          Value pos = arith::SIToFPOp::create(b, l, f64, args[1]);
          Value angle64 = arith::MulFOp::create(b, l, pos, invFreq);
          Value turns = math::RoundEvenOp::create(
              b, l, arith::MulFOp::create(b, l, angle64, c64(0.5 / M_PI)));
          angle64 = arith::SubFOp::create(
              b, l, angle64, arith::MulFOp::create(b, l, turns, c64(2.0 * M_PI)));
          Value angle = arith::TruncFOp::create(b, l, f32, angle64);
          Value cos = math::CosOp::create(b, l, angle);
          Value sin = math::SinOp::create(b, l, angle);
          // first: x·cos − partner·sin; second: x·cos + partner·sin.
          Value signedSin = arith::SelectOp::create(
              b, l, isFirst, arith::NegFOp::create(b, l, sin), sin);
          Value rotated = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, value, cos),
              arith::MulFOp::create(b, l, other, signedSin));
          return arith::SelectOp::create(b, l, inRotary, rotated, value)
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void tfm::populateRopeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<RopeToLinalg>(patterns.getContext());
}
