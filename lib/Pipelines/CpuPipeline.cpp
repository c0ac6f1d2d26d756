//===- CpuPipeline.cpp - the CPU pass pipeline ----------------------------===//
//
// The pipeline is three plain functions, one per stage of `tfmc --emit=`,
// so that tfm-opt and the driver run exactly the same passes.
//
//===----------------------------------------------------------------------===//
#include "PipelineSteps.h"

#include "tfmc/Conversion/TfmToLinalg.h"
#include "tfmc/Pipelines/Pipelines.h"
#include "tfmc/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::tfm;

void tfm::buildTfmOptimizationPipeline(OpPassManager &pm) {
  // 1. Simplify; fold affine norms into the linears that consume them; fuse
  //    GLU halves, then shared-input projections, then epilogues (GLU first:
  //    its gate and up projections also share an input); pick
  //    implementations.
  addCleanup(pm);
  pm.addPass(createTfmFoldAffineNorm());
  pm.addPass(createTfmFuseGlu());
  pm.addPass(createTfmFuseQkv());
  pm.addPass(createTfmFuseEpilogue());
  pm.addPass(createTfmSelectImpl());
  addCleanup(pm);
}

void tfm::buildTfmToLinalgPipeline(OpPassManager &pm) {
  // 2. Every tfm op becomes its algorithm on tensors.
  pm.addPass(createTfmLowerToLinalg());
  addCleanup(pm);
  // 3. Producer/consumer fusion of elementwise generics (epilogues, norms).
  pm.addNestedPass<func::FuncOp>(createLinalgElementwiseOpFusionPass());
  addCleanup(pm);
}

void tfm::buildBufferizationPipeline(OpPassManager &pm) {
  // Bufferize across function boundaries; results become caller-owned
  // out-parameters so the C entry point writes into the user's buffer.
  pm.addPass(createTfmMarkArgumentsReadOnly());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  addCleanup(pm);
}

void tfm::buildLinalgToLLVMPipeline(OpPassManager &pm) {
  // 4. Bufferization.
  buildBufferizationPipeline(pm);

  // 5. Parallel loops become runtime launches; then loops, then the LLVM
  //    dialect.
  pm.addNestedPass<func::FuncOp>(createForallToParallelLoopPass());
  pm.addPass(createTfmOutlineParallelLoops());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createTfmApproximateMath());
  addStridedMetadataExpansion(pm);
  // Vector ops lower to loads, stores and masks on memrefs first.
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  addFinalLLVMConversions(pm);
}

void tfm::buildCpuPipeline(OpPassManager &pm, CpuStage stage) {
  buildTfmOptimizationPipeline(pm);
  if (stage == CpuStage::Tfm)
    return;
  buildTfmToLinalgPipeline(pm);
  if (stage == CpuStage::Linalg)
    return;
  buildLinalgToLLVMPipeline(pm);
}

void tfm::registerTfmPipelines() {
  PassPipelineRegistration<CpuPipelineOptions>(
      "tfm-cpu-pipeline",
      "The tfmc CPU pipeline: tfm rewrites, lowering to linalg, bufferization "
      "and the LLVM dialect",
      [](OpPassManager &pm, const CpuPipelineOptions &options) {
        CpuStage stage = options.stopAfterTfm      ? CpuStage::Tfm
                         : options.stopAfterLinalg ? CpuStage::Linalg
                                                   : CpuStage::LLVM;
        buildCpuPipeline(pm, stage);
      });
  PassPipelineRegistration<CudaPipelineOptions>(
      "tfm-cuda-pipeline",
      "The tfmc CUDA pipeline: tfm rewrites, kernels for every op, PTX, and "
      "host code in the LLVM dialect",
      [](OpPassManager &pm, const CudaPipelineOptions &options) {
        CudaOptions cuda;
        cuda.chip = options.chip;
        CudaStage stage = options.stopAfter == "tfm"   ? CudaStage::Tfm
                          : options.stopAfter == "gpu" ? CudaStage::Gpu
                          : options.stopAfter == "ptx" ? CudaStage::Ptx
                                                       : CudaStage::LLVM;
        buildCudaPipeline(pm, cuda, stage);
      });
}
