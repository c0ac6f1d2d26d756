//===- GpuLoweringUtils.h - helpers shared by the tfm -> GPU lowerings -*- C++
//-*-===//
//
// Every tfm op lowers, on tensors, to a launch of a kernel of its own:
//
//   host (the function being lowered)        device (gpu.module @tfm_kernels)
//   %q = bufferization.to_buffer %qT          gpu.func @attention_bf16(...)
//   kernel %o = memref.alloc(...)    (device memory)   { ...gpu.thread_id,
//   nvvm.mma.sync, ... } gpu.launch_func @tfm_kernels::@k ... %oT =
//   bufferization.to_tensor %o
//
// Host-side buffers of the CUDA pipeline are device memory: every
// memref.alloc left in host code is lowered to the runtime's device
// allocator, so kernels receive device pointers.
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_LIB_CONVERSION_TFMTOGPU_GPULOWERINGUTILS_H
#define TFMC_LIB_CONVERSION_TFMTOGPU_GPULOWERINGUTILS_H

#include "tfm/IR/TfmDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"

#include <array>

namespace mlir::tfm::gpu_lowering {

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

/// Creates `gpu.func @<baseName> kernel` (renamed on a clash) in the module's
/// kernel container, taking `argTypes` (memrefs in global memory, index and
/// scalar values) and `workgroupBuffers` (static shared-memory attributions,
/// memrefs in #gpu.address_space<workgroup>). `maxThreads` is the block size
/// the launches use (recorded as known_block_size / max ntid so the backend
/// can size registers). On return `b` is inside the body, before the
/// terminator; the arguments are `func.getArguments()` and the shared buffers
/// `func.getWorkgroupAttributions()`.
gpu::GPUFuncOp createKernel(OpBuilder &b, Operation *anchor, StringRef baseName,
                            TypeRange argTypes, TypeRange workgroupBuffers,
                            std::array<int64_t, 3> blockSize);

/// A memref type in shared (workgroup) memory.
MemRefType sharedMemRefType(ArrayRef<int64_t> shape, Type elementType);

/// The kernel's dynamic shared memory viewed as a memref<shape x elementType>
/// starting `byteOffset` bytes in (for buffers over the 48 KiB static limit).
Value dynamicSharedBuffer(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                          Type elementType, int64_t byteOffset);

//===----------------------------------------------------------------------===//
// Host side
//===----------------------------------------------------------------------===//

/// The buffer of a tensor operand (read only).
Value bufferOf(OpBuilder &b, Location loc, Value tensor);

/// A fresh (device) buffer for a result of type `type`; `dynamicSizes` gives
/// its dynamic dims in order.
Value allocBuffer(OpBuilder &b, Location loc, RankedTensorType type,
                  ValueRange dynamicSizes);

/// The result tensor backed by `buffer` (written by a kernel).
Value tensorOf(OpBuilder &b, Location loc, Value buffer);

/// The sizes of `tensor`'s dims (constants or tensor.dim) as index values.
SmallVector<Value> dimsOf(OpBuilder &b, Location loc, Value tensor);

/// Launches `kernel` on a grid of `grid` blocks (index values) of
/// `blockSize` threads with `dynamicSharedBytes` of dynamic shared memory,
/// as a tfm.kernel_launch (whose memory effects buffer deallocation needs).
void launchKernel(OpBuilder &b, Location loc, gpu::GPUFuncOp kernel,
                  std::array<Value, 3> grid, std::array<int64_t, 3> blockSize,
                  int64_t dynamicSharedBytes, ValueRange args);

/// Replaces a tfm.kernel_launch by the gpu.launch_func it stands for.
void lowerKernelLaunch(RewriterBase &rewriter, KernelLaunchOp launch);

/// ceil(a / b) on index values.
Value ceilDiv(OpBuilder &b, Location loc, Value a, int64_t divisor);

//===----------------------------------------------------------------------===//
// Device side
//===----------------------------------------------------------------------===//

Value indexConstant(OpBuilder &b, Location loc, int64_t value);
Value f32Constant(OpBuilder &b, Location loc, double value);
Value threadId(OpBuilder &b, Location loc, gpu::Dimension dim);
Value blockId(OpBuilder &b, Location loc, gpu::Dimension dim);

/// Loads one element and widens it to f32 (bf16/f16 storage).
Value loadF32(OpBuilder &b, Location loc, Value memref, ValueRange indices);

/// Narrows the f32 `value` to the memref's element type and stores it.
void storeF32(OpBuilder &b, Location loc, Value value, Value memref,
              ValueRange indices);

/// `value` (a float, or a vector of floats: MLIR's convertScalarToDtype
/// takes scalars only) with its elements converted to the float type
/// `elementType` (extf / truncf / identity).
Value convertFloat(OpBuilder &b, Location loc, Value value, Type elementType);

enum class ReduceKind { Sum, Max };

/// The reduction of an f32 over the 32 lanes of a warp; every lane gets it.
Value warpAllReduce(OpBuilder &b, Location loc, Value value, ReduceKind kind);

/// The reduction of an f32 over a block of `numWarps` warps through
/// `scratch` (a shared memref<numWarps x f32>); every thread gets it.
Value blockAllReduce(OpBuilder &b, Location loc, Value value, ReduceKind kind,
                     Value scratch, int64_t numWarps);

/// `gpu.barrier`.
void barrier(OpBuilder &b, Location loc);

//===----------------------------------------------------------------------===//
// Patterns, one populate function per op family (one file each)
//===----------------------------------------------------------------------===//

void populateAttentionToGpuPatterns(RewritePatternSet &patterns);
void populateLinearToGpuPatterns(RewritePatternSet &patterns);
void populatePointwiseToGpuPatterns(RewritePatternSet &patterns);
void populateScanToGpuPatterns(RewritePatternSet &patterns);
void populateSpectralToGpuPatterns(RewritePatternSet &patterns);

} // namespace mlir::tfm::gpu_lowering

#endif // TFMC_LIB_CONVERSION_TFMTOGPU_GPULOWERINGUTILS_H
