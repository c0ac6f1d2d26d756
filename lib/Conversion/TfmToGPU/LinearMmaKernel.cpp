//===- LinearMmaKernel.cpp - tfm.linear on tensor cores -------------------===//
//
// bf16/f16 x·Wᵀ as a tiled GEMM on mma.sync.m16n8k16 with f32 accumulators.
// Both x [M, K] and W [N, K] are K-contiguous, which is what ldmatrix
// (without .trans) delivers as the row-major A and column-major B
// fragments, so neither operand is transposed anywhere.
//
// A block of 8 warps computes a 128 × 128 tile of x·Wᵀ (each warp 64 × 32:
// 4 × 4 mma tiles, 64 accumulators per thread), walking K in steps of 32
// through a 3-stage ring of shared-memory tiles filled by cp.async
// (16-byte copies, zero-filled past the edges of x and W). Rows of a tile
// are 64 bytes; their 16-byte chunks are XOR-swizzled so that the 8 row
// addresses of an ldmatrix phase fall in distinct bank groups. When K is
// not a static multiple of 8 the rows are not 16-byte aligned: the tiles
// are then filled by bounds-checked element loads instead.
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
  static constexpr int64_t blockRows = 128; ///< rows of x per block
  static constexpr int64_t blockCols = 256; ///< weight rows per block
  static constexpr int64_t depth = 32;      ///< K per stage
  static constexpr int64_t stages = 3;
  static constexpr int64_t warpsM = 2, warpsN = 4;

  static constexpr int64_t threads = 32 * warpsM * warpsN;
  static constexpr int64_t warpRows = blockRows / warpsM;
  static constexpr int64_t warpCols = blockCols / warpsN;
  static constexpr int64_t mTiles = warpRows / 16; ///< m16 tiles per warp
  static constexpr int64_t nTiles = warpCols / 8;  ///< n8 tiles per warp
  static constexpr int64_t rowBytes = depth * 2;
  static constexpr int64_t chunksPerRow = rowBytes / 16;
  /// Rows sharing one 128-byte line of banks.
  static constexpr int64_t rowsPerLine = 128 / rowBytes;
  static constexpr int64_t aTileBytes = blockRows * rowBytes;
  static constexpr int64_t stageBytes = (blockRows + blockCols) * rowBytes;
  static constexpr int64_t ringBytes = stages * stageBytes;

  static_assert(chunksPerRow * rowsPerLine == 8, "swizzle assumes 16-128 B rows");
  static_assert(nTiles % 2 == 0, "B fragments are loaded two n8 tiles at a time");
  static_assert(stages >= 2, "cp.async pipelining needs two stages");
};

using T = MmaTiling;

/// Builds the kernel body; one instance per kernel.
class MmaKernelBuilder {
public:
  MmaKernelBuilder(OpBuilder &b, Location loc, gpu::GPUFuncOp func,
                   const LinearSpec &spec)
      : b(b), loc(loc), spec(spec),
        operands(LinearOperands::fromArguments(b, loc, func, spec)),
        elementType(cast<MemRefType>(spec.inputType).getElementType()) {
    shared = basePointer(
        b, loc,
        dynamicSharedBuffer(b, loc, {T::ringBytes}, b.getI8Type(), 0), 3);
    int64_t staticDepth = spec.staticDepth();
    asyncCopies = !ShapedType::isDynamic(staticDepth) && staticDepth % 8 == 0;
  }

  void build();

private:
  /// One 16-byte chunk a thread copies into each stage: the source row
  /// (clamped to row 0 when it does not exist), whether it exists, the
  /// chunk's first k within the stage and its byte offset in the tile.
  struct ChunkCopy {
    Value rowPointer, rowExists, kInStage, sharedOffset;
  };

  Value c32(int64_t v) { return i32Constant(b, loc, v); }
  Value add(Value l, Value r) { return arith::AddIOp::create(b, loc, l, r); }
  Value mul(Value l, Value r) { return arith::MulIOp::create(b, loc, l, r); }
  Value div(Value l, int64_t r) { return arith::DivUIOp::create(b, loc, l, c32(r)); }
  Value rem(Value l, int64_t r) { return arith::RemUIOp::create(b, loc, l, c32(r)); }
  Value ult(Value l, Value r) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, l, r);
  }
  Value sharedAt(Value byteOffset) {
    return elementPointer(b, loc, shared, b.getI8Type(), byteOffset);
  }

  /// Byte offset of 16-byte chunk `chunk` of row `row` in a tile.
  Value swizzledOffset(Value row, Value chunk) {
    Value phase = rem(div(row, T::rowsPerLine), T::chunksPerRow);
    Value physical = arith::XOrIOp::create(b, loc, chunk, phase);
    return add(mul(row, c32(T::rowBytes)), mul(physical, c32(16)));
  }

  SmallVector<ChunkCopy> planCopies(int64_t tileRows, Value matrix,
                                    bool isWeight);
  void issueCopies(ArrayRef<ChunkCopy> copies, Type elementType,
                   Value stageOffset, Value kTile);
  void issueStage(Value kTile, Value stage);
  SmallVector<Value> computeStage(Value stage, ValueRange acc);
  SmallVector<Value> loadFragments(Value address);
  void storeResults(ValueRange acc);

  OpBuilder &b;
  Location loc;
  const LinearSpec &spec;
  LinearOperands operands;
  Type elementType;
  Value shared;
  bool asyncCopies;

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
  for (int64_t c = 0; c < tileRows * T::chunksPerRow / T::threads; ++c) {
    Value id = add(tid, c32(c * T::threads));
    Value tileRow = div(id, T::chunksPerRow);
    Value chunk = rem(id, T::chunksPerRow);
    auto [row, exists] =
        isWeight ? weightRowOfTileRow(b, loc, operands, firstColumn, tileRow,
                                      T::warpCols)
                 : std::pair<Value, Value>{add(firstRow, tileRow),
                                           ult(add(firstRow, tileRow),
                                               operands.rows)};
    Value clamped = arith::SelectOp::create(b, loc, exists, row, c32(0));
    Value rowStart = arith::MulIOp::create(b, loc, toI64(b, loc, clamped),
                                           toI64(b, loc, operands.depth));
    copies.push_back({elementPointer(b, loc, matrix, elementType, rowStart),
                      exists, mul(chunk, c32(8)),
                      swizzledOffset(tileRow, chunk)});
  }
  return copies;
}

void MmaKernelBuilder::issueCopies(ArrayRef<ChunkCopy> copies, Type type,
                                   Value stageOffset, Value kTile) {
  Value kFirst = mul(kTile, c32(T::depth));
  for (const ChunkCopy &copy : copies) {
    Value k = add(kFirst, copy.kInStage);
    Value destination = sharedAt(add(stageOffset, copy.sharedOffset));
    if (asyncCopies) {
      // K is a multiple of 8: a chunk is wholly inside K or wholly past it;
      // cp.async zero-fills the 16 bytes when it copies none.
      Value inside = arith::AndIOp::create(b, loc, copy.rowExists,
                                           ult(k, operands.depth));
      Value bytes = arith::SelectOp::create(b, loc, inside, c32(16), c32(0));
      Value kRead = arith::SelectOp::create(b, loc, inside, k, c32(0));
      Value source = elementPointer(b, loc, copy.rowPointer, type,
                                    toI64(b, loc, kRead));
      NVVM::CpAsyncOp::create(b, loc, destination, source, 16,
                              NVVM::LoadCacheModifierKind::CG, bytes);
      continue;
    }
    Value chunk = LLVM::PoisonOp::create(b, loc, VectorType::get({8}, type));
    Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(type, 0.0));
    for (int64_t i = 0; i < 8; ++i) {
      Value ki = add(k, c32(i));
      Value inside = arith::AndIOp::create(b, loc, copy.rowExists,
                                           ult(ki, operands.depth));
      Value kRead = arith::SelectOp::create(b, loc, inside, ki, c32(0));
      Value loaded = LLVM::LoadOp::create(
          b, loc, type,
          elementPointer(b, loc, copy.rowPointer, type, toI64(b, loc, kRead)),
          2);
      chunk = LLVM::InsertElementOp::create(
          b, loc, chunk, arith::SelectOp::create(b, loc, inside, loaded, zero),
          c32(i));
    }
    LLVM::StoreOp::create(b, loc, chunk, destination, 16);
  }
}

void MmaKernelBuilder::issueStage(Value kTile, Value stage) {
  Value stageOffset = mul(stage, c32(T::stageBytes));
  issueCopies(inputCopies, elementType, stageOffset, kTile);
  issueCopies(weightCopies, elementType, add(stageOffset, c32(T::aTileBytes)),
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
  Type registerType = elementType.isBF16()
                          ? i32
                          : Type(VectorType::get({2}, elementType));
  SmallVector<Value> registers;
  for (int64_t i = 0; i < 4; ++i) {
    Value reg = LLVM::ExtractValueOp::create(b, loc, loaded, i);
    if (registerType != i32)
      reg = LLVM::BitcastOp::create(b, loc, registerType, reg);
    registers.push_back(reg);
  }
  return registers;
}

/// The index of accumulator register `r` of mma tile (mi, ni).
static int64_t accIndex(int64_t mi, int64_t ni, int64_t r) {
  return (mi * T::nTiles + ni) * 4 + r;
}

SmallVector<Value> MmaKernelBuilder::computeStage(Value stage, ValueRange acc) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  auto accType = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
  NVVM::MMATypes multiplicand =
      elementType.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  SmallVector<Value> result(acc.begin(), acc.end());
  Value aTile = mul(stage, c32(T::stageBytes));
  Value bTile = add(aTile, c32(T::aTileBytes));
  for (int64_t kk = 0; kk < T::depth / 16; ++kk) {
    SmallVector<SmallVector<Value>> aFragments, bFragments;
    for (int64_t mi = 0; mi < T::mTiles; ++mi)
      aFragments.push_back(loadFragments(sharedAt(
          add(aTile, add(aLaneOffsets[kk], c32(mi * 16 * T::rowBytes))))));
    for (int64_t nj = 0; nj < T::nTiles / 2; ++nj) {
      SmallVector<Value> pair = loadFragments(sharedAt(
          add(bTile, add(bLaneOffsets[kk], c32(nj * 16 * T::rowBytes)))));
      bFragments.push_back({pair[0], pair[1]});
      bFragments.push_back({pair[2], pair[3]});
    }
    for (int64_t mi = 0; mi < T::mTiles; ++mi) {
      for (int64_t ni = 0; ni < T::nTiles; ++ni) {
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
          result[accIndex(mi, ni, r)] = LLVM::ExtractValueOp::create(b, loc, d, r);
      }
    }
  }
  return result;
}

void MmaKernelBuilder::storeResults(ValueRange acc) {
  // Accumulator registers r = 0, 1 hold columns 2·(lane % 4) + {0, 1} of
  // row lane / 4 of an mma tile; r = 2, 3 the same columns 8 rows down.
  int64_t columnTiles = spec.gated ? T::nTiles / 2 : T::nTiles;
  int64_t warpColumns = spec.gated ? T::warpCols / 2 : T::warpCols;
  int64_t columns = spec.staticColumns();
  bool wholePairs = !ShapedType::isDynamic(columns) && columns % 2 == 0;
  Value laneRow = div(lane, 4);
  Value laneColumn = mul(rem(lane, 4), c32(2));
  Value warpRow = add(firstRow, mul(warpM, c32(T::warpRows)));
  Value warpColumn = add(firstColumn, mul(warpN, c32(warpColumns)));
  for (int64_t mi = 0; mi < T::mTiles; ++mi) {
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

void MmaKernelBuilder::build() {
  Value tid = toI32(b, loc, threadId(b, loc, gpu::Dimension::x));
  Value warp = div(tid, 32);
  lane = rem(tid, 32);
  warpM = rem(warp, T::warpsM);
  warpN = div(warp, T::warpsM);
  int64_t outputColumns = spec.gated ? T::blockCols / 2 : T::blockCols;
  firstRow = mul(toI32(b, loc, blockId(b, loc, gpu::Dimension::y)),
                 c32(T::blockRows));
  firstColumn = mul(toI32(b, loc, blockId(b, loc, gpu::Dimension::x)),
                    c32(outputColumns));
  inputCopies = planCopies(T::blockRows, operands.input, /*isWeight=*/false);
  weightCopies = planCopies(T::blockCols, operands.weight, /*isWeight=*/true);

  // ldmatrix.x4 row addresses. A (16 × 16 per m tile): lanes 0-15 give rows
  // 0-15 at k 0-7, lanes 16-31 the same rows at k 8-15 (registers a0-a3 in
  // mma order). B (two n8 tiles): lanes 0-7 / 8-15 give weight rows 0-7 at
  // k 0-7 / 8-15, lanes 16-31 rows 8-15 likewise.
  Value aRow = add(mul(warpM, c32(T::warpRows)), rem(lane, 16));
  Value bRow = add(mul(warpN, c32(T::warpCols)),
                   add(mul(div(lane, 16), c32(8)), rem(lane, 8)));
  for (int64_t kk = 0; kk < T::depth / 16; ++kk) {
    aLaneOffsets.push_back(
        swizzledOffset(aRow, add(c32(2 * kk), div(lane, 16))));
    bLaneOffsets.push_back(
        swizzledOffset(bRow, add(c32(2 * kk), rem(div(lane, 8), 2))));
  }

  Value kTiles = div(add(operands.depth, c32(T::depth - 1)), T::depth);
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
  for (int64_t s = 0; s < T::stages - 1; ++s) {
    issueIfInside(c32(s), c32(s));
    commit();
  }

  SmallVector<Value> zeros(T::mTiles * T::nTiles * 4,
                           f32Constant(b, loc, 0.0));
  auto loop = scf::ForOp::create(
      b, loc, c32(0), kTiles, c32(1), zeros,
      [&](OpBuilder &, Location, Value kTile, ValueRange acc) {
        // Stage kTile has landed (at most stages - 2 younger groups are in
        // flight) and every warp is done with the stage refilled next.
        if (asyncCopies)
          NVVM::CpAsyncWaitGroupOp::create(b, loc, T::stages - 2);
        barrier(b, loc);
        Value next = add(kTile, c32(T::stages - 1));
        issueIfInside(next, rem(next, T::stages));
        commit();
        scf::YieldOp::create(b, loc, computeStage(rem(kTile, T::stages), acc));
      });
  storeResults(loop.getResults());
}

LinearKernel gpu_lowering::buildMmaLinearKernel(OpBuilder &b,
                                                Operation *anchor,
                                                const LinearSpec &spec) {
  OpBuilder::InsertionGuard guard(b);
  Type elementType = cast<MemRefType>(spec.inputType).getElementType();
  gpu::GPUFuncOp func = createKernel(
      b, anchor, elementType.isBF16() ? "linear_mma_bf16" : "linear_mma_f16",
      spec.argumentTypes(b.getContext()), {}, {T::threads, 1, 1});
  MmaKernelBuilder(b, anchor->getLoc(), func, spec).build();
  return {func, {T::threads, 1, 1}, T::blockRows,
          spec.gated ? T::blockCols / 2 : T::blockCols, T::ringBytes};
}
