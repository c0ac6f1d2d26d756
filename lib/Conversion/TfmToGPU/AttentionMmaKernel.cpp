//===- AttentionMmaKernel.cpp - bf16/f16 flash attention on tensor cores --===//
//
// One block of 4 warps per (tile of query rows, query head, batch); each
// warp owns one or two m16 tiles of rows (the m of mma.sync m16n8k16), so a
// block has 64 or 128 rows (MmaTiling says which).
//
//   Q tile  --cp.async-->  shared  --ldmatrix-->  A fragments (registers,
//                                                 or per key tile past d=128)
//   for each tile of Bk keys the rows see (causal/window: only those):
//     K, V tiles --cp.async--> shared, two stages: tile t+1 is in flight
//                                  while tile t is computed
//     S = Q·Kᵀ          mma.sync, B fragments by ldmatrix   [16 x Bk] per m16
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
/// Elements of padding after each shared-memory row (16 bytes).
constexpr int64_t kRowPad = 8;
constexpr int64_t kElementBytes = 2;
/// A cp.async moves 16 bytes per thread.
constexpr int64_t kChunkBytes = 16;
constexpr int64_t kChunkElements = kChunkBytes / kElementBytes;

/// Tile sizes and the shared-memory layout for head dims d and dv.
struct MmaTiling {
  explicit MmaTiling(const AttentionVariant &variant)
      : headDim(variant.headDim), valueDim(variant.valueDim) {
    int64_t widest = std::max(headDim, valueDim);
    // Two m16 tiles per warp use each K and V fragment twice, halving the
    // shared-memory reads per mma (H200, S = 4k: d = 128 208 -> 308
    // TFLOP/s, d = 64 254 -> 288). The accumulators (dv/2 and Bk/2 f32 per
    // lane and tile) bound what fits: not past d = 128, nor with scores
    // that gather bias or mult per element, nor with head dims other than
    // powers of two (whose copies need registers for addresses): their
    // kernels would spill.
    bool gathersPerScore = variant.posBias == PosBiasKind::t5 ||
                           variant.explicitBias() || variant.hasMult;
    bool simpleCopies = llvm::isPowerOf2_64(headDim) &&
                        llvm::isPowerOf2_64(valueDim);
    rowTiles = widest <= 128 && !gathersPerScore && simpleCopies ? 2 : 1;
    keyRows = widest <= 128 ? 64 : 32;
    // Q's fragments take d/4 registers per lane and tile; past that they
    // are read from shared memory for each key tile instead.
    queryInRegisters = headDim * rowTiles <= 128;
    queryStride = headDim + kRowPad;
    keyStride = headDim + kRowPad;
    valueStride = valueDim + kRowPad;
  }

  int64_t queryRows() const { return 16 * kWarps * rowTiles; }
  int64_t queryBytes() const {
    return queryRows() * queryStride * kElementBytes;
  }
  int64_t keyBytes() const { return keyRows * keyStride * kElementBytes; }
  int64_t valueBytes() const {
    return keyRows * valueStride * kElementBytes;
  }
  /// Two stages of (K tile, V tile).
  int64_t stageBytes() const { return keyBytes() + valueBytes(); }
  /// Q's tile: before the stages, or, once its fragments are in registers,
  /// over the second stage, which is first written after they are read.
  int64_t queryOffset() const {
    return queryInRegisters ? stageBytes() : 0;
  }
  int64_t stagesOffset() const {
    return queryInRegisters ? 0 : queryBytes();
  }
  int64_t sharedBytes() const {
    if (queryInRegisters)
      return stageBytes() + std::max(stageBytes(), queryBytes());
    return queryBytes() + 2 * stageBytes();
  }

  int64_t headDim, valueDim;
  /// m16 tiles per warp and keys per tile.
  int64_t rowTiles, keyRows;
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
      : b(b), loc(loc), m(b, loc, IntegerSign::Signed), variant(variant),
        tiling(tiling), storageType(variant.queryType) {
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
  // Thread t copies chunk t + 128·i, i.e. row t / chunksPerRow + i·rowStep
  // when chunksPerRow divides 128 (and rowStep the rows): one base address
  // per thread, constant offsets per pass. Rows past the matrix copy nothing (src-size 0 fills
  // zeros), from the matrix's first row.
  int64_t chunksPerRow = columns / kChunkElements;
  int64_t chunks = rows * chunksPerRow;
  auto copy = [&](Value row, Value column, Value inside) {
    Value sourceRow = m.select(inside, m.add(firstRow, row), m.i32(0));
    Value sourceOffset = m.add(m.mul(m.toI64(sourceRow), m.i64(columns)),
                               m.toI64(column));
    Value targetOffset = m.add(m.mul(row, m.i32(targetStride)), column);
    NVVM::CpAsyncOp::create(b, loc, at(target, targetOffset),
                            at(source, sourceOffset), kChunkBytes,
                            NVVM::LoadCacheModifierKind::CG,
                            m.select(inside, m.i32(kChunkBytes), m.i32(0)));
  };
  Value rowsLeft = m.sub(rowLimit, firstRow);
  if (kThreads % chunksPerRow == 0 && rows % (kThreads / chunksPerRow) == 0) {
    int64_t rowStep = kThreads / chunksPerRow;
    Value row = m.div(tid, m.i32(chunksPerRow));
    Value column =
        m.mul(m.rem(tid, m.i32(chunksPerRow)), m.i32(kChunkElements));
    for (int64_t pass = 0; pass < rows / rowStep; ++pass) {
      Value passRow = m.add(row, m.i32(pass * rowStep));
      copy(passRow, column, m.lt(passRow, rowsLeft));
    }
    return;
  }
  for (int64_t first = 0; first < chunks; first += kThreads) {
    Value chunk = m.add(tid, m.i32(first));
    Value row = m.div(chunk, m.i32(chunksPerRow));
    Value column =
        m.mul(m.rem(chunk, m.i32(chunksPerRow)), m.i32(kChunkElements));
    auto copyChunk = [&] { copy(row, column, m.lt(row, rowsLeft)); };
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
  const int64_t keyRows = tiling.keyRows, rowTiles = tiling.rowTiles;
  const int64_t headDim = tiling.headDim, valueDim = tiling.valueDim;
  const int64_t queryRowCount = tiling.queryRows();
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
  sharedQuery = offsetPointer(m, shared, b.getI8Type(),
                              m.i32(tiling.queryOffset()));
  sharedStages = offsetPointer(m, shared, b.getI8Type(),
                               m.i32(tiling.stagesOffset()));

  // The block's rows and the key tiles they see.
  Value firstRow = m.mul(queryTile, m.i32(queryRowCount));
  KeyTiles blockTiles =
      terms.keyTiles(m, firstRow, queryRowCount, queryLength, keyRows);
  Value firstTile = blockTiles.first, endTile = blockTiles.end;
  Value one = m.i32(1);

  // The lane's rows: g and g + 8 of each of its warp's m16 tiles, element
  // e of a tile's accumulator holding row e / 2.
  Value warpRow = m.mul(warp, m.i32(16 * rowTiles));
  struct LaneRow {
    Value index, position;
    KeyInterval keys;
  };
  SmallVector<std::array<LaneRow, 2>> laneRows(rowTiles);
  for (int64_t t = 0; t < rowTiles; ++t)
    for (int64_t r = 0; r < 2; ++r) {
      Value row = m.add(warpRow, m.add(group, m.i32(16 * t + 8 * r)));
      LaneRow &laneRow = laneRows[t][r];
      laneRow.index = m.add(firstRow, row);
      laneRow.position = terms.position(m, laneRow.index);
      laneRow.keys = terms.visibleKeys(m, laneRow.position,
                                       m.add(laneRow.position, one));
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
  auto queryFragment = [&](int64_t tile, int64_t step) {
    int64_t offset = 16 * tile * tiling.queryStride + 16 * step;
    return loadMatrices(at(sharedQuery, m.add(queryOffset, m.i32(offset))),
                        /*transpose=*/false);
  };

  // Q, then the first key tile.
  copyRows(queryRows, firstRow, queryLength, queryRowCount, headDim,
           sharedQuery, tiling.queryStride);
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
  SmallVector<SmallVector<Fragment>> queryFragments(rowTiles);
  if (tiling.queryInRegisters) {
    for (int64_t t = 0; t < rowTiles; ++t)
      for (int64_t step = 0; step < headDim / 16; ++step)
        queryFragments[t].push_back(queryFragment(t, step));
    // Q's tile lies in the second stage, which the first iteration fills.
    barrier(b, loc);
  }

  // Loop state: O (dv/8 tiles per row tile), then per lane row the max m
  // and the lane's part of the sum l.
  const int64_t valueTiles = valueDim / 8, keyTiles = keyRows / 8;
  const int64_t accCount = rowTiles * valueTiles * 4;
  auto accIndex = [&](int64_t t, int64_t n, int64_t e) {
    return (t * valueTiles + n) * 4 + e;
  };
  auto maxIndex = [&](int64_t t, int64_t r) {
    return accCount + 2 * t + r;
  };
  auto sumIndex = [&](int64_t t, int64_t r) {
    return accCount + 2 * rowTiles + 2 * t + r;
  };
  Value zero = m.f32(0.0), minusInf = m.f32(-INFINITY);
  SmallVector<Value> state(accCount, zero);
  state.append(2 * rowTiles, minusInf);
  state.append(2 * rowTiles, zero);
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

    // S = Q·Kᵀ: each K fragment serves every row tile.
    SmallVector<SmallVector<Accumulator>> scores(
        rowTiles,
        SmallVector<Accumulator>(keyTiles, Accumulator{zero, zero, zero,
                                                       zero}));
    for (int64_t step = 0; step < headDim / 16; ++step) {
      SmallVector<Fragment> a;
      for (int64_t t = 0; t < rowTiles; ++t)
        a.push_back(tiling.queryInRegisters ? queryFragments[t][step]
                                            : queryFragment(t, step));
      for (int64_t pair = 0; pair < keyTiles / 2; ++pair) {
        Fragment k = loadMatrices(
            at(sharedKeys, m.add(keyOffset, m.i32(pair * 16 * tiling.keyStride +
                                                  step * 16))),
            /*transpose=*/false);
        for (int64_t t = 0; t < rowTiles; ++t) {
          scores[t][2 * pair] = mma(a[t], k[0], k[1], scores[t][2 * pair]);
          scores[t][2 * pair + 1] =
              mma(a[t], k[2], k[3], scores[t][2 * pair + 1]);
        }
      }
    }

    // Scores of element e of tile n: key k0 + 8n + 2·quad + e % 2.
    Value firstKey = m.mul(tile, m.i32(keyRows));
    Value laneKey = m.add(firstKey, m.mul(quad, m.i32(2)));
    auto keyOf = [&](int64_t n, int64_t e) {
      return m.add(laneKey, m.i32(8 * n + e % 2));
    };
    auto scoreIndex = [&](int64_t t, int64_t n, int64_t e) {
      return (t * keyTiles + n) * 4 + e;
    };
    SmallVector<Value> logits;
    for (int64_t t = 0; t < rowTiles; ++t)
      for (int64_t n = 0; n < keyTiles; ++n)
        for (int64_t e = 0; e < 4; ++e) {
          const LaneRow &row = laneRows[t][e / 2];
          logits.push_back(terms.logit(m, scores[t][n][e], row.index,
                                       row.position, keyOf(n, e)));
        }
    logits = maskUnlessShared(m, blockTiles, firstKey, keyRows, logits, [&] {
      SmallVector<Value> masked;
      for (int64_t t = 0; t < rowTiles; ++t)
        for (int64_t n = 0; n < keyTiles; ++n)
          for (int64_t e = 0; e < 4; ++e)
            masked.push_back(terms.masked(m, logits[scoreIndex(t, n, e)],
                                          laneRows[t][e / 2].keys,
                                          keyOf(n, e)));
      return masked;
    });

    // Online softmax, per lane row: m' = max(m, max S), P = 2^(S − m'),
    // α = 2^(m − m'), l = α·l + ΣP (the lane's part).
    SmallVector<Value> next(accCount + 4 * rowTiles);
    SmallVector<Value> weights(logits.size());
    SmallVector<std::array<Value, 2>> alpha(rowTiles);
    for (int64_t t = 0; t < rowTiles; ++t)
      for (int64_t r = 0; r < 2; ++r) {
        Value tileMax = minusInf;
        for (int64_t n = 0; n < keyTiles; ++n)
          for (int64_t e = 2 * r; e < 2 * r + 2; ++e)
            tileMax = m.fmax(tileMax, logits[scoreIndex(t, n, e)]);
        Value oldMax = carried[maxIndex(t, r)];
        Value newMax = m.fmax(oldMax, m.quadMax(tileMax));
        Value shift = finiteMax(m, newMax);
        alpha[t][r] = terms.weight(m, oldMax, shift);
        Value sum = m.fmul(alpha[t][r], carried[sumIndex(t, r)]);
        for (int64_t n = 0; n < keyTiles; ++n)
          for (int64_t e = 2 * r; e < 2 * r + 2; ++e) {
            int64_t index = scoreIndex(t, n, e);
            weights[index] = terms.weight(m, logits[index], shift);
            sum = m.fadd(sum, weights[index]);
          }
        next[maxIndex(t, r)] = newMax;
        next[sumIndex(t, r)] = sum;
      }
    // URPE scales the numerator's weights only.
    if (variant.hasMult)
      for (int64_t t = 0; t < rowTiles; ++t)
        for (int64_t n = 0; n < keyTiles; ++n)
          for (int64_t e = 0; e < 4; ++e) {
            int64_t index = scoreIndex(t, n, e);
            weights[index] = m.fmul(
                weights[index],
                terms.numeratorFactor(m, laneRows[t][e / 2].position,
                                      keyOf(n, e)));
          }

    // O = α·O + P·V. The accumulators of score tiles 2s and 2s + 1 are
    // the A fragment of key step s; each V fragment serves every row tile.
    SmallVector<SmallVector<Accumulator>> acc(
        rowTiles, SmallVector<Accumulator>(valueTiles));
    for (int64_t t = 0; t < rowTiles; ++t)
      for (int64_t n = 0; n < valueTiles; ++n)
        for (int64_t e = 0; e < 4; ++e)
          acc[t][n][e] = m.fmul(carried[accIndex(t, n, e)], alpha[t][e / 2]);
    for (int64_t step = 0; step < keyRows / 16; ++step) {
      SmallVector<Fragment> p;
      for (int64_t t = 0; t < rowTiles; ++t) {
        auto w = [&](int64_t n, int64_t e) {
          return weights[scoreIndex(t, n, e)];
        };
        p.push_back({pack(w(2 * step, 0), w(2 * step, 1)),
                     pack(w(2 * step, 2), w(2 * step, 3)),
                     pack(w(2 * step + 1, 0), w(2 * step + 1, 1)),
                     pack(w(2 * step + 1, 2), w(2 * step + 1, 3))});
      }
      for (int64_t pair = 0; pair < valueTiles / 2; ++pair) {
        Fragment v = loadMatrices(
            at(sharedValues,
               m.add(valueOffset, m.i32(step * 16 * tiling.valueStride +
                                        pair * 16))),
            /*transpose=*/true);
        for (int64_t t = 0; t < rowTiles; ++t) {
          acc[t][2 * pair] = mma(p[t], v[0], v[1], acc[t][2 * pair]);
          acc[t][2 * pair + 1] = mma(p[t], v[2], v[3], acc[t][2 * pair + 1]);
        }
      }
    }
    // The stage is refilled by the next iteration's prefetch.
    barrier(b, loc);

    for (int64_t t = 0; t < rowTiles; ++t)
      for (int64_t n = 0; n < valueTiles; ++n)
        for (int64_t e = 0; e < 4; ++e)
          next[accIndex(t, n, e)] = acc[t][n][e];
    scf::YieldOp::create(b, loc, next);
  }
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);

  // out = O / l, row by row (rows past Lq are not stored); lse from the
  // quad's first lane.
  ValueRange results = loop.getResults();
  for (int64_t t = 0; t < rowTiles; ++t)
    for (int64_t r = 0; r < 2; ++r) {
      const LaneRow &row = laneRows[t][r];
      Value sum = m.quadSum(results[sumIndex(t, r)]);
      Value inverse = inverseOrZero(m, sum);
      auto inside = scf::IfOp::create(b, loc, m.lt(row.index, queryLength));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(inside.thenBlock());
      Value rowStart = m.add(m.mul(m.toI64(row.index), m.i64(valueDim)),
                             m.toI64(m.mul(quad, m.i32(2))));
      for (int64_t n = 0; n < valueTiles; ++n) {
        Value pair = pack(m.fmul(results[accIndex(t, n, 2 * r)], inverse),
                          m.fmul(results[accIndex(t, n, 2 * r + 1)], inverse));
        LLVM::StoreOp::create(b, loc, pair,
                              at(outputRows, m.add(rowStart, m.i64(8 * n))),
                              /*alignment=*/4);
      }
      if (!lse)
        continue;
      auto leader = scf::IfOp::create(
          b, loc, m.cmp(arith::CmpIPredicate::eq, quad, m.i32(0)));
      b.setInsertionPointToStart(leader.thenBlock());
      memref::StoreOp::create(
          b, loc, terms.naturalLse(m, results[maxIndex(t, r)], sum), lse,
          ValueRange{m.toIndex(batch), m.toIndex(head), m.toIndex(row.index)});
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
  std::array<Value, 3> grid = {
      ceilDiv(b, loc, launch.queryDims[2], tiling.queryRows()),
                               launch.queryDims[1], launch.queryDims[0]};
  launchKernel(b, loc, kernel, grid, {kThreads, 1, 1}, tiling.sharedBytes(),
               arguments);
}
