//===- LinearToGpu.cpp - Linear ops to CUDA kernels ---------------------------===//
#include "GpuLoweringUtils.h"

using namespace mlir;
using namespace mlir::tfm;

void gpu_lowering::populateLinearToGpuPatterns(RewritePatternSet &patterns) {}
