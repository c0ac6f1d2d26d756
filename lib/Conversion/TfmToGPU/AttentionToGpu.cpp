//===- AttentionToGpu.cpp - Attention ops to CUDA kernels ---------------------------===//
#include "GpuLoweringUtils.h"

using namespace mlir;
using namespace mlir::tfm;

void gpu_lowering::populateAttentionToGpuPatterns(RewritePatternSet &patterns) {}
