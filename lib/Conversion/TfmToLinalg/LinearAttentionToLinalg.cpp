//===- LinearAttentionToLinalg.cpp - tfm.linear_attention to linalg -------===//
//
// Four lowerings of
//   out_i = Σ_j w_ij φq_i·φk_j v_j / (Σ_j w_ij φq_i·φk_j + eps):
//
// - direct, non-causal, no Toeplitz: φkᵀv ([m, dv]) and Σ_j φk_j ([m]) once,
//   then each query reads them: O(L·m·dv).
// - dense (direct with causal or Toeplitz weights): the masked, weighted
//   [L, L] score matrix; O(L²), meant for short sequences and testing.
// - chunked (causal): an scf.for over chunks of `chunk` rows carrying the
//   prefix state φkᵀv and normalizer Σφk; inside a chunk, the dense causal
//   form. O(L·m·dv + L·chunk·(m + dv)).
// - fft (Toeplitz): the Toeplitz products C·(φk ⊗ v) and C·φk, computed as
//   FFT convolutions of power-of-two length >= 2L − 1. The m·(dv + 1)
//   channels (the last value channel is the constant 1 that gives C·φk) are
//   tiled by feature in an scf.for, so no [L, m, dv] tensor ever exists; each
//   tile is contracted with φq into the running numerator and denominator.
//   Pairs of real channels share one complex FFT (channel 2r the real part,
//   2r + 1 the imaginary part): the coefficients are real, so the two
//   convolutions come back apart.
//
// Each runs per (batch, head), in an scf.forall over B·H whose iterations
// the runtime's thread pool shares; each iteration writes its own rows of
// the result. `auto` picks fft with Toeplitz coefficients, chunked when
// causal, else direct.
//
//===----------------------------------------------------------------------===//
#include "FftUtils.h"
#include "LoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::tfm;

/// The default rows per chunk of the chunked form.
static constexpr int64_t kDefaultChunk = 64;
/// The φk ⊗ v channels (features × value dims) per tile of the fft form.
static constexpr int64_t kChannelsPerTile = 64;

/// The map from `loops` loops to the loops `targets`.
static AffineMap loopsMap(MLIRContext *ctx, unsigned loops,
                          ArrayRef<unsigned> targets) {
  return AffineMap::getMultiDimMapWithTargets(loops, targets, ctx);
}

/// `init + Σ Π operands`, the sum over the loops `reduced` of the product
/// of `operands` (each read through its map); `init` is indexed by the
/// other loops in order.
static Value sumOfProducts(OpBuilder &b, Location loc, ValueRange operands,
                           ArrayRef<AffineMap> maps, Value init,
                           ArrayRef<int64_t> reduced) {
  int64_t loops = maps.front().getNumDims();
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(dropDimsMap(loops, reduced, b.getContext()));
  SmallVector<utils::IteratorType> iterators(loops,
                                             utils::IteratorType::parallel);
  for (int64_t dim : reduced)
    iterators[dim] = utils::IteratorType::reduction;
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), operands, init, allMaps, iterators,
      [](OpBuilder &nb, Location l, ValueRange args) {
        Value product = args.front();
        for (Value factor : args.drop_front().drop_back())
          product = arith::MulFOp::create(nb, l, product, factor);
        Value sum = arith::AddFOp::create(nb, l, product, args.back());
        linalg::YieldOp::create(nb, l, sum);
      });
  return generic.getResult(0);
}

static Value zeros(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  return createFilled(b, loc, sizes, constantF32(b, loc, 0.0));
}

namespace {
/// The numerator `[B, H, Lq, dv]` and denominator `[B, H, Lq]` before eps.
struct AttentionSums {
  Value numerator;
  Value denominator;
};

/// The sizes of the operands: B, H, L, m and dv.
struct Shape {
  OpFoldResult batch, heads, length, features, valueDim;

  Shape(OpBuilder &b, Location loc, Value fq, Value v) {
    SmallVector<OpFoldResult> q = tensor::getMixedSizes(b, loc, fq);
    batch = q[0];
    heads = q[1];
    length = q[2];
    features = q[3];
    valueDim = tensor::getMixedSize(b, loc, v, 3);
  }
  SmallVector<OpFoldResult> rows(OpFoldResult last) const {
    return {batch, heads, length, last};
  }
  SmallVector<OpFoldResult> rows() const { return {batch, heads, length}; }
};
} // namespace

/// `init + φq·state` and `init + φq·normalizer`: each query row against a
/// [m, dv] state and [m] normalizer.
static AttentionSums addStateTerms(OpBuilder &b, Location loc, Value fq,
                                   Value state, Value normalizer,
                                   AttentionSums init) {
  MLIRContext *ctx = b.getContext();
  // Loops (b, h, l, d, m) and (b, h, l, m).
  Value numerator =
      sumOfProducts(b, loc, {fq, state},
                    {loopsMap(ctx, 5, {0, 1, 2, 4}),
                     loopsMap(ctx, 5, {0, 1, 4, 3})},
                    init.numerator, {4});
  Value denominator =
      sumOfProducts(b, loc, {fq, normalizer},
                    {loopsMap(ctx, 4, {0, 1, 2, 3}),
                     loopsMap(ctx, 4, {0, 1, 3})},
                    init.denominator, {3});
  return {numerator, denominator};
}

/// `state + φkᵀv` and `normalizer + Σ_l φk_l`.
static std::pair<Value, Value> addKeyTerms(OpBuilder &b, Location loc, Value fk,
                                           Value v, Value state,
                                           Value normalizer) {
  MLIRContext *ctx = b.getContext();
  // Loops (b, h, m, d, l) and (b, h, m, l).
  Value kv = sumOfProducts(
      b, loc, {fk, v},
      {loopsMap(ctx, 5, {0, 1, 4, 2}), loopsMap(ctx, 5, {0, 1, 4, 3})}, state,
      {4});
  Value ksum = sumOfProducts(b, loc, {fk}, {loopsMap(ctx, 4, {0, 1, 3, 2})},
                             normalizer, {3});
  return {kv, ksum};
}

/// The O(L²) form added to `init`: scores φq_i·φk_j, times
/// c[L − 1 + j − i] when `coefficients` is set, zero above the diagonal when
/// `causal`.
static AttentionSums buildDenseSums(OpBuilder &b, Location loc, Value fq,
                                    Value fk, Value v, Value coefficients,
                                    bool causal, AttentionSums init) {
  MLIRContext *ctx = b.getContext();
  Shape shape(b, loc, fq, v);
  OpFoldResult keys = tensor::getMixedSize(b, loc, fk, 2);
  // Loops (b, h, i, j, m).
  Value scores = sumOfProducts(
      b, loc, {fq, fk},
      {loopsMap(ctx, 5, {0, 1, 2, 4}), loopsMap(ctx, 5, {0, 1, 3, 4})},
      zeros(b, loc, shape.rows(keys)), {4});
  if (causal || coefficients) {
    Value lastKey = arith::SubIOp::create(
        b, loc, getValueOrCreateConstantIndexOp(b, loc, keys),
        constantIndex(b, loc, 1));
    scores = buildParallelGeneric(
        b, loc, scores, {}, {},
        [&](OpBuilder &gb, Location gl, ValueRange args) {
          SmallVector<Value> indices = loopIndices(gb, gl, 4);
          Value i = indices[2], j = indices[3];
          Value weight = args[0];
          if (coefficients) {
            Value tap = arith::SubIOp::create(
                gb, gl, arith::AddIOp::create(gb, gl, lastKey, j), i);
            weight = arith::MulFOp::create(
                gb, gl, weight,
                tensor::ExtractOp::create(gb, gl, coefficients,
                                          ValueRange{indices[1], tap}));
          }
          if (causal)
            weight = arith::SelectOp::create(
                gb, gl,
                arith::CmpIOp::create(gb, gl, arith::CmpIPredicate::ule, j, i),
                weight, constantF32(gb, gl, 0.0));
          return weight;
        });
  }
  // Loops (b, h, i, d, j) and (b, h, i, j).
  Value numerator = sumOfProducts(
      b, loc, {scores, v},
      {loopsMap(ctx, 5, {0, 1, 2, 4}), loopsMap(ctx, 5, {0, 1, 4, 3})},
      init.numerator, {4});
  Value denominator =
      sumOfProducts(b, loc, {scores}, {loopsMap(ctx, 4, {0, 1, 2, 3})},
                    init.denominator, {3});
  return {numerator, denominator};
}

/// numerator / (denominator + eps), in place of the numerator: its buffer
/// may be a slice of the result, which then needs no copy.
static Value buildNormalized(OpBuilder &b, Location loc, AttentionSums sums,
                             double eps) {
  Value epsValue = constantF32(b, loc, eps);
  return buildParallelGeneric(
      b, loc, sums.numerator, sums.denominator,
      dropDimsMap(4, {3}, b.getContext()),
      [&](OpBuilder &gb, Location gl, ValueRange args) {
        Value denominator = arith::AddFOp::create(gb, gl, args[0], epsValue);
        return arith::DivFOp::create(gb, gl, args[1], denominator).getResult();
      });
}

/// Zero sums for the rows of `fq`, the numerator in `output` (the result's
/// rows, which the normalization then overwrites in place).
static AttentionSums zeroSums(OpBuilder &b, Location loc, Value output,
                              Value fq) {
  SmallVector<OpFoldResult> rows = tensor::getMixedSizes(b, loc, fq);
  rows.pop_back();
  return {linalg::FillOp::create(b, loc, constantF32(b, loc, 0.0), output)
              .getResult(0),
          zeros(b, loc, rows)};
}

/// The non-causal form through the [m, dv] summary.
static Value buildDirect(OpBuilder &b, Location loc, Value fq, Value fk,
                         Value v, double eps, Value output) {
  Shape shape(b, loc, fq, v);
  auto [kv, ksum] = addKeyTerms(
      b, loc, fk, v,
      zeros(b, loc, {shape.batch, shape.heads, shape.features, shape.valueDim}),
      zeros(b, loc, {shape.batch, shape.heads, shape.features}));
  AttentionSums sums =
      addStateTerms(b, loc, fq, kv, ksum, zeroSums(b, loc, output, fq));
  return buildNormalized(b, loc, sums, eps);
}

/// Rows `[start, start + size)` of a `[B, H, L, n]` tensor.
static Value sliceRows(OpBuilder &b, Location loc, Value x, Value start,
                       Value size) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  sizes[2] = size;
  OpFoldResult zero = b.getIndexAttr(0);
  return tensor::ExtractSliceOp::create(
      b, loc, x, ArrayRef<OpFoldResult>{zero, zero, start, zero}, sizes,
      SmallVector<OpFoldResult>(4, b.getIndexAttr(1)));
}

/// The causal form over chunks of `chunk` rows.
static Value buildChunked(OpBuilder &b, Location loc, Value fq, Value fk,
                          Value v, int64_t chunk, double eps, Value output) {
  Shape shape(b, loc, fq, v);
  Value length = getValueOrCreateConstantIndexOp(b, loc, shape.length);
  Value chunkSize = constantIndex(b, loc, chunk);
  // Zeros: each chunk accumulates its sums in its rows of the output.
  output = linalg::FillOp::create(b, loc, constantF32(b, loc, 0.0), output)
               .getResult(0);
  Value state =
      zeros(b, loc, {shape.batch, shape.heads, shape.features, shape.valueDim});
  Value normalizer = zeros(b, loc, {shape.batch, shape.heads, shape.features});
  auto chunks = scf::ForOp::create(
      b, loc, constantIndex(b, loc, 0), length, chunkSize,
      ValueRange{output, state, normalizer},
      [&](OpBuilder &lb, Location ll, Value start, ValueRange carried) {
        Value rows = arith::MinSIOp::create(
            lb, ll, chunkSize, arith::SubIOp::create(lb, ll, length, start));
        Value q = sliceRows(lb, ll, fq, start, rows);
        Value k = sliceRows(lb, ll, fk, start, rows);
        Value values = sliceRows(lb, ll, v, start, rows);
        // Within the chunk, causally; before it, through the carried state.
        // The numerator accumulates in the chunk's rows of the output.
        Shape chunkShape(lb, ll, q, values);
        AttentionSums init = {sliceRows(lb, ll, carried[0], start, rows),
                              zeros(lb, ll, chunkShape.rows())};
        AttentionSums sums = addStateTerms(
            lb, ll, q, carried[1], carried[2],
            buildDenseSums(lb, ll, q, k, values, Value(), /*causal=*/true,
                           init));
        Value normalized = buildNormalized(lb, ll, sums, eps);
        OpFoldResult zero = lb.getIndexAttr(0);
        Value updated = tensor::InsertSliceOp::create(
            lb, ll, normalized, carried[0],
            ArrayRef<OpFoldResult>{zero, zero, start, zero},
            tensor::getMixedSizes(lb, ll, normalized),
            SmallVector<OpFoldResult>(4, lb.getIndexAttr(1)));
        auto [nextState, nextNormalizer] =
            addKeyTerms(lb, ll, k, values, carried[1], carried[2]);
        scf::YieldOp::create(lb, ll,
                             ValueRange{updated, nextState, nextNormalizer});
      });
  return chunks.getResult(0);
}

/// S[h, i] = Σ_{d <= i} c[h, L − 1 − d], the total causal weight of query
/// i, summed sequentially along i (positive terms: no cancellation, and row
/// i's sum is as exact as its few terms).
static Value buildCausalWeightSums(OpBuilder &b, Location loc,
                                   Value coefficients, Value length,
                                   OpFoldResult heads) {
  Type f32 = b.getF32Type();
  std::optional<int64_t> staticHeads = getConstantIntValue(heads);
  auto column = RankedTensorType::get(
      {isa<Attribute>(heads) ? *staticHeads : ShapedType::kDynamic}, f32);
  SmallVector<OpFoldResult> unitStrides(2, b.getIndexAttr(1));
  SmallVector<OpFoldResult> columnSizes = {heads, b.getIndexAttr(1)};
  Value one = constantIndex(b, loc, 1);
  Value lastKey = arith::SubIOp::create(b, loc, length, one);
  auto scan = scf::ForOp::create(
      b, loc, constantIndex(b, loc, 0), length, one,
      ValueRange{createEmpty(b, loc, {heads, length}, f32),
                 zeros(b, loc, {heads})},
      [&](OpBuilder &lb, Location ll, Value i, ValueRange carried) {
        auto at = [&](Value offset) {
          return SmallVector<OpFoldResult>{lb.getIndexAttr(0), offset};
        };
        Value tap = tensor::ExtractSliceOp::create(
            lb, ll, column, coefficients,
            at(arith::SubIOp::create(lb, ll, lastKey, i).getResult()),
            columnSizes, unitStrides);
        // In place on the carried running sum.
        Value running = buildParallelGeneric(
            lb, ll, carried[1], tap, lb.getMultiDimIdentityMap(1),
            [](OpBuilder &gb, Location gl, ValueRange args) {
              return arith::AddFOp::create(gb, gl, args[0], args[1])
                  .getResult();
            });
        Value slot = tensor::ExtractSliceOp::create(
            lb, ll, column, carried[0], at(i), columnSizes, unitStrides);
        Value written =
            linalg::CopyOp::create(lb, ll, running, slot).getResult(0);
        Value sums = tensor::InsertSliceOp::create(
            lb, ll, written, carried[0], at(i), columnSizes, unitStrides);
        scf::YieldOp::create(lb, ll, ValueRange{sums, running});
      });
  return scan.getResult(0);
}

/// The Toeplitz form through FFT convolutions, tiled over features.
static Value buildViaFft(OpBuilder &b, Location loc, Value fq, Value fk,
                         Value v, Value coefficients, bool causal, double eps,
                         Value output) {
  MLIRContext *ctx = b.getContext();
  Shape shape(b, loc, fq, v);
  auto idx = [&](OpBuilder &nb, Location l, int64_t value) {
    return constantIndex(nb, l, value);
  };
  Value length = getValueOrCreateConstantIndexOp(b, loc, shape.length);
  Value lastKey = arith::SubIOp::create(b, loc, length, idx(b, loc, 1));
  Value taps = arith::AddIOp::create(b, loc, lastKey, length);
  auto [n, logN] = emitPowerOfTwoAtLeast(b, loc, taps);
  Value zero = constantF32(b, loc, 0.0);

  // Spectrum of the reversed coefficients per head: tap u holds
  // c[2L − 2 − u]; the causal form keeps only keys j <= i, c[<= L − 1].
  ComplexTensor coefficientSignal = buildComplexGeneric(
      b, loc, {shape.heads, n}, {}, {},
      [&](OpBuilder &gb, Location gl, ValueRange) {
        SmallVector<Value> indices = loopIndices(gb, gl, 2);
        Value u = indices[1];
        Value valid = arith::CmpIOp::create(gb, gl, arith::CmpIPredicate::ult,
                                            u, taps);
        if (causal)
          valid = arith::AndIOp::create(
              gb, gl, valid,
              arith::CmpIOp::create(gb, gl, arith::CmpIPredicate::uge, u,
                                    lastKey));
        Value source = arith::SubIOp::create(
            gb, gl, arith::SubIOp::create(gb, gl, taps, idx(gb, gl, 1)), u);
        indices[1] = arith::SelectOp::create(gb, gl, valid, source,
                                             idx(gb, gl, 0));
        Value c = tensor::ExtractOp::create(gb, gl, coefficients, indices);
        return std::pair<Value, Value>{
            arith::SelectOp::create(gb, gl, valid, c, zero), zero};
      });
  FftPlan forward = buildFftPlan(b, loc, n, logN, false);
  FftPlan inverse = buildFftPlan(b, loc, n, logN, true);
  ComplexTensor coefficientSpectrum =
      buildPowerOfTwoFft(b, loc, coefficientSignal, forward);

  // Tiles of `tileFeatures` features, a divisor of m, each with dv + 1
  // channels per feature.
  std::optional<int64_t> staticFeatures = getConstantIntValue(shape.features);
  std::optional<int64_t> staticValueDim = getConstantIntValue(shape.valueDim);
  int64_t tileFeatures = 1;
  if (staticFeatures && staticValueDim)
    for (int64_t t = 1; t <= *staticFeatures; ++t)
      if (*staticFeatures % t == 0 && t * *staticValueDim <= kChannelsPerTile)
        tileFeatures = t;
  Value valueDim = getValueOrCreateConstantIndexOp(b, loc, shape.valueDim);
  Value channelsPerFeature =
      arith::AddIOp::create(b, loc, valueDim, idx(b, loc, 1));
  Value tileChannels = arith::MulIOp::create(b, loc, channelsPerFeature,
                                             idx(b, loc, tileFeatures));
  Value tileRows = arith::DivUIOp::create(
      b, loc, arith::AddIOp::create(b, loc, tileChannels, idx(b, loc, 1)),
      idx(b, loc, 2));
  Value invN = arith::DivFOp::create(
      b, loc, constantF32(b, loc, 1.0),
      arith::UIToFPOp::create(
          b, loc, b.getF32Type(),
          arith::IndexCastUIOp::create(b, loc, b.getI64Type(), n)));

  // Causal rows sum ever more terms, and the FFT's rounding error is
  // relative to the largest: the early rows would lose digits. So the
  // convolved channels are centered first, x = μ + (x − μ) with μ the
  // channel's mean over L: the mean's part, μ·S_i with S_i the row's total
  // weight, is exact, φq_i·(φkᵀv)·S_i/L and φq_i·(Σφk)·S_i/L, and starts
  // the sums; the FFT convolves only the residual, whose outputs grow like
  // √i rather than i.
  AttentionSums sums = zeroSums(b, loc, output, fq);
  Value kv, ksum, invLength;
  if (causal) {
    std::tie(kv, ksum) = addKeyTerms(
        b, loc, fk, v,
        zeros(b, loc,
              {shape.batch, shape.heads, shape.features, shape.valueDim}),
        zeros(b, loc, {shape.batch, shape.heads, shape.features}));
    sums = addStateTerms(b, loc, fq, kv, ksum, sums);
    invLength = arith::DivFOp::create(
        b, loc, constantF32(b, loc, 1.0),
        arith::UIToFPOp::create(
            b, loc, b.getF32Type(),
            arith::IndexCastUIOp::create(b, loc, b.getI64Type(), length)));
    Value weightSums =
        buildCausalWeightSums(b, loc, coefficients, length, shape.heads);
    auto scaleByWeight = [&](Value sum) {
      int64_t rank = cast<RankedTensorType>(sum.getType()).getRank();
      return buildParallelGeneric(
          b, loc, sum, weightSums, loopsMap(ctx, rank, {1, 2}),
          [&](OpBuilder &gb, Location gl, ValueRange args) {
            Value weight = arith::MulFOp::create(gb, gl, args[0], invLength);
            return arith::MulFOp::create(gb, gl, args[1], weight).getResult();
          });
    };
    sums = {scaleByWeight(sums.numerator), scaleByWeight(sums.denominator)};
  }
  auto tiles = scf::ForOp::create(
      b, loc, idx(b, loc, 0),
      getValueOrCreateConstantIndexOp(b, loc, shape.features),
      idx(b, loc, tileFeatures),
      ValueRange{sums.numerator, sums.denominator},
      [&](OpBuilder &lb, Location ll, Value firstFeature, ValueRange carried) {
        // Channel ch of the tile is feature firstFeature + ch / (dv + 1)
        // times value dim ch % (dv + 1), the last one the constant 1.
        auto channel = [&](OpBuilder &gb, Location gl, Value batch, Value head,
                           Value row, Value ch) {
          Value inside = arith::AndIOp::create(
              gb, gl,
              arith::CmpIOp::create(gb, gl, arith::CmpIPredicate::ult, ch,
                                    tileChannels),
              arith::CmpIOp::create(gb, gl, arith::CmpIPredicate::ult, row,
                                    length));
          Value feature = arith::AddIOp::create(
              gb, gl, firstFeature,
              arith::DivUIOp::create(gb, gl, ch, channelsPerFeature));
          Value dim = arith::RemUIOp::create(gb, gl, ch, channelsPerFeature);
          Value isValue = arith::CmpIOp::create(
              gb, gl, arith::CmpIPredicate::ult, dim, valueDim);
          Value zeroIndex = idx(gb, gl, 0);
          Value safeRow =
              arith::SelectOp::create(gb, gl, inside, row, zeroIndex);
          Value safeFeature =
              arith::SelectOp::create(gb, gl, inside, feature, firstFeature);
          Value key = tensor::ExtractOp::create(
              gb, gl, fk, ValueRange{batch, head, safeRow, safeFeature});
          Value value = tensor::ExtractOp::create(
              gb, gl, v,
              ValueRange{batch, head, safeRow,
                         arith::SelectOp::create(gb, gl, isValue, dim,
                                                 zeroIndex)});
          value = arith::SelectOp::create(gb, gl, isValue, value,
                                          constantF32(gb, gl, 1.0));
          Value product = arith::MulFOp::create(gb, gl, key, value);
          if (causal) {
            Value total = arith::SelectOp::create(
                gb, gl, isValue,
                tensor::ExtractOp::create(
                    gb, gl, kv,
                    ValueRange{batch, head, safeFeature,
                               arith::SelectOp::create(gb, gl, isValue, dim,
                                                       zeroIndex)}),
                tensor::ExtractOp::create(
                    gb, gl, ksum, ValueRange{batch, head, safeFeature}));
            product = arith::SubFOp::create(
                gb, gl, product,
                arith::MulFOp::create(gb, gl, total, invLength));
          }
          return arith::SelectOp::create(gb, gl, inside, product, zero)
              .getResult();
        };
        ComplexTensor signal = buildComplexGeneric(
            lb, ll, {shape.batch, shape.heads, tileRows, n}, {}, {},
            [&](OpBuilder &gb, Location gl, ValueRange) {
              SmallVector<Value> indices = loopIndices(gb, gl, 4);
              Value even = arith::ShLIOp::create(gb, gl, indices[2],
                                                 idx(gb, gl, 1));
              Value odd = arith::AddIOp::create(gb, gl, even, idx(gb, gl, 1));
              return std::pair<Value, Value>{
                  channel(gb, gl, indices[0], indices[1], indices[3], even),
                  channel(gb, gl, indices[0], indices[1], indices[3], odd)};
            });
        ComplexTensor convolved = buildPowerOfTwoFft(
            lb, ll,
            buildComplexProduct(lb, ll,
                                buildPowerOfTwoFft(lb, ll, signal, forward),
                                coefficientSpectrum, loopsMap(ctx, 4, {1, 3})),
            inverse);

        // Query row l reads output L − 1 + l of channel ch, scaled by 1/n.
        auto toeplitzProduct = [&](OpBuilder &gb, Location gl,
                                   ArrayRef<Value> indices, Value ch) {
          Value row = arith::ShRUIOp::create(gb, gl, ch, idx(gb, gl, 1));
          Value at = arith::AddIOp::create(gb, gl, indices[2], lastKey);
          SmallVector<Value> position = {indices[0], indices[1], row, at};
          Value re = tensor::ExtractOp::create(gb, gl, convolved.re, position);
          Value im = tensor::ExtractOp::create(gb, gl, convolved.im, position);
          Value isOdd = arith::TruncIOp::create(
              gb, gl, gb.getI1Type(),
              arith::IndexCastUIOp::create(gb, gl, gb.getI64Type(), ch));
          return arith::MulFOp::create(
              gb, gl, arith::SelectOp::create(gb, gl, isOdd, im, re), invN);
        };
        Value queries = tensor::ExtractSliceOp::create(
            lb, ll, fq,
            ArrayRef<OpFoldResult>{lb.getIndexAttr(0), lb.getIndexAttr(0),
                                   lb.getIndexAttr(0), firstFeature},
            ArrayRef<OpFoldResult>{shape.batch, shape.heads, shape.length,
                                   lb.getIndexAttr(tileFeatures)},
            SmallVector<OpFoldResult>(4, lb.getIndexAttr(1)));
        // Σ over the tile's features t of φq[l, t]·D[l, t, d], the loops
        // (b, h, l, d, t) for the numerator and (b, h, l, t) for the
        // denominator, whose channel is the last of each feature.
        auto accumulate = [&](Value init, int64_t loops, bool numerator) {
          SmallVector<utils::IteratorType> iterators(
              loops, utils::IteratorType::parallel);
          iterators.back() = utils::IteratorType::reduction;
          SmallVector<unsigned> queryDims = {0, 1, 2,
                                             static_cast<unsigned>(loops - 1)};
          auto generic = linalg::GenericOp::create(
              lb, ll, init.getType(), queries, init,
              {loopsMap(ctx, loops, queryDims),
               dropDimsMap(loops, {loops - 1}, ctx)},
              iterators, [&](OpBuilder &gb, Location gl, ValueRange args) {
                SmallVector<Value> indices = loopIndices(gb, gl, loops);
                Value dim = numerator ? indices[3] : valueDim;
                Value ch = arith::AddIOp::create(
                    gb, gl,
                    arith::MulIOp::create(gb, gl, indices.back(),
                                          channelsPerFeature),
                    dim);
                Value term = arith::MulFOp::create(
                    gb, gl, args[0], toeplitzProduct(gb, gl, indices, ch));
                linalg::YieldOp::create(
                    gb, gl,
                    arith::AddFOp::create(gb, gl, term, args[1]).getResult());
              });
          return generic.getResult(0);
        };
        scf::YieldOp::create(lb, ll,
                             ValueRange{accumulate(carried[0], 5, true),
                                        accumulate(carried[1], 4, false)});
      });
  return buildNormalized(b, loc, {tiles.getResult(0), tiles.getResult(1)},
                         eps);
}

/// Builds one (batch, head)'s attention from its [1, 1, L, *] operands, its
/// coefficients [1, 2L − 1] (or null) and its rows of the result to write.
using HeadBuilder = function_ref<Value(OpBuilder &, Location, Value fq,
                                       Value fk, Value v, Value coefficients,
                                       Value output)>;

/// The attention of every (batch, head) in an scf.forall over B·H (one
/// dimension, as the runtime's thread pool runs it), each iteration writing
/// its own rows of the result.
static Value buildForEachHead(OpBuilder &b, Location loc, Value fq, Value fk,
                              Value v, Value coefficients,
                              HeadBuilder lowerHead) {
  Shape shape(b, loc, fq, v);
  Value heads = getValueOrCreateConstantIndexOp(b, loc, shape.heads);
  Value count = arith::MulIOp::create(
      b, loc, getValueOrCreateConstantIndexOp(b, loc, shape.batch), heads);
  Value init =
      createEmpty(b, loc, shape.rows(shape.valueDim), b.getF32Type());
  auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{count},
                                      ValueRange{init}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  Value index = forall.getInductionVar(0);
  OpFoldResult batch = arith::DivUIOp::create(b, loc, index, heads).getResult();
  OpFoldResult head = arith::RemUIOp::create(b, loc, index, heads).getResult();
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  auto headRows = [&](Value x) {
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
    sizes[0] = sizes[1] = one;
    return std::pair{SmallVector<OpFoldResult>{batch, head, zero, zero},
                     sizes};
  };
  SmallVector<OpFoldResult> strides(4, one);
  auto slice = [&](Value x) -> Value {
    auto [offsets, sizes] = headRows(x);
    return tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, strides);
  };
  Value headCoefficients;
  if (coefficients)
    headCoefficients = tensor::ExtractSliceOp::create(
        b, loc, coefficients, ArrayRef<OpFoldResult>{head, zero},
        ArrayRef<OpFoldResult>{one,
                               tensor::getMixedSize(b, loc, coefficients, 1)},
        ArrayRef<OpFoldResult>{one, one});
  Value shared = forall.getRegionIterArgs()[0];
  Value rows = lowerHead(b, loc, slice(fq), slice(fk), slice(v),
                         headCoefficients, slice(shared));
  auto [offsets, sizes] = headRows(shared);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, rows, shared, offsets, sizes,
                                        strides);
  return forall.getResult(0);
}

namespace {
struct LinearAttentionToLinalg : OpConversionPattern<LinearAttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LinearAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value fq = adaptor.getQueryFeatures();
    Value fk = adaptor.getKeyFeatures();
    Value v = adaptor.getValue();
    Value coefficients = adaptor.getToeplitz();
    bool causal = op.getCausal();
    double eps = op.getEps().convertToDouble();
    LinearAttentionImpl impl = op.getImpl();
    if (impl == LinearAttentionImpl::auto_select)
      impl = coefficients ? LinearAttentionImpl::fft
             : causal     ? LinearAttentionImpl::chunked
                          : LinearAttentionImpl::direct;

    auto lowerHead = [&](OpBuilder &b, Location l, Value q, Value k,
                         Value values, Value c, Value output) -> Value {
      if (impl == LinearAttentionImpl::fft)
        return buildViaFft(b, l, q, k, values, c, causal, eps, output);
      if (impl == LinearAttentionImpl::chunked && causal) {
        int64_t chunk = op.getChunk() ? static_cast<int64_t>(*op.getChunk())
                                      : kDefaultChunk;
        return buildChunked(b, l, q, k, values, chunk, eps, output);
      }
      if (coefficients || causal)
        return buildNormalized(
            b, l,
            buildDenseSums(b, l, q, k, values, c, causal,
                           zeroSums(b, l, output, q)),
            eps);
      // Chunking without a mask has no prefix to carry: the direct form.
      return buildDirect(b, l, q, k, values, eps, output);
    };
    Value result =
        buildForEachHead(rewriter, loc, fq, fk, v, coefficients, lowerHead);
    rewriter.replaceOp(
        op, tensor::CastOp::create(rewriter, loc, op.getType(), result)
                .getResult());
    return success();
  }
};
} // namespace

void tfm::populateLinearAttentionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LinearAttentionToLinalg>(patterns.getContext());
}
