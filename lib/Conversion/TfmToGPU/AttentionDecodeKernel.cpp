//===- AttentionDecodeKernel.cpp - split-KV attention for few query rows --===//
//
// Decoding reads every cached key and value once per token: it is bound by
// memory bandwidth, and one block per head would leave most SMs idle at
// batch 1. So the keys are split (Flash-Decoding): block (split, KV head,
// batch) folds the keys [split·chunk, +chunk) for all the query rows that
// read its KV head (GQA: H / Hk heads times Lq rows) into a partial
// (m, l, acc) per row, and the partials of a row merge by the associative
// rule
//
//   M = max m_s,  L = Σ l_s·e^(m_s − M),  out = Σ acc_s·e^(m_s − M) / L.
//
// One kernel does both: each block counts itself in with an atomic counter
// per (batch, KV head) in a module global after publishing its partials
// (threadfence reduction), and the block that counts last merges them (and
// puts the counter back to 0 for the next launch). That saves a launch and
// its gap per call (H200, B = 4, 32/8 heads, d = 128, KV 8k: 47.0 µs a call
// against 51.8 µs with a separate combine kernel). With one split a block
// writes the output itself.
//
// Within a block, a group of G lanes reads a key row with 16-byte vector
// loads (G·16 bytes: d = 128 bf16 is 16 lanes), U keys per group in flight;
// a score is the group's shuffle sum. The groups' partials merge through
// shared memory by the same rule. Scores are natural (f32 accuracy).
//
//===----------------------------------------------------------------------===//
#include "AttentionGpu.h"

#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

namespace {
constexpr int64_t kThreads = 128;
constexpr int64_t kVectorBytes = 16;
/// The most query rows per block (registers: each holds q, m, l and acc).
constexpr int64_t kMaxRows = 8;
/// The splits fill two waves of blocks on an H100 / H200: 132 SMs, each
/// holding blocksPerSM blocks (registers: nvvm.minctasm on the kernel). A
/// second wave balances the SMs (H200, B = 4, 32/8 heads, d = 128, KV
/// 64k / 256k: 2.51 / 2.57 TB/s with one wave, 3.36 / 3.60 with two).
constexpr int64_t kMultiprocessors = 132;
constexpr int64_t kWaves = 2;
int64_t blocksPerSM(int64_t rows) { return rows <= 4 ? 4 : 2; }
/// Splits hold at least this many keys: the partials cost a merge, and
/// short blocks their prologue (H200, KV 8k, 32 KV heads in all: 16 splits
/// of 512 keys 47.0 µs a call, 32 of 256 50.2 µs, 8 of 1024 61.9 µs).
constexpr int64_t kMinChunk = 512;
/// The combine: splits whose partials are in flight together, and the
/// f32 columns of one vector load.
constexpr int64_t kCombineLoads = 8;
constexpr int64_t kCombineVector = 4;
constexpr int64_t kWarps = kThreads / 32;

int64_t bytesOf(Type type) { return type.getIntOrFloatBitWidth() / 8; }

/// How a block's threads cover the key and value rows.
struct DecodeTiling {
  explicit DecodeTiling(const AttentionVariant &variant)
      : rows(variant.groupSize * variant.queryLength),
        keyVectorElements(kVectorBytes / bytesOf(variant.keyType)),
        valueVectorElements(kVectorBytes / bytesOf(variant.valueType)),
        keyVectors(variant.headDim / keyVectorElements),
        valueVectors(variant.valueDim / valueVectorElements),
        groupLanes(std::min<int64_t>(
            32, llvm::PowerOf2Ceil(std::max(keyVectors, valueVectors)))),
        groups(kThreads / groupLanes), unroll(rows <= 4 ? 4 : 2) {}

  /// Vectors of a key / value row per lane (the last may be idle).
  int64_t keyVectorsPerLane() const {
    return llvm::divideCeil(keyVectors, groupLanes);
  }
  int64_t valueVectorsPerLane() const {
    return llvm::divideCeil(valueVectors, groupLanes);
  }
  int64_t keysPerStep() const { return groups * unroll; }
  /// Shared memory for merging the groups: m and l per (group, row), then
  /// acc per (group, row, column), all f32.
  int64_t sharedBytes(int64_t valueDim) const {
    return 4 * groups * rows * (2 + valueDim);
  }

  int64_t rows;
  int64_t keyVectorElements, valueVectorElements;
  int64_t keyVectors, valueVectors;
  int64_t groupLanes, groups, unroll;
};

/// `count` elements of `elementType` at `pointer` (16-byte aligned, global
/// memory, read only) as f32 values.
SmallVector<Value> loadVector(DeviceMath &m, Value pointer, Type elementType,
                              int64_t count) {
  auto type = VectorType::get({count}, elementType);
  Value vector = LLVM::LoadOp::create(m.b, m.loc, type, pointer,
                                      /*alignment=*/kVectorBytes,
                                      /*isVolatile=*/false,
                                      /*isNonTemporal=*/false,
                                      /*isInvariant=*/true);
  SmallVector<Value> elements;
  for (int64_t i = 0; i < count; ++i)
    elements.push_back(convertFloat(
        m.b, m.loc, LLVM::ExtractElementOp::create(m.b, m.loc, vector,
                                                   m.i32(i)),
        m.b.getF32Type()));
  return elements;
}

/// Kernel arguments: the inputs, the partial buffers (m and l [rows][splits],
/// acc [rows][splits][dv], f32), the output, lse where returned, the chunk.
class DecodeKernelBody {
public:
  DecodeKernelBody(OpBuilder &b, Location loc, const AttentionVariant &variant,
                   const DecodeTiling &tiling, gpu::GPUFuncOp kernel,
                   LLVM::GlobalOp counters)
      : b(b), loc(loc), m(b, loc, IntegerSign::Signed), variant(variant),
        tiling(tiling), counters(counters) {
    unsigned next = 0;
    ValueRange arguments = kernel.getArguments();
    inputs = AttentionInputs::fromArguments(variant, arguments, next);
    partialMax = arguments[next++];
    partialSum = arguments[next++];
    partialAcc = arguments[next++];
    output = arguments[next++];
    if (variant.returnLse)
      lse = arguments[next++];
    chunk = m.toI32(arguments[next++]);
  }

  void emit();

private:
  /// The block that finishes a (batch, KV head) last merges its splits'
  /// partials into the output; blocks count themselves in `counters`.
  void emitLastBlockCombine(Value shared, Value splits, Value batch,
                            Value keyHead);
  /// Warp w merges the splits of rows w, w + kWarps, ... of this (batch,
  /// KV head) into out (and lse).
  void emitCombineRows(Value splits, Value batch, Value keyHead);
  /// The query head of block row `row` (i32).
  Value queryHead(Value keyHead, Value row);
  /// The row of the partial buffers of block row `row`: (b·H + h)·Lq + i.
  Value partialRow(Value batch, Value keyHead, Value row);
  /// Out[batch, head, query, column] (lse: no column) of block row `row`.
  SmallVector<Value> outputIndices(Value batch, Value keyHead, Value row,
                                   Value column);

  OpBuilder &b;
  Location loc;
  DeviceMath m;
  const AttentionVariant &variant;
  const DecodeTiling &tiling;
  LLVM::GlobalOp counters;
  AttentionInputs inputs;
  Value partialMax, partialSum, partialAcc, output, lse, chunk;
};
} // namespace

/// A load of `type` at `pointer` that reads what other blocks of the same
/// launch wrote (volatile: past the non-coherent L1).
static Value loadShared(DeviceMath &m, Type type, Value pointer) {
  return LLVM::LoadOp::create(m.b, m.loc, type, pointer, /*alignment=*/0,
                              /*isVolatile=*/true);
}

/// A fence ordering this thread's global memory accesses for all threads
/// of the GPU (__threadfence).
static void deviceFence(DeviceMath &m) {
  LLVM::FenceOp::create(m.b, m.loc, LLVM::AtomicOrdering::acq_rel, "device");
}

/// Folds `body` (index, accumulators) -> accumulators over [0, count) in
/// steps of `unroll`, so that the loads of `unroll` iterations are in
/// flight together, then over the remainder one at a time.
static SmallVector<Value>
foldUnrolled(DeviceMath &m, Value count, int64_t unroll, ValueRange init,
             function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  OpBuilder &b = m.b;
  Value whole = m.mul(m.div(count, m.i32(unroll)), m.i32(unroll));
  auto unrolled =
      scf::ForOp::create(b, m.loc, m.i32(0), whole, m.i32(unroll), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(unrolled.getBody());
    SmallVector<Value> folded(unrolled.getRegionIterArgs());
    for (int64_t u = 0; u < unroll; ++u)
      folded = body(m.add(unrolled.getInductionVar(), m.i32(u)), folded);
    scf::YieldOp::create(b, m.loc, folded);
  }
  auto rest = scf::ForOp::create(b, m.loc, whole, count, m.i32(1),
                                 unrolled.getResults());
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(rest.getBody());
    scf::YieldOp::create(
        b, m.loc, body(rest.getInductionVar(), rest.getRegionIterArgs()));
  }
  return rest.getResults();
}

Value DecodeKernelBody::queryHead(Value keyHead, Value row) {
  return m.add(m.mul(keyHead, m.i32(variant.groupSize)),
               m.div(row, m.i32(variant.queryLength)));
}

Value DecodeKernelBody::partialRow(Value batch, Value keyHead, Value row) {
  Value queryLength = m.i32(variant.queryLength);
  Value head = m.add(m.mul(batch, m.dim(inputs.query, 1)),
                     queryHead(keyHead, row));
  return m.add(m.mul(head, queryLength), m.rem(row, queryLength));
}

SmallVector<Value> DecodeKernelBody::outputIndices(Value batch, Value keyHead,
                                                   Value row, Value column) {
  SmallVector<Value> indices = {
      m.toIndex(batch), m.toIndex(queryHead(keyHead, row)),
      m.toIndex(m.rem(row, m.i32(variant.queryLength)))};
  if (column)
    indices.push_back(m.toIndex(column));
  return indices;
}

void DecodeKernelBody::emit() {
  const int64_t rows = tiling.rows, unroll = tiling.unroll;
  const int64_t queryLength = variant.queryLength;
  const int64_t groupSize = variant.groupSize;
  const int64_t headDim = variant.headDim, valueDim = variant.valueDim;
  const int64_t keyPerLane = tiling.keyVectorsPerLane();
  const int64_t valuePerLane = tiling.valueVectorsPerLane();
  const int64_t keyElements = tiling.keyVectorElements;
  const int64_t valueElements = tiling.valueVectorElements;
  Value tid = m.threadIdx();
  Value groupLanes = m.i32(tiling.groupLanes);
  Value group = m.div(tid, groupLanes);
  Value laneInGroup = m.rem(tid, groupLanes);
  Value split = m.blockIdx(gpu::Dimension::x);
  Value keyHead = m.blockIdx(gpu::Dimension::y);
  Value batch = m.blockIdx(gpu::Dimension::z);
  Value keyHeads = m.dim(inputs.key, 1);
  Value keyLength = m.dim(inputs.key, 2);

  // Row r of the block: query head keyHead·g + r / Lq, query r % Lq.
  SmallVector<ScoreTerms> terms;
  for (int64_t h = 0; h < groupSize; ++h)
    terms.emplace_back(m, variant, inputs, batch,
                       m.add(m.mul(keyHead, m.i32(groupSize)), m.i32(h)),
                       /*log2Domain=*/false);
  const ScoreTerms &anyTerms = terms.front();
  Value one = m.i32(1);
  Value pFirst = anyTerms.position(m, m.i32(0));
  KeyInterval blockKeys =
      anyTerms.visibleKeys(m, pFirst, m.add(pFirst, m.i32(queryLength)));
  SmallVector<KeyInterval> rowKeys;
  SmallVector<Value> rowPositions;
  for (int64_t i = 0; i < queryLength; ++i) {
    Value p = anyTerms.position(m, m.i32(i));
    rowPositions.push_back(p);
    rowKeys.push_back(anyTerms.visibleKeys(m, p, m.add(p, one)));
  }
  auto termsOf = [&](int64_t r) -> const ScoreTerms & {
    return terms[r / queryLength];
  };
  Value splitStart = m.mul(split, chunk);
  Value first = m.max(splitStart, blockKeys.first);
  Value end = m.min(m.add(splitStart, chunk), blockKeys.end);

  // The lane's vectors of a row: laneInGroup + G·i (those past the row
  // are idle: clamped reads, zero queries).
  auto laneVector = [&](int64_t i, int64_t count) {
    Value vector = m.add(laneInGroup, m.i32(tiling.groupLanes * i));
    return std::make_pair(m.min(vector, m.i32(count - 1)),
                          m.lt(vector, m.i32(count)));
  };
  auto headMatrix = [&](Value memref, Value headIndex, Value headCount,
                        Value length, int64_t columns, Type type) {
    Value index = m.add(m.mul(batch, headCount), headIndex);
    Value offset =
        m.mul(m.mul(m.toI64(index), m.toI64(length)), m.i64(columns));
    return offsetPointer(m, globalPointer(m, memref), type, offset);
  };
  // The lane's vectors of row `row` (i64) of a head matrix, as f32.
  auto laneVectors = [&](Value matrix, Type type, Value row, int64_t columns,
                         int64_t vectors, int64_t vectorsPerLane,
                         int64_t elements) {
    SmallVector<Value> loaded;
    for (int64_t i = 0; i < vectorsPerLane; ++i) {
      Value vector = laneVector(i, vectors).first;
      Value offset = m.add(m.mul(row, m.i64(columns)),
                           m.toI64(m.mul(vector, m.i32(elements))));
      loaded.append(loadVector(m, offsetPointer(m, matrix, type, offset), type,
                               elements));
    }
    return loaded;
  };
  Value keys = headMatrix(inputs.key, keyHead, keyHeads, keyLength, headDim,
                          variant.keyType);
  Value values = headMatrix(inputs.value, keyHead, keyHeads, keyLength,
                            valueDim, variant.valueType);

  // The queries, in registers.
  SmallVector<SmallVector<Value>> queries(rows);
  for (int64_t r = 0; r < rows; ++r) {
    Value head = m.add(m.mul(keyHead, m.i32(groupSize)),
                       m.i32(r / queryLength));
    for (int64_t i = 0; i < keyPerLane; ++i) {
      auto [vector, active] = laneVector(i, tiling.keyVectors);
      for (int64_t e = 0; e < keyElements; ++e) {
        Value column = m.add(m.mul(vector, m.i32(keyElements)), m.i32(e));
        Value q = loadF32(b, loc, inputs.query,
                          ValueRange{m.toIndex(batch), m.toIndex(head),
                                     m.toIndex(m.i32(r % queryLength)),
                                     m.toIndex(column)});
        queries[r].push_back(m.select(active, q, m.f32(0.0)));
      }
    }
  }

  // Loop state per row: m, l, then the lane's acc elements.
  const int64_t accPerRow = valuePerLane * valueElements;
  const int64_t stateStride = 2 + accPerRow;
  Value zero = m.f32(0.0), minusInf = m.f32(-INFINITY);
  SmallVector<Value> state;
  for (int64_t r = 0; r < rows; ++r) {
    state.append({minusInf, zero});
    state.append(accPerRow, zero);
  }
  auto loop = scf::ForOp::create(b, loc, first, end,
                                 m.i32(tiling.keysPerStep()), state);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value step = loop.getInductionVar();
    ValueRange carried = loop.getRegionIterArgs();
    // Key u of the group: step + u·groups + group; past `end` it reads
    // the first key and scores −inf.
    SmallVector<Value> keyIndex, valid;
    SmallVector<SmallVector<Value>> keyRows(unroll), valueRows(unroll);
    for (int64_t u = 0; u < unroll; ++u) {
      Value key = m.add(step, m.add(m.i32(u * tiling.groups), group));
      valid.push_back(m.lt(key, end));
      keyIndex.push_back(key);
      Value row = m.toI64(m.select(valid.back(), key, first));
      keyRows[u] = laneVectors(keys, variant.keyType, row, headDim,
                               tiling.keyVectors, keyPerLane, keyElements);
      valueRows[u] =
          laneVectors(values, variant.valueType, row, valueDim,
                      tiling.valueVectors, valuePerLane, valueElements);
    }

    SmallVector<Value> next;
    for (int64_t r = 0; r < rows; ++r) {
      const ScoreTerms &rowTerms = termsOf(r);
      Value queryRow = m.i32(r % queryLength);
      Value position = rowPositions[r % queryLength];
      SmallVector<Value> logits;
      Value stepMax = minusInf;
      for (int64_t u = 0; u < unroll; ++u) {
        Value dot = zero;
        for (auto [q, k] : llvm::zip(queries[r], keyRows[u]))
          dot = m.fma(q, k, dot);
        for (int64_t mask = 1; mask < tiling.groupLanes; mask *= 2)
          dot = m.fadd(dot, m.shuffleXor(dot, mask));
        Value logit =
            rowTerms.logit(m, dot, queryRow, position, keyIndex[u]);
        logit = rowTerms.masked(m, logit, rowKeys[r % queryLength],
                                keyIndex[u]);
        logit = m.select(valid[u], logit, minusInf);
        logits.push_back(logit);
        stepMax = m.fmax(stepMax, logit);
      }
      Value oldMax = carried[r * stateStride];
      Value newMax = m.fmax(oldMax, stepMax);
      Value shift = finiteMax(m, newMax);
      Value alpha = rowTerms.weight(m, oldMax, shift);
      Value sum = m.fmul(alpha, carried[r * stateStride + 1]);
      SmallVector<Value> acc;
      for (int64_t e = 0; e < accPerRow; ++e)
        acc.push_back(m.fmul(alpha, carried[r * stateStride + 2 + e]));
      for (int64_t u = 0; u < unroll; ++u) {
        Value weight = rowTerms.weight(m, logits[u], shift);
        sum = m.fadd(sum, weight);
        if (Value factor =
                rowTerms.numeratorFactor(m, position, keyIndex[u]))
          weight = m.fmul(weight, factor);
        for (int64_t e = 0; e < accPerRow; ++e)
          acc[e] = m.fma(weight, valueRows[u][e], acc[e]);
      }
      next.append({newMax, sum});
      next.append(acc);
    }
    scf::YieldOp::create(b, loc, next);
  }

  // Merge the groups through shared memory: [groups][rows] m and l, then
  // [groups][rows][dv] acc.
  const int64_t groups = tiling.groups;
  Type f32 = b.getF32Type();
  Value shared = sharedPointer(
      m, dynamicSharedBuffer(b, loc, {tiling.sharedBytes(valueDim)},
                             b.getI8Type(), 0));
  auto sharedAt = [&](Value offset) {
    return offsetPointer(m, shared, f32, offset);
  };
  Value sumsStart = m.i32(groups * rows);
  Value accStart = m.i32(2 * groups * rows);
  ValueRange results = loop.getResults();
  Value groupRow = m.mul(group, m.i32(rows));
  {
    auto leader = scf::IfOp::create(
        b, loc, m.cmp(arith::CmpIPredicate::eq, laneInGroup, m.i32(0)));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(leader.thenBlock());
    for (int64_t r = 0; r < rows; ++r) {
      Value slot = m.add(groupRow, m.i32(r));
      LLVM::StoreOp::create(b, loc, results[r * stateStride], sharedAt(slot));
      LLVM::StoreOp::create(b, loc, results[r * stateStride + 1],
                            sharedAt(m.add(sumsStart, slot)));
    }
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < valuePerLane; ++i) {
      auto [vector, active] = laneVector(i, tiling.valueVectors);
      auto write = scf::IfOp::create(b, loc, active);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(write.thenBlock());
      Value rowStart = m.add(accStart, m.mul(m.add(groupRow, m.i32(r)),
                                             m.i32(valueDim)));
      for (int64_t e = 0; e < valueElements; ++e) {
        Value column = m.add(m.mul(vector, m.i32(valueElements)), m.i32(e));
        LLVM::StoreOp::create(
            b, loc, results[r * stateStride + 2 + i * valueElements + e],
            sharedAt(m.add(rowStart, column)));
      }
    }
  barrier(b, loc);

  // Thread t merges (row, column) pairs t, t + 128, ...: into the output
  // where the keys are one split, else into row (b·H + h)·Lq + i, column
  // `split` of the partial buffers.
  Value splits = m.toI32(gpu::GridDimOp::create(b, loc, gpu::Dimension::x));
  Value oneSplit = m.cmp(arith::CmpIPredicate::eq, splits, one);
  Value splitIndex = m.toIndex(split);
  for (int64_t first = 0; first < rows * valueDim; first += kThreads) {
    Value pair = m.add(tid, m.i32(first));
    auto inside = scf::IfOp::create(b, loc, m.lt(pair, m.i32(rows * valueDim)));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(inside.thenBlock());
    Value row = m.div(pair, m.i32(valueDim));
    Value column = m.rem(pair, m.i32(valueDim));
    Value max = minusInf;
    for (int64_t g = 0; g < groups; ++g)
      max = m.fmax(max, LLVM::LoadOp::create(
                            b, loc, f32,
                            sharedAt(m.add(m.i32(g * rows), row))));
    Value shift = finiteMax(m, max);
    Value sum = zero, acc = zero;
    for (int64_t g = 0; g < groups; ++g) {
      Value slot = m.add(m.i32(g * rows), row);
      Value weight = softmaxWeight(
          m, LLVM::LoadOp::create(b, loc, f32, sharedAt(slot)), shift,
          /*log2Domain=*/false);
      sum = m.fma(weight,
                  LLVM::LoadOp::create(b, loc, f32,
                                       sharedAt(m.add(sumsStart, slot))),
                  sum);
      Value accAt = m.add(accStart,
                          m.add(m.mul(slot, m.i32(valueDim)), column));
      acc = m.fma(weight, LLVM::LoadOp::create(b, loc, f32, sharedAt(accAt)),
                  acc);
    }
    Value leads = m.cmp(arith::CmpIPredicate::eq, column, m.i32(0));
    auto direct = scf::IfOp::create(b, loc, oneSplit, /*withElse=*/true);
    b.setInsertionPointToStart(direct.thenBlock());
    storeF32(b, loc, m.fmul(acc, inverseOrZero(m, sum)), output,
             outputIndices(batch, keyHead, row, column));
    if (lse) {
      auto leader = scf::IfOp::create(b, loc, leads);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(leader.thenBlock());
      memref::StoreOp::create(b, loc,
                              logSumExp(m, max, sum, /*log2Domain=*/false), lse,
                              outputIndices(batch, keyHead, row, Value()));
    }
    b.setInsertionPointToStart(direct.elseBlock());
    Value flatRow = m.toIndex(partialRow(batch, keyHead, row));
    memref::StoreOp::create(b, loc, acc, partialAcc,
                            ValueRange{flatRow, splitIndex, m.toIndex(column)});
    auto leader = scf::IfOp::create(b, loc, leads);
    b.setInsertionPointToStart(leader.thenBlock());
    memref::StoreOp::create(b, loc, max, partialMax,
                            ValueRange{flatRow, splitIndex});
    memref::StoreOp::create(b, loc, sum, partialSum,
                            ValueRange{flatRow, splitIndex});
  }
  emitLastBlockCombine(shared, splits, batch, keyHead);
}

void DecodeKernelBody::emitLastBlockCombine(Value shared, Value splits,
                                            Value batch, Value keyHead) {
  auto several = scf::IfOp::create(
      b, loc, m.cmp(arith::CmpIPredicate::ne, splits, m.i32(1)));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(several.thenBlock());
  // Publish this block's partials, then count the block in; the counter
  // goes back to 0 for the next launch (launches of a kernel are ordered
  // on the one stream the runtime uses).
  deviceFence(m);
  barrier(b, loc);
  Type i32 = b.getI32Type();
  Value headBlock = m.add(m.mul(batch, m.dim(inputs.key, 1)), keyHead);
  Value counter = offsetPointer(
      m, LLVM::AddressOfOp::create(b, loc, counters), i32, headBlock);
  Value tid = m.threadIdx();
  {
    auto first = scf::IfOp::create(
        b, loc, m.cmp(arith::CmpIPredicate::eq, tid, m.i32(0)));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(first.thenBlock());
    Value ticket = LLVM::AtomicRMWOp::create(
        b, loc, LLVM::AtomicBinOp::add, counter, m.i32(1),
        LLVM::AtomicOrdering::acq_rel, "device");
    Value last = m.cmp(arith::CmpIPredicate::eq, ticket,
                       m.sub(splits, m.i32(1)));
    LLVM::StoreOp::create(b, loc, m.select(last, m.i32(1), m.i32(0)), shared);
    auto reset = scf::IfOp::create(b, loc, last);
    b.setInsertionPointToStart(reset.thenBlock());
    LLVM::StoreOp::create(b, loc, m.i32(0), counter);
  }
  barrier(b, loc);
  Value isLast = LLVM::LoadOp::create(b, loc, i32, shared);
  auto last = scf::IfOp::create(
      b, loc, m.cmp(arith::CmpIPredicate::ne, isLast, m.i32(0)));
  b.setInsertionPointToStart(last.thenBlock());
  deviceFence(m);
  emitCombineRows(splits, batch, keyHead);
}

void DecodeKernelBody::emitCombineRows(Value splits, Value batch,
                                       Value keyHead) {
  const int64_t rows = tiling.rows;
  const int64_t vectors = variant.valueDim / kCombineVector;
  Type f32 = b.getF32Type();
  auto vectorType = VectorType::get({kCombineVector}, f32);
  Value tid = m.threadIdx();
  Value warp = m.div(tid, m.i32(32)), lane = m.rem(tid, m.i32(32));
  Value maxes = globalPointer(m, partialMax);
  Value sums = globalPointer(m, partialSum);
  Value accs = globalPointer(m, partialAcc);
  Value minusInf = m.f32(-INFINITY), zero = m.f32(0.0);
  for (int64_t first = 0; first < rows; first += kWarps) {
    Value row = m.add(warp, m.i32(first));
    auto inside = scf::IfOp::create(b, loc, m.lt(row, m.i32(rows)));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(inside.thenBlock());
    // The row's partials start at element (partial row)·splits.
    Value rowStart = m.mul(m.toI64(partialRow(batch, keyHead, row)),
                           m.toI64(splits));
    auto partial = [&](Value base, Value split) {
      return loadShared(m, f32,
                        offsetPointer(m, base, f32,
                                      m.add(rowStart, m.toI64(split))));
    };
    // M = max m_s over the lanes' splits.
    auto maxLoop = scf::ForOp::create(b, loc, lane, splits, m.i32(32),
                                      ValueRange{minusInf});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(maxLoop.getBody());
      scf::YieldOp::create(
          b, loc,
          ValueRange{m.fmax(maxLoop.getRegionIterArgs()[0],
                            partial(maxes, maxLoop.getInductionVar()))});
    }
    Value max = warpAllReduce(b, loc, maxLoop.getResult(0), ReduceKind::Max);
    Value shift = finiteMax(m, max);
    // Lane l sums columns [4v, 4v + 4) for v = l, l + 32, ...: L and acc
    // over the splits, weighted by e^(m_s − M).
    for (int64_t firstVector = 0; firstVector < vectors; firstVector += 32) {
      Value vector = m.add(lane, m.i32(firstVector));
      auto active = scf::IfOp::create(b, loc, m.lt(vector, m.i32(vectors)));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(active.thenBlock());
      SmallVector<Value> init(1 + kCombineVector, zero);
      SmallVector<Value> folded = foldUnrolled(
          m, splits, kCombineLoads, init,
          [&](Value split, ValueRange state) -> SmallVector<Value> {
            Value weight = softmaxWeight(m, partial(maxes, split), shift,
                                         /*log2Domain=*/false);
            Value offset = m.add(
                m.mul(m.add(rowStart, m.toI64(split)), m.i64(variant.valueDim)),
                m.toI64(m.mul(vector, m.i32(kCombineVector))));
            Value acc = loadShared(m, vectorType,
                                   offsetPointer(m, accs, f32, offset));
            SmallVector<Value> next = {
                m.fma(weight, partial(sums, split), state[0])};
            for (int64_t e = 0; e < kCombineVector; ++e)
              next.push_back(m.fma(
                  weight,
                  LLVM::ExtractElementOp::create(b, loc, acc, m.i32(e)),
                  state[1 + e]));
            return next;
          });
      Value inverse = inverseOrZero(m, folded[0]);
      for (int64_t e = 0; e < kCombineVector; ++e)
        storeF32(b, loc, m.fmul(folded[1 + e], inverse), output,
                 outputIndices(batch, keyHead, row,
                               m.add(m.mul(vector, m.i32(kCombineVector)),
                                     m.i32(e))));
      if (lse && firstVector == 0) {
        auto leader = scf::IfOp::create(
            b, loc, m.cmp(arith::CmpIPredicate::eq, lane, m.i32(0)));
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(leader.thenBlock());
        memref::StoreOp::create(
            b, loc, logSumExp(m, max, folded[0], /*log2Domain=*/false), lse,
            outputIndices(batch, keyHead, row, Value()));
      }
    }
  }
}

bool gpu_lowering::decodeKernelSupports(const AttentionVariant &variant) {
  if (ShapedType::isDynamic(variant.queryLength) ||
      ShapedType::isDynamic(variant.groupSize) ||
      variant.groupSize * variant.queryLength > kMaxRows ||
      variant.queryLength == 0)
    return false;
  auto vectorRows = [](int64_t size, Type type) {
    int64_t elements = kVectorBytes / bytesOf(type);
    // At most two vectors per lane of a 32-lane group.
    return !ShapedType::isDynamic(size) && size > 0 && size % elements == 0 &&
           size / elements <= 64;
  };
  return vectorRows(variant.headDim, variant.keyType) &&
         vectorRows(variant.valueDim, variant.valueType);
}

void gpu_lowering::launchDecodeAttention(OpBuilder &b, Operation *anchor,
                                         const AttentionVariant &variant,
                                         const AttentionLaunch &launch) {
  Location loc = anchor->getLoc();
  DecodeTiling tiling(variant);
  Value batches = launch.queryDims[0], heads = launch.queryDims[1];
  Value keyHeads = launch.keyDims[1], keyLength = launch.keyDims[2];
  auto c = [&](int64_t value) { return indexConstant(b, loc, value); };
  auto mul = [&](Value x, Value y) {
    return arith::MulIOp::create(b, loc, x, y).getResult();
  };
  auto max = [&](Value x, Value y) {
    return arith::MaxUIOp::create(b, loc, x, y).getResult();
  };
  auto ceil = [&](Value x, Value y) {
    return arith::CeilDivUIOp::create(b, loc, x, y).getResult();
  };

  // As many splits as kWaves waves of blocks hold, of at least kMinChunk
  // keys, in whole steps of the key loop. Keys split only when fewer
  // (batch, KV head) pairs than `slots` would leave SMs idle, so a counter
  // per pair fits in `slots` counters.
  int64_t slots = kWaves * kMultiprocessors * blocksPerSM(tiling.rows);
  Value headBlocks = max(mul(batches, keyHeads), c(1));
  Value wanted = ceil(c(slots), headBlocks);
  Value splits = arith::MinUIOp::create(
      b, loc, wanted, max(ceil(keyLength, c(kMinChunk)), c(1)));
  Value chunk = mul(ceil(ceil(max(keyLength, c(1)), splits),
                         c(tiling.keysPerStep())),
                    c(tiling.keysPerStep()));
  splits = ceil(max(keyLength, c(1)), chunk);

  // Partials: [rows][splits] m and l, [rows][splits][dv] acc (f32).
  Value rows = mul(mul(batches, heads), launch.queryDims[2]);
  Value valueDim = memref::DimOp::create(b, loc, launch.inputs.value, 3);
  Type f32 = b.getF32Type();
  int64_t dynamic = ShapedType::kDynamic;
  auto scalars = RankedTensorType::get({dynamic, dynamic}, f32);
  Value partialMax = allocBuffer(b, loc, scalars, {rows, splits});
  Value partialSum = allocBuffer(b, loc, scalars, {rows, splits});
  Value partialAcc =
      allocBuffer(b, loc, RankedTensorType::get({dynamic, dynamic, dynamic}, f32),
                  {rows, splits, valueDim});

  SmallVector<Value> arguments = launch.inputs.arguments();
  arguments.append({partialMax, partialSum, partialAcc, launch.output});
  if (launch.lse)
    arguments.push_back(launch.lse);
  arguments.push_back(chunk);
  gpu::GPUFuncOp decode;
  {
    OpBuilder::InsertionGuard guard(b);
    decode = createKernel(b, anchor, "attention_decode",
                          TypeRange(ValueRange(arguments)), {},
                          {kThreads, 1, 1});
    // The split counters, zero when the module loads and after each launch.
    auto kernels = decode->getParentOfType<gpu::GPUModuleOp>();
    OpBuilder global(kernels.getBodyRegion());
    auto counterType = LLVM::LLVMArrayType::get(b.getI32Type(), slots);
    auto counters = LLVM::GlobalOp::create(
        global, loc, counterType, /*isConstant=*/false, LLVM::Linkage::Internal,
        (decode.getName() + "_counters").str(), Attribute(), /*alignment=*/4,
        /*addrSpace=*/1);
    {
      Block *init = global.createBlock(&counters.getInitializerRegion());
      global.setInsertionPointToStart(init);
      LLVM::ReturnOp::create(global, loc,
                             LLVM::ZeroOp::create(global, loc, counterType));
    }
    SymbolTable(kernels).insert(counters); // renames on a clash
    DecodeKernelBody(b, loc, variant, tiling, decode, counters).emit();
    decode->setAttr("nvvm.minctasm",
                    b.getI32IntegerAttr(blocksPerSM(tiling.rows)));
  }
  launchKernel(b, loc, decode, {splits, keyHeads, batches}, {kThreads, 1, 1},
               tiling.sharedBytes(variant.valueDim), arguments);
}
