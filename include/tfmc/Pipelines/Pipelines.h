//===- Pipelines.h - the tfmc pass pipelines --------------------*- C++ -*-===//
#ifndef TFMC_PIPELINES_PIPELINES_H
#define TFMC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::tfm {

/// Where a pipeline stops; each stage is one `--emit=` value of tfmc.
enum class CpuStage {
  /// After the tfm-level rewrites (folding, fusion, impl selection).
  Tfm,
  /// After lowering to linalg/scf/tensor.
  Linalg,
  /// The LLVM dialect, ready for translation.
  LLVM,
};

struct CpuPipelineOptions : public PassPipelineOptions<CpuPipelineOptions> {
  PassOptions::Option<bool> stopAfterTfm{
      *this, "stop-after-tfm",
      llvm::cl::desc("Stop after the tfm-level rewrites"), llvm::cl::init(false)};
  PassOptions::Option<bool> stopAfterLinalg{
      *this, "stop-after-linalg",
      llvm::cl::desc("Stop after lowering to linalg on tensors"),
      llvm::cl::init(false)};
};

/// The tfm-level rewrites: canonicalize, fold affine norms, fuse.
void buildTfmOptimizationPipeline(OpPassManager &pm);

/// tfm -> linalg/scf on tensors.
void buildTfmToLinalgPipeline(OpPassManager &pm);

/// linalg on tensors -> bufferized loops -> the LLVM dialect.
void buildLinalgToLLVMPipeline(OpPassManager &pm);

/// The whole CPU pipeline, stopping after `stage`.
void buildCpuPipeline(OpPassManager &pm, CpuStage stage);

/// Registers `--tfm-cpu-pipeline` (with its stop options) for tfm-opt.
void registerTfmPipelines();

} // namespace mlir::tfm

#endif // TFMC_PIPELINES_PIPELINES_H
