//===- LinearKernels.h - the CUDA kernels of tfm.linear ---------*- C++ -*-===//
//
// y = act(x·Wᵀ + b) [⊙ (x·W_upᵀ + b_up)] + residual, x [M, K] (leading dims
// folded), W [N, K] or, gated, [2N, K] with the gate rows first.
//
// Every linear kernel takes the same arguments, in this order:
//   x, weight, bias (if any), residual (if any), out, M, N, K
// (memrefs of any rank, row-major; M, N (output features) and K as index).
// Inside, the memrefs are used through their aligned base pointers: the
// kernels do their own address arithmetic (cp.async, ldmatrix, vector
// loads). Buffers are at least 16-byte aligned (allocBuffer, cuMemAlloc).
//
// Kernels, by storage type and shape:
//   - bf16/f16: tensor cores (LinearMmaKernel.cpp), or for a few rows
//     (decoding, M <= 4) a weight-streaming kernel (LinearGemvKernel.cpp);
//   - anything else (f32): a register-tiled FMA kernel
//     (LinearSimtKernel.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_LIB_CONVERSION_TFMTOGPU_LINEARKERNELS_H
#define TFMC_LIB_CONVERSION_TFMTOGPU_LINEARKERNELS_H

#include "GpuLoweringUtils.h"

#include <optional>

namespace mlir::tfm::gpu_lowering {

/// The operand types and the epilogue of one tfm.linear.
struct LinearSpec {
  Type inputType, weightType, biasType, residualType, outputType; ///< memrefs
  std::optional<ActivationKind> act;
  bool gated = false;

  bool hasBias() const { return bool(biasType); }
  bool hasResidual() const { return bool(residualType); }
  /// N when the output's last dim is static, else dynamic.
  int64_t staticColumns() const;
  /// K when the input's last dim is static, else dynamic.
  int64_t staticDepth() const;
  /// The kernel argument types, in the order above.
  SmallVector<Type> argumentTypes(MLIRContext *ctx) const;
};

/// A built kernel and its launch geometry: one block per
/// rowsPerBlock × columnsPerBlock tile of the output.
struct LinearKernel {
  gpu::GPUFuncOp func;
  std::array<int64_t, 3> blockSize;
  int64_t rowsPerBlock;
  int64_t columnsPerBlock;
  int64_t dynamicSharedBytes = 0;
};

/// The tensor-core kernel (bf16 or f16 input and weight).
LinearKernel buildMmaLinearKernel(OpBuilder &b, Operation *anchor,
                                  const LinearSpec &spec);

/// The weight-streaming kernel for at most kGemvMaxRows rows of x (bf16 or
/// f16), where gemvApplies (K a static multiple of 8: 16-byte row chunks).
/// On the H200 (4096 -> 11008) streaming took 43 us for 1 row and 61 us for
/// 4, the tensor-core kernel about 59 us for any M up to 128 (and streaming
/// 197 us for 16 rows): 4 rows is the break-even point.
inline constexpr int64_t kGemvMaxRows = 4;
bool gemvApplies(const LinearSpec &spec);
LinearKernel buildGemvLinearKernel(OpBuilder &b, Operation *anchor,
                                   const LinearSpec &spec);

/// The CUDA-core kernel (any float storage; f32 arithmetic throughout).
LinearKernel buildSimtLinearKernel(OpBuilder &b, Operation *anchor,
                                   const LinearSpec &spec);

//===----------------------------------------------------------------------===//
// Device-side helpers shared by the linear kernels
//===----------------------------------------------------------------------===//

/// A kernel's arguments as seen inside it: global base pointers
/// (!llvm.ptr<1>; bias and residual null when absent) and the sizes as i32.
struct LinearOperands {
  Value input, weight, bias, residual, output;
  Value rows, columns, depth; ///< M, N, K
  const LinearSpec *spec;

  static LinearOperands fromArguments(DeviceMath &m, gpu::GPUFuncOp func,
                                      const LinearSpec &spec);
};

/// The kernel's (only) workgroup buffer, aligned to 16 bytes for cp.async,
/// ldmatrix and vector accesses, as !llvm.ptr<3>.
Value sharedBasePointer(DeviceMath &m, gpu::GPUFuncOp func);

/// What the kernel builders share: the operands, unsigned i32 arithmetic,
/// and the guards of loads along rows of K elements.
class LinearKernelBuilderBase {
protected:
  LinearKernelBuilderBase(OpBuilder &b, Location loc, gpu::GPUFuncOp func,
                          const LinearSpec &spec);

  /// Whether element `k` of a row exists: the row does and k < K.
  Value inDepth(Value rowExists, Value k);
  /// The start of row `row` of the K-contiguous matrix at `base`.
  Value rowPointer(Value base, Type elementType, Value row);

  OpBuilder &b;
  Location loc;
  DeviceMath m;
  const LinearSpec &spec;
  LinearOperands operands;
};

/// The weight row that tile row `tileRow` of a block whose output columns
/// start at `firstColumn` stages, and whether that row exists. Without a
/// gate, tile row j is weight row firstColumn + j. With a gate, each group
/// of `groupSize` tile rows holds the gate rows of groupSize/2 output
/// columns then their up rows, so that one thread finds the gate and up
/// accumulators of an output column together.
std::pair<Value, Value> weightRowOfTileRow(DeviceMath &m,
                                           const LinearOperands &operands,
                                           Value firstColumn, Value tileRow,
                                           int64_t groupSize);

/// Applies the epilogue to the f32 accumulators of output columns
/// [column, column + acc.size()) of row `row` (`up`: their up-projection
/// accumulators when gated) and stores the results. With `wholeVectors`
/// the caller guarantees N is a multiple of acc.size(), so the columns are
/// all in bounds or all out, and vector loads and stores are aligned.
void storeEpilogue(DeviceMath &m, const LinearOperands &operands, Value row,
                   Value column, ArrayRef<Value> acc, ArrayRef<Value> up,
                   bool wholeVectors);

} // namespace mlir::tfm::gpu_lowering

#endif // TFMC_LIB_CONVERSION_TFMTOGPU_LINEARKERNELS_H
