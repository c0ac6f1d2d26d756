//===- PointwiseKernels.h - pointwise kernel building blocks -*- C++ -*-===//
//
// The pointwise family (activations, norms, rope, embedding, feature maps)
// streams its data once. Its kernels touch memory in *runs*: up to 16 bytes
// of consecutive elements, loaded as one vector (`ld.global.v4`) when the
// run is aligned and element by element otherwise. Whether the runs are
// aligned is decided once per kernel at run time from the base pointers
// (buffers this compiler allocates are 16-byte aligned; a caller's device
// pointers need not be), so the aligned path has no per-access checks.
// Values are always f32 vectors in registers (`vector<W x f32>`).
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_LIB_CONVERSION_TFMTOGPU_POINTWISEKERNELS_H
#define TFMC_LIB_CONVERSION_TFMTOGPU_POINTWISEKERNELS_H

#include "GpuLoweringUtils.h"

namespace mlir::tfm::gpu_lowering {

//===----------------------------------------------------------------------===//
// Host side
//===----------------------------------------------------------------------===//

/// The product of `dims` (index values): a constant when all are constants.
OpFoldResult productOf(OpBuilder &b, Location loc, ValueRange dims);

/// `buffer` (an identity-layout memref) viewed as the row-major memref of
/// `sizes` holding the same elements (sizes multiply to its element count).
Value contiguousView(OpBuilder &b, Location loc, Value buffer,
                     ArrayRef<OpFoldResult> sizes);

/// Blocks for `count` work items of `perBlock` each; at least one, since an
/// empty grid is a launch error (dynamic sizes may be zero).
Value gridFor(OpBuilder &b, Location loc, Value count, int64_t perBlock);

/// A short element-type name for kernel names: f32, bf16, f16.
std::string typeSuffix(Type elementType);

//===----------------------------------------------------------------------===//
// Device side
//===----------------------------------------------------------------------===//

/// The elements of `elementType` one 16-byte access holds.
int64_t maxRunWidth(Type elementType);

/// The widest run (a power of two up to maxRunWidth) that tiles every size
/// in `sizes` exactly, so that runs starting at multiples of it stay aligned;
/// 1 when a size is dynamic.
int64_t runWidth(Type elementType, ArrayRef<int64_t> sizes);

/// blockIdx.x * blockSize + threadIdx.x.
Value globalThreadId(OpBuilder &b, Location loc, int64_t blockSize);

/// Emits `emit(vectorized)`: under `scf.if` on the base pointers of
/// `buffers` being aligned for runs of `width` elements of `elementType`
/// (and on `alsoRequired`, when given), with vector accesses in the
/// then-branch and element accesses in the else-branch; once, element-wise,
/// when `width` is 1.
void emitRunAccessVariants(OpBuilder &b, Location loc, ValueRange buffers,
                           int64_t width, Type elementType,
                           function_ref<void(bool vectorized)> emit,
                           Value alsoRequired = {});

/// `width` consecutive elements of `buffer` from `indices` (along the last
/// dim) as a vector<width x f32>.
Value loadRun(OpBuilder &b, Location loc, Value buffer, ValueRange indices,
              int64_t width, bool vectorized);

/// Stores the f32 vector `run`, narrowed to the buffer's element type, at
/// `indices` (along the last dim).
void storeRun(OpBuilder &b, Location loc, Value run, Value buffer,
              ValueRange indices, bool vectorized);

/// The f32 sum of the elements of `run`.
Value sumOf(OpBuilder &b, Location loc, Value run);

/// An f32 vector of `width` elements all equal to `value` (an f32).
Value splat(OpBuilder &b, Location loc, Value value, int64_t width);

/// `fn` applied to each f32 element of `run`. Transcendental math goes
/// through this: the NVVM lowering of math ops handles scalars only.
Value mapElements(OpBuilder &b, Location loc, Value run,
                  function_ref<Value(Value)> fn);

//===----------------------------------------------------------------------===//
// Elementwise kernels
//===----------------------------------------------------------------------===//

/// The output run at flat element index `first` from the runs of the inputs
/// there and the kernel's extra arguments.
using RunBody = function_ref<Value(OpBuilder &, Location, ValueRange runs,
                                   Value first, ValueRange extraArgs)>;

/// Replaces `op` by a kernel over the flattened elements of its result:
/// one thread per run of 16 bytes, one vector access per operand when the
/// whole run is in bounds and aligned, element by element otherwise (the
/// ragged end). `inputs` are tensors of the result's shape; `extraArgs` are
/// passed to the kernel as they are.
void replaceWithElementwiseKernel(PatternRewriter &rewriter, Operation *op,
                                  StringRef name, ValueRange inputs,
                                  ValueRange extraArgs, RunBody body);

//===----------------------------------------------------------------------===//
// Pattern sets of the family's files
//===----------------------------------------------------------------------===//

void populateNormToGpuPatterns(RewritePatternSet &patterns);
void populateRopeToGpuPatterns(RewritePatternSet &patterns);

} // namespace mlir::tfm::gpu_lowering

#endif // TFMC_LIB_CONVERSION_TFMTOGPU_POINTWISEKERNELS_H
