//===- AttentionToLinalg.cpp - tfm.attention to an online-softmax loop ----===//
//
// tfm.attention becomes the flash-attention algorithm on tiles. For each
// batch b, query head h and block of query rows [q0, q0 + qs):
//
//   m = -inf, l = 0, acc = 0                   [qs], [qs], [qs, dv]   (f32)
//   for k0 over the keys the block can see, step Bk:
//     s   = scale·Q·K[k0 : k0+ks]ᵀ + bias, -inf where masked      [qs, ks]
//     m'  = max(m, rowmax s);  α = e^(m − m')
//     P   = e^(s − m');  l = α·l + rowsum P;  acc = α·acc + (P ⊙ mult)·V
//   out = acc / l (0 for fully masked rows);  lse = m + log l
//
// No Lq x Lk buffer exists at any stage. Masks and positional biases are
// computed inside the tile from the query and key indices, and the mask also
// narrows the key loop, so blocks it hides entirely are never visited.
// Partial blocks (ragged or dynamic lengths) are slices of min(B, remaining)
// rows.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>
#include <optional>

using namespace mlir;
using namespace mlir::tfm;

namespace {
/// Rows of a query block and of a key/value block. The inner products are
/// [Bq, d]x[Bk, d] and [Bq, Bk]x[Bk, dv] matmuls whose operands stay in
/// cache; later passes tile them further for registers.
constexpr int64_t kQueryBlock = 64;
constexpr int64_t kKeyBlock = 64;

/// Signed index arithmetic at a builder's insertion point.
class IndexMath {
public:
  IndexMath(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value c(int64_t value) { return constantIndex(b, loc, value); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value min(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value max(Value x, Value y) { return arith::MaxSIOp::create(b, loc, x, y); }
  Value floorDiv(Value x, Value y) {
    return arith::FloorDivSIOp::create(b, loc, x, y);
  }
  Value cmp(arith::CmpIPredicate predicate, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, predicate, x, y);
  }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value either(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value select(Value condition, Value x, Value y) {
    return arith::SelectOp::create(b, loc, condition, x, y);
  }
  /// A signed index as f32 (exact below 2^24).
  Value toF32(Value x) {
    Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), x);
    return arith::SIToFPOp::create(b, loc, b.getF32Type(), i64);
  }

private:
  OpBuilder &b;
  Location loc;
};

/// T5 relative-position buckets, as Hugging Face's `_relative_position_bucket`
/// (OPS.md `t5_bucket`).
class T5Buckets {
public:
  explicit T5Buckets(PosBiasAttr attr)
      : bidirectional(attr.getBidirectional()),
        perDirection(bidirectional ? attr.getBuckets() / 2 : attr.getBuckets()),
        exact(perDirection / 2) {
    // The reference gives a distance n >= exact the bucket
    // exact + int(log(n / exact) / log(maxd / exact) · (perDirection − exact))
    // in float64. That is monotone in n, so each bucket's first distance is
    // found here once and the tile compares integers instead of taking logs
    // (which also keeps the boundaries identical to the float64 reference).
    int64_t maxDistance = attr.getMaxDistance();
    double logRange = std::log(static_cast<double>(maxDistance) / exact);
    auto logBucket = [&](int64_t n) {
      return exact +
             static_cast<int64_t>(std::log(static_cast<double>(n) / exact) /
                                  logRange * (perDirection - exact));
    };
    for (int64_t bucket = exact + 1; bucket < perDirection; ++bucket) {
      // logBucket(lo) < bucket <= logBucket(hi); at maxDistance the formula
      // reaches the last bucket.
      int64_t lo = exact, hi = maxDistance;
      while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        (logBucket(mid) >= bucket ? hi : lo) = mid;
      }
      firstDistances.push_back(hi);
    }
  }

  /// The bucket of the relative position `rel` = j − p (an index).
  Value emit(IndexMath &ix, Value rel) const {
    Value zero = ix.c(0);
    Value distance, base = zero;
    if (bidirectional) {
      distance = ix.max(rel, ix.sub(zero, rel));
      base = ix.select(ix.cmp(arith::CmpIPredicate::sgt, rel, zero),
                       ix.c(perDirection), zero);
    } else {
      distance = ix.max(ix.sub(zero, rel), zero);
    }
    Value bucket = ix.min(distance, ix.c(exact));
    for (int64_t first : firstDistances)
      bucket = ix.add(bucket, ix.select(ix.cmp(arith::CmpIPredicate::sge,
                                               distance, ix.c(first)),
                                        ix.c(1), zero));
    return ix.add(base, bucket);
  }

private:
  bool bidirectional;
  int64_t perDirection;
  int64_t exact;
  /// The smallest distance of each log-spaced bucket exact + 1, exact + 2, ...
  SmallVector<int64_t> firstDistances;
};
} // namespace

/// Whether key `j` is visible to the query at position `p` under `mask`;
/// null when every key is.
static Value emitVisible(IndexMath &ix, MaskAttr mask, Value p, Value j) {
  using arith::CmpIPredicate;
  switch (mask ? mask.getKind() : MaskKind::none) {
  case MaskKind::none:
    return {};
  case MaskKind::causal:
    return ix.cmp(CmpIPredicate::sle, j, p);
  case MaskKind::window: {
    Value afterStart =
        ix.cmp(CmpIPredicate::sge, j, ix.sub(p, ix.c(mask.getLeft())));
    Value beforeEnd =
        ix.cmp(CmpIPredicate::sle, j, ix.add(p, ix.c(mask.getRight())));
    return ix.both(afterStart, beforeEnd);
  }
  case MaskKind::prefix: {
    Value inPrefix = ix.cmp(CmpIPredicate::slt, j, ix.c(mask.getSize()));
    return ix.either(inPrefix, ix.cmp(CmpIPredicate::sle, j, p));
  }
  case MaskKind::block: {
    Value size = ix.c(mask.getSize());
    return ix.cmp(CmpIPredicate::eq, ix.floorDiv(j, size),
                  ix.floorDiv(p, size));
  }
  }
  llvm_unreachable("unknown mask kind");
}

/// The keys [begin, end) that queries at positions [pBegin, pEnd) may see
/// under `mask`, within [0, kvEnd). Key blocks outside are never visited; the
/// per-element mask handles the rest.
static std::pair<Value, Value> visibleKeyRange(IndexMath &ix, MaskAttr mask,
                                               Value pBegin, Value pEnd,
                                               Value kvEnd) {
  Value zero = ix.c(0);
  switch (mask ? mask.getKind() : MaskKind::none) {
  case MaskKind::none:
    return {zero, kvEnd};
  case MaskKind::causal:
    return {zero, ix.min(kvEnd, pEnd)};
  case MaskKind::window:
    return {ix.max(zero, ix.sub(pBegin, ix.c(mask.getLeft()))),
            ix.min(kvEnd, ix.add(pEnd, ix.c(mask.getRight())))};
  case MaskKind::prefix:
    return {zero, ix.min(kvEnd, ix.max(pEnd, ix.c(mask.getSize())))};
  case MaskKind::block: {
    Value size = ix.c(mask.getSize());
    Value first = ix.mul(ix.floorDiv(pBegin, size), size);
    Value last = ix.floorDiv(ix.sub(pEnd, ix.c(1)), size);
    return {ix.max(zero, first),
            ix.min(kvEnd, ix.mul(ix.add(last, ix.c(1)), size))};
  }
  }
  llvm_unreachable("unknown mask kind");
}

/// ALiBi slope of query head `h` out of `heads`, as Hugging Face's
/// `build_alibi_tensor`: with P the largest power of two <= heads, head h < P
/// gets 2^(−8(h+1)/P) and the others every other slope of 2P,
/// 2^(−8(2(h−P)+1)/(2P)).
static Value emitAlibiSlope(OpBuilder &b, Location loc, Value h, Value heads) {
  IndexMath ix(b, loc);
  Type i64 = b.getI64Type();
  Value leadingZeros = math::CountLeadingZerosOp::create(
      b, loc, arith::IndexCastOp::create(b, loc, i64, heads));
  Value log2Power = arith::SubIOp::create(
      b, loc, arith::ConstantIntOp::create(b, loc, i64, 63), leadingZeros);
  Value power = arith::IndexCastOp::create(
      b, loc, b.getIndexType(),
      arith::ShLIOp::create(
          b, loc, arith::ConstantIntOp::create(b, loc, i64, 1), log2Power));
  // The slope is 2^(−8x/(2P)) with x = 2(h+1) below P and 2(h−P)+1 above.
  Value two = ix.c(2);
  Value x = ix.select(ix.cmp(arith::CmpIPredicate::slt, h, power),
                      ix.mul(two, ix.add(h, ix.c(1))),
                      ix.add(ix.mul(two, ix.sub(h, power)), ix.c(1)));
  Value exponent = arith::DivFOp::create(
      b, loc,
      arith::MulFOp::create(b, loc, ix.toF32(x), constantF32(b, loc, -4.0)),
      ix.toF32(power));
  return math::Exp2Op::create(b, loc, exponent);
}

/// Size of the tile at `iv` of a loop to `ub` by `block`: min(block, ub − iv).
static Value tileSize(OpBuilder &b, Location loc, Value iv, Value ub,
                      int64_t block) {
  IndexMath ix(b, loc);
  return ix.min(ix.c(block), ix.sub(ub, iv));
}

/// The tile `source[offsets : offsets + sizes]` with leading unit dims
/// dropped down to `rank`.
static Value extractTile(OpBuilder &b, Location loc, Value source,
                         ArrayRef<OpFoldResult> offsets,
                         ArrayRef<OpFoldResult> sizes, unsigned rank = 2) {
  auto type = tensor::ExtractSliceOp::inferCanonicalRankReducedResultType(
      rank, cast<RankedTensorType>(source.getType()), sizes);
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, type, source, offsets, sizes,
                                        strides);
}

/// m, or 0 where m is −inf (a row with no visible key yet), so that
/// e^(s − m) is 0 rather than NaN for its masked scores.
static Value finiteMax(OpBuilder &b, Location loc, Value m) {
  Value negInf = constantF32(b, loc, -INFINITY);
  Value empty =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m, negInf);
  return arith::SelectOp::create(b, loc, empty, constantF32(b, loc, 0.0), m);
}

/// scf.for from `lb` to `ub` by `step` carrying `inits`; `body` returns the
/// values to yield.
static ValueRange
buildFor(OpBuilder &b, Location loc, Value lb, Value ub, Value step,
         ValueRange inits,
         function_ref<SmallVector<Value>(OpBuilder &, Location, Value iv,
                                         ValueRange args)>
             body) {
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, step, inits,
      [&](OpBuilder &nested, Location nestedLoc, Value iv, ValueRange args) {
        scf::YieldOp::create(nested, nestedLoc,
                             body(nested, nestedLoc, iv, args));
      });
  return loop.getResults();
}

namespace {
/// The query rows [q0, q0 + rows) of one batch and head, and what their key
/// blocks share.
struct QueryBlock {
  Value batch, head, kvHead;
  Value q0, rows;
  /// Position of the first row: q_offset + q0.
  Value pBegin;
  /// [rows, d] slice of the queries.
  Value queries;
  /// ALiBi slope of the head (null without ALiBi).
  Value slope;
};

/// Builds the flash loop nest of one tfm.attention.
class FlashAttentionBuilder {
public:
  FlashAttentionBuilder(AttentionOp op, AttentionOp::Adaptor adaptor)
      : loc(op.getLoc()), query(adaptor.getQuery()), key(adaptor.getKey()),
        value(adaptor.getValue()), bias(adaptor.getBias()),
        mult(adaptor.getMult()), kvLen(adaptor.getKvLen()),
        qOffset(adaptor.getQOffset()), mask(op.getMaskAttr()),
        posBias(op.getPosBiasKind()), scale(op.getScale().convertToDouble()),
        returnLse(op.getReturnLse()) {
    if (posBias == PosBiasKind::t5)
      t5.emplace(op.getPosBiasAttr());
  }

  /// The output and, with return_lse, the log-sum-exp.
  SmallVector<Value> build(OpBuilder &b);

private:
  SmallVector<Value> buildQueryBlock(OpBuilder &b, Location loc,
                                     QueryBlock &block, ValueRange results);
  SmallVector<Value> foldKeyBlock(OpBuilder &b, Location loc,
                                  const QueryBlock &block, Value k0, Value kEnd,
                                  ValueRange state);
  Value buildScores(OpBuilder &b, Location loc, const QueryBlock &block,
                    Value k0, Value keyRows, Value scores);
  Value applyMult(OpBuilder &b, Location loc, const QueryBlock &block, Value k0,
                  Value probabilities);
  /// Dimension `dim` of `source` as an index value.
  Value dimOf(OpBuilder &b, Value source, int64_t dim) {
    return getValueOrCreateConstantIndexOp(
        b, loc, tensor::getMixedSize(b, loc, source, dim));
  }

  Location loc;
  Value query, key, value, bias, mult, kvLen, qOffset;
  MaskAttr mask;
  PosBiasKind posBias;
  std::optional<T5Buckets> t5;
  double scale;
  bool returnLse;
  /// Runtime sizes: query heads, query length, key length.
  Value heads, queryLength, keyLength;
};
} // namespace

SmallVector<Value> FlashAttentionBuilder::build(OpBuilder &b) {
  Type f32 = b.getF32Type();
  Value batches = dimOf(b, query, 0);
  heads = dimOf(b, query, 1);
  queryLength = dimOf(b, query, 2);
  keyLength = dimOf(b, key, 2);
  // Query head h reads KV head h / (H / Hk) in place (GQA, MQA).
  Value groupSize = arith::DivUIOp::create(b, loc, heads, dimOf(b, key, 1));
  if (!qOffset)
    qOffset = constantIndex(b, loc, 0);

  SmallVector<OpFoldResult> outSizes = tensor::getMixedSizes(b, loc, query);
  outSizes.back() = tensor::getMixedSize(b, loc, value, 3);
  SmallVector<Value> results = {createEmpty(b, loc, outSizes, f32)};
  if (returnLse)
    results.push_back(createEmpty(b, loc, ArrayRef(outSizes).drop_back(), f32));

  Value zero = constantIndex(b, loc, 0), one = constantIndex(b, loc, 1);
  Value queryStep = constantIndex(b, loc, kQueryBlock);
  return llvm::to_vector(buildFor(
      b, loc, zero, batches, one, results,
      [&](OpBuilder &b, Location loc, Value batch, ValueRange perBatch) {
        return llvm::to_vector(buildFor(
            b, loc, zero, heads, one, perBatch,
            [&](OpBuilder &b, Location loc, Value head, ValueRange perHead) {
              QueryBlock block;
              block.batch = batch;
              block.head = head;
              block.kvHead = arith::DivUIOp::create(b, loc, head, groupSize);
              if (posBias == PosBiasKind::alibi)
                block.slope = emitAlibiSlope(b, loc, head, heads);
              return llvm::to_vector(
                  buildFor(b, loc, zero, queryLength, queryStep, perHead,
                           [&](OpBuilder &b, Location loc, Value q0,
                               ValueRange perBlock) {
                             block.q0 = q0;
                             return buildQueryBlock(b, loc, block, perBlock);
                           }));
            }));
      }));
}

SmallVector<Value> FlashAttentionBuilder::buildQueryBlock(OpBuilder &b,
                                                          Location loc,
                                                          QueryBlock &block,
                                                          ValueRange results) {
  IndexMath ix(b, loc);
  Type f32 = b.getF32Type();
  MLIRContext *ctx = b.getContext();
  block.rows = tileSize(b, loc, block.q0, queryLength, kQueryBlock);
  block.pBegin = ix.add(qOffset, block.q0);
  OpFoldResult unit = b.getIndexAttr(1), origin = b.getIndexAttr(0);
  block.queries = extractTile(
      b, loc, query, {block.batch, block.head, block.q0, origin},
      {unit, unit, block.rows, tensor::getMixedSize(b, loc, query, 3)});

  // Keys past kv_len[b] are padding: the key loop stops before them.
  Value kvEnd = keyLength;
  if (kvLen) {
    Value length = tensor::ExtractOp::create(b, loc, kvLen, block.batch);
    kvEnd = ix.min(
        kvEnd, arith::IndexCastOp::create(b, loc, b.getIndexType(), length));
  }
  auto [kBegin, kEnd] = visibleKeyRange(
      ix, mask, block.pBegin, ix.add(block.pBegin, block.rows), kvEnd);

  // The running max and accumulator live in the tiles of lse and out they
  // end up in (destination-passing style), so nothing is copied at the end.
  OpFoldResult rows = block.rows;
  OpFoldResult valueDim = tensor::getMixedSize(b, loc, value, 3);
  SmallVector<OpFoldResult> outOffsets = {block.batch, block.head, block.q0,
                                          origin};
  SmallVector<OpFoldResult> outSizes = {unit, unit, rows, valueDim};
  ArrayRef<OpFoldResult> lseOffsets = ArrayRef(outOffsets).drop_back();
  ArrayRef<OpFoldResult> lseSizes = ArrayRef(outSizes).drop_back();
  auto filled = [&](Value tile, double value) {
    return linalg::FillOp::create(b, loc, constantF32(b, loc, value), tile)
        .getResult(0);
  };
  Value maxTile = returnLse
                      ? extractTile(b, loc, results[1], lseOffsets, lseSizes, 1)
                      : createEmpty(b, loc, rows, f32);
  SmallVector<Value> state = {
      filled(maxTile, -INFINITY), filled(createEmpty(b, loc, rows, f32), 0.0),
      filled(extractTile(b, loc, results[0], outOffsets, outSizes), 0.0)};
  ValueRange folded =
      buildFor(b, loc, kBegin, kEnd, ix.c(kKeyBlock), state,
               [&](OpBuilder &b, Location loc, Value k0, ValueRange state) {
                 return foldKeyBlock(b, loc, block, k0, kEnd, state);
               });
  Value m = folded[0], l = folded[1], acc = folded[2];

  // out = acc / l; a row that saw no key has l = 0 and gets zeros.
  AffineMap rowMap = singleDimMap(2, 0, ctx);
  Value out = buildParallelGeneric(
      b, loc, acc, l, rowMap, [](OpBuilder &b, Location loc, ValueRange args) {
        Value zero = constantF32(b, loc, 0.0);
        Value seen = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                           args[0], zero);
        Value normalized = arith::DivFOp::create(b, loc, args[1], args[0]);
        return arith::SelectOp::create(b, loc, seen, normalized, zero)
            .getResult();
      });
  SmallVector<OpFoldResult> strides(4, unit);
  SmallVector<Value> updated = {tensor::InsertSliceOp::create(
      b, loc, out, results[0], outOffsets, outSizes, strides)};
  if (returnLse) {
    Value lse = buildParallelGeneric(
        b, loc, m, l, b.getMultiDimIdentityMap(1),
        [](OpBuilder &b, Location loc, ValueRange args) {
          return arith::AddFOp::create(b, loc, args[1],
                                       math::LogOp::create(b, loc, args[0]))
              .getResult();
        });
    updated.push_back(
        tensor::InsertSliceOp::create(b, loc, lse, results[1], lseOffsets,
                                      lseSizes, ArrayRef(strides).drop_back()));
  }
  return updated;
}

SmallVector<Value> FlashAttentionBuilder::foldKeyBlock(OpBuilder &b,
                                                       Location loc,
                                                       const QueryBlock &block,
                                                       Value k0, Value kEnd,
                                                       ValueRange state) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  Value m = state[0], l = state[1], acc = state[2];
  Value keyRows = tileSize(b, loc, k0, kEnd, kKeyBlock);
  OpFoldResult unit = b.getIndexAttr(1), origin = b.getIndexAttr(0);
  auto kvTile = [&](Value source) {
    return extractTile(
        b, loc, source, {block.batch, block.kvHead, k0, origin},
        {unit, unit, keyRows, tensor::getMixedSize(b, loc, source, 3)});
  };
  Value keys = kvTile(key), values = kvTile(value);

  // S = Q·Kᵀ, then scale, bias and mask in place.
  Value scores =
      createFilled(b, loc, {block.rows, keyRows}, constantF32(b, loc, 0.0));
  scores = linalg::MatmulTransposeBOp::create(
               b, loc, TypeRange{scores.getType()},
               ValueRange{block.queries, keys}, ValueRange{scores})
               .getResult(0);
  scores = buildScores(b, loc, block, k0, keyRows, scores);

  // The running max m' = max(m, rowmax s), updated in place, and the factor
  // α = e^(m − m') rescaling what was summed under the old max.
  OpFoldResult rows = block.rows;
  Value blockMax = buildReduction(
      b, loc, scores,
      createFilled(b, loc, rows, constantF32(b, loc, -INFINITY)), {1},
      [](OpBuilder &b, Location loc, ValueRange args) {
        return arith::MaximumFOp::create(b, loc, args[0], args[1]).getResult();
      });
  AffineMap identity = b.getMultiDimIdentityMap(1);
  auto update = linalg::GenericOp::create(
      b, loc, TypeRange{m.getType(), m.getType()}, ValueRange{blockMax},
      ValueRange{m, createEmpty(b, loc, rows, f32)},
      SmallVector<AffineMap>(3, identity), {utils::IteratorType::parallel},
      [](OpBuilder &b, Location loc, ValueRange args) {
        Value newMax = arith::MaximumFOp::create(b, loc, args[0], args[1]);
        Value delta =
            arith::SubFOp::create(b, loc, args[1], finiteMax(b, loc, newMax));
        linalg::YieldOp::create(
            b, loc, ValueRange{newMax, math::ExpOp::create(b, loc, delta)});
      });
  Value newMax = update.getResult(0), alpha = update.getResult(1);

  AffineMap rowMap = singleDimMap(2, 0, ctx);
  Value probabilities = buildParallelGeneric(
      b, loc, scores, newMax, rowMap,
      [](OpBuilder &b, Location loc, ValueRange args) {
        Value shifted =
            arith::SubFOp::create(b, loc, args[1], finiteMax(b, loc, args[0]));
        return math::ExpOp::create(b, loc, shifted).getResult();
      });
  auto rescale = [&](Value running, AffineMap alphaMap) {
    return buildParallelGeneric(
        b, loc, running, alpha, alphaMap,
        [](OpBuilder &b, Location loc, ValueRange args) {
          return arith::MulFOp::create(b, loc, args[0], args[1]).getResult();
        });
  };
  // The denominator sums P; only the numerator sees URPE's mult.
  Value newSum = buildReduction(
      b, loc, probabilities, rescale(l, identity), {1},
      [](OpBuilder &b, Location loc, ValueRange args) {
        return arith::AddFOp::create(b, loc, args[0], args[1]).getResult();
      });
  if (mult)
    probabilities = applyMult(b, loc, block, k0, probabilities);
  Value newAcc = linalg::MatmulOp::create(b, loc, TypeRange{acc.getType()},
                                          ValueRange{probabilities, values},
                                          ValueRange{rescale(acc, rowMap)})
                     .getResult(0);
  return {newMax, newSum, newAcc};
}

/// Absolute positions (p, j) of the query and key of the current element of
/// a [rows, keys] tile starting at query position `pBegin` and key `k0`.
static std::pair<Value, Value> elementPositions(OpBuilder &b, Location loc,
                                                Value pBegin, Value k0) {
  IndexMath ix(b, loc);
  return {ix.add(pBegin, linalg::IndexOp::create(b, loc, 0)),
          ix.add(k0, linalg::IndexOp::create(b, loc, 1))};
}

Value FlashAttentionBuilder::buildScores(OpBuilder &b, Location loc,
                                         const QueryBlock &block, Value k0,
                                         Value keyRows, Value scores) {
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  if (posBias == PosBiasKind::explicit_bias) {
    // A bias dim of size 1 broadcasts: its tile is always at index 0.
    auto broadcastIndex = [&](int64_t dim, Value index) -> OpFoldResult {
      auto type = cast<RankedTensorType>(bias.getType());
      if (type.getDimSize(dim) == 1)
        return b.getIndexAttr(0);
      if (!type.isDynamicDim(dim))
        return index;
      Value isUnit =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                dimOf(b, bias, dim), constantIndex(b, loc, 1));
      return arith::SelectOp::create(b, loc, isUnit, constantIndex(b, loc, 0),
                                     index)
          .getResult();
    };
    OpFoldResult unit = b.getIndexAttr(1);
    inputs.push_back(extractTile(b, loc, bias,
                                 {broadcastIndex(0, block.batch),
                                  broadcastIndex(1, block.head), block.q0, k0},
                                 {unit, unit, block.rows, keyRows}));
    maps.push_back(b.getMultiDimIdentityMap(2));
  }
  MaskKind maskKind = mask ? mask.getKind() : MaskKind::none;
  bool needsPositions = maskKind != MaskKind::none ||
                        posBias == PosBiasKind::alibi ||
                        posBias == PosBiasKind::t5;
  return buildParallelGeneric(
      b, loc, scores, inputs, maps,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value s = arith::MulFOp::create(b, loc, args.back(),
                                        constantF32(b, loc, scale));
        if (!needsPositions && inputs.empty())
          return s;
        IndexMath ix(b, loc);
        Value p, j;
        if (needsPositions)
          std::tie(p, j) = elementPositions(b, loc, block.pBegin, k0);
        Value term;
        switch (posBias) {
        case PosBiasKind::none:
          break;
        case PosBiasKind::alibi:
          // −m_h·(p − j)
          term = arith::MulFOp::create(b, loc, block.slope,
                                       ix.toF32(ix.sub(j, p)));
          break;
        case PosBiasKind::t5:
          term = tensor::ExtractOp::create(
              b, loc, bias, ValueRange{t5->emit(ix, ix.sub(j, p)), block.head});
          break;
        case PosBiasKind::explicit_bias:
          term = args[0];
          break;
        }
        if (term)
          s = arith::AddFOp::create(b, loc, s, term);
        if (Value visible = emitVisible(ix, mask, p, j))
          s = arith::SelectOp::create(b, loc, visible, s,
                                      constantF32(b, loc, -INFINITY));
        return s;
      });
}

Value FlashAttentionBuilder::applyMult(OpBuilder &b, Location loc,
                                       const QueryBlock &block, Value k0,
                                       Value probabilities) {
  // URPE: P ⊙ mult[bucket(j − p), h], the Toeplitz factor sharing the T5
  // buckets.
  return buildParallelGeneric(
      b, loc, probabilities, {}, {},
      [&](OpBuilder &b, Location loc, ValueRange args) {
        IndexMath ix(b, loc);
        auto [p, j] = elementPositions(b, loc, block.pBegin, k0);
        Value factor = tensor::ExtractOp::create(
            b, loc, mult, ValueRange{t5->emit(ix, ix.sub(j, p)), block.head});
        return arith::MulFOp::create(b, loc, args[0], factor).getResult();
      });
}

namespace {
struct AttentionToLinalg : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireF32(op, rewriter)))
      return failure();
    rewriter.replaceOp(op, FlashAttentionBuilder(op, adaptor).build(rewriter));
    return success();
  }
};
} // namespace

void tfm::populateAttentionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionToLinalg>(patterns.getContext());
}
