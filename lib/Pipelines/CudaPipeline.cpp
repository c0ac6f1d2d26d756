//===- CudaPipeline.cpp - the CUDA pass pipeline --------------------------===//
//
// tfm rewrites (shared with the CPU) -> every tfm op a kernel launch
// (tfm-lower-to-gpu) -> bufferization, with host buffers in device memory
// -> leftover host loops launched on the GPU -> kernels to NVVM and PTX
// (gpu-module-to-binary, format isa: no CUDA SDK) -> host code to the LLVM
// dialect, launches calling the runtime in lib/Runtime/CudaRuntime.c.
//
//===----------------------------------------------------------------------===//
#include "PipelineSteps.h"

#include "tfmc/Conversion/TfmToLinalg.h"
#include "tfmc/Pipelines/Pipelines.h"
#include "tfmc/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

// The NVPTX backend's initializers (llvm/Config/Targets.def lists NVPTX
// in Debian's LLVM build).
extern "C" void LLVMInitializeNVPTXTargetInfo();
extern "C" void LLVMInitializeNVPTXTarget();
extern "C" void LLVMInitializeNVPTXTargetMC();
extern "C" void LLVMInitializeNVPTXAsmPrinter();

using namespace mlir;
using namespace mlir::tfm;

/// Kernels: NVVM, then PTX text in a gpu.binary.
static void addKernelCompilation(OpPassManager &pm,
                                 const CudaOptions &options) {
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = "+ptx80";
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createSCFToControlFlowPass());
  // No libdevice without the CUDA SDK: exp becomes ex2.approx, the other
  // transcendental functions polynomials, the rest PTX instructions.
  kernels.addPass(createTfmMathToPtx());
  addStridedMetadataExpansion(kernels);
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.indexBitwidth = 64;
  kernels.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  kernels.addPass(createConvertNVVMToLLVMPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  addCleanup(kernels);
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

/// Host functions: the LLVM dialect. Host-side allocations go to the
/// runtime's device allocator (generic allocation functions).
static void addHostLowering(OpPassManager &pm) {
  pm.addPass(createSCFToControlFlowPass());
  addStridedMetadataExpansion(pm);
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createGpuToLLVMConversionPass());
  addFinalLLVMConversions(pm);
}

void tfm::buildCudaPipeline(OpPassManager &pm, const CudaOptions &options,
                            CudaStage stage) {
  buildTfmOptimizationPipeline(pm);
  if (stage == CudaStage::Tfm)
    return;
  pm.addPass(createTfmLowerToGpu());
  addCleanup(pm);
  if (stage == CudaStage::Gpu)
    return;
  // Elementwise glue left in the host code (residual adds of imported
  // models) becomes linalg, fused, then loops launched on the GPU.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addNestedPass<func::FuncOp>(createLinalgElementwiseOpFusionPass());
  buildBufferizationPipeline(pm);
  pm.addPass(createTfmHostLoopsToGpu());
  addCleanup(pm);
  addKernelCompilation(pm, options);
  if (stage == CudaStage::Ptx)
    return;
  addHostLowering(pm);
}

void tfm::registerCudaTarget(DialectRegistry &registry) {
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTarget();
  LLVMInitializeNVPTXTargetMC();
  LLVMInitializeNVPTXAsmPrinter();
}
