//===- LinearMmaKernel.cpp - tfm.linear on tensor cores -------------------===//
//
// bf16/f16 x·Wᵀ as a tiled GEMM on mma.sync.m16n8k16 with f32 accumulators.
// Both x [M, K] and W [N, K] are K-contiguous, which is what ldmatrix
// (without .trans) delivers as the row-major A and column-major B
// fragments, so neither operand is transposed anywhere.
//
// A block of 4 warps computes a 128 × 128 tile of x·Wᵀ (each warp 64 × 64:
// 4 × 8 mma tiles, 128 accumulators per thread), walking K in steps of 32
// through a 4-stage ring of shared-memory tiles (64 KiB) filled by cp.async
// (16-byte copies, zero-filled past the edges of x and W). On the H200 this
// shape beat 128 × 256 tiles of 8 warps of 64 × 64 (3 or 4 stages) by
// 6-32%, and K steps of 64 (3 stages) by 0-4% on large GEMMs (bench of
// 2026-11-28). Blocks take their tiles in groups of 8 row tiles, column by
// column, so that a weight tile read from memory serves 8 row tiles from
// L2 (+24% at 4096³, +1% at 8192³ over row-major block order). Rows of a
// tile are 64 bytes; their 16-byte chunks are XOR-swizzled so that the 8
// row addresses of an ldmatrix phase fall in distinct bank groups. When K is
// not a static multiple of 8 the rows are not 16-byte aligned: the tiles
// are then filled by bounds-checked element loads instead, by 8 warps of
// 64 × 32 (fewer loads and accumulators per thread: no spills).
//
// The epilogue runs on the accumulators: each thread holds pairs of
// adjacent columns, to which it adds the bias, applies the activation and
// the GLU gate (the tile's weight rows interleave gate and up rows per warp,
// see weightRowOfTileRow) and adds the residual before storing.
//
//===----------------------------------------------------------------------===//
#include "LinearKernels.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

namespace {
/// Tile sizes. The shared-memory ring (dynamic shared memory) is stages ×
/// (blockRows + blockCols) rows of `depth` 16-bit elements.
struct MmaTiling {
  int64_t blockRows; ///< rows of x per block
  int64_t blockCols; ///< weight rows per block
  int64_t depth;     ///< K per stage
  int64_t stages;
  int64_t warpsM, warpsN;

  constexpr int64_t threads() const { return 32 * warpsM * warpsN; }
  constexpr int64_t warpRows() const { return blockRows / warpsM; }
  constexpr int64_t warpCols() const { return blockCols / warpsN; }
  constexpr int64_t mTiles() const { return warpRows() / 16; } ///< m16 tiles
  constexpr int64_t nTiles() const { return warpCols() / 8; }  ///< n8 tiles
  constexpr int64_t rowBytes() const { return depth * 2; }
  constexpr int64_t chunksPerRow() const { return rowBytes() / 16; }
  /// Rows sharing one 128-byte line of banks.
  constexpr int64_t rowsPerLine() const { return 128 / rowBytes(); }
  constexpr int64_t aTileBytes() const { return blockRows * rowBytes(); }
  constexpr int64_t stageBytes() const {
    return (blockRows + blockCols) * rowBytes();
  }
  constexpr int64_t ringBytes() const { return stages * stageBytes(); }
  constexpr bool valid() const {
    return chunksPerRow() * rowsPerLine() == 8 && // the swizzle's 8 rows
           nTiles() % 2 == 0 && // B fragments come two n8 tiles at a time
           stages >= 2 &&       // cp.async pipelining
           blockRows * chunksPerRow() % threads() == 0 &&
           blockCols * chunksPerRow() % threads() == 0;
  }
};

/// With cp.async: 4 warps of 64 × 64 (128 accumulators per thread).
constexpr MmaTiling kAsyncTiling = {128, 128, 32, 4, 2, 2};
/// With element-wise tile loads (K not a static multiple of 8): 8 warps of
/// 64 × 32, so that each thread loads half as many chunks and holds half
/// the accumulators (4 warps of 64 × 64 spilled there).
constexpr MmaTiling kElementTiling = {128, 128, 32, 4, 2, 4};
static_assert(kAsyncTiling.valid() && kElementTiling.valid());
/// Row tiles per group of the block order.
constexpr int64_t kGroupRows = 8;

/// Whether the tiles can be filled by 16-byte cp.async copies: rows are
/// 16-byte aligned when K is a multiple of 8.
static bool asyncCopiesApply(const LinearSpec &spec) {
  int64_t depth = spec.staticDepth();
  return !ShapedType::isDynamic(depth) && depth % 8 == 0;
}

/// Builds the kernel body; one instance per kernel.
class MmaKernelBuilder : LinearKernelBuilderBase {
public:
  MmaKernelBuilder(OpBuilder &b, Location loc, gpu::GPUFuncOp func,
                   const LinearSpec &spec, const MmaTiling &t)
      : LinearKernelBuilderBase(b, loc, func, spec), t(t),
        elementType(cast<MemRefType>(spec.inputType).getElementType()),
        asyncCopies(asyncCopiesApply(spec)) {
    shared = sharedPointer(
        m, dynamicSharedBuffer(b, loc, {t.ringBytes()}, b.getI8Type(), 0));
  }

  void build();

private:
  std::pair<Value, Value> blockTile();
  /// One 16-byte chunk a thread copies into each stage: the source row
  /// (clamped to row 0 when it does not exist), whether it exists, the
  /// chunk's first k within the stage and its byte offset in the tile.
  struct ChunkCopy {
    Value rowPointer, rowExists, kInStage, sharedOffset;
  };

  Value sharedAt(Value byteOffset) {
    return offsetPointer(m, shared, b.getI8Type(), byteOffset);
  }

  /// Byte offset of 16-byte chunk `chunk` of row `row` in a tile.
  Value swizzledOffset(Value row, Value chunk) {
    Value phase = m.rem(m.div(row, t.rowsPerLine()), t.chunksPerRow());
    Value physical = arith::XOrIOp::create(b, loc, chunk, phase);
    return m.add(m.mul(row, m.i32(t.rowBytes())), m.mul(physical, m.i32(16)));
  }

  SmallVector<ChunkCopy> planCopies(int64_t tileRows, Value matrix,
                                    bool isWeight);
  void issueCopies(ArrayRef<ChunkCopy> copies, Type elementType,
                   Value stageOffset, Value kTile);
  void issueStage(Value kTile, Value stage);
  SmallVector<Value> computeStage(Value stage, ValueRange acc);
  SmallVector<Value> loadFragments(Value address);
  void storeResults(ValueRange acc);
  /// The index of accumulator register `r` of mma tile (mi, ni).
  int64_t accIndex(int64_t mi, int64_t ni, int64_t r) const {
    return (mi * t.nTiles() + ni) * 4 + r;
  }

  const MmaTiling &t;
  Type elementType;
  bool asyncCopies;
  Value shared;

  Value lane, warpM, warpN, firstRow, firstColumn;
  SmallVector<ChunkCopy> inputCopies, weightCopies;
  /// Per k16 step: this lane's ldmatrix byte offsets in the A and B tiles.
  SmallVector<Value> aLaneOffsets, bLaneOffsets;
};
} // namespace

SmallVector<MmaKernelBuilder::ChunkCopy>
MmaKernelBuilder::planCopies(int64_t tileRows, Value matrix, bool isWeight) {
  Value tid = m.threadIdx();
  SmallVector<ChunkCopy> copies;
  for (int64_t c = 0; c < tileRows * t.chunksPerRow() / t.threads(); ++c) {
    Value id = m.add(tid, m.i32(c * t.threads()));
    Value tileRow = m.div(id, t.chunksPerRow());
    Value chunk = m.rem(id, t.chunksPerRow());
    auto [row, exists] =
        isWeight ? weightRowOfTileRow(m, operands, firstColumn, tileRow,
                                      t.warpCols())
                 : std::pair<Value, Value>{
                       m.add(firstRow, tileRow),
                       m.lt(m.add(firstRow, tileRow), operands.rows)};
    copies.push_back({rowPointer(matrix, elementType, m.orZero(exists, row)),
                      exists, m.mul(chunk, m.i32(8)),
                      swizzledOffset(tileRow, chunk)});
  }
  return copies;
}

void MmaKernelBuilder::issueCopies(ArrayRef<ChunkCopy> copies, Type type,
                                   Value stageOffset, Value kTile) {
  Value kFirst = m.mul(kTile, m.i32(t.depth));
  for (const ChunkCopy &copy : copies) {
    Value k = m.add(kFirst, copy.kInStage);
    Value destination = sharedAt(m.add(stageOffset, copy.sharedOffset));
    if (asyncCopies) {
      // K is a multiple of 8: a chunk is wholly inside K or wholly past it;
      // cp.async zero-fills the 16 bytes when it copies none.
      Value inside = inDepth(copy.rowExists, k);
      Value bytes = m.select(inside, m.i32(16), m.i32(0));
      Value kRead = m.orZero(inside, k);
      Value source = offsetPointer(m, copy.rowPointer, type, m.toI64(kRead));
      NVVM::CpAsyncOp::create(b, loc, destination, source, 16,
                              NVVM::LoadCacheModifierKind::CG, bytes);
      continue;
    }
    // Element by element, each stored as loaded: few registers live next
    // to the accumulators.
    Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(type, 0.0));
    for (int64_t i = 0; i < 8; ++i) {
      Value ki = m.add(k, m.i32(i));
      Value inside = inDepth(copy.rowExists, ki);
      Value kRead = m.orZero(inside, ki);
      Value loaded = LLVM::LoadOp::create(
          b, loc, type, offsetPointer(m, copy.rowPointer, type, m.toI64(kRead)),
          2);
      LLVM::StoreOp::create(b, loc, m.select(inside, loaded, zero),
                            offsetPointer(m, destination, type, m.i64(i)), 2);
    }
  }
}

void MmaKernelBuilder::issueStage(Value kTile, Value stage) {
  Value stageOffset = m.mul(stage, m.i32(t.stageBytes()));
  issueCopies(inputCopies, elementType, stageOffset, kTile);
  issueCopies(weightCopies, elementType,
              m.add(stageOffset, m.i32(t.aTileBytes())), kTile);
}

SmallVector<Value> MmaKernelBuilder::loadFragments(Value address) {
  MLIRContext *ctx = b.getContext();
  Type i32 = b.getI32Type();
  auto resultType = LLVM::LLVMStructType::getLiteral(ctx, {i32, i32, i32, i32});
  Value loaded = NVVM::LdMatrixOp::create(
      b, loc, resultType, address, 4, NVVM::MMALayout::row,
      NVVM::LdStMatrixShapeAttr::get(ctx, 8, 8), NVVM::LdStMatrixEltType::B16);
  // bf16 mma operands are i32 registers; f16 ones are f16 pairs.
  Type registerType =
      elementType.isBF16() ? i32 : Type(VectorType::get({2}, elementType));
  SmallVector<Value> registers;
  for (int64_t i = 0; i < 4; ++i) {
    Value reg = LLVM::ExtractValueOp::create(b, loc, loaded, i);
    if (registerType != i32)
      reg = LLVM::BitcastOp::create(b, loc, registerType, reg);
    registers.push_back(reg);
  }
  return registers;
}

SmallVector<Value> MmaKernelBuilder::computeStage(Value stage, ValueRange acc) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  auto accType = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
  NVVM::MMATypes multiplicand =
      elementType.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  SmallVector<Value> result(acc.begin(), acc.end());
  Value aTile = m.mul(stage, m.i32(t.stageBytes()));
  Value bTile = m.add(aTile, m.i32(t.aTileBytes()));
  for (int64_t kk = 0; kk < t.depth / 16; ++kk) {
    SmallVector<SmallVector<Value>> aFragments, bFragments;
    for (int64_t mi = 0; mi < t.mTiles(); ++mi)
      aFragments.push_back(loadFragments(sharedAt(m.add(
          aTile, m.add(aLaneOffsets[kk], m.i32(mi * 16 * t.rowBytes()))))));
    for (int64_t nj = 0; nj < t.nTiles() / 2; ++nj) {
      SmallVector<Value> pair = loadFragments(sharedAt(m.add(
          bTile, m.add(bLaneOffsets[kk], m.i32(nj * 16 * t.rowBytes())))));
      bFragments.push_back({pair[0], pair[1]});
      bFragments.push_back({pair[2], pair[3]});
    }
    for (int64_t mi = 0; mi < t.mTiles(); ++mi) {
      for (int64_t ni = 0; ni < t.nTiles(); ++ni) {
        SmallVector<Value> c;
        for (int64_t r = 0; r < 4; ++r)
          c.push_back(result[accIndex(mi, ni, r)]);
        Value d = NVVM::MmaOp::create(
            b, loc, accType, aFragments[mi], bFragments[ni], c, {16, 8, 16},
            std::nullopt, std::nullopt,
            std::array<NVVM::MMATypes, 2>{multiplicand, multiplicand},
            std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                           NVVM::MMALayout::col});
        for (int64_t r = 0; r < 4; ++r)
          result[accIndex(mi, ni, r)] =
              LLVM::ExtractValueOp::create(b, loc, d, r);
      }
    }
  }
  return result;
}

void MmaKernelBuilder::storeResults(ValueRange acc) {
  // Accumulator registers r = 0, 1 hold columns 2·(lane % 4) + {0, 1} of
  // row lane / 4 of an mma tile; r = 2, 3 the same columns 8 rows down.
  int64_t columnTiles = spec.gated ? t.nTiles() / 2 : t.nTiles();
  int64_t warpColumns = spec.gated ? t.warpCols() / 2 : t.warpCols();
  int64_t columns = spec.staticColumns();
  bool wholePairs = !ShapedType::isDynamic(columns) && columns % 2 == 0;
  Value laneRow = m.div(lane, 4);
  Value laneColumn = m.mul(m.rem(lane, 4), m.i32(2));
  Value warpRow = m.add(firstRow, m.mul(warpM, m.i32(t.warpRows())));
  Value warpColumn = m.add(firstColumn, m.mul(warpN, m.i32(warpColumns)));
  for (int64_t mi = 0; mi < t.mTiles(); ++mi) {
    for (int64_t ni = 0; ni < columnTiles; ++ni) {
      Value column = m.add(warpColumn, m.add(laneColumn, m.i32(ni * 8)));
      for (int64_t half = 0; half < 2; ++half) {
        Value row = m.add(warpRow, m.add(laneRow, m.i32(mi * 16 + half * 8)));
        SmallVector<Value> pair = {acc[accIndex(mi, ni, 2 * half)],
                                   acc[accIndex(mi, ni, 2 * half + 1)]};
        SmallVector<Value> up;
        if (spec.gated)
          up = {acc[accIndex(mi, ni + columnTiles, 2 * half)],
                acc[accIndex(mi, ni + columnTiles, 2 * half + 1)]};
        storeEpilogue(m, operands, row, column, pair, up, wholePairs);
      }
    }
  }
}

/// The (row, column) tile of this block: linear block ids walk down a group
/// of kGroupRows row tiles, then on to the next column tile, and on to
/// the next group after the last column.
std::pair<Value, Value> MmaKernelBuilder::blockTile() {
  Value columnTiles =
      m.toI32(gpu::GridDimOp::create(b, loc, gpu::Dimension::x));
  Value rowTiles = m.toI32(gpu::GridDimOp::create(b, loc, gpu::Dimension::y));
  Value id = m.add(m.mul(m.blockIdx(gpu::Dimension::y), columnTiles),
                   m.blockIdx(gpu::Dimension::x));
  Value groupSize = m.mul(columnTiles, m.i32(kGroupRows));
  Value groupFirstRow = m.mul(m.div(id, groupSize), m.i32(kGroupRows));
  Value rowsInGroup = m.min(m.sub(rowTiles, groupFirstRow), m.i32(kGroupRows));
  Value inGroup = m.rem(id, groupSize);
  return {m.add(groupFirstRow, m.rem(inGroup, rowsInGroup)),
          m.div(inGroup, rowsInGroup)};
}

void MmaKernelBuilder::build() {
  Value tid = m.threadIdx();
  Value warp = m.div(tid, 32);
  lane = m.rem(tid, 32);
  warpM = m.rem(warp, t.warpsM);
  warpN = m.div(warp, t.warpsM);
  int64_t outputColumns = spec.gated ? t.blockCols / 2 : t.blockCols;
  auto [rowTile, columnTile] = blockTile();
  firstRow = m.mul(rowTile, m.i32(t.blockRows));
  firstColumn = m.mul(columnTile, m.i32(outputColumns));
  inputCopies = planCopies(t.blockRows, operands.input, /*isWeight=*/false);
  weightCopies = planCopies(t.blockCols, operands.weight, /*isWeight=*/true);

  // ldmatrix.x4 row addresses. A (16 × 16 per m tile): lanes 0-15 give rows
  // 0-15 at k 0-7, lanes 16-31 the same rows at k 8-15 (registers a0-a3 in
  // mma order). B (two n8 tiles): lanes 0-7 / 8-15 give weight rows 0-7 at
  // k 0-7 / 8-15, lanes 16-31 rows 8-15 likewise.
  Value aRow = m.add(m.mul(warpM, m.i32(t.warpRows())), m.rem(lane, 16));
  Value bRow = m.add(m.mul(warpN, m.i32(t.warpCols())),
                     m.add(m.mul(m.div(lane, 16), m.i32(8)), m.rem(lane, 8)));
  for (int64_t kk = 0; kk < t.depth / 16; ++kk) {
    aLaneOffsets.push_back(
        swizzledOffset(aRow, m.add(m.i32(2 * kk), m.div(lane, 16))));
    bLaneOffsets.push_back(
        swizzledOffset(bRow, m.add(m.i32(2 * kk), m.rem(m.div(lane, 8), 2))));
  }

  Value kTiles = m.div(m.add(operands.depth, m.i32(t.depth - 1)), t.depth);
  auto commit = [&] {
    if (asyncCopies)
      NVVM::CpAsyncCommitGroupOp::create(b, loc);
  };
  auto issueIfInside = [&](Value kTile, Value stage) {
    auto inside = scf::IfOp::create(b, loc, m.lt(kTile, kTiles), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(inside.thenBlock());
    issueStage(kTile, stage);
  };
  for (int64_t s = 0; s < t.stages - 1; ++s) {
    issueIfInside(m.i32(s), m.i32(s));
    commit();
  }

  SmallVector<Value> zeros(t.mTiles() * t.nTiles() * 4, m.f32(0.0));
  auto loop = scf::ForOp::create(
      b, loc, m.i32(0), kTiles, m.i32(1), zeros,
      [&](OpBuilder &, Location, Value kTile, ValueRange acc) {
        // Stage kTile has landed (at most stages - 2 younger groups are in
        // flight) and every warp is done with the stage refilled next.
        if (asyncCopies)
          NVVM::CpAsyncWaitGroupOp::create(b, loc, t.stages - 2);
        barrier(b, loc);
        Value next = m.add(kTile, m.i32(t.stages - 1));
        issueIfInside(next, m.rem(next, t.stages));
        commit();
        scf::YieldOp::create(b, loc, computeStage(m.rem(kTile, t.stages), acc));
      });
  storeResults(loop.getResults());
}

LinearKernel gpu_lowering::buildMmaLinearKernel(OpBuilder &b, Operation *anchor,
                                                const LinearSpec &spec) {
  OpBuilder::InsertionGuard guard(b);
  Type elementType = cast<MemRefType>(spec.inputType).getElementType();
  const MmaTiling &t = asyncCopiesApply(spec) ? kAsyncTiling : kElementTiling;
  gpu::GPUFuncOp func = createKernel(
      b, anchor, elementType.isBF16() ? "linear_mma_bf16" : "linear_mma_f16",
      spec.argumentTypes(b.getContext()), {}, {t.threads(), 1, 1});
  MmaKernelBuilder(b, anchor->getLoc(), func, spec, t).build();
  return {func,
          {t.threads(), 1, 1},
          t.blockRows,
          spec.gated ? t.blockCols / 2 : t.blockCols,
          t.ringBytes()};
}
