//===- LinearSimtKernel.cpp - tfm.linear on CUDA cores --------------------===//
//
// x·Wᵀ in f32 arithmetic for any float storage (f32 in practice): a block
// of 256 threads computes a 128 × 128 tile, each thread an 8 × 8 register
// tile (rows ty·4 + {0..3} and 64 + ty·4 + {0..3}, likewise columns with
// tx, so that a warp's shared-memory reads are conflict-free 16-byte
// loads). K advances 8 at a time through two shared-memory buffers holding
// the x and W tiles transposed (k-major, rows padded by 4 floats against
// bank conflicts on the transposing stores); the next tile is loaded into
// registers while the current one is multiplied.
//
// Gated, the tile's weight rows are the gate rows of 64 output columns then
// their up rows: a thread's columns tx·4 + c and 64 + tx·4 + c are the gate
// and up of the same output column.
//
//===----------------------------------------------------------------------===//
#include "LinearKernels.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

namespace {
struct SimtTiling {
  static constexpr int64_t blockRows = 128;
  static constexpr int64_t blockCols = 128;
  static constexpr int64_t depth = 8;
  static constexpr int64_t threads = 256;
  static constexpr int64_t threadsN = 16; ///< threads along a tile row
  static constexpr int64_t pad = 4;
  static constexpr int64_t aStride = blockRows + pad; ///< floats per k row
  static constexpr int64_t bStride = blockCols + pad;
  static constexpr int64_t bufferFloats = depth * (aStride + bStride);
  /// Elements of each operand tile one thread loads per step.
  static constexpr int64_t loadsPerThread = blockRows * depth / threads;

  static_assert(loadsPerThread == 4 && blockCols * depth / threads == 4,
                "each thread loads one 4-element k run of x and of W");
};

using T = SimtTiling;

class SimtKernelBuilder : LinearKernelBuilderBase {
public:
  SimtKernelBuilder(OpBuilder &b, Location loc, gpu::GPUFuncOp func,
                    const LinearSpec &spec)
      : LinearKernelBuilderBase(b, loc, func, spec) {
    shared = sharedBasePointer(m, func);
  }

  void build();

private:
  /// The run of 4 elements along k a thread loads from one operand.
  struct RowLoad {
    Value rowPointer, rowExists, tileRow;
    Type elementType;
    bool vectorized; ///< one 16-byte load (f32 storage, K % 4 == 0)
  };

  Value sharedFloat(Value floatOffset) {
    return offsetPointer(m, shared, b.getF32Type(), floatOffset);
  }

  RowLoad planLoad(Value matrix, Type matrixType, Value row, Value exists,
                   Value tileRow);
  SmallVector<Value> load(const RowLoad &plan, Value kTile);
  void storeTransposed(ArrayRef<Value> values, Value buffer, int64_t offset,
                       int64_t stride, Value tileRow);
  SmallVector<Value> multiply(Value buffer, ValueRange acc);

  Value shared;
  Value tx, ty, kInTile;
};
} // namespace

SimtKernelBuilder::RowLoad SimtKernelBuilder::planLoad(Value matrix,
                                                       Type matrixType,
                                                       Value row, Value exists,
                                                       Value tileRow) {
  Type elementType = cast<MemRefType>(matrixType).getElementType();
  int64_t depth = spec.staticDepth();
  bool vectorized = elementType.isF32() && !ShapedType::isDynamic(depth) &&
                    depth % T::loadsPerThread == 0;
  return {rowPointer(matrix, elementType, m.orZero(exists, row)), exists,
          tileRow, elementType, vectorized};
}

SmallVector<Value> SimtKernelBuilder::load(const RowLoad &plan, Value kTile) {
  Value k = m.add(m.mul(kTile, m.i32(T::depth)), kInTile);
  Value zero = m.f32(0.0);
  auto loadAt = [&](Value kRead, Type type, unsigned alignment) -> Value {
    return LLVM::LoadOp::create(
        b, loc, type,
        offsetPointer(m, plan.rowPointer, plan.elementType, m.toI64(kRead)),
        alignment);
  };
  SmallVector<Value> values;
  if (plan.vectorized) {
    // K % 4 == 0: the run is wholly inside K or wholly past it.
    Value inside = inDepth(plan.rowExists, k);
    Value kRead = m.orZero(inside, k);
    Value run = loadAt(kRead, VectorType::get({4}, b.getF32Type()), 16);
    for (int64_t i = 0; i < 4; ++i) {
      Value element = LLVM::ExtractElementOp::create(b, loc, run, m.i32(i));
      values.push_back(m.select(inside, element, zero));
    }
    return values;
  }
  for (int64_t i = 0; i < 4; ++i) {
    Value ki = m.add(k, m.i32(i));
    Value inside = inDepth(plan.rowExists, ki);
    Value kRead = m.orZero(inside, ki);
    Value element =
        convertFloat(b, loc,
                     loadAt(kRead, plan.elementType,
                            plan.elementType.getIntOrFloatBitWidth() / 8),
                     b.getF32Type());
    values.push_back(m.select(inside, element, zero));
  }
  return values;
}

void SimtKernelBuilder::storeTransposed(ArrayRef<Value> values, Value buffer,
                                        int64_t offset, int64_t stride,
                                        Value tileRow) {
  Value base = m.add(m.mul(buffer, m.i32(T::bufferFloats)), m.i32(offset));
  for (auto [i, value] : llvm::enumerate(values)) {
    Value k = m.add(kInTile, m.i32(i));
    LLVM::StoreOp::create(
        b, loc, value,
        sharedFloat(m.add(base, m.add(m.mul(k, m.i32(stride)), tileRow))), 4);
  }
}

SmallVector<Value> SimtKernelBuilder::multiply(Value buffer, ValueRange acc) {
  Type quad = VectorType::get({4}, b.getF32Type());
  Value base = m.mul(buffer, m.i32(T::bufferFloats));
  auto loadQuads = [&](Value tileBase, int64_t stride, Value first, int64_t k) {
    SmallVector<Value> elements;
    for (int64_t half = 0; half < 2; ++half) {
      Value offset =
          m.add(tileBase, m.add(m.i32(k * stride + half * 64), first));
      Value run = LLVM::LoadOp::create(b, loc, quad, sharedFloat(offset), 16);
      for (int64_t i = 0; i < 4; ++i)
        elements.push_back(
            LLVM::ExtractElementOp::create(b, loc, run, m.i32(i)));
    }
    return elements;
  };
  SmallVector<Value> result(acc.begin(), acc.end());
  Value aBase = base;
  Value bBase = m.add(base, m.i32(T::depth * T::aStride));
  Value aFirst = m.mul(ty, m.i32(4));
  Value bFirst = m.mul(tx, m.i32(4));
  for (int64_t k = 0; k < T::depth; ++k) {
    SmallVector<Value> a = loadQuads(aBase, T::aStride, aFirst, k);
    SmallVector<Value> w = loadQuads(bBase, T::bStride, bFirst, k);
    for (int64_t i = 0; i < 8; ++i)
      for (int64_t j = 0; j < 8; ++j)
        result[i * 8 + j] =
            math::FmaOp::create(b, loc, a[i], w[j], result[i * 8 + j]);
  }
  return result;
}

void SimtKernelBuilder::build() {
  Value tid = m.threadIdx();
  tx = m.rem(tid, T::threadsN);
  ty = m.div(tid, T::threadsN);
  int64_t outputColumns = spec.gated ? T::blockCols / 2 : T::blockCols;
  Value firstRow = m.mul(m.blockIdx(gpu::Dimension::y), m.i32(T::blockRows));
  Value firstColumn =
      m.mul(m.blockIdx(gpu::Dimension::x), m.i32(outputColumns));

  // Thread t loads k run (t % 2)·4 of tile row t / 2 of both operands.
  Value tileRow = m.div(tid, 2);
  kInTile = m.mul(m.rem(tid, 2), m.i32(4));
  Value inputRow = m.add(firstRow, tileRow);
  RowLoad inputLoad = planLoad(operands.input, spec.inputType, inputRow,
                               m.lt(inputRow, operands.rows), tileRow);
  auto [weightRow, weightRowExists] =
      weightRowOfTileRow(m, operands, firstColumn, tileRow, T::blockCols);
  RowLoad weightLoad = planLoad(operands.weight, spec.weightType, weightRow,
                                weightRowExists, tileRow);
  int64_t bOffset = T::depth * T::aStride;
  auto stage = [&](ArrayRef<Value> inputRun, ArrayRef<Value> weightRun,
                   Value buffer) {
    storeTransposed(inputRun, buffer, 0, T::aStride, tileRow);
    storeTransposed(weightRun, buffer, bOffset, T::bStride, tileRow);
  };

  Value kTiles = m.div(m.add(operands.depth, m.i32(T::depth - 1)), T::depth);
  stage(load(inputLoad, m.i32(0)), load(weightLoad, m.i32(0)), m.i32(0));
  barrier(b, loc);
  SmallVector<Value> zeros(64, m.f32(0.0));
  auto loop = scf::ForOp::create(
      b, loc, m.i32(0), kTiles, m.i32(1), zeros,
      [&](OpBuilder &, Location, Value kTile, ValueRange acc) {
        // Tile kTile + 1 (zeros past K) is loaded before the multiply so
        // its latency hides behind it, then staged in the other buffer.
        Value buffer = m.rem(kTile, 2);
        Value next = m.add(kTile, m.i32(1));
        SmallVector<Value> inputRun = load(inputLoad, next);
        SmallVector<Value> weightRun = load(weightLoad, next);
        SmallVector<Value> result = multiply(buffer, acc);
        stage(inputRun, weightRun, m.rem(next, 2));
        barrier(b, loc);
        scf::YieldOp::create(b, loc, result);
      });

  int64_t columns = spec.staticColumns();
  bool wholeQuads = !ShapedType::isDynamic(columns) && columns % 4 == 0;
  ValueRange acc = loop.getResults();
  for (int64_t i = 0; i < 8; ++i) {
    Value row = m.add(firstRow,
                      m.add(m.mul(ty, m.i32(4)), m.i32(i % 4 + (i / 4) * 64)));
    auto quad = [&](int64_t q) { return acc.slice(i * 8 + q * 4, 4); };
    if (spec.gated) {
      storeEpilogue(m, operands, row, m.add(firstColumn, m.mul(tx, m.i32(4))),
                    SmallVector<Value>(quad(0)), SmallVector<Value>(quad(1)),
                    wholeQuads);
      continue;
    }
    for (int64_t q = 0; q < 2; ++q)
      storeEpilogue(
          m, operands, row,
          m.add(firstColumn, m.add(m.mul(tx, m.i32(4)), m.i32(q * 64))),
          SmallVector<Value>(quad(q)), {}, wholeQuads);
  }
}

LinearKernel gpu_lowering::buildSimtLinearKernel(OpBuilder &b,
                                                 Operation *anchor,
                                                 const LinearSpec &spec) {
  OpBuilder::InsertionGuard guard(b);
  MemRefType buffers = sharedMemRefType({2 * T::bufferFloats}, b.getF32Type());
  gpu::GPUFuncOp func =
      createKernel(b, anchor, "linear_simt", spec.argumentTypes(b.getContext()),
                   {buffers}, {T::threads, 1, 1});
  SimtKernelBuilder(b, anchor->getLoc(), func, spec).build();
  return {func,
          {T::threads, 1, 1},
          T::blockRows,
          spec.gated ? T::blockCols / 2 : T::blockCols};
}
