//===- EmbeddingToLinalg.cpp - tfm.embedding to linalg --------------------===//
#include "LoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

using namespace mlir;
using namespace mlir::tfm;

namespace {
/// out[i..., d] = table[clamp(ids[i...]), d]. The clamp keeps a bad id from
/// reading outside the table; model entry points reject such ids before
/// running (they know the vocabulary).
struct EmbeddingToLinalg : OpConversionPattern<EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value table = adaptor.getTable();
    Value ids = adaptor.getIds();
    int64_t rank = op.getType().getRank();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, ids);
    sizes.push_back(tensor::getMixedSize(rewriter, loc, table, 1));
    Value init = createEmpty(rewriter, loc, sizes, rewriter.getF32Type());
    Value vocab = tensor::DimOp::create(rewriter, loc, table, 0);
    Value result = buildParallelGeneric(
        rewriter, loc, init, ids, dropDimsMap(rank, {rank - 1}, ctx),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value id = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value last = arith::SubIOp::create(b, l, vocab, constantIndex(b, l, 1));
          id = arith::MaxSIOp::create(b, l, id, constantIndex(b, l, 0));
          id = arith::MinSIOp::create(b, l, id, last);
          Value d = linalg::IndexOp::create(b, l, rank - 1);
          return tensor::ExtractOp::create(b, l, table, ValueRange{id, d})
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void tfm::populateEmbeddingToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<EmbeddingToLinalg>(patterns.getContext());
}
