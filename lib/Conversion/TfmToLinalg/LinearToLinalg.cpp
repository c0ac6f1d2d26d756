//===- LinearToLinalg.cpp - tfm.linear to loops and vectors ---------------===//
//
// y = act(x·Wᵀ + b) [⊙ up] + residual becomes: W packed into NR-wide panels,
// the bias broadcast into the accumulator, the cache-blocked register-tiled
// matmul of MatmulKernel.h, then one elementwise epilogue that applies the
// activation, the GLU gate and the residual.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "MatmulKernel.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "tfmc/Conversion/TfmToLinalg.h"

using namespace mlir;
using namespace mlir::tfm;

/// The reassociation that folds all leading dims of a rank-`rank` tensor into
/// one: [[0, ..., rank-2], [rank-1]].
static SmallVector<ReassociationIndices> foldLeadingDims(int64_t rank) {
  ReassociationIndices leading;
  for (int64_t d = 0; d < rank - 1; ++d)
    leading.push_back(d);
  return {leading, {rank - 1}};
}

/// `x` [..., K] viewed as a matrix [M, K] (a vector becomes one row).
static Value asMatrix(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() == 2)
    return x;
  if (type.getRank() == 1)
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1, type.getDimSize(0)}, type.getElementType()),
        x, SmallVector<ReassociationIndices>{{0, 1}});
  return tensor::CollapseShapeOp::create(b, loc, x,
                                         foldLeadingDims(type.getRank()));
}

/// `matrix` [M, N] reshaped back to the leading dims of `like` [..., K].
static Value fromMatrix(OpBuilder &b, Location loc, Value matrix, Value like,
                        OpFoldResult columns) {
  auto likeType = cast<RankedTensorType>(like.getType());
  int64_t rank = likeType.getRank();
  if (rank == 2)
    return matrix;
  SmallVector<int64_t> shape(likeType.getShape());
  shape.back() = cast<RankedTensorType>(matrix.getType()).getDimSize(1);
  auto type = RankedTensorType::get(shape, b.getF32Type());
  if (rank == 1)
    return tensor::CollapseShapeOp::create(
        b, loc, type, matrix, SmallVector<ReassociationIndices>{{0, 1}});
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, like);
  sizes.back() = columns;
  return tensor::ExpandShapeOp::create(b, loc, type, matrix,
                                       foldLeadingDims(rank), sizes);
}

/// acc[..., n] = init[..., n] + Σ_k x[..., k]·W[n, k] as one linalg.generic
/// over all leading dims of x (loops: leading..., n, k). The fallback when
/// the leading dims cannot be folded into one: MLIR 22's
/// expand-strided-metadata crashes on splitting one dynamic dim into two.
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
            nested, l,
            arith::AddFOp::create(nested, l, product, args[2]).getResult());
      });
  return generic.getResult(0);
}

/// Whether the leading dims of `x` [..., K] fold into one matrix dim without
/// splitting a dynamic dim into two when unfolded (at most one is dynamic).
static bool foldsToMatrix(Value x) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(x.getType()).getShape();
  return llvm::count_if(shape.drop_back(), ShapedType::isDynamic) <= 1;
}

/// `source[..., offset : offset + size]` along the last dim.
static Value sliceLastDim(OpBuilder &b, Location loc, Value source,
                          OpFoldResult offset, OpFoldResult size) {
  int64_t rank = cast<RankedTensorType>(source.getType()).getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, source);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  offsets.back() = offset;
  sizes.back() = size;
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
    OpFoldResult rows = tensor::getMixedSize(rewriter, loc, w, 0);
    Type f32 = rewriter.getF32Type();

    // Accumulator [M, rows] (or [..., rows] when the leading dims do not
    // fold), initialized with the bias (or zero), then the blocked matmul
    // against the packed weight.
    bool blocked = foldsToMatrix(x);
    Value lhs = blocked ? asMatrix(rewriter, loc, x) : x;
    SmallVector<OpFoldResult> accSizes = tensor::getMixedSizes(rewriter, loc, lhs);
    accSizes.back() = rows;
    int64_t accRank = accSizes.size();
    Value acc;
    if (Value bias = adaptor.getBias()) {
      acc = buildParallelGeneric(
          rewriter, loc, createEmpty(rewriter, loc, accSizes, f32), bias,
          singleDimMap(accRank, accRank - 1, ctx),
          [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    } else {
      acc = createFilled(rewriter, loc, accSizes, constantF32(rewriter, loc, 0.0));
    }
    std::optional<ActivationKind> act = op.getAct();
    Value residual = adaptor.getResidual();
    bool gated = op.getGated();

    // Without a gate the epilogue runs on the accumulator rows inside the
    // matmul loop nest; the gate pairs columns N apart, so a GLU gets its
    // own elementwise pass.
    Value residualMatrix = residual && !gated && blocked
                               ? asMatrix(rewriter, loc, residual)
                               : Value();
    auto fusedEpilogue = [&](OpBuilder &b, Location l, Value rowVector,
                             Value row, Value column) -> Value {
      if (act)
        rowVector = emitActivation(b, l, *act, rowVector);
      if (residualMatrix) {
        Value other = vector::TransferReadOp::create(
            b, l, cast<VectorType>(rowVector.getType()), residualMatrix,
            ValueRange{row, column}, constantF32(b, l, 0.0),
            ArrayRef<bool>{false});
        rowVector = arith::AddFOp::create(b, l, rowVector, other);
      }
      return rowVector;
    };
    bool epilogueInKernel = blocked && !gated;
    if (blocked) {
      MatmulTiles tiles;
      Value packed = packTransposedB(rewriter, loc, w, tiles);
      bool fuse = epilogueInKernel && (act || residual);
      acc = emitPackedMatmul(rewriter, loc, lhs, packed, acc, tiles,
                             fuse ? MatmulEpilogue(fusedEpilogue) : nullptr);
      acc = fromMatrix(rewriter, loc, acc, x, rows);
    } else {
      acc = buildContraction(rewriter, loc, x, w, acc);
    }
    if (epilogueInKernel || (!gated && !act && !residual)) {
      rewriter.replaceOp(op, acc);
      return success();
    }
    // The epilogue as its own elementwise pass: y = act(acc) (+ residual),
    // or for a GLU y = act(gate) ⊙ up (+ residual), gate and up the halves.
    SmallVector<Value> inputs;
    if (gated) {
      OpFoldResult half = affine::makeComposedFoldedAffineApply(
          rewriter, loc, rewriter.getAffineSymbolExpr(0).floorDiv(2), {rows});
      inputs.push_back(
          sliceLastDim(rewriter, loc, acc, rewriter.getIndexAttr(0), half));
      inputs.push_back(sliceLastDim(rewriter, loc, acc, half, half));
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
