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
    shared = basePointer(
        b, loc, dynamicSharedBuffer(b, loc, {t.ringBytes()}, b.getI8Type(), 0),
        3);
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
    return elementPointer(b, loc, shared, b.getI8Type(), byteOffset);
  }

  /// Byte offset of 16-byte chunk `chunk` of row `row` in a tile.
  Value swizzledOffset(Value row, Value chunk) {
    Value phase = rem(div(row, t.rowsPerLine()), t.chunksPerRow());
    Value physical = arith::XOrIOp::create(b, loc, chunk, phase);
    return add(mul(row, c32(t.rowBytes())), mul(physical, c32(16)));
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
  Value tid = toI32(b, loc, threadId(b, loc, gpu::Dimension::x));
  SmallVector<ChunkCopy> copies;
  for (int64_t c = 0; c < tileRows * t.chunksPerRow() / t.threads(); ++c) {
    Value id = add(tid, c32(c * t.threads()));
    Value tileRow = div(id, t.chunksPerRow());
    Value chunk = rem(id, t.chunksPerRow());
    auto [row, exists] = isWeight
                             ? weightRowOfTileRow(b, loc, operands, firstColumn,
                                                  tileRow, t.warpCols())
                             : std::pair<Value, Value>{
                                   add(firstRow, tileRow),
                                   ult(add(firstRow, tileRow), operands.rows)};
    copies.push_back({rowPointer(matrix, elementType, orZero(exists, row)),
                      exists, mul(chunk, c32(8)),
                      swizzledOffset(tileRow, chunk)});
  }
  return copies;
}

void MmaKernelBuilder::issueCopies(ArrayRef<ChunkCopy> copies, Type type,
                                   Value stageOffset, Value kTile) {
  Value kFirst = mul(kTile, c32(t.depth));
  for (const ChunkCopy &copy : copies) {
    Value k = add(kFirst, copy.kInStage);
    Value destination = sharedAt(add(stageOffset, copy.sharedOffset));
    if (asyncCopies) {
      // K is a multiple of 8: a chunk is wholly inside K or wholly past it;
      // cp.async zero-fills the 16 bytes when it copies none.
      Value inside = inDepth(copy.rowExists, k);
      Value bytes = arith::SelectOp::create(b, loc, inside, c32(16), c32(0));
      Value kRead = orZero(inside, k);
      Value source =
          elementPointer(b, loc, copy.rowPointer, type, toI64(b, loc, kRead));
      NVVM::CpAsyncOp::create(b, loc, destination, source, 16,
                              NVVM::LoadCacheModifierKind::CG, bytes);
      continue;
    }
    // Element by element, each stored as loaded: few registers live next
    // to the accumulators.
    Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(type, 0.0));
    for (int64_t i = 0; i < 8; ++i) {
      Value ki = add(k, c32(i));
      Value inside = inDepth(copy.rowExists, ki);
      Value kRead = orZero(inside, ki);
      Value loaded = LLVM::LoadOp::create(
          b, loc, type,
          elementPointer(b, loc, copy.rowPointer, type, toI64(b, loc, kRead)),
          2);
      LLVM::StoreOp::create(
          b, loc, arith::SelectOp::create(b, loc, inside, loaded, zero),
          elementPointer(b, loc, destination, type, i64Constant(b, loc, i)), 2);
    }
  }
}

void MmaKernelBuilder::issueStage(Value kTile, Value stage) {
  Value stageOffset = mul(stage, c32(t.stageBytes()));
  issueCopies(inputCopies, elementType, stageOffset, kTile);
  issueCopies(weightCopies, elementType, add(stageOffset, c32(t.aTileBytes())),
              kTile);
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
  Value aTile = mul(stage, c32(t.stageBytes()));
  Value bTile = add(aTile, c32(t.aTileBytes()));
  for (int64_t kk = 0; kk < t.depth / 16; ++kk) {
    SmallVector<SmallVector<Value>> aFragments, bFragments;
    for (int64_t mi = 0; mi < t.mTiles(); ++mi)
      aFragments.push_back(loadFragments(sharedAt(
          add(aTile, add(aLaneOffsets[kk], c32(mi * 16 * t.rowBytes()))))));
    for (int64_t nj = 0; nj < t.nTiles() / 2; ++nj) {
      SmallVector<Value> pair = loadFragments(sharedAt(
          add(bTile, add(bLaneOffsets[kk], c32(nj * 16 * t.rowBytes())))));
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
  Value laneRow = div(lane, 4);
  Value laneColumn = mul(rem(lane, 4), c32(2));
  Value warpRow = add(firstRow, mul(warpM, c32(t.warpRows())));
  Value warpColumn = add(firstColumn, mul(warpN, c32(warpColumns)));
  for (int64_t mi = 0; mi < t.mTiles(); ++mi) {
    for (int64_t ni = 0; ni < columnTiles; ++ni) {
      Value column = add(warpColumn, add(laneColumn, c32(ni * 8)));
      for (int64_t half = 0; half < 2; ++half) {
        Value row = add(warpRow, add(laneRow, c32(mi * 16 + half * 8)));
        SmallVector<Value> pair = {acc[accIndex(mi, ni, 2 * half)],
                                   acc[accIndex(mi, ni, 2 * half + 1)]};
        SmallVector<Value> up;
        if (spec.gated)
          up = {acc[accIndex(mi, ni + columnTiles, 2 * half)],
                acc[accIndex(mi, ni + columnTiles, 2 * half + 1)]};
        storeEpilogue(b, loc, operands, row, column, pair, up, wholePairs);
      }
    }
  }
}

/// The (row, column) tile of this block: linear block ids walk down a group
/// of kGroupRows row tiles, then on to the next column tile, and on to
/// the next group after the last column.
std::pair<Value, Value> MmaKernelBuilder::blockTile() {
  auto index = [&](Value v) { return toI32(b, loc, v); };
  Value columnTiles = index(gpu::GridDimOp::create(b, loc, gpu::Dimension::x));
  Value rowTiles = index(gpu::GridDimOp::create(b, loc, gpu::Dimension::y));
  Value id = add(mul(index(blockId(b, loc, gpu::Dimension::y)), columnTiles),
                 index(blockId(b, loc, gpu::Dimension::x)));
  Value groupSize = mul(columnTiles, c32(kGroupRows));
  Value groupFirstRow =
      mul(arith::DivUIOp::create(b, loc, id, groupSize), c32(kGroupRows));
  Value rowsInGroup = arith::MinUIOp::create(
      b, loc, arith::SubIOp::create(b, loc, rowTiles, groupFirstRow),
      c32(kGroupRows));
  Value inGroup = arith::RemUIOp::create(b, loc, id, groupSize);
  return {
      add(groupFirstRow, arith::RemUIOp::create(b, loc, inGroup, rowsInGroup)),
      arith::DivUIOp::create(b, loc, inGroup, rowsInGroup)};
}

void MmaKernelBuilder::build() {
  Value tid = toI32(b, loc, threadId(b, loc, gpu::Dimension::x));
  Value warp = div(tid, 32);
  lane = rem(tid, 32);
  warpM = rem(warp, t.warpsM);
  warpN = div(warp, t.warpsM);
  int64_t outputColumns = spec.gated ? t.blockCols / 2 : t.blockCols;
  auto [rowTile, columnTile] = blockTile();
  firstRow = mul(rowTile, c32(t.blockRows));
  firstColumn = mul(columnTile, c32(outputColumns));
  inputCopies = planCopies(t.blockRows, operands.input, /*isWeight=*/false);
  weightCopies = planCopies(t.blockCols, operands.weight, /*isWeight=*/true);

  // ldmatrix.x4 row addresses. A (16 × 16 per m tile): lanes 0-15 give rows
  // 0-15 at k 0-7, lanes 16-31 the same rows at k 8-15 (registers a0-a3 in
  // mma order). B (two n8 tiles): lanes 0-7 / 8-15 give weight rows 0-7 at
  // k 0-7 / 8-15, lanes 16-31 rows 8-15 likewise.
  Value aRow = add(mul(warpM, c32(t.warpRows())), rem(lane, 16));
  Value bRow = add(mul(warpN, c32(t.warpCols())),
                   add(mul(div(lane, 16), c32(8)), rem(lane, 8)));
  for (int64_t kk = 0; kk < t.depth / 16; ++kk) {
    aLaneOffsets.push_back(
        swizzledOffset(aRow, add(c32(2 * kk), div(lane, 16))));
    bLaneOffsets.push_back(
        swizzledOffset(bRow, add(c32(2 * kk), rem(div(lane, 8), 2))));
  }

  Value kTiles = div(add(operands.depth, c32(t.depth - 1)), t.depth);
  auto commit = [&] {
    if (asyncCopies)
      NVVM::CpAsyncCommitGroupOp::create(b, loc);
  };
  auto issueIfInside = [&](Value kTile, Value stage) {
    auto inside = scf::IfOp::create(b, loc, ult(kTile, kTiles), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(inside.thenBlock());
    issueStage(kTile, stage);
  };
  for (int64_t s = 0; s < t.stages - 1; ++s) {
    issueIfInside(c32(s), c32(s));
    commit();
  }

  SmallVector<Value> zeros(t.mTiles() * t.nTiles() * 4,
                           f32Constant(b, loc, 0.0));
  auto loop = scf::ForOp::create(
      b, loc, c32(0), kTiles, c32(1), zeros,
      [&](OpBuilder &, Location, Value kTile, ValueRange acc) {
        // Stage kTile has landed (at most stages - 2 younger groups are in
        // flight) and every warp is done with the stage refilled next.
        if (asyncCopies)
          NVVM::CpAsyncWaitGroupOp::create(b, loc, t.stages - 2);
        barrier(b, loc);
        Value next = add(kTile, c32(t.stages - 1));
        issueIfInside(next, rem(next, t.stages));
        commit();
        scf::YieldOp::create(b, loc, computeStage(rem(kTile, t.stages), acc));
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
