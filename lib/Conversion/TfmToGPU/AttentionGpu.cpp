//===- AttentionGpu.cpp - what the tfm.attention kernels share ------------===//
#include "AttentionGpu.h"

#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

//===----------------------------------------------------------------------===//
// The variant and its inputs
//===----------------------------------------------------------------------===//

AttentionVariant::AttentionVariant(AttentionOp op)
    : mask(op.getMaskAttr()), posBias(op.getPosBiasKind()),
      scale(op.getScale().convertToDouble()), returnLse(op.getReturnLse()),
      hasMult(op.getMult() != nullptr), hasKvLen(op.getKvLen() != nullptr) {
  if (posBias == PosBiasKind::t5)
    t5.emplace(op.getPosBiasAttr());
  auto query = op.getQuery().getType();
  auto key = op.getKey().getType();
  auto value = op.getValue().getType();
  queryType = query.getElementType();
  keyType = key.getElementType();
  valueType = value.getElementType();
  outputType = op.getOutput().getType().getElementType();
  headDim = query.getDimSize(3);
  valueDim = value.getDimSize(3);
  queryLength = query.getDimSize(2);
  groupSize = query.isDynamicDim(1) || key.isDynamicDim(1)
                  ? ShapedType::kDynamic
                  : query.getDimSize(1) / key.getDimSize(1);
}

SmallVector<Value> AttentionInputs::arguments() const {
  SmallVector<Value> values = {query, key, value};
  for (Value optional : {bias, mult, kvLen})
    if (optional)
      values.push_back(optional);
  values.push_back(qOffset);
  return values;
}

AttentionInputs AttentionInputs::fromArguments(const AttentionVariant &variant,
                                               ValueRange arguments,
                                               unsigned &first) {
  AttentionInputs inputs;
  inputs.query = arguments[first++];
  inputs.key = arguments[first++];
  inputs.value = arguments[first++];
  if (variant.posBias == PosBiasKind::t5 || variant.explicitBias())
    inputs.bias = arguments[first++];
  if (variant.hasMult)
    inputs.mult = arguments[first++];
  if (variant.hasKvLen)
    inputs.kvLen = arguments[first++];
  inputs.qOffset = arguments[first++];
  return inputs;
}

//===----------------------------------------------------------------------===//
// Scores
//===----------------------------------------------------------------------===//

/// log2(e): scores are kept as s·log2(e).
static constexpr double kLog2E = 1.4426950408889634;

/// ALiBi slope of query head `h` out of `heads` (i32), as Hugging Face's
/// `build_alibi_tensor`: with P the largest power of two <= heads, head
/// h < P gets 2^(−8(h+1)/P) and the others every other slope of 2P,
/// 2^(−8(2(h−P)+1)/(2P)).
static Value alibiSlope(DeviceMath &m, Value h, Value heads) {
  Value leadingZeros = LLVM::CountLeadingZerosOp::create(
      m.b, m.loc, m.b.getI32Type(), heads, /*is_zero_poison=*/false);
  Value power =
      arith::ShLIOp::create(m.b, m.loc, m.i32(1),
                            m.sub(m.i32(31), leadingZeros));
  // The slope is 2^(−4x/P) with x = 2(h+1) below P and 2(h−P)+1 above.
  Value two = m.i32(2);
  Value x = m.select(m.lt(h, power), m.mul(two, m.add(h, m.i32(1))),
                     m.add(m.mul(two, m.sub(h, power)), m.i32(1)));
  Value exponent = arith::DivFOp::create(
      m.b, m.loc, m.fmul(m.toF32(x), m.f32(-4.0)), m.toF32(power));
  return m.exp2(exponent);
}

ScoreTerms::ScoreTerms(DeviceMath &m, const AttentionVariant &variant,
                       const AttentionInputs &inputs, Value batch, Value head,
                       bool log2Domain)
    : variant(variant), inputs(inputs), log2Domain(log2Domain), batch(batch),
      head(head) {
  qOffset = m.toI32(inputs.qOffset);
  kvEnd = m.dim(inputs.key, 2);
  if (inputs.kvLen) {
    Value length = memref::LoadOp::create(m.b, m.loc, inputs.kvLen,
                                          ValueRange{m.toIndex(batch)});
    if (length.getType() != m.b.getI32Type())
      length = arith::TruncIOp::create(m.b, m.loc, m.b.getI32Type(), length);
    kvEnd = m.min(kvEnd, length);
  }
  double unit = log2Domain ? kLog2E : 1.0;
  dotFactor = m.f32(variant.scale * unit);
  biasFactor = m.f32(unit);
  if (variant.posBias == PosBiasKind::alibi)
    slope = m.fmul(alibiSlope(m, head, m.dim(inputs.query, 1)), biasFactor);
  if (variant.explicitBias()) {
    // A bias dim of size 1 broadcasts: its row is always 0.
    auto broadcastIndex = [&](int64_t dim, Value index) {
      auto type = cast<MemRefType>(inputs.bias.getType());
      if (type.getDimSize(dim) == 1)
        return m.i32(0);
      if (!type.isDynamicDim(dim))
        return index;
      return m.select(m.cmp(arith::CmpIPredicate::eq, m.dim(inputs.bias, dim),
                            m.i32(1)),
                      m.i32(0), index);
    };
    biasBatch = broadcastIndex(0, batch);
    biasHead = broadcastIndex(1, head);
    biasRows = m.dim(inputs.bias, 2);
    biasKeys = m.dim(inputs.bias, 3);
  }
}

Value ScoreTerms::position(DeviceMath &m, Value row) const {
  return m.add(qOffset, row);
}

KeyInterval ScoreTerms::visibleKeys(DeviceMath &m, Value pBegin,
                                    Value pEnd) const {
  auto [first, end] =
      visibleKeyInterval(m.b, m.loc, variant.mask, pBegin, pEnd, kvEnd);
  return {first, end};
}

KeyTiles ScoreTerms::keyTiles(DeviceMath &m, Value firstRow, int64_t blockRows,
                              Value queryLength, int64_t tileKeys) const {
  Value rows = m.min(m.i32(blockRows), m.sub(queryLength, firstRow));
  Value pFirst = position(m, firstRow);
  Value pEnd = m.add(pFirst, rows);
  KeyInterval blockKeys = visibleKeys(m, pFirst, pEnd);
  Value keys = m.i32(tileKeys);
  Value first = m.floorDiv(blockKeys.first, keys);
  Value end = m.select(m.lt(blockKeys.first, blockKeys.end),
                       m.ceilDiv(blockKeys.end, keys), first);
  // The rows' intervals only move forward, so the last row's start and the
  // first row's end bound their intersection.
  Value one = m.i32(1);
  Value sharedFirst = visibleKeys(m, m.sub(pEnd, one), pEnd).first;
  Value sharedEnd = visibleKeys(m, pFirst, m.add(pFirst, one)).end;
  return {first, end, {sharedFirst, sharedEnd}};
}

SmallVector<Value> gpu_lowering::maskUnlessShared(
    DeviceMath &m, const KeyTiles &tiles, Value firstKey, int64_t tileKeys,
    ValueRange logits, function_ref<SmallVector<Value>()> mask) {
  Value shared =
      m.both(m.ge(firstKey, tiles.sharedKeys.first),
             m.cmp(arith::CmpIPredicate::sle, m.add(firstKey, m.i32(tileKeys)),
                   tiles.sharedKeys.end));
  auto masking = scf::IfOp::create(m.b, m.loc, logits.getTypes(), shared,
                                   /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(m.b);
  m.b.setInsertionPointToStart(masking.thenBlock());
  scf::YieldOp::create(m.b, m.loc, logits);
  m.b.setInsertionPointToStart(masking.elseBlock());
  scf::YieldOp::create(m.b, m.loc, mask());
  return SmallVector<Value>(masking.getResults());
}

bool ScoreTerms::hasPositionalBias() const {
  return variant.posBias != PosBiasKind::none;
}

Value ScoreTerms::tableEntry(DeviceMath &m, Value table, Value pos,
                             Value key) const {
  Value bucket = variant.t5->emit(m.b, m.loc, m.sub(key, pos));
  return loadF32(m.b, m.loc, table,
                 ValueRange{m.toIndex(bucket), m.toIndex(head)});
}

Value ScoreTerms::logit(DeviceMath &m, Value dot, Value row, Value pos,
                        Value key) const {
  Value logit = m.fmul(dot, dotFactor);
  switch (variant.posBias) {
  case PosBiasKind::none:
    return logit;
  case PosBiasKind::alibi:
    // −m_h·(p − j)
    return m.fma(m.toF32(m.sub(key, pos)), slope, logit);
  case PosBiasKind::t5:
    return m.fma(tableEntry(m, inputs.bias, pos, key), biasFactor, logit);
  case PosBiasKind::explicit_bias: {
    // Padding rows and keys of a tile read the last ones (masked anyway).
    Value one = m.i32(1);
    Value biasRow = m.min(row, m.sub(biasRows, one));
    Value biasKey = m.min(key, m.sub(biasKeys, one));
    Value bias = loadF32(m.b, m.loc, inputs.bias,
                         ValueRange{m.toIndex(biasBatch), m.toIndex(biasHead),
                                    m.toIndex(biasRow), m.toIndex(biasKey)});
    return m.fma(bias, biasFactor, logit);
  }
  }
  llvm_unreachable("unknown positional bias kind");
}

Value ScoreTerms::masked(DeviceMath &m, Value logit, KeyInterval visible,
                         Value key) const {
  Value inside = m.both(m.ge(key, visible.first), m.lt(key, visible.end));
  return m.select(inside, logit, m.f32(-INFINITY));
}

Value ScoreTerms::numeratorFactor(DeviceMath &m, Value pos, Value key) const {
  if (!inputs.mult)
    return nullptr;
  return tableEntry(m, inputs.mult, pos, key);
}

Value gpu_lowering::inverseOrZero(DeviceMath &m, Value sum) {
  Value zero = m.f32(0.0);
  Value seen = m.fcmp(arith::CmpFPredicate::OGT, sum, zero);
  return m.select(seen, arith::DivFOp::create(m.b, m.loc, m.f32(1.0), sum),
                  zero);
}

Value gpu_lowering::finiteMax(DeviceMath &m, Value max) {
  Value empty = m.fcmp(arith::CmpFPredicate::OEQ, max, m.f32(-INFINITY));
  return m.select(empty, m.f32(0.0), max);
}

Value ScoreTerms::weight(DeviceMath &m, Value logit, Value shift) const {
  return softmaxWeight(m, logit, shift, log2Domain);
}

Value ScoreTerms::naturalLse(DeviceMath &m, Value max, Value sum) const {
  return logSumExp(m, max, sum, log2Domain);
}

Value gpu_lowering::softmaxWeight(DeviceMath &m, Value logit, Value shift,
                                  bool log2Domain) {
  Value difference = m.fsub(logit, shift);
  if (!log2Domain)
    difference = m.fmul(difference, m.f32(kLog2E));
  return m.exp2(difference);
}

Value gpu_lowering::logSumExp(DeviceMath &m, Value max, Value sum,
                              bool log2Domain) {
  // ln Σ e^s = m + ln 2 · log2 Σ e^(s − m), in the log2 domain ln 2 · (m +
  // log2 Σ 2^(s·log2(e) − m)); −inf for l = 0.
  Value ln2 = m.f32(M_LN2);
  if (log2Domain)
    return m.fmul(m.fadd(max, m.log2(sum)), ln2);
  return m.fma(m.log2(sum), ln2, max);
}
