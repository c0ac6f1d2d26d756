//===- AttentionToGpu.cpp - tfm.attention to CUDA kernels -----------------===//
//
// Picks one of the attention kernels (see AttentionGpu.h) per op, from the
// static types:
//
//   few query rows per KV head (Lq·H/Hk <= 8, static; decoding)
//       -> split-KV decode kernel (its last blocks combine), any storage type
//   bf16/f16 storage, static d and dv multiples of 16 up to 256
//       -> tensor-core flash kernel
//   anything else (f32, mixed types, dynamic head dims)
//       -> CUDA-core flash kernel in f32
//
// Every mask, positional bias, mult, kv_len, q_offset and lse is handled by
// each of them, so no variant is rejected.
//
//===----------------------------------------------------------------------===//
#include "AttentionGpu.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

namespace {
struct AttentionToGpu : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    AttentionVariant variant(op);
    AttentionLaunch launch;
    AttentionInputs &inputs = launch.inputs;
    inputs.query = bufferOf(rewriter, loc, op.getQuery());
    inputs.key = bufferOf(rewriter, loc, op.getKey());
    inputs.value = bufferOf(rewriter, loc, op.getValue());
    if (op.getBias())
      inputs.bias = bufferOf(rewriter, loc, op.getBias());
    if (op.getMult())
      inputs.mult = bufferOf(rewriter, loc, op.getMult());
    if (op.getKvLen())
      inputs.kvLen = bufferOf(rewriter, loc, op.getKvLen());
    inputs.qOffset =
        op.getQOffset() ? op.getQOffset() : indexConstant(rewriter, loc, 0);
    launch.queryDims = dimsOf(rewriter, loc, op.getQuery());
    launch.keyDims = dimsOf(rewriter, loc, op.getKey());

    // out [B, H, Lq, dv], lse [B, H, Lq].
    SmallVector<Value> outputDims(ArrayRef(launch.queryDims).take_front(3));
    outputDims.push_back(dimsOf(rewriter, loc, op.getValue())[3]);
    launch.output =
        allocBufferOfSizes(rewriter, loc, op.getOutput().getType(), outputDims);
    if (variant.returnLse)
      launch.lse = allocBufferOfSizes(
          rewriter, loc, cast<RankedTensorType>(op.getLse().getType()),
          ArrayRef(outputDims).take_front(3));

    if (decodeKernelSupports(variant))
      launchDecodeAttention(rewriter, op, variant, launch);
    else if (mmaKernelSupports(variant))
      launchMmaAttention(rewriter, op, variant, launch);
    else
      launchSimtAttention(rewriter, op, variant, launch);

    SmallVector<Value> results = {tensorOf(rewriter, loc, launch.output)};
    if (launch.lse)
      results.push_back(tensorOf(rewriter, loc, launch.lse));
    rewriter.replaceOp(op, results);
    return success();
  }
};
} // namespace

void gpu_lowering::populateAttentionToGpuPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionToGpu>(patterns.getContext());
}
