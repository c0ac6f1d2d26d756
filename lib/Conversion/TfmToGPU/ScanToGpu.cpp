//===- ScanToGpu.cpp - Scan ops to CUDA kernels ---------------------------===//
#include "GpuLoweringUtils.h"

using namespace mlir;
using namespace mlir::tfm;

void gpu_lowering::populateScanToGpuPatterns(RewritePatternSet &patterns) {}
