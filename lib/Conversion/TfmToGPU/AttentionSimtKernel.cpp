//===- AttentionSimtKernel.cpp - flash attention in f32 on CUDA cores -----===//
//
// The kernel for every variant (any storage type, dynamic head dims): f32
// fused multiply-adds on shared-memory tiles, scores in the natural domain
// so that e^(s − m) is taken of the exact difference (1e-4 at logits of
// ±1e4).
//
// One block of 128 threads per (tile of 32 query rows, query head, batch,
// chunk of dv columns). Thread (y, x) = (tid / 8, tid % 8) owns rows 2y and
// 2y + 1 of the tile and the keys / columns x + 8c:
//
//   for each tile of 32 keys the rows see:
//     S = Q·Kᵀ       over d in chunks of 32 (Q and K chunks in shared memory)
//     bias, mask; online softmax with the row's 8 lanes (3 shuffles)
//     P -> shared;  O = α·O + P·V[keys, chunk]
//   O / l -> global
//
// Column chunks beyond the first recompute S: a chunk is dv wide when dv is
// static and at most 128, 64 columns otherwise.
//
//===----------------------------------------------------------------------===//
#include "AttentionGpu.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

namespace {
constexpr int64_t kThreads = 128;
constexpr int64_t kQueryRows = 32;
constexpr int64_t kKeyRows = 32;
/// The depth of one Q·Kᵀ step (a chunk of d in shared memory).
constexpr int64_t kDepth = 32;
/// Lanes per row, each with kKeyRows / kLanesPerRow keys.
constexpr int64_t kLanesPerRow = 8;
constexpr int64_t kRowsPerThread = 2;
constexpr int64_t kKeysPerThread = kKeyRows / kLanesPerRow;
/// Shared rows are padded by one float: column walks change banks.
constexpr int64_t kPad = 1;

/// Columns of dv per block.
int64_t columnChunk(const AttentionVariant &variant) {
  if (ShapedType::isDynamic(variant.valueDim) || variant.valueDim > 128)
    return 64;
  return llvm::alignTo(variant.valueDim, kLanesPerRow);
}

class SimtKernelBody {
public:
  SimtKernelBody(OpBuilder &b, Location loc, const AttentionVariant &variant,
                 gpu::GPUFuncOp kernel)
      : b(b), loc(loc), m(b, loc, IntegerSign::Signed), variant(variant),
        columns(columnChunk(variant)) {
    unsigned next = 0;
    ValueRange arguments = kernel.getArguments();
    inputs = AttentionInputs::fromArguments(variant, arguments, next);
    output = arguments[next++];
    if (variant.returnLse)
      lse = arguments[next++];
    auto buffers = kernel.getWorkgroupAttributions();
    sharedQuery = buffers[0];
    sharedKeys = buffers[1];
    sharedWeights = buffers[2];
    sharedValues = buffers[3];
  }

  void emit();

private:
  /// Loads rows [firstRow, firstRow + rows) and columns [firstColumn,
  /// firstColumn + width) of `source`'s (batch, head) matrix into `tile`
  /// as f32, zeros outside [0, rowLimit) x [0, columnLimit).
  void loadTile(Value source, Value batch, Value head, Value firstRow,
                Value rowLimit, Value firstColumn, Value columnLimit,
                int64_t rows, int64_t width, Value tile);
  Value loadShared(Value buffer, Value row, Value column) {
    return memref::LoadOp::create(b, loc, buffer,
                                  ValueRange{m.toIndex(row), m.toIndex(column)});
  }

  OpBuilder &b;
  Location loc;
  DeviceMath m;
  const AttentionVariant &variant;
  int64_t columns;
  AttentionInputs inputs;
  Value output, lse;
  Value sharedQuery, sharedKeys, sharedWeights, sharedValues;
  Value tid;
};
} // namespace

void SimtKernelBody::loadTile(Value source, Value batch, Value head,
                              Value firstRow, Value rowLimit,
                              Value firstColumn, Value columnLimit,
                              int64_t rows, int64_t width, Value tile) {
  // Consecutive threads read consecutive columns of a row.
  for (int64_t first = 0; first < rows * width; first += kThreads) {
    Value element = m.add(tid, m.i32(first));
    Value row = m.div(element, m.i32(width));
    Value column = m.rem(element, m.i32(width));
    Value sourceRow = m.add(firstRow, row);
    Value sourceColumn = m.add(firstColumn, column);
    Value inside = m.both(m.lt(sourceRow, rowLimit),
                          m.lt(sourceColumn, columnLimit));
    auto read = scf::IfOp::create(b, loc, b.getF32Type(), inside,
                                  /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(read.thenBlock());
      scf::YieldOp::create(
          b, loc,
          loadF32(b, loc, source,
                  ValueRange{m.toIndex(batch), m.toIndex(head),
                             m.toIndex(sourceRow), m.toIndex(sourceColumn)}));
      b.setInsertionPointToStart(read.elseBlock());
      scf::YieldOp::create(b, loc, m.f32(0.0));
    }
    memref::StoreOp::create(b, loc, read.getResult(0), tile,
                            ValueRange{m.toIndex(row), m.toIndex(column)});
  }
}

void SimtKernelBody::emit() {
  const int64_t columnsPerThread = columns / kLanesPerRow;
  tid = m.threadIdx();
  Value laneInRow = m.rem(tid, m.i32(kLanesPerRow));
  Value rowPair = m.div(tid, m.i32(kLanesPerRow));

  Value tiles = m.toI32(gpu::GridDimOp::create(b, loc, gpu::Dimension::x));
  Value queryTile =
      m.sub(m.sub(tiles, m.i32(1)), m.blockIdx(gpu::Dimension::x));
  Value head = m.blockIdx(gpu::Dimension::y);
  Value heads = m.dim(inputs.query, 1), queryLength = m.dim(inputs.query, 2);
  Value headDim = m.dim(inputs.query, 3), valueDim = m.dim(inputs.value, 3);
  Value chunks = m.ceilDiv(valueDim, m.i32(columns));
  Value batch = m.div(m.blockIdx(gpu::Dimension::z), chunks);
  Value firstColumn =
      m.mul(m.rem(m.blockIdx(gpu::Dimension::z), chunks), m.i32(columns));
  Value keyLength = m.dim(inputs.key, 2);
  Value keyHead = m.div(head, m.div(heads, m.dim(inputs.key, 1)));
  ScoreTerms terms(m, variant, inputs, batch, head, /*log2Domain=*/false);

  Value firstRow = m.mul(queryTile, m.i32(kQueryRows));
  KeyTiles blockTiles =
      terms.keyTiles(m, firstRow, kQueryRows, queryLength, kKeyRows);
  Value one = m.i32(1);

  std::array<Value, kRowsPerThread> tileRow, rowIndex, rowPosition;
  std::array<KeyInterval, kRowsPerThread> rowKeys;
  for (int64_t r = 0; r < kRowsPerThread; ++r) {
    tileRow[r] = m.add(m.mul(rowPair, m.i32(kRowsPerThread)), m.i32(r));
    rowIndex[r] = m.add(firstRow, tileRow[r]);
    rowPosition[r] = terms.position(m, rowIndex[r]);
    rowKeys[r] =
        terms.visibleKeys(m, rowPosition[r], m.add(rowPosition[r], one));
  }
  auto strided = [&](int64_t c) {
    return m.add(laneInRow, m.i32(kLanesPerRow * c));
  };

  // Loop state: O (rows x columnsPerThread), then per row m and the
  // lane's part of l.
  const int64_t accCount = kRowsPerThread * columnsPerThread;
  Value zero = m.f32(0.0), minusInf = m.f32(-INFINITY);
  SmallVector<Value> state(accCount, zero);
  state.append({minusInf, minusInf, zero, zero});
  auto loop =
      scf::ForOp::create(b, loc, blockTiles.first, blockTiles.end, one, state);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    ValueRange carried = loop.getRegionIterArgs();
    Value firstKey = m.mul(loop.getInductionVar(), m.i32(kKeyRows));

    // S = Q·Kᵀ, chunk by chunk of d.
    SmallVector<Value> partial(kRowsPerThread * kKeysPerThread, zero);
    auto depthLoop =
        scf::ForOp::create(b, loc, m.i32(0), headDim, m.i32(kDepth), partial);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(depthLoop.getBody());
      Value depth = depthLoop.getInductionVar();
      SmallVector<Value> dots(depthLoop.getRegionIterArgs());
      barrier(b, loc); // the previous chunk is read
      loadTile(inputs.query, batch, head, firstRow, queryLength, depth,
               headDim, kQueryRows, kDepth, sharedQuery);
      loadTile(inputs.key, batch, keyHead, firstKey, keyLength, depth,
               headDim, kKeyRows, kDepth, sharedKeys);
      barrier(b, loc);
      for (int64_t x = 0; x < kDepth; ++x) {
        Value column = m.i32(x);
        SmallVector<Value> keys;
        for (int64_t c = 0; c < kKeysPerThread; ++c)
          keys.push_back(loadShared(sharedKeys, strided(c), column));
        for (int64_t r = 0; r < kRowsPerThread; ++r) {
          Value query = loadShared(sharedQuery, tileRow[r], column);
          for (int64_t c = 0; c < kKeysPerThread; ++c)
            dots[r * kKeysPerThread + c] =
                m.fma(query, keys[c], dots[r * kKeysPerThread + c]);
        }
      }
      scf::YieldOp::create(b, loc, dots);
    }

    // Scores, masked unless every row sees the whole tile.
    SmallVector<Value> logits;
    for (int64_t r = 0; r < kRowsPerThread; ++r)
      for (int64_t c = 0; c < kKeysPerThread; ++c)
        logits.push_back(terms.logit(
            m, depthLoop.getResult(r * kKeysPerThread + c), rowIndex[r],
            rowPosition[r], m.add(firstKey, strided(c))));
    SmallVector<Value> scores =
        maskUnlessShared(m, blockTiles, firstKey, kKeyRows, logits, [&] {
          SmallVector<Value> masked;
          for (int64_t r = 0; r < kRowsPerThread; ++r)
            for (int64_t c = 0; c < kKeysPerThread; ++c)
              masked.push_back(terms.masked(m, logits[r * kKeysPerThread + c],
                                            rowKeys[r],
                                            m.add(firstKey, strided(c))));
          return masked;
        });

    // Online softmax per row over its 8 lanes; P (times URPE's factor)
    // to shared memory.
    std::array<Value, kRowsPerThread> newMax, alpha, newSum;
    for (int64_t r = 0; r < kRowsPerThread; ++r) {
      Value tileMax = minusInf;
      for (int64_t c = 0; c < kKeysPerThread; ++c)
        tileMax = m.fmax(tileMax, scores[r * kKeysPerThread + c]);
      for (int64_t mask = 1; mask < kLanesPerRow; mask *= 2)
        tileMax = m.fmax(tileMax, m.shuffleXor(tileMax, mask));
      Value oldMax = carried[accCount + r];
      newMax[r] = m.fmax(oldMax, tileMax);
      Value shift = finiteMax(m, newMax[r]);
      alpha[r] = terms.weight(m, oldMax, shift);
      Value sum = m.fmul(alpha[r], carried[accCount + kRowsPerThread + r]);
      for (int64_t c = 0; c < kKeysPerThread; ++c) {
        Value key = m.add(firstKey, strided(c));
        Value weight = terms.weight(m, scores[r * kKeysPerThread + c], shift);
        sum = m.fadd(sum, weight);
        if (Value factor = terms.numeratorFactor(m, rowPosition[r], key))
          weight = m.fmul(weight, factor);
        memref::StoreOp::create(
            b, loc, weight, sharedWeights,
            ValueRange{m.toIndex(tileRow[r]), m.toIndex(strided(c))});
      }
      newSum[r] = sum;
    }
    loadTile(inputs.value, batch, keyHead, firstKey, keyLength, firstColumn,
             valueDim, kKeyRows, columns, sharedValues);
    barrier(b, loc);

    // O = α·O + P·V.
    SmallVector<Value> acc;
    for (int64_t r = 0; r < kRowsPerThread; ++r)
      for (int64_t c = 0; c < columnsPerThread; ++c)
        acc.push_back(m.fmul(carried[r * columnsPerThread + c], alpha[r]));
    for (int64_t j = 0; j < kKeyRows; ++j) {
      Value key = m.i32(j);
      SmallVector<Value> values;
      for (int64_t c = 0; c < columnsPerThread; ++c)
        values.push_back(loadShared(sharedValues, key, strided(c)));
      for (int64_t r = 0; r < kRowsPerThread; ++r) {
        Value weight = loadShared(sharedWeights, tileRow[r], key);
        for (int64_t c = 0; c < columnsPerThread; ++c)
          acc[r * columnsPerThread + c] = m.fma(
              weight, values[c], acc[r * columnsPerThread + c]);
      }
    }
    barrier(b, loc); // P and V are rewritten by the next tile
    acc.append(newMax.begin(), newMax.end());
    acc.append(newSum.begin(), newSum.end());
    scf::YieldOp::create(b, loc, acc);
  }

  // out = O / l for the rows and columns that exist.
  ValueRange results = loop.getResults();
  for (int64_t r = 0; r < kRowsPerThread; ++r) {
    Value sum = results[accCount + kRowsPerThread + r];
    for (int64_t mask = 1; mask < kLanesPerRow; mask *= 2)
      sum = m.fadd(sum, m.shuffleXor(sum, mask));
    Value inverse = inverseOrZero(m, sum);
    auto inside = scf::IfOp::create(b, loc, m.lt(rowIndex[r], queryLength));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(inside.thenBlock());
    Value row = m.toIndex(rowIndex[r]);
    for (int64_t c = 0; c < columnsPerThread; ++c) {
      Value column = m.add(firstColumn, strided(c));
      auto store = scf::IfOp::create(b, loc, m.lt(column, valueDim));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(store.thenBlock());
      storeF32(b, loc, m.fmul(results[r * columnsPerThread + c], inverse),
               output,
               ValueRange{m.toIndex(batch), m.toIndex(head), row,
                          m.toIndex(column)});
    }
    if (!lse)
      continue;
    auto leader = scf::IfOp::create(
        b, loc,
        m.both(m.cmp(arith::CmpIPredicate::eq, laneInRow, m.i32(0)),
               m.cmp(arith::CmpIPredicate::eq, firstColumn, m.i32(0))));
    b.setInsertionPointToStart(leader.thenBlock());
    memref::StoreOp::create(
        b, loc, terms.naturalLse(m, results[accCount + r], sum), lse,
        ValueRange{m.toIndex(batch), m.toIndex(head), row});
  }
}

void gpu_lowering::launchSimtAttention(OpBuilder &b, Operation *anchor,
                                       const AttentionVariant &variant,
                                       const AttentionLaunch &launch) {
  Location loc = anchor->getLoc();
  int64_t columns = columnChunk(variant);
  SmallVector<Value> arguments = launch.inputs.arguments();
  arguments.push_back(launch.output);
  if (launch.lse)
    arguments.push_back(launch.lse);
  Type f32 = b.getF32Type();
  SmallVector<Type> sharedBuffers = {
      sharedMemRefType({kQueryRows, kDepth + kPad}, f32),
      sharedMemRefType({kKeyRows, kDepth + kPad}, f32),
      sharedMemRefType({kQueryRows, kKeyRows + kPad}, f32),
      sharedMemRefType({kKeyRows, columns + kPad}, f32)};
  gpu::GPUFuncOp kernel;
  {
    OpBuilder::InsertionGuard guard(b);
    kernel = createKernel(b, anchor, "attention_simt",
                          TypeRange(ValueRange(arguments)), sharedBuffers,
                          {kThreads, 1, 1});
    SimtKernelBody(b, loc, variant, kernel).emit();
  }
  Value valueDim =
      memref::DimOp::create(b, loc, launch.inputs.value, 3).getResult();
  Value chunks = ceilDiv(b, loc, valueDim, columns);
  std::array<Value, 3> grid = {
      ceilDiv(b, loc, launch.queryDims[2], kQueryRows), launch.queryDims[1],
      arith::MulIOp::create(b, loc, launch.queryDims[0], chunks)};
  launchKernel(b, loc, kernel, grid, {kThreads, 1, 1}, 0, arguments);
}
