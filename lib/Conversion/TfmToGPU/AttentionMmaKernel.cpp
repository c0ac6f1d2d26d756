//===- AttentionMmaKernel.cpp - bf16/f16 flash attention on tensor cores --===//
//
// One block of 4 warps per (tile of 64 query rows, query head, batch); each
// warp owns 16 rows, the m dimension of its mma.sync m16n8k16 tiles.
//
//   Q tile  --cp.async-->  shared  --ldmatrix-->  A fragments (registers)
//   for each tile of Bk keys the rows see (causal/window: only those):
//     K, V tiles --cp.async--> shared, two stages: tile t+1 is in flight
//                                  while tile t is computed
//     S = Q·Kᵀ          mma.sync, B fragments by ldmatrix      [16 x Bk]
//     bias, mask        from indices (partial tiles only for the mask)
//     online softmax    row max over the quad's lanes (2 shuffles), P = 2^(S−m)
//     O = α·O + P·V     P's accumulators are already A fragments (to
//                       bf16 pairs); V's B fragments by ldmatrix.trans
//   O / l -> global (rows < Lq); lse = ln 2·(m + log2 l)
//
// Shared-memory rows are padded by 16 bytes, so the eight rows an
// ldmatrix phase reads start in distinct bank groups. GQA reads the KV head
// h / (H / Hk) in place. No Lq x Lk buffer exists: S and P live in
// registers, one key tile at a time.
//
//===----------------------------------------------------------------------===//
#include "AttentionGpu.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

namespace {
constexpr int64_t kWarps = 4;
constexpr int64_t kThreads = 32 * kWarps;
/// Query rows per block: one m16 tile per warp.
constexpr int64_t kQueryRows = 16 * kWarps;
/// Elements of padding after each shared-memory row (16 bytes).
constexpr int64_t kRowPad = 8;
constexpr int64_t kElementBytes = 2;
/// A cp.async moves 16 bytes per thread.
constexpr int64_t kChunkBytes = 16;
constexpr int64_t kChunkElements = kChunkBytes / kElementBytes;

/// Tile sizes and the shared-memory layout for head dims d and dv.
struct MmaTiling {
  explicit MmaTiling(const AttentionVariant &variant)
      : headDim(variant.headDim), valueDim(variant.valueDim),
        // S (Bk/2 f32 per lane) and O (dv/2) share the register file.
        keyRows(std::max(headDim, valueDim) <= 128 ? 64 : 32),
        // Q's fragments take d/4 registers per lane; past d = 128 they
        // are read from shared memory for each key tile instead.
        queryInRegisters(headDim <= 128), queryStride(headDim + kRowPad),
        keyStride(headDim + kRowPad), valueStride(valueDim + kRowPad) {}

  int64_t queryBytes() const {
    return kQueryRows * queryStride * kElementBytes;
  }
  int64_t keyBytes() const { return keyRows * keyStride * kElementBytes; }
  int64_t valueBytes() const {
    return keyRows * valueStride * kElementBytes;
  }
  /// Q, then two stages of (K tile, V tile).
  int64_t stageBytes() const { return keyBytes() + valueBytes(); }
  int64_t sharedBytes() const { return queryBytes() + 2 * stageBytes(); }

  int64_t headDim, valueDim, keyRows;
  bool queryInRegisters;
  /// Shared-memory row strides in elements.
  int64_t queryStride, keyStride, valueStride;
};

/// The four 32-bit registers of an ldmatrix .x4 or an mma A fragment.
using Fragment = std::array<Value, 4>;
/// The f32 accumulators of one m16n8 tile: (row g, cols 2q, 2q+1) then
/// (row g + 8, same cols), g = lane / 4 and q = lane % 4.
using Accumulator = std::array<Value, 4>;

/// Emits the body of one kernel.
class MmaKernelBody {
public:
  MmaKernelBody(OpBuilder &b, Location loc, const AttentionVariant &variant,
                const MmaTiling &tiling, gpu::GPUFuncOp kernel)
      : b(b), loc(loc), m(b, loc), variant(variant), tiling(tiling),
        storageType(variant.queryType) {
    unsigned next = 0;
    ValueRange arguments = kernel.getArguments();
    inputs = AttentionInputs::fromArguments(variant, arguments, next);
    output = arguments[next++];
    if (variant.returnLse)
      lse = arguments[next++];
  }

  void emit();

private:
  /// Copies rows [firstRow, firstRow + rows) x `columns` of the row-major
  /// matrix at `source` into shared memory at `target` (`targetStride`
  /// elements per row) with cp.async; rows at or past `rowLimit` are
  /// zero-filled.
  void copyRows(Value source, Value firstRow, Value rowLimit, int64_t rows,
                int64_t columns, Value target, int64_t targetStride);
  /// Starts the copies of key tile `tile` into stage `stage` (i32).
  void copyKeyTile(Value tile, Value stage);
  /// The K and V tiles of stage `stage` in shared memory.
  std::pair<Value, Value> stageTiles(Value stage);
  Fragment loadMatrices(Value pointer, bool transpose);
  Accumulator mma(const Fragment &a, Value b0, Value b1,
                  const Accumulator &c);
  /// The f32 pair (x, y) as one register of two storage elements.
  Value pack(Value x, Value y);
  /// A register of two storage elements as an mma operand.
  Value operand(Value packed);
  /// Element pointer `offset` elements past `base`.
  Value at(Value base, Value offset) {
    return offsetPointer(m, base, storageType, offset);
  }

  OpBuilder &b;
  Location loc;
  DeviceMath m;
  const AttentionVariant &variant;
  const MmaTiling &tiling;
  Type storageType;
  AttentionInputs inputs;
  Value output, lse;

  Value tid, warp, lane, group, quad;
  /// Matrices of this (batch, head) in global memory: Q, K, V rows.
  Value queryRows, keyRowsBase, valueRowsBase;
  Value keyLength;
  /// Shared memory: the Q tile and the base of the stages.
  Value sharedQuery, sharedStages;
};
} // namespace

void MmaKernelBody::copyRows(Value source, Value firstRow, Value rowLimit,
                             int64_t rows, int64_t columns, Value target,
                             int64_t targetStride) {
  int64_t chunksPerRow = columns / kChunkElements;
  int64_t chunks = rows * chunksPerRow;
  for (int64_t first = 0; first < chunks; first += kThreads) {
    Value chunk = m.add(tid, m.i32(first));
    auto copyChunk = [&] {
      Value row = m.div(chunk, m.i32(chunksPerRow));
      Value column =
          m.mul(m.rem(chunk, m.i32(chunksPerRow)), m.i32(kChunkElements));
      Value sourceRow = m.add(firstRow, row);
      Value inside = m.lt(sourceRow, rowLimit);
      // Rows past the matrix copy nothing (src-size 0 fills zeros) from a
      // valid address.
      Value safeRow = m.select(inside, sourceRow, m.i32(0));
      Value sourceOffset = m.add(m.mul(m.toI64(safeRow), m.i64(columns)),
                                 m.toI64(column));
      Value targetOffset = m.add(m.mul(row, m.i32(targetStride)), column);
      Value bytes = m.select(inside, m.i32(kChunkBytes), m.i32(0));
      NVVM::CpAsyncOp::create(b, loc, at(target, targetOffset),
                              at(source, sourceOffset), kChunkBytes,
                              NVVM::LoadCacheModifierKind::CG, bytes);
    };
    if (first + kThreads <= chunks) {
      copyChunk();
      continue;
    }
    auto partial = scf::IfOp::create(b, loc, m.lt(chunk, m.i32(chunks)));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(partial.thenBlock());
    copyChunk();
  }
}

std::pair<Value, Value> MmaKernelBody::stageTiles(Value stage) {
  Value stageStart = m.mul(stage, m.i32(tiling.stageBytes()));
  Value keys = offsetPointer(m, sharedStages, b.getI8Type(), stageStart);
  Value values = offsetPointer(m, keys, b.getI8Type(),
                               m.i32(tiling.keyBytes()));
  return {keys, values};
}

void MmaKernelBody::copyKeyTile(Value tile, Value stage) {
  auto [keys, values] = stageTiles(stage);
  Value firstKey = m.mul(tile, m.i32(tiling.keyRows));
  copyRows(keyRowsBase, firstKey, keyLength, tiling.keyRows, tiling.headDim,
           keys, tiling.keyStride);
  copyRows(valueRowsBase, firstKey, keyLength, tiling.keyRows,
           tiling.valueDim, values, tiling.valueStride);
}

Fragment MmaKernelBody::loadMatrices(Value pointer, bool transpose) {
  MLIRContext *context = b.getContext();
  Type i32 = b.getI32Type();
  auto type = LLVM::LLVMStructType::getLiteral(context, {i32, i32, i32, i32});
  Value matrices = NVVM::LdMatrixOp::create(
      b, loc, type, pointer, b.getI32IntegerAttr(4),
      NVVM::MMALayoutAttr::get(context, transpose ? NVVM::MMALayout::col
                                                  : NVVM::MMALayout::row),
      NVVM::LdStMatrixShapeAttr::get(context, 8, 8),
      NVVM::LdStMatrixEltTypeAttr::get(context, NVVM::LdStMatrixEltType::B16));
  Fragment registers;
  for (int64_t i = 0; i < 4; ++i)
    registers[i] = LLVM::ExtractValueOp::create(b, loc, matrices, i);
  return registers;
}

Value MmaKernelBody::operand(Value packed) {
  if (storageType.isBF16())
    return packed;
  return LLVM::BitcastOp::create(b, loc, VectorType::get({2}, storageType),
                                 packed);
}

Value MmaKernelBody::pack(Value x, Value y) {
  auto pairType = VectorType::get({2}, storageType);
  Value pair = LLVM::PoisonOp::create(b, loc, pairType);
  std::array<Value, 2> elements = {x, y};
  for (auto [index, value] : llvm::enumerate(elements))
    pair = LLVM::InsertElementOp::create(
        b, loc, pair, LLVM::FPTruncOp::create(b, loc, storageType, value),
        m.i32(index));
  return LLVM::BitcastOp::create(b, loc, b.getI32Type(), pair);
}

Accumulator MmaKernelBody::mma(const Fragment &a, Value b0, Value b1,
                               const Accumulator &c) {
  Type f32 = b.getF32Type();
  auto type = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                               {f32, f32, f32, f32});
  NVVM::MMATypes ptxType = storageType.isBF16() ? NVVM::MMATypes::bf16
                                                : NVVM::MMATypes::f16;
  SmallVector<Value> aOperands;
  for (Value reg : a)
    aOperands.push_back(operand(reg));
  Value result = NVVM::MmaOp::create(
      b, loc, type, aOperands, ValueRange{operand(b0), operand(b1)},
      ValueRange(c), {16, 8, 16}, std::nullopt, std::nullopt,
      std::array{ptxType, ptxType},
      std::array{NVVM::MMALayout::row, NVVM::MMALayout::col});
  Accumulator d;
  for (int64_t i = 0; i < 4; ++i)
    d[i] = LLVM::ExtractValueOp::create(b, loc, result, i);
  return d;
}

void MmaKernelBody::emit() {
  const int64_t keyRows = tiling.keyRows;
  const int64_t headDim = tiling.headDim, valueDim = tiling.valueDim;
  tid = m.threadIdx();
  Value c32 = m.i32(32), c4 = m.i32(4);
  warp = m.div(tid, c32);
  lane = m.rem(tid, c32);
  group = m.div(lane, c4);
  quad = m.rem(lane, c4);

  // The longest rows (causal: the last tiles) start first.
  Value tiles = m.toI32(gpu::GridDimOp::create(b, loc, gpu::Dimension::x));
  Value queryTile =
      m.sub(m.sub(tiles, m.i32(1)), m.blockIdx(gpu::Dimension::x));
  Value head = m.blockIdx(gpu::Dimension::y);
  Value batch = m.blockIdx(gpu::Dimension::z);
  Value heads = m.dim(inputs.query, 1), queryLength = m.dim(inputs.query, 2);
  Value keyHeads = m.dim(inputs.key, 1);
  keyLength = m.dim(inputs.key, 2);
  Value keyHead = m.div(head, m.div(heads, keyHeads));
  ScoreTerms terms(m, variant, inputs, batch, head, /*log2Domain=*/true);

  // This (batch, head)'s matrices.
  auto matrix = [&](Value memref, Value headCount, Value headIndex,
                    Value rows, int64_t columns) {
    Value index = m.add(m.mul(batch, headCount), headIndex);
    Value offset = m.mul(m.mul(m.toI64(index), m.toI64(rows)), m.i64(columns));
    return at(globalPointer(m, memref), offset);
  };
  queryRows = matrix(inputs.query, heads, head, queryLength, headDim);
  keyRowsBase = matrix(inputs.key, keyHeads, keyHead, keyLength, headDim);
  valueRowsBase = matrix(inputs.value, keyHeads, keyHead, keyLength, valueDim);
  Value outputRows = matrix(output, heads, head, queryLength, valueDim);
  Value shared = sharedPointer(
      m, dynamicSharedBuffer(b, loc, {tiling.sharedBytes()}, b.getI8Type(), 0));
  sharedQuery = shared;
  sharedStages = offsetPointer(m, shared, b.getI8Type(),
                               m.i32(tiling.queryBytes()));

  // The block's rows and the key tiles they see.
  Value firstRow = m.mul(queryTile, m.i32(kQueryRows));
  Value rows = m.min(m.i32(kQueryRows), m.sub(queryLength, firstRow));
  Value pFirst = terms.position(m, firstRow);
  Value pEnd = m.add(pFirst, rows);
  KeyInterval blockKeys = terms.visibleKeys(m, pFirst, pEnd);
  Value kRows = m.i32(keyRows);
  Value firstTile = m.floorDiv(blockKeys.first, kRows);
  Value endTile =
      m.select(m.lt(blockKeys.first, blockKeys.end),
               m.ceilDiv(blockKeys.end, kRows), firstTile);
  // A tile needs no mask when every row sees all of it: the rows' intervals
  // only move forward, so the last row's start and the first row's end
  // bound their intersection.
  Value one = m.i32(1);
  Value sharedFirst =
      terms.visibleKeys(m, m.sub(pEnd, one), pEnd).first;
  Value sharedEnd = terms.visibleKeys(m, pFirst, m.add(pFirst, one)).end;

  // The lane's two rows: g and g + 8 of its warp's 16.
  Value warpRow = m.mul(warp, m.i32(16));
  std::array<Value, 2> laneRows = {m.add(warpRow, group),
                                   m.add(warpRow, m.add(group, m.i32(8)))};
  std::array<Value, 2> rowIndex, rowPosition;
  std::array<KeyInterval, 2> rowKeys;
  for (int64_t r = 0; r < 2; ++r) {
    rowIndex[r] = m.add(firstRow, laneRows[r]);
    rowPosition[r] = terms.position(m, rowIndex[r]);
    rowKeys[r] =
        terms.visibleKeys(m, rowPosition[r], m.add(rowPosition[r], one));
  }

  // Per-lane ldmatrix offsets (elements). Q (A, 16x16 per k-step): lanes
  // 0-15 rows 0-15 at column 0, lanes 16-31 the same rows at column 8.
  // K (B of S, two n8 tiles per load): lanes 8i..8i+7 address keys
  // (i / 2)·8 + (lane % 8) at column (i % 2)·8. V (B of O, transposed, two
  // n8 column tiles per load): keys (i % 2)·8 + (lane % 8), column
  // (i / 2)·8.
  Value c8 = m.i32(8), c16 = m.i32(16);
  Value laneIn8 = m.rem(lane, c8), laneIn16 = m.rem(lane, c16);
  Value matrixIndex = m.div(lane, c8);
  Value half = m.div(lane, c16);
  Value queryOffset =
      m.add(m.mul(m.add(warpRow, laneIn16), m.i32(tiling.queryStride)),
            m.mul(half, c8));
  Value keyOffset =
      m.add(m.mul(m.add(m.mul(half, c8), laneIn8), m.i32(tiling.keyStride)),
            m.mul(m.rem(matrixIndex, m.i32(2)), c8));
  Value valueOffset = m.add(
      m.mul(m.add(m.mul(m.rem(matrixIndex, m.i32(2)), c8), laneIn8),
            m.i32(tiling.valueStride)),
      m.mul(half, c8));
  auto queryFragment = [&](int64_t step) {
    return loadMatrices(at(sharedQuery, m.add(queryOffset, m.i32(16 * step))),
                        /*transpose=*/false);
  };

  // Q, then the first key tile.
  copyRows(queryRows, firstRow, queryLength, kQueryRows, headDim, sharedQuery,
           tiling.queryStride);
  NVVM::CpAsyncCommitGroupOp::create(b, loc);
  {
    auto any = scf::IfOp::create(b, loc, m.lt(firstTile, endTile));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(any.thenBlock());
    copyKeyTile(firstTile, m.i32(0));
  }
  NVVM::CpAsyncCommitGroupOp::create(b, loc);
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 1);
  barrier(b, loc);
  SmallVector<Fragment> queryFragments;
  if (tiling.queryInRegisters)
    for (int64_t step = 0; step < headDim / 16; ++step)
      queryFragments.push_back(queryFragment(step));

  // Loop state: O (dv/8 tiles), then per row the max m and the lane's part
  // of the sum l.
  const int64_t valueTiles = valueDim / 8, keyTiles = keyRows / 8;
  Value zero = m.f32(0.0), minusInf = m.f32(-INFINITY);
  SmallVector<Value> state(valueTiles * 4, zero);
  state.append({minusInf, minusInf, zero, zero});
  auto loop = scf::ForOp::create(b, loc, firstTile, endTile, one, state);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value tile = loop.getInductionVar();
    ValueRange carried = loop.getRegionIterArgs();
    Value nextTile = m.add(tile, one);
    {
      auto prefetch = scf::IfOp::create(b, loc, m.lt(nextTile, endTile));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(prefetch.thenBlock());
      copyKeyTile(nextTile,
                  arith::AndIOp::create(b, loc, m.sub(nextTile, firstTile),
                                        one));
    }
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
    NVVM::CpAsyncWaitGroupOp::create(b, loc, 1);
    barrier(b, loc);
    auto [sharedKeys, sharedValues] = stageTiles(
        arith::AndIOp::create(b, loc, m.sub(tile, firstTile), one));

    // S = Q·Kᵀ.
    SmallVector<Accumulator> scores(keyTiles, Accumulator{zero, zero, zero,
                                                          zero});
    for (int64_t step = 0; step < headDim / 16; ++step) {
      Fragment a = tiling.queryInRegisters ? queryFragments[step]
                                           : queryFragment(step);
      for (int64_t pair = 0; pair < keyTiles / 2; ++pair) {
        Fragment k = loadMatrices(
            at(sharedKeys, m.add(keyOffset, m.i32(pair * 16 * tiling.keyStride +
                                                  step * 16))),
            /*transpose=*/false);
        scores[2 * pair] = mma(a, k[0], k[1], scores[2 * pair]);
        scores[2 * pair + 1] = mma(a, k[2], k[3], scores[2 * pair + 1]);
      }
    }

    // Scores of element e of tile n: row laneRows[e / 2], key
    // k0 + 8n + 2·quad + e % 2.
    Value firstKey = m.mul(tile, kRows);
    Value laneKey = m.add(firstKey, m.mul(quad, m.i32(2)));
    auto keyOf = [&](int64_t n, int64_t e) {
      return m.add(laneKey, m.i32(8 * n + e % 2));
    };
    SmallVector<Value> logits;
    for (int64_t n = 0; n < keyTiles; ++n)
      for (int64_t e = 0; e < 4; ++e)
        logits.push_back(terms.logit(m, scores[n][e], rowIndex[e / 2],
                                     rowPosition[e / 2], keyOf(n, e)));
    Value interior = m.both(
        m.ge(firstKey, sharedFirst),
        m.cmp(arith::CmpIPredicate::sle, m.add(firstKey, kRows), sharedEnd));
    auto masking = scf::IfOp::create(b, loc, TypeRange(ValueRange(logits)),
                                     interior, /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(masking.thenBlock());
      scf::YieldOp::create(b, loc, logits);
      b.setInsertionPointToStart(masking.elseBlock());
      SmallVector<Value> masked;
      for (int64_t n = 0; n < keyTiles; ++n)
        for (int64_t e = 0; e < 4; ++e)
          masked.push_back(terms.masked(m, logits[4 * n + e], rowKeys[e / 2],
                                        keyOf(n, e)));
      scf::YieldOp::create(b, loc, masked);
    }
    logits.assign(masking.getResults().begin(), masking.getResults().end());

    // Online softmax, per row r of the lane: m' = max(m, max S), P =
    // 2^(S − m'), α = 2^(m − m'), l = α·l + ΣP (the lane's part).
    std::array<Value, 2> newMax, alpha, newSum;
    SmallVector<Value> weights(logits.size());
    for (int64_t r = 0; r < 2; ++r) {
      Value tileMax = minusInf;
      for (int64_t n = 0; n < keyTiles; ++n)
        for (int64_t e = 2 * r; e < 2 * r + 2; ++e)
          tileMax = m.fmax(tileMax, logits[4 * n + e]);
      Value oldMax = carried[valueTiles * 4 + r];
      newMax[r] = m.fmax(oldMax, m.quadMax(tileMax));
      Value shift = finiteMax(m, newMax[r]);
      alpha[r] = terms.weight(m, oldMax, shift);
      Value sum = m.fmul(alpha[r], carried[valueTiles * 4 + 2 + r]);
      for (int64_t n = 0; n < keyTiles; ++n)
        for (int64_t e = 2 * r; e < 2 * r + 2; ++e) {
          weights[4 * n + e] = terms.weight(m, logits[4 * n + e], shift);
          sum = m.fadd(sum, weights[4 * n + e]);
        }
      newSum[r] = sum;
    }
    // URPE scales the numerator's weights only.
    if (variant.hasMult)
      for (int64_t n = 0; n < keyTiles; ++n)
        for (int64_t e = 0; e < 4; ++e)
          weights[4 * n + e] = m.fmul(
              weights[4 * n + e],
              terms.numeratorFactor(m, rowPosition[e / 2], keyOf(n, e)));

    // O = α·O + P·V. The accumulators of score tiles 2s and 2s + 1 are
    // the A fragment of key step s.
    SmallVector<Accumulator> acc(valueTiles);
    for (int64_t t = 0; t < valueTiles; ++t)
      for (int64_t e = 0; e < 4; ++e)
        acc[t][e] = m.fmul(carried[4 * t + e], alpha[e / 2]);
    for (int64_t step = 0; step < keyRows / 16; ++step) {
      auto w = [&](int64_t n, int64_t e) { return weights[4 * n + e]; };
      Fragment p = {pack(w(2 * step, 0), w(2 * step, 1)),
                    pack(w(2 * step, 2), w(2 * step, 3)),
                    pack(w(2 * step + 1, 0), w(2 * step + 1, 1)),
                    pack(w(2 * step + 1, 2), w(2 * step + 1, 3))};
      for (int64_t pair = 0; pair < valueTiles / 2; ++pair) {
        Fragment v = loadMatrices(
            at(sharedValues,
               m.add(valueOffset, m.i32(step * 16 * tiling.valueStride +
                                        pair * 16))),
            /*transpose=*/true);
        acc[2 * pair] = mma(p, v[0], v[1], acc[2 * pair]);
        acc[2 * pair + 1] = mma(p, v[2], v[3], acc[2 * pair + 1]);
      }
    }
    // The stage is refilled by the next iteration's prefetch.
    barrier(b, loc);

    SmallVector<Value> next;
    for (const Accumulator &tileAcc : acc)
      next.append(tileAcc.begin(), tileAcc.end());
    next.append({newMax[0], newMax[1], newSum[0], newSum[1]});
    scf::YieldOp::create(b, loc, next);
  }
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);

  // out = O / l, row by row (rows past Lq are not stored); lse from the
  // quad's first lane.
  ValueRange results = loop.getResults();
  for (int64_t r = 0; r < 2; ++r) {
    Value sum = m.quadSum(results[valueTiles * 4 + 2 + r]);
    Value inverse = inverseOrZero(m, sum);
    auto inside = scf::IfOp::create(b, loc, m.lt(rowIndex[r], queryLength));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(inside.thenBlock());
    Value rowStart = m.add(m.mul(m.toI64(rowIndex[r]), m.i64(valueDim)),
                           m.toI64(m.mul(quad, m.i32(2))));
    for (int64_t t = 0; t < valueTiles; ++t) {
      Value pair = pack(m.fmul(results[4 * t + 2 * r], inverse),
                        m.fmul(results[4 * t + 2 * r + 1], inverse));
      LLVM::StoreOp::create(b, loc, pair,
                            at(outputRows, m.add(rowStart, m.i64(8 * t))),
                            /*alignment=*/4);
    }
    if (!lse)
      continue;
    auto leader = scf::IfOp::create(
        b, loc, m.cmp(arith::CmpIPredicate::eq, quad, m.i32(0)));
    b.setInsertionPointToStart(leader.thenBlock());
    memref::StoreOp::create(
        b, loc, terms.naturalLse(m, results[valueTiles * 4 + r], sum), lse,
        ValueRange{m.toIndex(batch), m.toIndex(head), m.toIndex(rowIndex[r])});
  }
}

bool gpu_lowering::mmaKernelSupports(const AttentionVariant &variant) {
  Type storage = variant.queryType;
  if (!storage.isBF16() && !storage.isF16())
    return false;
  if (variant.keyType != storage || variant.valueType != storage ||
      variant.outputType != storage)
    return false;
  auto fits = [](int64_t size) {
    return !ShapedType::isDynamic(size) && size % 16 == 0 && size > 0 &&
           size <= 256;
  };
  return fits(variant.headDim) && fits(variant.valueDim);
}

void gpu_lowering::launchMmaAttention(OpBuilder &b, Operation *anchor,
                                      const AttentionVariant &variant,
                                      const AttentionLaunch &launch) {
  Location loc = anchor->getLoc();
  MmaTiling tiling(variant);
  SmallVector<Value> arguments = launch.inputs.arguments();
  arguments.push_back(launch.output);
  if (launch.lse)
    arguments.push_back(launch.lse);
  std::string name = (Twine("attention_mma_") +
                      (variant.queryType.isBF16() ? "bf16" : "f16") + "_d" +
                      Twine(variant.headDim) + "_dv" + Twine(variant.valueDim))
                         .str();
  gpu::GPUFuncOp kernel;
  {
    OpBuilder::InsertionGuard guard(b);
    kernel = createKernel(b, anchor, name, TypeRange(ValueRange(arguments)), {},
                          {kThreads, 1, 1});
    MmaKernelBody(b, loc, variant, tiling, kernel).emit();
  }
  std::array<Value, 3> grid = {ceilDiv(b, loc, launch.queryDims[2], kQueryRows),
                               launch.queryDims[1], launch.queryDims[0]};
  launchKernel(b, loc, kernel, grid, {kThreads, 1, 1}, tiling.sharedBytes(),
               arguments);
}
