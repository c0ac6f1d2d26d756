//===- Pipelines.h - the tfmc pass pipelines --------------------*- C++ -*-===//
#ifndef TFMC_PIPELINES_PIPELINES_H
#define TFMC_PIPELINES_PIPELINES_H

#include "mlir/IR/DialectRegistry.h"
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

/// One-shot bufferization across function boundaries, results as
/// caller-owned out-parameters, buffer deallocation (both targets).
void buildBufferizationPipeline(OpPassManager &pm);

/// linalg on tensors -> bufferized loops -> the LLVM dialect.
void buildLinalgToLLVMPipeline(OpPassManager &pm);

/// The whole CPU pipeline, stopping after `stage`.
void buildCpuPipeline(OpPassManager &pm, CpuStage stage);

/// Where the CUDA pipeline stops.
enum class CudaStage {
  /// After the tfm-level rewrites.
  Tfm,
  /// After tfm-lower-to-gpu: host code launching kernels, on tensors.
  Gpu,
  /// Kernels compiled to PTX (gpu.binary), host code not yet lowered.
  Ptx,
  /// The LLVM dialect with the PTX embedded, ready for translation.
  LLVM,
};

struct CudaOptions {
  /// The SM architecture the PTX targets, e.g. "sm_90".
  std::string chip = "sm_90";
};

struct CudaPipelineOptions : public PassPipelineOptions<CudaPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("GPU architecture (sm_80, sm_90)"),
      llvm::cl::init("sm_90")};
  PassOptions::Option<std::string> stopAfter{
      *this, "stop-after",
      llvm::cl::desc("Stop after a stage: tfm, gpu or ptx"),
      llvm::cl::init("")};
};

/// The whole CUDA pipeline, stopping after `stage`.
void buildCudaPipeline(OpPassManager &pm, const CudaOptions &options,
                       CudaStage stage);

/// Registers what compiling for CUDA needs: the NVVM target attribute's
/// serialization (gpu-module-to-binary), the LLVM IR translations of the
/// GPU, NVVM and LLVM dialects, the gpu.binary embedding, and the NVPTX
/// backend.
void registerCudaTarget(DialectRegistry &registry);

/// Registers `--tfm-cpu-pipeline` and `--tfm-cuda-pipeline` (with their
/// stop options) for tfm-opt.
void registerTfmPipelines();

} // namespace mlir::tfm

#endif // TFMC_PIPELINES_PIPELINES_H
