//===- AttentionToLinalg.cpp - tfm.attention to a vectorized flash loop ---===//
//
// tfm.attention becomes the flash-attention algorithm in register-tiled
// vector code. Kᵀ is first packed, once per KV head, into panels of kPanel
// keys, zero-padded to whole key blocks. Then an scf.forall runs over every
// (batch b, query head h, block of query rows [q0, q0 + qs)); for that
// block:
//
//   Q' = scale·Q[q0 : q0+qs], zero-padded to Bq rows       [Bq, d]
//   m = -inf, l = 0, acc = 0                      [Bq], [Bq], [Bq, dv]
//   for k0 over the key blocks the rows can see, step Bk:
//     S = Q'·K[k0 : k0+Bk]ᵀ (+ T5 bias)                    [Bq, Bk]
//     per row, on vector<Bk>: s += bias; s = -inf outside the row's keys;
//       m' = max(m, max s); P = e^(s − m')
//     for all rows at once: α = e^(m − m'); l = α·l + ΣP
//     acc = α ⊙ acc + (P ⊙ mult)·V[k0 : k0+Bk]
//   out = acc / l (0 for rows that saw no key);  lse = m + log l
//
// Both products run as kTileRows × kPanel register tiles (1 × kPanel on a
// block's last rows): the accumulators stay in vector registers over the
// depth loop while each step loads one panel row and broadcasts one element
// per tile row (fused multiply-adds). With fewer query rows than a tile
// (decoding), K is not packed and each score is a vector dot product with a
// K row instead.
// No Lq x Lk buffer exists at any stage. Every mask is an interval of keys
// per query row, so the key loop covers only the blocks that some row of the
// block sees and each row masks its scores with two lane compares. Ragged
// and dynamic lengths: padded tiles, and per-row loops to the real size.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>
#include <numeric>
#include <optional>

using namespace mlir;
using namespace mlir::tfm;

namespace {
/// Rows of a query block and of a key/value block: one row of scores is a
/// vector<kKeyBlock>.
constexpr int64_t kQueryBlock = 64;
constexpr int64_t kKeyBlock = 64;
/// A register tile is kTileRows rows by one panel of kPanel floats: with
/// AVX-512, 16 accumulators, two panel vectors and a broadcast.
constexpr int64_t kTileRows = 8;
constexpr int64_t kPanel = 32;

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
  /// Quotient and remainder of non-negative indices.
  Value div(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
  Value rem(Value x, Value y) { return arith::RemUIOp::create(b, loc, x, y); }
  Value ceilDiv(Value x, Value y) {
    return arith::CeilDivUIOp::create(b, loc, x, y);
  }
  Value cmp(arith::CmpIPredicate predicate, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, predicate, x, y);
  }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value select(Value condition, Value x, Value y) {
    return arith::SelectOp::create(b, loc, condition, x, y);
  }
  /// A signed index as i32 (key offsets, lengths).
  Value toI32(Value x) {
    return arith::IndexCastOp::create(b, loc, b.getI32Type(), x);
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

} // namespace


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

/// ⌈size / divisor⌉ · multiple, folded to a constant for a static size.
static OpFoldResult ceilDivTimes(OpBuilder &b, Location loc, OpFoldResult size,
                                 int64_t divisor, int64_t multiple) {
  AffineExpr s0 = b.getAffineSymbolExpr(0);
  return affine::makeComposedFoldedAffineApply(
      b, loc, s0.ceilDiv(divisor) * multiple, {size});
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

/// An f32 constant of `type` (f32 or a vector of f32).
static Value constantOf(OpBuilder &b, Location loc, Type type, float value) {
  if (auto vectorType = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::get(vectorType, value));
  return constantF32(b, loc, value);
}

/// m, or 0 where m is −inf (a row with no visible key yet), so that
/// e^(s − m) is 0 rather than NaN for its masked scores. Scalar or vector.
static Value finiteMax(OpBuilder &b, Location loc, Value m) {
  Type type = m.getType();
  Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m,
                                      constantOf(b, loc, type, -INFINITY));
  return arith::SelectOp::create(b, loc, empty, constantOf(b, loc, type, 0.0),
                                 m);
}

/// vector<size x f32>.
static VectorType f32Vector(OpBuilder &b, int64_t size) {
  return VectorType::get({size}, b.getF32Type());
}

/// `value` in every lane of a vector<size>.
static Value splat(OpBuilder &b, Location loc, Value value, int64_t size) {
  return vector::BroadcastOp::create(
      b, loc, VectorType::get({size}, value.getType()), value);
}

/// Reads `type` along the last dim of `source` at `indices`; lanes past the
/// end read 0 unless `inBounds`.
static Value readVector(OpBuilder &b, Location loc, VectorType type,
                        Value source, ValueRange indices, bool inBounds) {
  return vector::TransferReadOp::create(b, loc, type, source, indices,
                                        constantF32(b, loc, 0.0),
                                        ArrayRef<bool>{inBounds});
}

/// Writes `vector` along the last dim of `dest` at `indices`; lanes past the
/// end are dropped unless `inBounds`.
static Value writeVector(OpBuilder &b, Location loc, Value vector, Value dest,
                         ValueRange indices, bool inBounds) {
  return vector::TransferWriteOp::create(b, loc, vector, dest, indices,
                                         ArrayRef<bool>{inBounds})
      .getResult();
}

/// The constant vector<size x i32> [0, 1, ..., size − 1].
static Value laneIndices(OpBuilder &b, Location loc, int64_t size) {
  SmallVector<int32_t> lanes(size);
  std::iota(lanes.begin(), lanes.end(), 0);
  auto type = VectorType::get({size}, b.getI32Type());
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef(lanes)));
}

/// Packs `key` [B, Hk, Lk, d] into Kᵀ panels [B, Hk, panels, d, kPanel]:
/// element (b, h, p, x, lane) is key[b, h, p·kPanel + lane, x], 0 past Lk.
/// The score tiles then read kPanel keys of one depth per step, contiguous
/// and in bounds. Each panel row is one vector gather; the panels are
/// packed in parallel.
static Value packKeys(OpBuilder &b, Location loc, Value key,
                      OpFoldResult panels) {
  IndexMath ix(b, loc);
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, key);
  sizes[2] = panels;
  sizes.push_back(b.getIndexAttr(kPanel));
  Value init = createEmpty(b, loc, sizes, b.getF32Type());
  Value heads = tensor::DimOp::create(b, loc, key, 1);
  Value keys = tensor::DimOp::create(b, loc, key, 2);
  Value depth = tensor::DimOp::create(b, loc, key, 3);
  Value panelCount = getValueOrCreateConstantIndexOp(b, loc, panels);
  Value count =
      ix.mul(ix.mul(tensor::DimOp::create(b, loc, key, 0), heads), panelCount);
  auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{count},
                                      init, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  Value iv = forall.getInductionVar(0);
  Value headIndex = ix.div(iv, panelCount);
  Value batch = ix.div(headIndex, heads), head = ix.rem(headIndex, heads);
  Value panel = ix.rem(iv, panelCount);
  OpFoldResult origin = b.getIndexAttr(0), unit = b.getIndexAttr(1);
  SmallVector<OpFoldResult> offsets = {batch, head, panel, origin, origin};
  SmallVector<OpFoldResult> tileSizes = {unit, unit, unit, depth,
                                         b.getIndexAttr(kPanel)};
  Value tile =
      extractTile(b, loc, forall.getRegionIterArgs()[0], offsets, tileSizes);

  // Lane j reads key p·kPanel + j, a stride of d floats from the panel's
  // first key (clamped into the keys: a padding panel reads no lane).
  Value first = ix.mul(panel, ix.c(kPanel));
  Value base = ix.min(first, ix.sub(keys, ix.c(1)));
  Value lanes = laneIndices(b, loc, kPanel);
  Value inside = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::slt, lanes,
      splat(b, loc, ix.toI32(ix.sub(keys, first)), kPanel));
  Value strides = arith::MulIOp::create(
      b, loc,
      arith::AddIOp::create(
          b, loc, lanes, splat(b, loc, ix.toI32(ix.sub(first, base)), kPanel)),
      splat(b, loc, ix.toI32(depth), kPanel));
  VectorType rowType = f32Vector(b, kPanel);
  Value zeros = constantOf(b, loc, rowType, 0.0);
  tile = buildFor(b, loc, ix.c(0), depth, ix.c(1), tile,
                  [&](OpBuilder &b, Location loc, Value x, ValueRange rows) {
                    Value zero = constantIndex(b, loc, 0);
                    Value row = vector::GatherOp::create(
                        b, loc, rowType, key, ValueRange{batch, head, base, x},
                        strides, inside, zeros);
                    return SmallVector<Value>{writeVector(
                        b, loc, row, rows[0], {x, zero}, /*inBounds=*/true)};
                  })[0];

  b.setInsertionPointToStart(forall.getTerminator().getBody());
  SmallVector<OpFoldResult> unitStrides(offsets.size(), unit);
  tensor::ParallelInsertSliceOp::create(b, loc, tile,
                                        forall.getRegionIterArgs()[0], offsets,
                                        tileSizes, unitStrides);
  return forall.getResult(0);
}

namespace {
/// Reads row `k` of panel `panel` (columns [panel·kPanel, +kPanel)) of the
/// right-hand side of a tile product as vector<kPanel>.
using PanelRowReader =
    function_ref<Value(OpBuilder &, Location, Value panel, Value k)>;
} // namespace

/// Rows [rowBegin, rowEnd) of the tile product below, in register tiles of
/// `height` rows (dividing the range) × kPanel columns. Each tile stays in
/// registers over the depth loop: per step one panel row and a broadcast per
/// tile row.
static Value emitTileRows(OpBuilder &b, Location loc, Value lhs, Value depth,
                          Value rowBegin, Value rowEnd, int64_t height,
                          Value panels, PanelRowReader readPanelRow, Value out,
                          Value rowScale) {
  VectorType panelType = f32Vector(b, kPanel);
  auto rowLoop = [&](OpBuilder &b, Location loc, Value row, ValueRange outIn) {
    IndexMath ix(b, loc);
    SmallVector<Value> tileRows;
    for (int64_t r = 0; r < height; ++r)
      tileRows.push_back(ix.add(row, ix.c(r)));
    auto panelLoop = [&](OpBuilder &b, Location loc, Value panel,
                         ValueRange tileIn) {
      IndexMath ix(b, loc);
      Value column = ix.mul(panel, ix.c(kPanel));
      Value tile = tileIn[0];
      SmallVector<Value> sums;
      for (Value tileRow : tileRows) {
        if (!rowScale) {
          sums.push_back(constantOf(b, loc, panelType, 0.0));
          continue;
        }
        Value old = readVector(b, loc, panelType, tile, {tileRow, column},
                               /*inBounds=*/true);
        Value factor = tensor::ExtractOp::create(b, loc, rowScale, tileRow);
        sums.push_back(
            arith::MulFOp::create(b, loc, old, splat(b, loc, factor, kPanel)));
      }
      ValueRange product = buildFor(
          b, loc, ix.c(0), depth, ix.c(1), sums,
          [&](OpBuilder &b, Location loc, Value k, ValueRange partial) {
            Value panelRow = readPanelRow(b, loc, panel, k);
            SmallVector<Value> next;
            for (auto [tileRow, sum] : llvm::zip(tileRows, partial)) {
              Value element = tensor::ExtractOp::create(b, loc, lhs,
                                                        ValueRange{tileRow, k});
              next.push_back(vector::FMAOp::create(
                  b, loc, splat(b, loc, element, kPanel), panelRow, sum));
            }
            return next;
          });
      for (auto [tileRow, sum] : llvm::zip(tileRows, product))
        tile = writeVector(b, loc, sum, tile, {tileRow, column},
                           /*inBounds=*/true);
      return SmallVector<Value>{tile};
    };
    return llvm::to_vector(
        buildFor(b, loc, ix.c(0), panels, ix.c(1), outIn, panelLoop));
  };
  return buildFor(b, loc, rowBegin, rowEnd, constantIndex(b, loc, height), out,
                  rowLoop)[0];
}

/// The product of `lhs` [Bq, depth] and a B of `panels` panels on rows
/// [0, rows) of `out` [Bq, panels·kPanel]: out = lhs·B, or with `rowScale`
/// [Bq], out = rowScale ⊙ out + lhs·B. Whole kTileRows-row tiles first, then
/// the remaining rows one at a time, so that a short block (decoding) does
/// no work for rows it does not have.
static Value emitTileProduct(OpBuilder &b, Location loc, Value lhs, Value depth,
                             Value rows, Value panels,
                             PanelRowReader readPanelRow, Value out,
                             Value rowScale) {
  IndexMath ix(b, loc);
  Value wholeTiles = ix.sub(rows, ix.rem(rows, ix.c(kTileRows)));
  out = emitTileRows(b, loc, lhs, depth, ix.c(0), wholeTiles, kTileRows, panels,
                     readPanelRow, out, rowScale);
  return emitTileRows(b, loc, lhs, depth, wholeTiles, rows, 1, panels,
                      readPanelRow, out, rowScale);
}

namespace {
/// The query rows [q0, q0 + rows) of one batch and head, and what their key
/// blocks share.
struct QueryBlock {
  Value batch, head, kvHead;
  Value q0, rows;
  /// Position of the first row: q_offset + q0.
  Value pBegin;
  /// Keys past this one are padding: min(Lk, kv_len[b]).
  Value kvEnd;
  /// Q' [Bq, d]: the scaled queries, zero-padded.
  Value queries;
  /// The head's packed Kᵀ [key panels, d, kPanel].
  Value keys;
  /// ALiBi slope of the head (null without ALiBi).
  Value slope;
};

/// What the key loop carries for a query block. Per row of the block: the
/// running max m [Bq] and sum l (vector<Bq>), the accumulator [Bq, dv
/// padded to whole panels]. Scratch each key block overwrites: the scores
/// (then P) [Bq, Bk], the rows' sums of P [Bq] and α [Bq].
struct KeyLoopState {
  Value max, sum, acc, scores, blockSum, alpha;

  KeyLoopState() = default;
  explicit KeyLoopState(ValueRange values)
      : max(values[0]), sum(values[1]), acc(values[2]), scores(values[3]),
        blockSum(values[4]), alpha(values[5]) {}
  SmallVector<Value> values() const {
    return {max, sum, acc, scores, blockSum, alpha};
  }
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
                                     QueryBlock &block, ValueRange outputs);
  Value loadQueries(OpBuilder &b, Location loc, const QueryBlock &block);
  KeyLoopState foldKeyBlock(OpBuilder &b, Location loc, const QueryBlock &block,
                            Value k0, Value kEnd, KeyLoopState state);
  /// S[i, j] = Q'[i]·K[k0 + j] for the block's rows and `keyRows` keys, as
  /// vector dot products with the K rows in place.
  Value emitRowDots(OpBuilder &b, Location loc, const QueryBlock &block,
                    Value k0, Value keyRows, Value scores);
  void emitSoftmaxRows(OpBuilder &b, Location loc, const QueryBlock &block,
                       Value k0, KeyLoopState &state);
  Value applyT5Table(OpBuilder &b, Location loc, const QueryBlock &block,
                     Value k0, Value tile, Value table, bool multiply);
  SmallVector<Value> writeOutputs(OpBuilder &b, Location loc,
                                  const QueryBlock &block,
                                  const KeyLoopState &state,
                                  ValueRange outputs);
  /// Offsets and sizes of the block's tile of the output.
  std::pair<SmallVector<OpFoldResult>, SmallVector<OpFoldResult>>
  outputTile(OpBuilder &b, const QueryBlock &block);
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
  /// Runtime sizes: query heads, query length, key length, panels of dv.
  Value heads, queryLength, keyLength, valuePanels;
  /// Whether scores come from register tiles on packed Kᵀ (else from dot
  /// products with the K rows).
  Value tiledScores;
};
} // namespace

SmallVector<Value> FlashAttentionBuilder::build(OpBuilder &b) {
  IndexMath ix(b, loc);
  Type f32 = b.getF32Type();
  Value batches = dimOf(b, query, 0);
  heads = dimOf(b, query, 1);
  queryLength = dimOf(b, query, 2);
  keyLength = dimOf(b, key, 2);
  // Query head h reads KV head h / (H / Hk) in place (GQA, MQA).
  Value groupSize = ix.div(heads, dimOf(b, key, 1));
  if (!qOffset)
    qOffset = ix.c(0);

  // Kᵀ in panels, once per KV head rather than once per query block, and
  // zero-padded to whole key blocks. Fewer query rows than a register tile
  // (decoding) take dot products with the K rows instead, which costs less
  // than packing: then no panel is packed. V rows are read in place.
  tiledScores = ix.cmp(arith::CmpIPredicate::sge, queryLength, ix.c(kTileRows));
  Value keyPanels = getValueOrCreateConstantIndexOp(
      b, loc,
      ceilDivTimes(b, loc, tensor::getMixedSize(b, loc, key, 2), kKeyBlock,
                   kKeyBlock / kPanel));
  Value packedKeys =
      packKeys(b, loc, key, ix.select(tiledScores, keyPanels, ix.c(0)));
  OpFoldResult valueDim = tensor::getMixedSize(b, loc, value, 3);
  valuePanels = ix.ceilDiv(dimOf(b, value, 3), ix.c(kPanel));

  SmallVector<OpFoldResult> outSizes = tensor::getMixedSizes(b, loc, query);
  outSizes.back() = valueDim;
  SmallVector<Value> results = {createEmpty(b, loc, outSizes, f32)};
  if (returnLse)
    results.push_back(createEmpty(b, loc, ArrayRef(outSizes).drop_back(), f32));

  // One parallel iteration per (batch, head, query block), each writing its
  // own rows of the results. Blocks of a head are consecutive, so a thread's
  // share of iterations reuses the head's packed keys and values in cache.
  Value queryBlocks = ix.ceilDiv(queryLength, ix.c(kQueryBlock));
  Value count = ix.mul(ix.mul(batches, heads), queryBlocks);
  auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{count},
                                      results, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  Value iv = forall.getInductionVar(0);
  Value headIndex = ix.div(iv, queryBlocks);
  QueryBlock block;
  block.batch = ix.div(headIndex, heads);
  block.head = ix.rem(headIndex, heads);
  block.kvHead = ix.div(block.head, groupSize);
  block.q0 = ix.mul(ix.rem(iv, queryBlocks), ix.c(kQueryBlock));
  if (posBias == PosBiasKind::alibi)
    block.slope = emitAlibiSlope(b, loc, block.head, heads);
  SmallVector<OpFoldResult> panelSizes =
      tensor::getMixedSizes(b, loc, packedKeys);
  panelSizes[0] = panelSizes[1] = b.getIndexAttr(1);
  OpFoldResult origin = b.getIndexAttr(0);
  block.keys = extractTile(b, loc, packedKeys,
                           {block.batch, block.kvHead, origin, origin, origin},
                           panelSizes, 3);
  SmallVector<Value> tiles =
      buildQueryBlock(b, loc, block, forall.getRegionIterArgs());

  // The terminator holds nothing but the inserts.
  auto [offsets, sizes] = outputTile(b, block);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  for (auto [index, tile] : llvm::enumerate(tiles)) {
    // The lse tile drops the value dim.
    size_t rank = offsets.size() - index;
    tensor::ParallelInsertSliceOp::create(
        b, loc, tile, forall.getRegionIterArgs()[index],
        ArrayRef(offsets).take_front(rank), ArrayRef(sizes).take_front(rank),
        ArrayRef(strides).take_front(rank));
  }
  return SmallVector<Value>(forall.getResults());
}

std::pair<SmallVector<OpFoldResult>, SmallVector<OpFoldResult>>
FlashAttentionBuilder::outputTile(OpBuilder &b, const QueryBlock &block) {
  OpFoldResult unit = b.getIndexAttr(1);
  return {{block.batch, block.head, block.q0, b.getIndexAttr(0)},
          {unit, unit, block.rows, tensor::getMixedSize(b, loc, value, 3)}};
}

Value FlashAttentionBuilder::loadQueries(OpBuilder &b, Location loc,
                                         const QueryBlock &block) {
  // Padding rows are zeros, so their scores are finite and never read.
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(kQueryBlock),
                                     tensor::getMixedSize(b, loc, query, 3)};
  Value init = createEmpty(b, loc, sizes, b.getF32Type());
  return buildParallelGeneric(
      b, loc, init, {}, {}, [&](OpBuilder &b, Location loc, ValueRange) {
        IndexMath ix(b, loc);
        Value i = linalg::IndexOp::create(b, loc, 0);
        Value inside = ix.cmp(arith::CmpIPredicate::ult, i, block.rows);
        // Clamped so the read stays in bounds; the select drops its value.
        Value row = ix.add(block.q0, ix.min(i, ix.sub(block.rows, ix.c(1))));
        Value element = tensor::ExtractOp::create(
            b, loc, query,
            ValueRange{block.batch, block.head, row,
                       linalg::IndexOp::create(b, loc, 1)});
        Value scaled =
            arith::MulFOp::create(b, loc, element, constantF32(b, loc, scale));
        return ix.select(inside, scaled, constantF32(b, loc, 0.0));
      });
}

SmallVector<Value> FlashAttentionBuilder::buildQueryBlock(OpBuilder &b,
                                                          Location loc,
                                                          QueryBlock &block,
                                                          ValueRange outputs) {
  IndexMath ix(b, loc);
  block.rows = tileSize(b, loc, block.q0, queryLength, kQueryBlock);
  block.pBegin = ix.add(qOffset, block.q0);
  block.queries = loadQueries(b, loc, block);

  // Keys past kv_len[b] are padding: the key loop stops before them.
  block.kvEnd = keyLength;
  if (kvLen) {
    Value length = tensor::ExtractOp::create(b, loc, kvLen, block.batch);
    block.kvEnd =
        ix.min(keyLength,
               arith::IndexCastOp::create(b, loc, b.getIndexType(), length));
  }
  auto [kBegin, kEnd] =
      visibleKeyInterval(b, loc, mask, block.pBegin,
                         ix.add(block.pBegin, block.rows), block.kvEnd);
  // Key blocks start at multiples of Bk, where the packed panels do.
  Value blockStep = ix.c(kKeyBlock);
  Value firstKey = ix.mul(ix.div(kBegin, blockStep), blockStep);

  // Rows past the block's stay at m = −inf, l = 0 and acc = 0.
  OpFoldResult blockRows = b.getIndexAttr(kQueryBlock);
  OpFoldResult accWidth = ceilDivTimes(
      b, loc, tensor::getMixedSize(b, loc, value, 3), kPanel, kPanel);
  auto filled = [&](ArrayRef<OpFoldResult> sizes, double value) {
    return createFilled(b, loc, sizes, constantF32(b, loc, value));
  };
  KeyLoopState state;
  state.max = filled(blockRows, -INFINITY);
  state.sum = constantOf(b, loc, f32Vector(b, kQueryBlock), 0.0);
  state.acc = filled({blockRows, accWidth}, 0.0);
  state.scores = createEmpty(b, loc, {blockRows, b.getIndexAttr(kKeyBlock)},
                             b.getF32Type());
  state.blockSum = filled(blockRows, 0.0);
  state.alpha = createEmpty(b, loc, blockRows, b.getF32Type());
  ValueRange folded = buildFor(
      b, loc, firstKey, kEnd, blockStep, state.values(),
      [&](OpBuilder &b, Location loc, Value k0, ValueRange values) {
        return foldKeyBlock(b, loc, block, k0, kEnd, KeyLoopState(values))
            .values();
      });
  return writeOutputs(b, loc, block, KeyLoopState(folded), outputs);
}

KeyLoopState FlashAttentionBuilder::foldKeyBlock(OpBuilder &b, Location loc,
                                                 const QueryBlock &block,
                                                 Value k0, Value kEnd,
                                                 KeyLoopState state) {
  IndexMath ix(b, loc);
  Value keyRows = tileSize(b, loc, k0, kEnd, kKeyBlock);
  Value panelSize = ix.c(kPanel);

  // S = Q'·Kᵀ over the keys of the block; columns past them keep stale
  // scores, which the row mask hides.
  auto scoresIf =
      scf::IfOp::create(b, loc, TypeRange{state.scores.getType()}, tiledScores,
                        /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(scoresIf.thenBlock());
    Value firstPanel = ix.div(k0, panelSize);
    Value tiled = emitTileProduct(
        b, loc, block.queries, dimOf(b, query, 3), block.rows,
        ix.ceilDiv(keyRows, panelSize),
        [&](OpBuilder &b, Location loc, Value panel, Value k) {
          Value index = arith::AddIOp::create(b, loc, firstPanel, panel);
          return readVector(b, loc, f32Vector(b, kPanel), block.keys,
                            {index, k, constantIndex(b, loc, 0)},
                            /*inBounds=*/true);
        },
        state.scores, /*rowScale=*/nullptr);
    scf::YieldOp::create(b, loc, tiled);
    b.setInsertionPointToStart(scoresIf.elseBlock());
    scf::YieldOp::create(b, loc,
                         emitRowDots(b, loc, block, k0, keyRows, state.scores));
  }
  state.scores = scoresIf.getResult(0);
  if (posBias == PosBiasKind::t5)
    state.scores = applyT5Table(b, loc, block, k0, state.scores, bias,
                                /*multiply=*/false);

  // The online-softmax step: P and the new max per row, then for all rows
  // at once α = e^(m − m') and l = α·l + ΣP.
  VectorType rowsType = f32Vector(b, kQueryBlock);
  Value zero = ix.c(0);
  Value oldMax = readVector(b, loc, rowsType, state.max, zero, true);
  emitSoftmaxRows(b, loc, block, k0, state);
  Value newMax = readVector(b, loc, rowsType, state.max, zero, true);
  Value alpha = math::ExpOp::create(
      b, loc, arith::SubFOp::create(b, loc, oldMax, finiteMax(b, loc, newMax)));
  state.alpha = writeVector(b, loc, alpha, state.alpha, zero, true);
  Value blockSum = readVector(b, loc, rowsType, state.blockSum, zero, true);
  state.sum = arith::AddFOp::create(
      b, loc, arith::MulFOp::create(b, loc, alpha, state.sum), blockSum);

  // The denominator sums P; only the numerator sees URPE's mult.
  if (mult)
    state.scores = applyT5Table(b, loc, block, k0, state.scores, mult,
                                /*multiply=*/true);

  // acc = α ⊙ acc + P·V over the block's keys. The last panel may run past
  // dv (its lanes there read 0) unless dv is a known multiple of kPanel.
  int64_t valueDim = cast<RankedTensorType>(value.getType()).getDimSize(3);
  bool wholePanels = !ShapedType::isDynamic(valueDim) && valueDim % kPanel == 0;
  state.acc = emitTileProduct(
      b, loc, state.scores, keyRows, block.rows, valuePanels,
      [&](OpBuilder &b, Location loc, Value panel, Value k) {
        IndexMath ix(b, loc);
        return readVector(b, loc, f32Vector(b, kPanel), value,
                          {block.batch, block.kvHead, ix.add(k0, k),
                           ix.mul(panel, ix.c(kPanel))},
                          wholePanels);
      },
      state.acc, state.alpha);
  return state;
}

Value FlashAttentionBuilder::emitRowDots(OpBuilder &b, Location loc,
                                         const QueryBlock &block, Value k0,
                                         Value keyRows, Value scores) {
  // Chunks of kKeyBlock floats of d: independent lanes, and a short chain of
  // fused multiply-adds per key.
  VectorType chunkType = f32Vector(b, kKeyBlock);
  Value depth = dimOf(b, query, 3);
  auto rowStep = [&](OpBuilder &b, Location loc, Value i, ValueRange row) {
    auto keyStep = [&](OpBuilder &b, Location loc, Value j, ValueRange tile) {
      IndexMath ix(b, loc);
      Value keyIndex = ix.add(k0, j);
      Value dot = buildFor(
          b, loc, ix.c(0), depth, ix.c(kKeyBlock),
          constantOf(b, loc, chunkType, 0.0),
          [&](OpBuilder &b, Location loc, Value x, ValueRange sum) {
            Value q = readVector(b, loc, chunkType, block.queries, {i, x},
                                 /*inBounds=*/false);
            Value k = readVector(b, loc, chunkType, key,
                                 {block.batch, block.kvHead, keyIndex, x},
                                 /*inBounds=*/false);
            return SmallVector<Value>{
                vector::FMAOp::create(b, loc, q, k, sum[0])};
          })[0];
      Value score =
          vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, dot,
                                      arith::FastMathFlags::reassoc);
      return SmallVector<Value>{
          tensor::InsertOp::create(b, loc, score, tile[0], ValueRange{i, j})};
    };
    return llvm::to_vector(buildFor(b, loc, constantIndex(b, loc, 0), keyRows,
                                    constantIndex(b, loc, 1), row, keyStep));
  };
  return buildFor(b, loc, constantIndex(b, loc, 0), block.rows,
                  constantIndex(b, loc, 1), scores, rowStep)[0];
}

void FlashAttentionBuilder::emitSoftmaxRows(OpBuilder &b, Location loc,
                                            const QueryBlock &block, Value k0,
                                            KeyLoopState &state) {
  VectorType rowType = f32Vector(b, kKeyBlock);
  // Lane j of a row holds the score of key k0 + j.
  Value lanes = laneIndices(b, loc, kKeyBlock);
  Value zero = constantIndex(b, loc, 0);

  auto rowStep = [&](OpBuilder &b, Location loc, Value i, ValueRange row) {
    IndexMath ix(b, loc);
    Value scores = row[0], max = row[1], blockSum = row[2];
    Value p = ix.add(block.pBegin, i);
    // Key `key` as a lane index, splat for comparisons with `lanes`.
    auto lane = [&](Value key) {
      return splat(b, loc, ix.toI32(ix.sub(key, k0)), kKeyBlock);
    };
    auto addf = [&](Value x, Value y) {
      return arith::AddFOp::create(b, loc, x, y).getResult();
    };
    Value s = readVector(b, loc, rowType, scores, {i, zero}, /*inBounds=*/true);
    switch (posBias) {
    case PosBiasKind::none:
    case PosBiasKind::t5:
      break;
    case PosBiasKind::alibi: {
      // −m_h·(p − j)
      Value relative = arith::SubIOp::create(b, loc, lanes, lane(p));
      Value distance = arith::SIToFPOp::create(b, loc, rowType, relative);
      s = addf(s, arith::MulFOp::create(
                      b, loc, splat(b, loc, block.slope, kKeyBlock), distance));
      break;
    }
    case PosBiasKind::explicit_bias: {
      // A bias dim of size 1 broadcasts: its row is always at index 0.
      auto broadcastIndex = [&](int64_t dim, Value index) {
        auto type = cast<RankedTensorType>(bias.getType());
        if (type.getDimSize(dim) == 1)
          return ix.c(0);
        if (!type.isDynamicDim(dim))
          return index;
        Value isUnit =
            ix.cmp(arith::CmpIPredicate::eq, dimOf(b, bias, dim), ix.c(1));
        return ix.select(isUnit, ix.c(0), index);
      };
      s = addf(s, readVector(b, loc, rowType, bias,
                             {broadcastIndex(0, block.batch),
                              broadcastIndex(1, block.head),
                              ix.add(block.q0, i), k0},
                             /*inBounds=*/false));
      break;
    }
    }
    // Keys outside the row's interval, padding included, score −inf.
    auto [first, end] =
        visibleKeyInterval(b, loc, mask, p, ix.add(p, ix.c(1)), block.kvEnd);
    Value visible = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                          lanes, lane(end));
    if (!isConstantIntValue(first, 0))
      visible = ix.both(visible,
                        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                              lanes, lane(first)));
    s = arith::SelectOp::create(b, loc, visible, s,
                                constantOf(b, loc, rowType, -INFINITY));

    // m' = max(m, max s); P = e^(s − m'). Scores are never NaN, which lets
    // both reductions run as trees of vector ops.
    Value newMax = arith::MaxNumFOp::create(
        b, loc, tensor::ExtractOp::create(b, loc, max, i),
        vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXNUMF, s,
                                    arith::FastMathFlags::nnan));
    Value shift = splat(b, loc, finiteMax(b, loc, newMax), kKeyBlock);
    Value probabilities =
        math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, s, shift));
    Value rowSum = vector::ReductionOp::create(
        b, loc, vector::CombiningKind::ADD, probabilities,
        arith::FastMathFlags::reassoc);
    return SmallVector<Value>{
        writeVector(b, loc, probabilities, scores, {i, zero},
                    /*inBounds=*/true),
        tensor::InsertOp::create(b, loc, newMax, max, i),
        tensor::InsertOp::create(b, loc, rowSum, blockSum, i)};
  };
  ValueRange rows =
      buildFor(b, loc, zero, block.rows, constantIndex(b, loc, 1),
               {state.scores, state.max, state.blockSum}, rowStep);
  state.scores = rows[0];
  state.max = rows[1];
  state.blockSum = rows[2];
}

Value FlashAttentionBuilder::applyT5Table(OpBuilder &b, Location loc,
                                          const QueryBlock &block, Value k0,
                                          Value tile, Value table,
                                          bool multiply) {
  // Element (i, j) of the tile is query p = pBegin + i and key k0 + j; it
  // combines with table[bucket(j − p), h], the T5 bias or URPE's Toeplitz
  // factor.
  return buildParallelGeneric(
      b, loc, tile, {}, {}, [&](OpBuilder &b, Location loc, ValueRange args) {
        IndexMath ix(b, loc);
        Value p = ix.add(block.pBegin, linalg::IndexOp::create(b, loc, 0));
        Value j = ix.add(k0, linalg::IndexOp::create(b, loc, 1));
        Value entry = tensor::ExtractOp::create(
            b, loc, table, ValueRange{t5->emit(b, loc, ix.sub(j, p)), block.head});
        if (multiply)
          return arith::MulFOp::create(b, loc, args[0], entry).getResult();
        return arith::AddFOp::create(b, loc, args[0], entry).getResult();
      });
}

SmallVector<Value> FlashAttentionBuilder::writeOutputs(
    OpBuilder &b, Location loc, const QueryBlock &block,
    const KeyLoopState &state, ValueRange outputs) {
  // Written into the block's tiles of the results (destination-passing), so
  // the parallel insert copies nothing.
  auto [offsets, sizes] = outputTile(b, block);
  Value zero = constantIndex(b, loc, 0);
  VectorType rowsType = f32Vector(b, kQueryBlock);
  SmallVector<Value> tiles = {extractTile(b, loc, outputs[0], offsets, sizes)};
  if (returnLse) {
    // lse = m + log l; the tile holds the block's rows only.
    Value max = readVector(b, loc, rowsType, state.max, zero, true);
    Value lse = arith::AddFOp::create(b, loc, max,
                                      math::LogOp::create(b, loc, state.sum));
    Value lseTile =
        extractTile(b, loc, outputs[1], ArrayRef(offsets).drop_back(),
                    ArrayRef(sizes).drop_back(), 1);
    tiles.push_back(writeVector(b, loc, lse, lseTile, zero, false));
  }

  // out = acc / l; a row that saw no key has l = 0 and gets zeros.
  Value noKey = constantOf(b, loc, rowsType, 0.0);
  Value seen = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                     state.sum, noKey);
  Value inverse = arith::SelectOp::create(
      b, loc, seen,
      arith::DivFOp::create(b, loc, constantOf(b, loc, rowsType, 1.0),
                            state.sum),
      noKey);
  Value inverses = writeVector(b, loc, inverse, state.alpha, zero, true);
  VectorType panelType = f32Vector(b, kPanel);
  auto rowStep = [&](OpBuilder &b, Location loc, Value i, ValueRange out) {
    Value scale =
        splat(b, loc, tensor::ExtractOp::create(b, loc, inverses, i), kPanel);
    return llvm::to_vector(buildFor(
        b, loc, constantIndex(b, loc, 0), valuePanels, constantIndex(b, loc, 1),
        out, [&](OpBuilder &b, Location loc, Value panel, ValueRange out) {
          Value column = arith::MulIOp::create(b, loc, panel,
                                               constantIndex(b, loc, kPanel));
          Value row = readVector(b, loc, panelType, state.acc, {i, column},
                                 /*inBounds=*/true);
          Value normalized = arith::MulFOp::create(b, loc, row, scale);
          // The last panel may run past dv.
          return SmallVector<Value>{writeVector(b, loc, normalized, out[0],
                                                {i, column},
                                                /*inBounds=*/false)};
        }));
  };
  tiles[0] = buildFor(b, loc, zero, block.rows, constantIndex(b, loc, 1),
                      tiles[0], rowStep)[0];
  return tiles;
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
