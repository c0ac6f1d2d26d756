//===- AttentionGpu.h - tfm.attention CUDA kernels, shared parts -*- C++ -*-===//
//
// tfm.attention has three CUDA kernels, one file each, chosen per op by
// AttentionToGpu.cpp:
//
//   AttentionMmaKernel.cpp     bf16/f16 flash attention on tensor cores
//                              (mma.sync m16n8k16, cp.async, ldmatrix)
//   AttentionSimtKernel.cpp    any storage type, f32 FMA on CUDA cores
//   AttentionDecodeKernel.cpp  few query rows (decoding): the keys split
//                              across blocks, the last block of a KV head
//                              combining them
//
// They share what a score is (scale, positional bias, mask, mult), which
// this header declares. Softmax weights are ex2 instructions: a kernel
// keeps scores either in the log2 domain, s·log2(e) (one instruction less
// per score; bf16 tolerances), or natural, taking 2^((s − m)·log2(e)) of
// the exact difference (f32 accuracy at logits of ±1e4).
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_LIB_CONVERSION_TFMTOGPU_ATTENTIONGPU_H
#define TFMC_LIB_CONVERSION_TFMTOGPU_ATTENTIONGPU_H

#include "../TfmToLinalg/LoweringUtils.h"
#include "GpuLoweringUtils.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include <optional>

namespace mlir::tfm::gpu_lowering {

//===----------------------------------------------------------------------===//
// The op's variant
//===----------------------------------------------------------------------===//


/// What the kernels of one tfm.attention compute, known at compile time.
struct AttentionVariant {
  explicit AttentionVariant(AttentionOp op);

  MaskAttr mask;
  PosBiasKind posBias;
  std::optional<T5Buckets> t5;
  double scale;
  bool returnLse;
  bool hasMult, hasKvLen;
  /// Element types of q, k, v and the output.
  Type queryType, keyType, valueType, outputType;
  /// Static sizes or ShapedType::kDynamic: d, dv, Lq, H / Hk.
  int64_t headDim, valueDim, queryLength, groupSize;
  /// Whether bias is an explicit [B|1, H|1, Lq, Lk] tensor.
  bool explicitBias() const { return posBias == PosBiasKind::explicit_bias; }
};

/// The op's inputs as kernel arguments, in this order: q, k, v, then bias,
/// mult and kv_len where present, then q_offset (index).
struct AttentionInputs {
  Value query, key, value, bias, mult, kvLen, qOffset;

  /// The host values, in kernel-argument order.
  SmallVector<Value> arguments() const;
  /// The inputs among a kernel's arguments starting at `first`; `first`
  /// moves past them.
  static AttentionInputs fromArguments(const AttentionVariant &variant,
                                       ValueRange arguments, unsigned &first);
};

//===----------------------------------------------------------------------===//
// Scores
//===----------------------------------------------------------------------===//

/// The keys [first, end) one query position sees (every mask leaves one
/// interval of keys to each row).
struct KeyInterval {
  Value first, end;
};

/// The key tiles a block of query rows visits.
struct KeyTiles {
  /// Tiles [first, end) hold every key one of the rows sees (i32).
  Value first, end;
  /// The keys every row of the block sees: a tile inside needs no mask.
  KeyInterval sharedKeys;
};

/// The score terms of one (batch, query head) inside a kernel.
class ScoreTerms {
public:
  /// `batch` and `head` are i32; loads kv_len[batch] and the ALiBi slope.
  /// Scores are s·log2(e) with `log2Domain`, else s.
  ScoreTerms(DeviceMath &m, const AttentionVariant &variant,
             const AttentionInputs &inputs, Value batch, Value head,
             bool log2Domain);

  /// Keys past this one are padding: min(Lk, kv_len[b]) (i32).
  Value keyEnd() const { return kvEnd; }
  /// Query row `row`'s position q_offset + row (i32).
  Value position(DeviceMath &m, Value row) const;
  /// The keys positions [pBegin, pEnd) may see together, within
  /// [0, keyEnd()); also each row's interval (pEnd = pBegin + 1).
  KeyInterval visibleKeys(DeviceMath &m, Value pBegin, Value pEnd) const;
  /// The tiles of `tileKeys` keys that query rows [firstRow, firstRow +
  /// blockRows), those below `queryLength`, see.
  KeyTiles keyTiles(DeviceMath &m, Value firstRow, int64_t blockRows,
                    Value queryLength, int64_t tileKeys) const;
  /// Whether any score depends on (row, key) beyond the mask.
  bool hasPositionalBias() const;
  /// The score of the raw dot product `dot` = q·k: scale·dot + bias(row,
  /// key), times log2(e) in the log2 domain. `row` indexes the query rows
  /// (rows past Lq and keys past Lk are allowed: their scores are
  /// finite and meant to be masked), `pos` is its position; i32.
  Value logit(DeviceMath &m, Value dot, Value row, Value pos, Value key) const;
  /// The softmax weight e^(s − shift) of score `logit` (same domain).
  Value weight(DeviceMath &m, Value logit, Value shift) const;
  /// The natural log-sum-exp of a row from its max and sum of weights.
  Value naturalLse(DeviceMath &m, Value max, Value sum) const;
  /// `logit` where `key` lies in `visible`, else −inf.
  Value masked(DeviceMath &m, Value logit, KeyInterval visible,
               Value key) const;
  /// URPE's factor on the probability of (pos, key); null without mult.
  Value numeratorFactor(DeviceMath &m, Value pos, Value key) const;

private:
  /// table[bucket(key − pos), head] of a [buckets, H] table, as f32.
  Value tableEntry(DeviceMath &m, Value table, Value pos, Value key) const;

  const AttentionVariant &variant;
  const AttentionInputs &inputs;
  bool log2Domain;
  Value batch, head, qOffset, kvEnd, slope;
  /// scale, times log2(e) in the log2 domain; the factor of biases.
  Value dotFactor, biasFactor;
  /// The explicit bias's batch and head rows (0 for a broadcast dim) and
  /// its dims Lq, Lk.
  Value biasBatch, biasHead, biasRows, biasKeys;
};

/// The scores of the key tile [firstKey, firstKey + tileKeys) of a block:
/// `logits` where every row of the block sees the whole tile, else the
/// values `mask` returns (built in the branch that needs them).
SmallVector<Value> maskUnlessShared(DeviceMath &m, const KeyTiles &tiles,
                                    Value firstKey, int64_t tileKeys,
                                    ValueRange logits,
                                    function_ref<SmallVector<Value>()> mask);

/// The softmax weight e^(s − shift) of a score `logit` and the natural
/// log-sum-exp of a row from its max and sum of weights, for scores in the
/// log2 domain or natural (see the file comment).
Value softmaxWeight(DeviceMath &m, Value logit, Value shift, bool log2Domain);
Value logSumExp(DeviceMath &m, Value max, Value sum, bool log2Domain);
/// 1/l for a finished row, 0 for a row that saw no key (l = 0).
Value inverseOrZero(DeviceMath &m, Value sum);
/// m, or 0 where m is −inf (a row with no visible key yet), so that
/// 2^(s − m) is 0 rather than NaN for its masked scores.
Value finiteMax(DeviceMath &m, Value max);

//===----------------------------------------------------------------------===//
// Kernels (one file each)
//===----------------------------------------------------------------------===//

/// Host-side operands of a lowering: the inputs (buffers), the results'
/// buffers and the sizes of q and k.
struct AttentionLaunch {
  AttentionInputs inputs;
  Value output, lse;
  /// [B, H, Lq, d] and [B, Hk, Lk, d] as index values.
  SmallVector<Value> queryDims, keyDims;
};

/// Whether the tensor-core kernel takes this variant (bf16/f16 storage
/// throughout, static d and dv multiples of 16 up to 256).
bool mmaKernelSupports(const AttentionVariant &variant);
void launchMmaAttention(OpBuilder &b, Operation *anchor,
                        const AttentionVariant &variant,
                        const AttentionLaunch &launch);

/// Every variant: CUDA-core kernel with f32 arithmetic.
void launchSimtAttention(OpBuilder &b, Operation *anchor,
                         const AttentionVariant &variant,
                         const AttentionLaunch &launch);

/// Whether the split-KV decode kernel takes this variant (few query rows
/// per KV head, statically; static d and dv in whole 16-byte vectors).
bool decodeKernelSupports(const AttentionVariant &variant);
void launchDecodeAttention(OpBuilder &b, Operation *anchor,
                           const AttentionVariant &variant,
                           const AttentionLaunch &launch);

} // namespace mlir::tfm::gpu_lowering

#endif // TFMC_LIB_CONVERSION_TFMTOGPU_ATTENTIONGPU_H
