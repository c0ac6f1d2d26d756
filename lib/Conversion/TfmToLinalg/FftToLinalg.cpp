//===- FftToLinalg.cpp - tfm.rfft and tfm.irfft to linalg -----------------===//
//
// A power-of-two length runs the radix-2 Stockham FFT: log2(n) stages in an
// scf.for, each an all-parallel generic that reads the previous stage with
// tensor.extract, with twiddles from a table computed in f64. Any other
// length goes through Bluestein's chirp-z transform, a circular convolution
// of power-of-two length >= 2n - 1, so that every length is O(n log n).
// The transforms run along the last dim of a layout with the axis swapped
// to the end, which the first and last generics read and write through.
//
//===----------------------------------------------------------------------===//
#include "FftUtils.h"
#include "LoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::tfm;

SmallVector<Value> tfm::loopIndices(OpBuilder &b, Location loc, int64_t rank) {
  SmallVector<Value> indices;
  for (int64_t dim = 0; dim < rank; ++dim)
    indices.push_back(linalg::IndexOp::create(b, loc, dim));
  return indices;
}

ComplexTensor tfm::buildComplexGeneric(OpBuilder &b, Location loc,
                                       ArrayRef<OpFoldResult> sizes,
                                       ValueRange inputs,
                                       ArrayRef<AffineMap> inputMaps,
                                       ComplexBodyBuilder body) {
  Type f32 = b.getF32Type();
  Value re = createEmpty(b, loc, sizes, f32);
  Value im = createEmpty(b, loc, sizes, f32);
  int64_t rank = sizes.size();
  SmallVector<AffineMap> maps(inputMaps);
  maps.append(2, b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{re.getType(), im.getType()}, inputs,
      ValueRange{re, im}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        auto [real, imag] = body(nested, nestedLoc, args);
        linalg::YieldOp::create(nested, nestedLoc, ValueRange{real, imag});
      });
  return {generic.getResult(0), generic.getResult(1)};
}

std::pair<Value, Value> tfm::emitPowerOfTwoAtLeast(OpBuilder &b, Location loc,
                                                   Value size) {
  // log2 = 64 - clz(size - 1), which is 0 for size 1.
  Type i64 = b.getI64Type();
  auto c64 = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
  };
  Value size64 = arith::IndexCastOp::create(b, loc, i64, size);
  Value leadingZeros = math::CountLeadingZerosOp::create(
      b, loc, arith::SubIOp::create(b, loc, size64, c64(1)));
  Value log = arith::SubIOp::create(b, loc, c64(64), leadingZeros);
  Value power = arith::ShLIOp::create(b, loc, c64(1), log);
  Type index = b.getIndexType();
  return {arith::IndexCastOp::create(b, loc, index, power),
          arith::IndexCastOp::create(b, loc, index, log)};
}

/// `(ar + i·ai)·(br + i·bi)`.
static std::pair<Value, Value> multiplyComplex(OpBuilder &b, Location loc,
                                               Value ar, Value ai, Value br,
                                               Value bi) {
  auto mul = [&](Value l, Value r) {
    return arith::MulFOp::create(b, loc, l, r);
  };
  return {arith::SubFOp::create(b, loc, mul(ar, br), mul(ai, bi)),
          arith::AddFOp::create(b, loc, mul(ar, bi), mul(ai, br))};
}

/// `e^(i·angle)` in f32 for an f64 `angle`.
static std::pair<Value, Value> unitComplex(OpBuilder &b, Location loc,
                                           Value angle) {
  Type f32 = b.getF32Type();
  return {arith::TruncFOp::create(b, loc, f32,
                                  math::CosOp::create(b, loc, angle)),
          arith::TruncFOp::create(b, loc, f32,
                                  math::SinOp::create(b, loc, angle))};
}

static Value indexToF64(OpBuilder &b, Location loc, Value index) {
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  return arith::SIToFPOp::create(b, loc, b.getF64Type(), i64);
}

static Value constantF64(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(value));
}

/// The twiddles `e^(∓2πi·k/n)` for `k ∈ [0, n/2)`. The angles are formed in
/// f64: in f32 the last ones of a long table are off by ~n·2^-24 rad.
static ComplexTensor buildTwiddles(OpBuilder &b, Location loc, Value n,
                                   bool inverse) {
  Value half = arith::ShRUIOp::create(b, loc, n, constantIndex(b, loc, 1));
  Value step = arith::DivFOp::create(
      b, loc, constantF64(b, loc, (inverse ? 2.0 : -2.0) * M_PI),
      indexToF64(b, loc, n));
  return buildComplexGeneric(
      b, loc, {OpFoldResult(half)}, {}, {},
      [&](OpBuilder &gb, Location gl, ValueRange) {
        Value k = indexToF64(gb, gl, linalg::IndexOp::create(gb, gl, 0));
        return unitComplex(gb, gl, arith::MulFOp::create(gb, gl, k, step));
      });
}

FftPlan tfm::buildFftPlan(OpBuilder &b, Location loc, Value n, Value logN,
                          bool inverse) {
  return {n, logN, inverse, buildTwiddles(b, loc, n, inverse)};
}

ComplexTensor tfm::buildPowerOfTwoFft(OpBuilder &b, Location loc,
                                      ComplexTensor x, const FftPlan &plan) {
  const ComplexTensor &twiddles = plan.twiddles;
  Value one = constantIndex(b, loc, 1);
  Value half = arith::ShRUIOp::create(b, loc, plan.n, one);
  int64_t rank = cast<RankedTensorType>(x.re.getType()).getRank();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x.re);
  // Stage s (stride S = 2^s) turns the 2^s interleaved transforms of length
  // n/S into 2^(s+1) of length n/(2S): out[q + S(2p + r)] is a + b (r = 0)
  // or (a - b)·w^(pS) (r = 1), with a = in[q + Sp], b = in[q + Sp + n/2].
  auto stages = scf::ForOp::create(
      b, loc, constantIndex(b, loc, 0), plan.logN, one, ValueRange{x.re, x.im},
      [&](OpBuilder &lb, Location ll, Value stage, ValueRange previous) {
        Value stride = arith::ShLIOp::create(lb, ll, one, stage);
        Value lowMask = arith::SubIOp::create(lb, ll, stride, one);
        ComplexTensor next = buildComplexGeneric(
            lb, ll, sizes, {}, {}, [&](OpBuilder &gb, Location gl, ValueRange) {
              SmallVector<Value> indices = loopIndices(gb, gl, rank);
              Value j = indices.back();
              Value q = arith::AndIOp::create(gb, gl, j, lowMask);
              Value block = arith::ShRUIOp::create(gb, gl, j, stage);
              Value p = arith::ShRUIOp::create(gb, gl, block, one);
              Value isDifference = arith::CmpIOp::create(
                  gb, gl, arith::CmpIPredicate::ne,
                  arith::AndIOp::create(gb, gl, block, one),
                  constantIndex(gb, gl, 0));
              Value twiddleIndex = arith::ShLIOp::create(gb, gl, p, stage);
              Value first = arith::AddIOp::create(gb, gl, q, twiddleIndex);
              Value second = arith::AddIOp::create(gb, gl, first, half);
              auto load = [&](Value tensor, Value at) {
                indices.back() = at;
                return tensor::ExtractOp::create(gb, gl, tensor, indices)
                    .getResult();
              };
              Value ar = load(previous[0], first);
              Value ai = load(previous[1], first);
              Value br = load(previous[0], second);
              Value bi = load(previous[1], second);
              Value wr = tensor::ExtractOp::create(gb, gl, twiddles.re,
                                                   twiddleIndex);
              Value wi = tensor::ExtractOp::create(gb, gl, twiddles.im,
                                                   twiddleIndex);
              auto [rr, ri] = multiplyComplex(
                  gb, gl, arith::SubFOp::create(gb, gl, ar, br),
                  arith::SubFOp::create(gb, gl, ai, bi), wr, wi);
              Value sumRe = arith::AddFOp::create(gb, gl, ar, br);
              Value sumIm = arith::AddFOp::create(gb, gl, ai, bi);
              return std::pair<Value, Value>{
                  arith::SelectOp::create(gb, gl, isDifference, rr, sumRe),
                  arith::SelectOp::create(gb, gl, isDifference, ri, sumIm)};
            });
        // Copied back into the carried tensors: bufferization requires each
        // iteration to yield the buffers it was given.
        auto copyInto = [&](Value source, Value destination) {
          return linalg::CopyOp::create(lb, ll, source, destination)
              .getResult(0);
        };
        scf::YieldOp::create(lb, ll,
                             ValueRange{copyInto(next.re, previous[0]),
                                        copyInto(next.im, previous[1])});
      });
  return {stages.getResult(0), stages.getResult(1)};
}

ComplexTensor tfm::buildComplexProduct(OpBuilder &b, Location loc,
                                       ComplexTensor lhs, ComplexTensor rhs,
                                       AffineMap rhsMap) {
  int64_t rank = cast<RankedTensorType>(lhs.re.getType()).getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  return buildComplexGeneric(
      b, loc, tensor::getMixedSizes(b, loc, lhs.re),
      {lhs.re, lhs.im, rhs.re, rhs.im}, {identity, identity, rhsMap, rhsMap},
      [](OpBuilder &gb, Location gl, ValueRange args) {
        return multiplyComplex(gb, gl, args[0], args[1], args[2], args[3]);
      });
}

/// The chirp `e^(sign·πi·t²/n)`. `t²` is reduced modulo 2n in integers
/// first, so the f64 angle stays below 2π whatever t is.
static std::pair<Value, Value> chirp(OpBuilder &b, Location loc, Value t,
                                     int64_t n, double sign) {
  Value t64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), t);
  Value square = arith::RemUIOp::create(
      b, loc, arith::MulIOp::create(b, loc, t64, t64),
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(2 * n)));
  Value angle = arith::MulFOp::create(
      b, loc, arith::SIToFPOp::create(b, loc, b.getF64Type(), square),
      constantF64(b, loc, sign * M_PI / n));
  return unitComplex(b, loc, angle);
}

/// The DFT of static length `n` along the last dim of `x`. With
/// `kt = (k² + t² − (k−t)²)/2` it is the chirp `w_k = e^(∓πi·k²/n)` times
/// the convolution of `x_t·w_t` with `conj(w)`, which Bluestein evaluates as
/// a circular convolution of power-of-two length `m >= 2n − 1`.
static ComplexTensor buildDft(OpBuilder &b, Location loc, ComplexTensor x,
                              int64_t n, bool inverse) {
  if (llvm::isPowerOf2_64(n))
    return buildPowerOfTwoFft(
        b, loc, x,
        buildFftPlan(b, loc, constantIndex(b, loc, n),
                     constantIndex(b, loc, llvm::Log2_64(n)), inverse));
  double sign = inverse ? 1.0 : -1.0;
  int64_t m = llvm::PowerOf2Ceil(2 * n - 1);
  int64_t rank = cast<RankedTensorType>(x.re.getType()).getRank();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x.re);
  SmallVector<OpFoldResult> paddedSizes(sizes);
  paddedSizes.back() = b.getIndexAttr(m);
  Value zero = constantF32(b, loc, 0.0);
  auto zeroUnless = [&](OpBuilder &gb, Location gl, Value keep,
                        std::pair<Value, Value> value) {
    return std::pair<Value, Value>{
        arith::SelectOp::create(gb, gl, keep, value.first, zero),
        arith::SelectOp::create(gb, gl, keep, value.second, zero)};
  };
  auto lessThan = [](OpBuilder &gb, Location gl, Value l, int64_t r) {
    return arith::CmpIOp::create(gb, gl, arith::CmpIPredicate::ult, l,
                                 constantIndex(gb, gl, r));
  };

  ComplexTensor modulated = buildComplexGeneric(
      b, loc, paddedSizes, {}, {}, [&](OpBuilder &gb, Location gl, ValueRange) {
        SmallVector<Value> indices = loopIndices(gb, gl, rank);
        Value t = indices.back();
        Value inside = lessThan(gb, gl, t, n);
        indices.back() = arith::MinUIOp::create(gb, gl, t,
                                                constantIndex(gb, gl, n - 1));
        Value xr = tensor::ExtractOp::create(gb, gl, x.re, indices);
        Value xi = tensor::ExtractOp::create(gb, gl, x.im, indices);
        auto [wr, wi] = chirp(gb, gl, indices.back(), n, sign);
        return zeroUnless(gb, gl, inside,
                          multiplyComplex(gb, gl, xr, xi, wr, wi));
      });
  // conj(w) at offsets (−n, n), stored circularly: offset −j at m − j.
  ComplexTensor kernel = buildComplexGeneric(
      b, loc, {b.getIndexAttr(m)}, {}, {},
      [&](OpBuilder &gb, Location gl, ValueRange) {
        Value j = linalg::IndexOp::create(gb, gl, 0);
        Value offset = arith::MinUIOp::create(
            gb, gl, j,
            arith::SubIOp::create(gb, gl, constantIndex(gb, gl, m), j));
        return zeroUnless(gb, gl, lessThan(gb, gl, offset, n),
                          chirp(gb, gl, offset, n, -sign));
      });

  Value length = constantIndex(b, loc, m);
  Value logLength = constantIndex(b, loc, llvm::Log2_64(m));
  FftPlan forward = buildFftPlan(b, loc, length, logLength, false);
  ComplexTensor product = buildComplexProduct(
      b, loc, buildPowerOfTwoFft(b, loc, modulated, forward),
      buildPowerOfTwoFft(b, loc, kernel, forward),
      singleDimMap(rank, rank - 1, b.getContext()));
  ComplexTensor convolved = buildPowerOfTwoFft(
      b, loc, product, buildFftPlan(b, loc, length, logLength, true));
  Value scale = constantF32(b, loc, 1.0 / m);
  return buildComplexGeneric(
      b, loc, sizes, {}, {}, [&](OpBuilder &gb, Location gl, ValueRange) {
        SmallVector<Value> indices = loopIndices(gb, gl, rank);
        auto [wr, wi] = chirp(gb, gl, indices.back(), n, sign);
        wr = arith::MulFOp::create(gb, gl, wr, scale);
        wi = arith::MulFOp::create(gb, gl, wi, scale);
        Value cr = tensor::ExtractOp::create(gb, gl, convolved.re, indices);
        Value ci = tensor::ExtractOp::create(gb, gl, convolved.im, indices);
        return multiplyComplex(gb, gl, cr, ci, wr, wi);
      });
}

/// The transforms run along the last dim: the operand's layout with dims
/// `axis` and last swapped. This maps indices between the two layouts (the
/// swap is its own inverse); reading through it replaces a transpose.
static SmallVector<Value> swapAxisWithLast(SmallVector<Value> indices,
                                           int64_t axis) {
  std::swap(indices[axis], indices.back());
  return indices;
}

static SmallVector<OpFoldResult>
swapAxisWithLast(SmallVector<OpFoldResult> sizes, int64_t axis) {
  std::swap(sizes[axis], sizes.back());
  return sizes;
}

static int64_t normalizedAxis(int64_t axis, Value operand) {
  int64_t rank = cast<RankedTensorType>(operand.getType()).getRank();
  return axis < 0 ? axis + rank : axis;
}

namespace {
struct RfftToLinalg : OpConversionPattern<RfftOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RfftOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t axis =
        normalizedAxis(static_cast<int64_t>(op.getAxis()), op.getInput());
    int64_t n = op.getN() ? static_cast<int64_t>(*op.getN())
                          : op.getInput().getType().getDimSize(axis);
    Value x = adaptor.getInput();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    SmallVector<OpFoldResult> sizes =
        swapAxisWithLast(tensor::getMixedSizes(rewriter, loc, x), axis);
    Value length = tensor::DimOp::create(rewriter, loc, x, axis);
    sizes.back() = rewriter.getIndexAttr(n);
    Value zero = constantF32(rewriter, loc, 0.0);
    // Zero-padded or truncated to n, with a zero imaginary part.
    ComplexTensor signal = buildComplexGeneric(
        rewriter, loc, sizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> indices = loopIndices(b, l, rank);
          Value inside = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::ult, indices.back(), length);
          indices.back() = arith::SelectOp::create(b, l, inside, indices.back(),
                                                   constantIndex(b, l, 0));
          Value value = tensor::ExtractOp::create(
              b, l, x, swapAxisWithLast(indices, axis));
          return std::pair<Value, Value>{
              arith::SelectOp::create(b, l, inside, value, zero), zero};
        });
    ComplexTensor spectrum = buildDft(rewriter, loc, signal, n, false);

    // The n/2 + 1 non-negative frequencies, in the operand's layout.
    sizes.back() = rewriter.getIndexAttr(n / 2 + 1);
    ComplexTensor result = buildComplexGeneric(
        rewriter, loc, swapAxisWithLast(sizes, axis), {}, {},
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> indices =
              swapAxisWithLast(loopIndices(b, l, rank), axis);
          return std::pair<Value, Value>{
              tensor::ExtractOp::create(b, l, spectrum.re, indices),
              tensor::ExtractOp::create(b, l, spectrum.im, indices)};
        });
    rewriter.replaceOp(op, {result.re, result.im});
    return success();
  }
};

struct IrfftToLinalg : OpConversionPattern<IrfftOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(IrfftOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t axis =
        normalizedAxis(static_cast<int64_t>(op.getAxis()), op.getReal());
    auto n = static_cast<int64_t>(op.getN());
    Value re = adaptor.getReal();
    Value im = adaptor.getImag();
    int64_t rank = cast<RankedTensorType>(re.getType()).getRank();
    SmallVector<OpFoldResult> sizes =
        swapAxisWithLast(tensor::getMixedSizes(rewriter, loc, re), axis);
    sizes.back() = rewriter.getIndexAttr(n);
    // Hermitian completion: X[n − k] = conj(X[k]). The imaginary parts of
    // X[0] and X[n/2] only reach the imaginary part of the signal, which is
    // dropped, as numpy does.
    ComplexTensor spectrum = buildComplexGeneric(
        rewriter, loc, sizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> indices = loopIndices(b, l, rank);
          Value k = indices.back();
          Value stored = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ule,
                                               k, constantIndex(b, l, n / 2));
          indices.back() = arith::SelectOp::create(
              b, l, stored, k,
              arith::SubIOp::create(b, l, constantIndex(b, l, n), k));
          indices = swapAxisWithLast(indices, axis);
          Value real = tensor::ExtractOp::create(b, l, re, indices);
          Value imag = tensor::ExtractOp::create(b, l, im, indices);
          return std::pair<Value, Value>{
              real, arith::SelectOp::create(b, l, stored, imag,
                                            arith::NegFOp::create(b, l, imag))};
        });
    ComplexTensor signal = buildDft(rewriter, loc, spectrum, n, true);

    // The real part over n, in the operand's layout.
    Value scale = constantF32(rewriter, loc, 1.0 / n);
    Value init = createEmpty(rewriter, loc, swapAxisWithLast(sizes, axis),
                             rewriter.getF32Type());
    Value result = buildParallelGeneric(
        rewriter, loc, init, {}, {}, [&](OpBuilder &b, Location l, ValueRange) {
          Value value = tensor::ExtractOp::create(
              b, l, signal.re, swapAxisWithLast(loopIndices(b, l, rank), axis));
          return arith::MulFOp::create(b, l, value, scale).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void tfm::populateFftToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<RfftToLinalg, IrfftToLinalg>(patterns.getContext());
}
