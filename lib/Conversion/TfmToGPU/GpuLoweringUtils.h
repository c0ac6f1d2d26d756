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
/// The same, given every dim's size (`dims`, static ones included).
Value allocBufferOfSizes(OpBuilder &b, Location loc, RankedTensorType type,
                         ArrayRef<Value> dims);

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

/// scf.if `condition` then `body` (no results, no else).
void ifThen(OpBuilder &b, Location loc, Value condition,
            function_ref<void(OpBuilder &, Location)> body);

//===----------------------------------------------------------------------===//
// Device arithmetic
//===----------------------------------------------------------------------===//

/// How a kernel's integers compare and widen: signed where they may be
/// negative (attention's key − position), else unsigned (the cheaper ops).
enum class IntegerSign { Signed, Unsigned };

/// Arithmetic at a builder's insertion point, for kernel bodies: integers
/// are i32 (positions, rows, columns) or i64 (element offsets into global
/// memory), values f32.
class DeviceMath {
public:
  DeviceMath(OpBuilder &b, Location loc, IntegerSign sign)
      : b(b), loc(loc), sign(sign) {}

  OpBuilder &b;
  Location loc;
  IntegerSign sign;

  Value i32(int64_t value);
  Value i64(int64_t value);
  Value f32(double value);

  // Integer ops on operands of one type (i32 or i64).
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  /// Quotient and remainder of non-negative integers, whatever the sign
  /// mode: the unsigned instructions are the cheaper ones.
  Value div(Value x, Value y);
  Value rem(Value x, Value y);
  /// The same by a constant of x's type.
  Value div(Value x, int64_t y);
  Value rem(Value x, int64_t y);
  Value ceilDiv(Value x, Value y);
  Value floorDiv(Value x, Value y);
  Value min(Value x, Value y);
  Value max(Value x, Value y);
  Value cmp(arith::CmpIPredicate predicate, Value x, Value y);
  Value lt(Value x, Value y);
  Value ge(Value x, Value y);
  Value both(Value x, Value y);
  Value select(Value condition, Value x, Value y);
  /// `x` where `condition` holds, else 0 of x's type (an index safe to
  /// read at).
  Value orZero(Value condition, Value x);

  /// An index value as i32 / an index or i32 value as i64 / an i32 as
  /// index.
  Value toI32(Value index);
  Value toI64(Value integer);
  Value toIndex(Value i32);
  /// An integer as f32.
  Value toF32(Value integer);

  Value fadd(Value x, Value y);
  Value fsub(Value x, Value y);
  Value fmul(Value x, Value y);
  Value fma(Value x, Value y, Value z);
  Value fmax(Value x, Value y);
  Value fcmp(arith::CmpFPredicate predicate, Value x, Value y);
  /// 2^x and log2(x) as the hardware's approximations (ex2/lg2.approx,
  /// relative error ~2^-22); 2^-inf = 0, log2(0) = -inf.
  Value exp2(Value x);
  Value log2(Value x);
  /// x in the quad's lanes (lane ^ 1, lane ^ 2) combined: the mma
  /// fragments spread a row over the four lanes of a quad.
  Value quadMax(Value x);
  Value quadSum(Value x);
  /// The value of `x` in lane (lane ^ mask) of the warp.
  Value shuffleXor(Value x, int64_t mask);

  /// The thread's / block's coordinates as i32.
  Value threadIdx();
  Value blockIdx(gpu::Dimension dim);
  /// Dimension `dim` of a memref as i32.
  Value dim(Value memref, int64_t dim);

private:
  bool isSigned() const { return sign == IntegerSign::Signed; }
  /// `SignedOp` or `UnsignedOp` of `operands`, by the sign mode.
  template <typename SignedOp, typename UnsignedOp, typename... Operands>
  Value bySign(Operands... operands) {
    if (isSigned())
      return SignedOp::create(b, loc, operands...);
    return UnsignedOp::create(b, loc, operands...);
  }
};

/// A raw pointer to the data of a global-memory memref (!llvm.ptr<1>) or
/// of shared memory (!llvm.ptr<3>), for vector loads, cp.async and
/// ldmatrix.
Value globalPointer(DeviceMath &m, Value memref);
Value sharedPointer(DeviceMath &m, Value memref);
/// `pointer` advanced by `offset` elements of `elementType` (offset i32 or
/// i64).
Value offsetPointer(DeviceMath &m, Value pointer, Type elementType,
                    Value offset);

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
