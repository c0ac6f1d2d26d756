//===- ActivationToLinalg.cpp - tfm.activation to linalg ------------------===//
#include "LoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

using namespace mlir;
using namespace mlir::tfm;

namespace {
struct ActivationToLinalg : OpConversionPattern<ActivationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ActivationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    int64_t rank = op.getInput().getType().getRank();
    Value init = createEmptyLike(rewriter, loc, input,
                                 op.getType().getElementType());
    ActivationKind kind = op.getKind();
    Value result = buildParallelGeneric(
        rewriter, loc, init, input, rewriter.getMultiDimIdentityMap(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          return emitActivation(b, l, kind, args[0]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void tfm::populateActivationToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ActivationToLinalg>(patterns.getContext());
}
