//===- LinearGemvKernel.cpp - tfm.linear for a few rows (decoding) --------===//
//
// With at most kGemvMaxRows rows of x the product is bound by reading W
// once; a tensor-core tile of 128 rows would leave most of it idle and put
// few blocks on the weight. Here each warp owns 4 weight rows (4 output
// columns, or gated 2 columns' gate and up rows) and streams them in 16-byte
// chunks, lane l taking chunks l, l + 32, ... four chunks per iteration
// (16 loads in flight per lane), so a warp reads 512 contiguous bytes of a
// row at a time. Every chunk is multiplied with the same k range of each
// row of x (read through the non-coherent cache, shared by all warps), so x
// costs 1/4 of W's traffic per row of x. The f32 partial sums are then
// reduced across the warp, and lane 0 applies the epilogue and stores.
//
//===----------------------------------------------------------------------===//
#include "LinearKernels.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

namespace {
struct GemvTiling {
  static constexpr int64_t warps = 4;
  static constexpr int64_t threads = 32 * warps;
  static constexpr int64_t rowsPerWarp = 4; ///< weight rows
  static constexpr int64_t unroll = 4;      ///< chunks per lane per step
  static constexpr int64_t chunkElements = 8;
};
using T = GemvTiling;

class GemvKernelBuilder : LinearKernelBuilderBase {
public:
  GemvKernelBuilder(OpBuilder &b, Location loc, gpu::GPUFuncOp func,
                    const LinearSpec &spec)
      : LinearKernelBuilderBase(b, loc, func, spec),
        elementType(cast<MemRefType>(spec.inputType).getElementType()) {}

  void build();

private:
  /// The chunk at element `offset` of `row` (vector<8 x element>; zeros
  /// unless `valid`).
  Value loadChunk(Value row, Value offset, Value valid);
  /// A chunk's 8 values in f32. Chunks stay 16-bit in registers until used:
  /// half the registers of f32.
  SmallVector<Value> widen(Value chunk);

  Type elementType;
};
} // namespace

Value GemvKernelBuilder::loadChunk(Value row, Value offset, Value valid) {
  auto type = VectorType::get({T::chunkElements}, elementType);
  // Inputs do not change during the kernel: ld.global.nc.
  Value loaded = LLVM::LoadOp::create(
      b, loc, type, offsetPointer(m, row, elementType, offset), 16,
      /*isVolatile=*/false, /*isNonTemporal=*/false, /*isInvariant=*/true);
  Value zeros = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, b.getFloatAttr(elementType, 0.0)));
  return m.select(valid, loaded, zeros);
}

SmallVector<Value> GemvKernelBuilder::widen(Value chunk) {
  auto widened = VectorType::get({T::chunkElements}, b.getF32Type());
  Value values = arith::ExtFOp::create(b, loc, widened, chunk);
  SmallVector<Value> elements;
  for (int64_t i = 0; i < T::chunkElements; ++i)
    elements.push_back(
        LLVM::ExtractElementOp::create(b, loc, values, m.i32(i)));
  return elements;
}

void GemvKernelBuilder::build() {
  Value tid = m.threadIdx();
  Value lane = m.rem(tid, 32);
  Value warp = m.div(tid, 32);
  Value globalWarp =
      m.add(m.mul(m.blockIdx(gpu::Dimension::x), m.i32(T::warps)), warp);
  int64_t columnsPerWarp = spec.gated ? T::rowsPerWarp / 2 : T::rowsPerWarp;
  Value firstColumn = m.mul(globalWarp, m.i32(columnsPerWarp));

  // The warp's weight rows: non-gated, columns firstColumn + r; gated, the
  // gate rows of its columns then their up rows (one group).
  SmallVector<Value> weightRows, weightRowExists;
  for (int64_t r = 0; r < T::rowsPerWarp; ++r) {
    auto [row, exists] =
        weightRowOfTileRow(m, operands, firstColumn, m.i32(r), T::rowsPerWarp);
    weightRows.push_back(
        rowPointer(operands.weight, elementType, m.orZero(exists, row)));
    weightRowExists.push_back(exists);
  }

  Value chunks = m.div(operands.depth, T::chunkElements);
  int64_t chunksPerStep = 32 * T::unroll;
  Value stepChunks = m.i32(chunksPerStep);
  Value steps = m.div(m.add(chunks, m.i32(chunksPerStep - 1)), stepChunks);
  SmallVector<Value> zeros(kGemvMaxRows * T::rowsPerWarp, m.f32(0.0));
  auto accIndex = [](int64_t row, int64_t r) {
    return row * T::rowsPerWarp + r;
  };
  auto loop = scf::ForOp::create(
      b, loc, m.i32(0), steps, m.i32(1), zeros,
      [&](OpBuilder &, Location, Value step, ValueRange accIn) {
        SmallVector<Value> acc(accIn.begin(), accIn.end());
        // All of the step's weight chunks are loaded before any is used.
        SmallVector<Value> offsets, inside;
        SmallVector<SmallVector<Value>> weights; // [u][r]
        for (int64_t u = 0; u < T::unroll; ++u) {
          Value chunk = m.add(m.mul(step, m.i32(chunksPerStep)),
                              m.add(m.i32(u * 32), lane));
          inside.push_back(m.lt(chunk, chunks));
          offsets.push_back(m.toI64(
              m.mul(m.orZero(inside[u], chunk), m.i32(T::chunkElements))));
          weights.emplace_back();
          for (int64_t r = 0; r < T::rowsPerWarp; ++r)
            weights[u].push_back(
                loadChunk(weightRows[r], offsets[u],
                          m.both(inside[u], weightRowExists[r])));
        }
        // Rows of x past M are skipped (a branch uniform across the warp).
        for (int64_t inputRow = 0; inputRow < kGemvMaxRows; ++inputRow) {
          SmallVector<Value> rowAcc;
          for (int64_t r = 0; r < T::rowsPerWarp; ++r)
            rowAcc.push_back(acc[accIndex(inputRow, r)]);
          auto ifRow = scf::IfOp::create(b, loc, ValueRange(rowAcc).getTypes(),
                                         m.lt(m.i32(inputRow), operands.rows),
                                         /*withElseRegion=*/true);
          {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPointToStart(ifRow.thenBlock());
            Value xRow =
                rowPointer(operands.input, elementType, m.i32(inputRow));
            SmallVector<Value> xChunks;
            for (int64_t u = 0; u < T::unroll; ++u)
              xChunks.push_back(loadChunk(xRow, offsets[u], inside[u]));
            SmallVector<Value> updated(rowAcc);
            for (int64_t u = 0; u < T::unroll; ++u) {
              SmallVector<Value> x = widen(xChunks[u]);
              for (int64_t r = 0; r < T::rowsPerWarp; ++r) {
                SmallVector<Value> w = widen(weights[u][r]);
                for (int64_t i = 0; i < T::chunkElements; ++i)
                  updated[r] =
                      math::FmaOp::create(b, loc, w[i], x[i], updated[r]);
              }
            }
            scf::YieldOp::create(b, loc, updated);
            b.setInsertionPointToStart(ifRow.elseBlock());
            scf::YieldOp::create(b, loc, rowAcc);
          }
          for (int64_t r = 0; r < T::rowsPerWarp; ++r)
            acc[accIndex(inputRow, r)] = ifRow.getResult(r);
        }
        scf::YieldOp::create(b, loc, acc);
      });

  Value isLaneZero = m.cmp(arith::CmpIPredicate::eq, lane, m.i32(0));
  int64_t columns = spec.staticColumns();
  bool wholeVectors =
      !ShapedType::isDynamic(columns) && columns % columnsPerWarp == 0;
  for (int64_t inputRow = 0; inputRow < kGemvMaxRows; ++inputRow) {
    auto ifRow =
        scf::IfOp::create(b, loc, m.lt(m.i32(inputRow), operands.rows), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifRow.thenBlock());
    SmallVector<Value> sums;
    for (int64_t r = 0; r < T::rowsPerWarp; ++r)
      sums.push_back(warpAllReduce(
          b, loc, loop.getResult(accIndex(inputRow, r)), ReduceKind::Sum));
    auto ifLane = scf::IfOp::create(b, loc, isLaneZero, false);
    b.setInsertionPointToStart(ifLane.thenBlock());
    ArrayRef<Value> all(sums);
    storeEpilogue(m, operands, m.i32(inputRow), firstColumn,
                  all.take_front(columnsPerWarp),
                  spec.gated ? all.drop_front(columnsPerWarp)
                             : ArrayRef<Value>(),
                  wholeVectors);
  }
}

bool gpu_lowering::gemvApplies(const LinearSpec &spec) {
  int64_t depth = spec.staticDepth();
  return !ShapedType::isDynamic(depth) && depth % T::chunkElements == 0;
}

LinearKernel gpu_lowering::buildGemvLinearKernel(OpBuilder &b,
                                                 Operation *anchor,
                                                 const LinearSpec &spec) {
  OpBuilder::InsertionGuard guard(b);
  gpu::GPUFuncOp func =
      createKernel(b, anchor, "linear_gemv", spec.argumentTypes(b.getContext()),
                   {}, {T::threads, 1, 1});
  GemvKernelBuilder(b, anchor->getLoc(), func, spec).build();
  int64_t columnsPerWarp = spec.gated ? T::rowsPerWarp / 2 : T::rowsPerWarp;
  return {func, {T::threads, 1, 1}, kGemvMaxRows, T::warps * columnsPerWarp};
}
