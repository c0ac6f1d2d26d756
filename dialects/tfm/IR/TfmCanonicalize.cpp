//===- TfmCanonicalize.cpp - canonicalization patterns of tfm ops ---------===//
#include "tfm/IR/TfmDialect.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::tfm;

namespace {
/// An affine norm whose scale is all ones and whose shift is absent or all
/// zeros is the identity.
struct EraseIdentityAffineNorm : OpRewritePattern<NormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(NormOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getKind() != NormKind::affine)
      return rewriter.notifyMatchFailure(op, "not an affine norm");
    if (!matchPattern(op.getScale(), m_OneFloat()))
      return rewriter.notifyMatchFailure(op, "scale is not a splat of one");
    if (op.getShift() && !matchPattern(op.getShift(), m_AnyZeroFloat()))
      return rewriter.notifyMatchFailure(op, "shift is not a splat of zero");
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
};
} // namespace

void NormOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<EraseIdentityAffineNorm>(context);
}
