//===- DwConvToLinalg.cpp - tfm.dwconv to linalg --------------------------===//
//
// `direct`: the input is padded (zeros, or wrapped around for `circular`),
// then one linalg.generic per output element sums the taps, a reduction
// loop per kernel dim, reading the padded input at `o·stride + t·dilation`.
//
// `fft`: the correlation is a linear convolution with the reversed, dilated
// kernel, computed through the shared power-of-two FFT of length
// >= L + (k − 1)·dilation per spatial dim, long enough that nothing wraps
// into the outputs. Circular padding wraps the input first. Rank 2 is the
// separable 2-D transform: FFT along W, swap the last two dims, FFT along H.
//
//===----------------------------------------------------------------------===//
#include "FftUtils.h"
#include "LoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;
using namespace mlir::tfm;

static Value addIndex(OpBuilder &b, Location loc, Value value, int64_t offset) {
  return arith::AddIOp::create(b, loc, value, constantIndex(b, loc, offset));
}

/// `x` `[B, C, S...]` padded by `padLow`/`padHigh` per spatial dim: zeros, or
/// the input wrapped around (any number of times) when `circular`.
static Value buildPadded(OpBuilder &b, Location loc, Value x,
                         ArrayRef<ConvGeometry> dims, bool circular) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  SmallVector<Value> lengths;
  for (auto [i, dim] : llvm::enumerate(dims)) {
    lengths.push_back(tensor::DimOp::create(b, loc, x, 2 + i));
    sizes[2 + i] = addIndex(b, loc, lengths.back(), dim.padLow + dim.padHigh);
  }
  Value init = createEmpty(b, loc, sizes, b.getF32Type());
  return buildParallelGeneric(
      b, loc, init, {}, {}, [&](OpBuilder &gb, Location gl, ValueRange) {
        SmallVector<Value> indices = loopIndices(gb, gl, rank);
        Value inside = arith::ConstantOp::create(gb, gl, gb.getBoolAttr(true));
        Value zero = constantIndex(gb, gl, 0);
        for (auto [i, dim] : llvm::enumerate(dims)) {
          Value &index = indices[2 + i];
          Value length = lengths[i];
          Value source = addIndex(gb, gl, index, -dim.padLow);
          if (circular) {
            Value rem = arith::RemSIOp::create(gb, gl, source, length);
            index = arith::RemSIOp::create(
                gb, gl, arith::AddIOp::create(gb, gl, rem, length), length);
            continue;
          }
          Value within = arith::AndIOp::create(
              gb, gl,
              arith::CmpIOp::create(gb, gl, arith::CmpIPredicate::sge, source,
                                    zero),
              arith::CmpIOp::create(gb, gl, arith::CmpIPredicate::slt, source,
                                    length));
          inside = arith::AndIOp::create(gb, gl, inside, within);
          index = arith::SelectOp::create(gb, gl, within, source, zero);
        }
        Value value = tensor::ExtractOp::create(gb, gl, x, indices);
        return arith::SelectOp::create(gb, gl, inside, value,
                                       constantF32(gb, gl, 0.0))
            .getResult();
      });
}

/// `[B, C, O...]` filled with the bias of each channel, or zeros.
static Value buildBiasInit(OpBuilder &b, Location loc,
                           ArrayRef<OpFoldResult> sizes, Value bias) {
  if (!bias)
    return createFilled(b, loc, sizes, constantF32(b, loc, 0.0));
  int64_t rank = sizes.size();
  return buildParallelGeneric(
      b, loc, createEmpty(b, loc, sizes, b.getF32Type()), bias,
      singleDimMap(rank, 1, b.getContext()),
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

/// The taps of one output element summed by a generic whose loops are
/// (b, c, o..., t...), the taps reduced.
static Value buildDirect(OpBuilder &b, Location loc, Value padded,
                         Value weight, Value init, ArrayRef<ConvGeometry> dims) {
  MLIRContext *ctx = b.getContext();
  int64_t spatial = dims.size();
  int64_t loops = 2 + 2 * spatial;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> inputExprs = {d(0), d(1)};
  SmallVector<AffineExpr> weightExprs = {d(1)};
  for (auto [i, dim] : llvm::enumerate(dims)) {
    AffineExpr output = d(2 + i), tap = d(2 + spatial + i);
    inputExprs.push_back(output * dim.stride + tap * dim.dilation);
    weightExprs.push_back(tap);
  }
  SmallVector<utils::IteratorType> iterators(loops,
                                             utils::IteratorType::parallel);
  for (int64_t i = 0; i < spatial; ++i)
    iterators[2 + spatial + i] = utils::IteratorType::reduction;
  SmallVector<AffineMap> maps = {
      AffineMap::get(loops, 0, inputExprs, ctx),
      AffineMap::get(loops, 0, weightExprs, ctx),
      AffineMap::getMultiDimIdentityMap(loops, ctx)
          .getMajorSubMap(2 + spatial)};
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{padded, weight}, init, maps, iterators,
      [](OpBuilder &nb, Location l, ValueRange args) {
        Value product = arith::MulFOp::create(nb, l, args[0], args[1]);
        linalg::YieldOp::create(
            nb, l, arith::AddFOp::create(nb, l, product, args[2]).getResult());
      });
  return generic.getResult(0);
}

/// `x` with its last two dims swapped.
static Value swapLastTwo(OpBuilder &b, Location loc, Value x) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<int64_t> permutation = llvm::to_vector(llvm::seq<int64_t>(rank));
  std::swap(permutation[rank - 2], permutation[rank - 1]);
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  std::swap(sizes[rank - 2], sizes[rank - 1]);
  Value init = createEmpty(b, loc, sizes, b.getF32Type());
  return linalg::TransposeOp::create(b, loc, x, init, permutation)
      .getResult()[0];
}

/// The FFT of `x` along its trailing dims, one per plan, the first plan
/// along the last dim; the last two dims are swapped between transforms, so
/// a 2-D transform leaves them swapped and the inverse, given its plans in
/// the opposite order, swaps them back.
static ComplexTensor transformSpatial(OpBuilder &b, Location loc,
                                      ComplexTensor x,
                                      ArrayRef<FftPlan> plans) {
  for (auto [i, plan] : llvm::enumerate(plans)) {
    if (i)
      x = {swapLastTwo(b, loc, x.re), swapLastTwo(b, loc, x.im)};
    x = buildPowerOfTwoFft(b, loc, x, plan);
  }
  return x;
}

/// `y = x ⋆ w` through the FFT: `[B, C, O...]` accumulated into `init`.
static Value buildViaFft(OpBuilder &b, Location loc, Value x, Value weight,
                         Value init, ArrayRef<ConvGeometry> dims,
                         bool circular) {
  int64_t spatial = dims.size();
  int64_t rank = 2 + spatial;
  // The FFT input: x, or x wrapped around when circular; output i reads the
  // linear convolution at i + offset.
  Value signal = circular ? buildPadded(b, loc, x, dims, true) : x;
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, signal);
  SmallVector<Value> signalLengths;
  SmallVector<int64_t> offsets;
  SmallVector<FftPlan> forward, inverse;
  for (auto [i, dim] : llvm::enumerate(dims)) {
    Value length = tensor::DimOp::create(b, loc, x, 2 + i);
    signalLengths.push_back(tensor::DimOp::create(b, loc, signal, 2 + i));
    offsets.push_back(circular ? dim.extent() : dim.extent() - dim.padLow);
    auto [n, log] = emitPowerOfTwoAtLeast(
        b, loc, addIndex(b, loc, length, dim.extent()));
    forward.push_back(buildFftPlan(b, loc, n, log, false));
    inverse.push_back(buildFftPlan(b, loc, n, log, true));
    sizes[2 + i] = n;
  }
  Value zero = constantF32(b, loc, 0.0);
  ComplexTensor input = buildComplexGeneric(
      b, loc, sizes, {}, {}, [&](OpBuilder &gb, Location gl, ValueRange) {
        SmallVector<Value> indices = loopIndices(gb, gl, rank);
        Value inside = arith::ConstantOp::create(gb, gl, gb.getBoolAttr(true));
        for (int64_t i = 0; i < spatial; ++i) {
          Value within =
              arith::CmpIOp::create(gb, gl, arith::CmpIPredicate::ult,
                                    indices[2 + i], signalLengths[i]);
          inside = arith::AndIOp::create(gb, gl, inside, within);
          indices[2 + i] = arith::SelectOp::create(
              gb, gl, within, indices[2 + i], constantIndex(gb, gl, 0));
        }
        Value value = tensor::ExtractOp::create(gb, gl, signal, indices);
        return std::pair<Value, Value>{
            arith::SelectOp::create(gb, gl, inside, value, zero), zero};
      });

  // The reversed, dilated kernel: tap t at u = extent − t·dilation.
  SmallVector<OpFoldResult> kernelSizes(sizes.begin() + 1, sizes.end());
  ComplexTensor kernel = buildComplexGeneric(
      b, loc, kernelSizes, {}, {}, [&](OpBuilder &gb, Location gl, ValueRange) {
        SmallVector<Value> indices = loopIndices(gb, gl, 1 + spatial);
        Value onTap = arith::ConstantOp::create(gb, gl, gb.getBoolAttr(true));
        for (auto [i, dim] : llvm::enumerate(dims)) {
          Value &u = indices[1 + i];
          Value reach = arith::SubIOp::create(
              gb, gl, constantIndex(gb, gl, dim.extent()), u);
          Value dilation = constantIndex(gb, gl, dim.dilation);
          Value valid = arith::AndIOp::create(
              gb, gl,
              arith::CmpIOp::create(gb, gl, arith::CmpIPredicate::ule, u,
                                    constantIndex(gb, gl, dim.extent())),
              arith::CmpIOp::create(
                  gb, gl, arith::CmpIPredicate::eq,
                  arith::RemUIOp::create(gb, gl, reach, dilation),
                  constantIndex(gb, gl, 0)));
          onTap = arith::AndIOp::create(gb, gl, onTap, valid);
          u = arith::SelectOp::create(
              gb, gl, valid, arith::DivUIOp::create(gb, gl, reach, dilation),
              constantIndex(gb, gl, 0));
        }
        Value tap = tensor::ExtractOp::create(gb, gl, weight, indices);
        return std::pair<Value, Value>{
            arith::SelectOp::create(gb, gl, onTap, tap, zero), zero};
      });

  // Forward along the last spatial dim first, inverse along the first.
  std::reverse(forward.begin(), forward.end());
  ComplexTensor spectrum = buildComplexProduct(
      b, loc, transformSpatial(b, loc, input, forward),
      transformSpatial(b, loc, kernel, forward),
      AffineMap::getMultiDimIdentityMap(rank, b.getContext()).dropResult(0));
  ComplexTensor product = transformSpatial(b, loc, spectrum, inverse);

  // Normalize by the transform size, read at the offsets, add to init.
  Value size = constantIndex(b, loc, 1);
  for (const FftPlan &plan : inverse)
    size = arith::MulIOp::create(b, loc, size, plan.n);
  Value scale = arith::DivFOp::create(
      b, loc, constantF32(b, loc, 1.0),
      arith::UIToFPOp::create(
          b, loc, b.getF32Type(),
          arith::IndexCastUIOp::create(b, loc, b.getI64Type(), size)));
  return buildParallelGeneric(
      b, loc, init, {}, {}, [&](OpBuilder &gb, Location gl, ValueRange args) {
        SmallVector<Value> indices = loopIndices(gb, gl, rank);
        for (int64_t i = 0; i < spatial; ++i)
          indices[2 + i] = addIndex(gb, gl, indices[2 + i], offsets[i]);
        Value value = tensor::ExtractOp::create(gb, gl, product.re, indices);
        return arith::AddFOp::create(
                   gb, gl, args[0],
                   arith::MulFOp::create(gb, gl, value, scale))
            .getResult();
      });
}

namespace {
struct DwConvToLinalg : OpConversionPattern<DwConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DwConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t spatial = op.getSpatialRank();
    if (llvm::any_of(op.getWeight().getType().getShape().drop_front(),
                     ShapedType::isDynamic))
      return rewriter.notifyMatchFailure(op, "expected a static kernel size");
    SmallVector<ConvGeometry> dims;
    for (int64_t i = 0; i < spatial; ++i)
      dims.push_back(op.getGeometryAt(i));
    Value x = adaptor.getInput();
    bool circular = op.getPadding() == ConvPadding::circular;

    // Output length: (L + padLow + padHigh − extent − 1)/stride + 1.
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
    for (auto [i, dim] : llvm::enumerate(dims)) {
      Value length = tensor::DimOp::create(rewriter, loc, x, 2 + i);
      Value span = addIndex(rewriter, loc, length,
                            dim.padLow + dim.padHigh - dim.extent() - 1);
      sizes[2 + i] = addIndex(
          rewriter, loc,
          arith::DivUIOp::create(rewriter, loc, span,
                                 constantIndex(rewriter, loc, dim.stride)),
          1);
    }
    Value init = buildBiasInit(rewriter, loc, sizes, adaptor.getBias());
    Value result =
        op.getImpl() == ConvImpl::fft
            ? buildViaFft(rewriter, loc, x, adaptor.getWeight(), init, dims,
                          circular)
            : buildDirect(rewriter, loc,
                          buildPadded(rewriter, loc, x, dims, circular),
                          adaptor.getWeight(), init, dims);
    rewriter.replaceOp(op, tensor::CastOp::create(
                               rewriter, loc, op.getType(), result)
                               .getResult());
    return success();
  }
};
} // namespace

void tfm::populateDwConvToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<DwConvToLinalg>(patterns.getContext());
}
