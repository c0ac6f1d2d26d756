//===- LinearAttentionGpu.h - linear attention on CUDA ------*- C++ -*-===//
//
// The two files of tfm.linear_attention on CUDA: LinearAttentionToGpu.cpp
// (the pattern; chunk summaries, prefix states, the direct Toeplitz kernel)
// and LinearAttentionFftToGpu.cpp (the Toeplitz products through FFTs).
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_LIB_CONVERSION_TFMTOGPU_LINEARATTENTIONGPU_H
#define TFMC_LIB_CONVERSION_TFMTOGPU_LINEARATTENTIONGPU_H

#include "GpuLoweringUtils.h"

namespace mlir::tfm::gpu_lowering {

/// Σ_t φk_tᵀ[v_t, 1] of every (batch, head): entry f·(dv + 1) + e of
/// `buffer[bh, slot]` ([B·H, slots, m·(dv + 1)] f32).
struct KeyTotals {
  Value buffer;
  Value slot;
};

/// Launches the kernels that compute KeyTotals of `keys` ([B, H, L, m])
/// and `values` ([B, H, L, dv]) (LinearAttentionToGpu.cpp).
KeyTotals buildKeyTotals(PatternRewriter &rewriter, Operation *op, Value keys,
                         Value values, int64_t features, int64_t valueDim);

/// Replaces `op` (with Toeplitz coefficients and static m, dv) by the FFT
/// form of its Toeplitz products (LinearAttentionFftToGpu.cpp).
LogicalResult lowerLinearAttentionViaFft(PatternRewriter &rewriter,
                                         LinearAttentionOp op);

} // namespace mlir::tfm::gpu_lowering

#endif // TFMC_LIB_CONVERSION_TFMTOGPU_LINEARATTENTIONGPU_H
