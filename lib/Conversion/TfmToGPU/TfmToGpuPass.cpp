//===- TfmToGpuPass.cpp - the tfm-lower-to-gpu pass -----------------------===//
#include "GpuLoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tfm {
#define GEN_PASS_DEF_TFMLOWERTOGPU
#include "tfmc/Conversion/Passes.h.inc"
} // namespace mlir::tfm

using namespace mlir;
using namespace mlir::tfm;

namespace {
struct TfmLowerToGpuPass : tfm::impl::TfmLowerToGpuBase<TfmLowerToGpuPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    gpu_lowering::populateAttentionToGpuPatterns(patterns);
    gpu_lowering::populateLinearToGpuPatterns(patterns);
    gpu_lowering::populatePointwiseToGpuPatterns(patterns);
    gpu_lowering::populateScanToGpuPatterns(patterns);
    gpu_lowering::populateSpectralToGpuPatterns(patterns);
    // Kernels are created once per op; the driver must not revisit the
    // kernel bodies it builds, which hold no tfm ops anyway.
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    SmallVector<Operation *> tfmOps;
    getOperation()->walk([&](Operation *op) {
      if (isa<TfmDialect>(op->getDialect()) &&
          !isa<WeightOp, KernelLaunchOp>(op))
        tfmOps.push_back(op);
    });
    (void)applyOpPatternsGreedily(tfmOps, std::move(patterns), config);

    // Whatever is left has no CUDA kernel (or not for this variant).
    WalkResult left = getOperation()->walk([](Operation *op) {
      if (!isa<TfmDialect>(op->getDialect()) ||
          isa<WeightOp, KernelLaunchOp>(op))
        return WalkResult::advance();
      op->emitError() << "'" << op->getName()
                      << "' has no CUDA kernel for this variant (operand "
                         "types, attributes); compile it for the CPU";
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
