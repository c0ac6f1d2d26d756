//===- AttentionDecodeKernel.cpp - split-KV attention for few query rows --===//
//
// Decoding reads every cached key and value once per token: it is bound by
// memory bandwidth, and one block per head would leave most SMs idle at
// batch 1. So the keys are split (Flash-Decoding): block (split, KV head,
// batch) folds the keys [split·chunk, +chunk) for all the query rows that
// read its KV head (GQA: H / Hk heads times Lq rows) into a partial
// (m, l, acc) per row; a second kernel merges the partials of a row with
// the associative rule
//
//   M = max m_s,   L = Σ l_s·e^(m_s − M),   out = Σ acc_s·e^(m_s − M) / L.
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
/// 256k: 3.41 TB/s with one wave, 3.73 with two).
constexpr int64_t kMultiprocessors = 132;
constexpr int64_t kWaves = 2;
int64_t blocksPerSM(int64_t rows) { return rows <= 4 ? 4 : 2; }
/// The most splits (shared memory of the combine kernel's weights).
constexpr int64_t kMaxSplits = kWaves * kMultiprocessors * 4;
/// Splits hold at least this many keys: the partials cost a merge, and
/// short blocks their prologue (H200, KV 8k, 32 KV heads in all: 16 splits
/// of 512 keys ran at 2.46 TB/s, 0.73 of SDPA).
constexpr int64_t kMinChunk = 512;
/// Loads in flight per thread when the combine kernel sums over splits.
constexpr int64_t kCombineLoads = 8;

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

class DecodeKernelBody {
public:
  DecodeKernelBody(OpBuilder &b, Location loc, const AttentionVariant &variant,
                   const DecodeTiling &tiling, gpu::GPUFuncOp kernel)
      : b(b), loc(loc), m(b, loc), variant(variant), tiling(tiling) {
    unsigned next = 0;
    ValueRange arguments = kernel.getArguments();
    inputs = AttentionInputs::fromArguments(variant, arguments, next);
    partialMax = arguments[next++];
    partialSum = arguments[next++];
    partialAcc = arguments[next++];
    chunk = m.toI32(arguments[next++]);
  }

  void emit();

private:
  OpBuilder &b;
  Location loc;
  DeviceMath m;
  const AttentionVariant &variant;
  const DecodeTiling &tiling;
  AttentionInputs inputs;
  Value partialMax, partialSum, partialAcc, chunk;
};
} // namespace

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
  Value heads = m.dim(inputs.query, 1), keyHeads = m.dim(inputs.key, 1);
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
      for (int64_t i = 0; i < keyPerLane; ++i) {
        Value vector = laneVector(i, tiling.keyVectors).first;
        Value offset = m.add(m.mul(row, m.i64(headDim)),
                             m.toI64(m.mul(vector, m.i32(keyElements))));
        keyRows[u].append(loadVector(
            m, offsetPointer(m, keys, variant.keyType, offset),
            variant.keyType, keyElements));
      }
      for (int64_t i = 0; i < valuePerLane; ++i) {
        Value vector = laneVector(i, tiling.valueVectors).first;
        Value offset = m.add(m.mul(row, m.i64(valueDim)),
                             m.toI64(m.mul(vector, m.i32(valueElements))));
        valueRows[u].append(loadVector(
            m, offsetPointer(m, values, variant.valueType, offset),
            variant.valueType, valueElements));
      }
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

  // Thread t merges (row, column) pairs t, t + 128, ...; row r's partial
  // is row (b·H + h)·Lq + i, column `split` of the partial buffers.
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
    Value head = m.add(m.mul(keyHead, m.i32(groupSize)),
                       m.div(row, m.i32(queryLength)));
    Value flatRow = m.toIndex(m.add(
        m.mul(m.add(m.mul(batch, heads), head), m.i32(queryLength)),
        m.rem(row, m.i32(queryLength))));
    memref::StoreOp::create(b, loc, acc, partialAcc,
                            ValueRange{flatRow, splitIndex, m.toIndex(column)});
    auto leader = scf::IfOp::create(
        b, loc, m.cmp(arith::CmpIPredicate::eq, column, m.i32(0)));
    b.setInsertionPointToStart(leader.thenBlock());
    memref::StoreOp::create(b, loc, max, partialMax,
                            ValueRange{flatRow, splitIndex});
    memref::StoreOp::create(b, loc, sum, partialSum,
                            ValueRange{flatRow, splitIndex});
  }
}

/// The combine kernel: block `row` (flat (b, h, i)) merges its `splits`
/// partials into out[b, h, i] and lse. The splits are spread over the
/// threads (max and sum as block reductions, the weights through shared
/// memory), and each column's sum over splits keeps kCombineLoads loads in
/// flight.
static void emitCombine(OpBuilder &b, Location loc,
                        const AttentionVariant &variant,
                        gpu::GPUFuncOp kernel) {
  DeviceMath m(b, loc);
  ValueRange arguments = kernel.getArguments();
  Value partialMax = arguments[0], partialSum = arguments[1];
  Value partialAcc = arguments[2], output = arguments[3];
  Value lse = variant.returnLse ? arguments[4] : Value();
  Value weights = kernel.getWorkgroupAttributions()[0];
  Value scratch = kernel.getWorkgroupAttributions()[1];
  Value splits = memref::DimOp::create(b, loc, partialMax, 1);
  Value flatRow = blockId(b, loc, gpu::Dimension::x);
  Value tid = threadId(b, loc, gpu::Dimension::x);
  Value threads = indexConstant(b, loc, kThreads);
  Value minusInf = m.f32(-INFINITY), zero = m.f32(0.0);
  // scf.for over [tid, splits) by the block size, folding one value.
  auto overSplits = [&](Value init,
                        function_ref<Value(Value split, Value folded)> body) {
    auto loop = scf::ForOp::create(b, loc, tid, splits, threads,
                                   ValueRange{init});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    scf::YieldOp::create(
        b, loc,
        ValueRange{body(loop.getInductionVar(), loop.getRegionIterArgs()[0])});
    return loop.getResult(0);
  };

  // M = max m_s; w_s = e^(m_s − M) to shared memory; L = Σ w_s·l_s.
  Value max = overSplits(minusInf, [&](Value split, Value folded) {
    return m.fmax(folded, memref::LoadOp::create(b, loc, partialMax,
                                                 ValueRange{flatRow, split}));
  });
  max = blockAllReduce(b, loc, max, ReduceKind::Max, scratch, kThreads / 32);
  Value shift = finiteMax(m, max);
  Value sum = overSplits(zero, [&](Value split, Value folded) {
    Value weight = softmaxWeight(
        m,
        memref::LoadOp::create(b, loc, partialMax, ValueRange{flatRow, split}),
        shift, /*log2Domain=*/false);
    memref::StoreOp::create(b, loc, weight, weights, ValueRange{split});
    return m.fma(weight,
                 memref::LoadOp::create(b, loc, partialSum,
                                        ValueRange{flatRow, split}),
                 folded);
  });
  // (The reduction's barriers also publish the weights.)
  sum = blockAllReduce(b, loc, sum, ReduceKind::Sum, scratch, kThreads / 32);
  Value inverse = inverseOrZero(m, sum);

  // The row's (b, h, i) in the output.
  Value heads = memref::DimOp::create(b, loc, output, 1);
  Value queryLength = memref::DimOp::create(b, loc, output, 2);
  Value valueDim = memref::DimOp::create(b, loc, output, 3);
  Value query = arith::RemUIOp::create(b, loc, flatRow, queryLength);
  Value headIndex = arith::DivUIOp::create(b, loc, flatRow, queryLength);
  Value head = arith::RemUIOp::create(b, loc, headIndex, heads);
  Value batch = arith::DivUIOp::create(b, loc, headIndex, heads);

  auto columns = scf::ForOp::create(b, loc, tid, valueDim, threads);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(columns.getBody());
    Value column = columns.getInductionVar();
    auto term = [&](Value split) {
      Value partial = memref::LoadOp::create(
          b, loc, partialAcc, ValueRange{flatRow, split, column});
      Value weight =
          memref::LoadOp::create(b, loc, weights, ValueRange{split});
      return std::make_pair(weight, partial);
    };
    // kCombineLoads independent partial sums, then the remaining splits.
    Value step = indexConstant(b, loc, kCombineLoads);
    Value whole = arith::MulIOp::create(
        b, loc, arith::DivUIOp::create(b, loc, splits, step), step);
    SmallVector<Value> init(kCombineLoads, zero);
    auto unrolled = scf::ForOp::create(b, loc, indexConstant(b, loc, 0),
                                       whole, step, init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(unrolled.getBody());
      SmallVector<Value> sums;
      for (int64_t i = 0; i < kCombineLoads; ++i) {
        auto [weight, partial] = term(arith::AddIOp::create(
            b, loc, unrolled.getInductionVar(), indexConstant(b, loc, i)));
        sums.push_back(
            m.fma(weight, partial, unrolled.getRegionIterArgs()[i]));
      }
      scf::YieldOp::create(b, loc, sums);
    }
    Value total = zero;
    for (Value partialSum : unrolled.getResults())
      total = m.fadd(total, partialSum);
    auto rest = scf::ForOp::create(b, loc, whole, splits,
                                   indexConstant(b, loc, 1), ValueRange{total});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(rest.getBody());
      auto [weight, partial] = term(rest.getInductionVar());
      scf::YieldOp::create(
          b, loc,
          ValueRange{m.fma(weight, partial, rest.getRegionIterArgs()[0])});
    }
    storeF32(b, loc, m.fmul(rest.getResult(0), inverse), output,
             ValueRange{batch, head, query, column});
  }
  if (!lse)
    return;
  auto leader = scf::IfOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid,
                            indexConstant(b, loc, 0)));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(leader.thenBlock());
  memref::StoreOp::create(b, loc,
                          logSumExp(m, max, sum, /*log2Domain=*/false), lse,
                          ValueRange{batch, head, query});
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
  // keys, in whole steps of the key loop.
  Value headBlocks = max(mul(batches, keyHeads), c(1));
  Value wanted = ceil(
      c(kWaves * kMultiprocessors * blocksPerSM(tiling.rows)), headBlocks);
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
  arguments.append({partialMax, partialSum, partialAcc, chunk});
  SmallVector<Value> combineArguments = {partialMax, partialSum, partialAcc,
                                         launch.output};
  if (launch.lse)
    combineArguments.push_back(launch.lse);
  gpu::GPUFuncOp decode, combine;
  {
    OpBuilder::InsertionGuard guard(b);
    decode = createKernel(b, anchor, "attention_decode",
                          TypeRange(ValueRange(arguments)), {},
                          {kThreads, 1, 1});
    DecodeKernelBody(b, loc, variant, tiling, decode).emit();
    decode->setAttr("nvvm.minctasm",
                    b.getI32IntegerAttr(blocksPerSM(tiling.rows)));
    combine = createKernel(
        b, anchor, "attention_decode_combine",
        TypeRange(ValueRange(combineArguments)),
        {sharedMemRefType({kMaxSplits}, f32),
         sharedMemRefType({kThreads / 32}, f32)},
        {kThreads, 1, 1});
    emitCombine(b, loc, variant, combine);
  }
  launchKernel(b, loc, decode, {splits, keyHeads, batches}, {kThreads, 1, 1},
               tiling.sharedBytes(variant.valueDim), arguments);
  launchKernel(b, loc, combine, {rows, c(1), c(1)}, {kThreads, 1, 1}, 0,
               combineArguments);
}
