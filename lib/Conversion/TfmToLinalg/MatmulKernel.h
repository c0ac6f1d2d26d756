//===- MatmulKernel.h - cache-blocked, register-tiled matmul ----*- C++ -*-===//
//
// C += A·B for f32 tensors, as loops over cache blocks (KC of K, MC rows of
// A) and a register-tiled micro-kernel: MR rows × NR columns of C held in
// vector accumulators, updated per k by one NR-wide load of a packed B panel,
// MR broadcasts of A and MR fused multiply-adds.
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_LIB_CONVERSION_TFMTOLINALG_MATMULKERNEL_H
#define TFMC_LIB_CONVERSION_TFMTOLINALG_MATMULKERNEL_H

#include "mlir/IR/Builders.h"

namespace mlir::tfm {

/// Register and cache tile sizes. The defaults fit AVX-512 (32 zmm: 16
/// accumulators of 16 floats, two B vectors, a broadcast).
struct MatmulTiles {
  int64_t mr = 8;    ///< rows of C per micro-kernel
  int64_t nr = 32;   ///< columns of C per micro-kernel (= packed panel width)
  int64_t kc = 256;  ///< depth of a K block (B panel slice stays in L1)
  int64_t mc = 96;   ///< rows of A per M block (A block stays in L2)
};

/// Packs `weight` [N, K] (PyTorch's layout, C = A·Wᵀ) into panels
/// [ceil(N/NR), K, NR], zero-padding the last panel.
Value packTransposedB(OpBuilder &b, Location loc, Value weight,
                      const MatmulTiles &tiles);

/// Packs `rhs` [K, N] (C = A·B) into panels [ceil(N/NR), K, NR].
Value packB(OpBuilder &b, Location loc, Value rhs, const MatmulTiles &tiles);

/// Applied to each finished NR-wide row of C while it is still in registers:
/// gets the row vector and its (row, column) position in C, returns the row
/// to store.
using MatmulEpilogue = function_ref<Value(OpBuilder &, Location, Value rowVector,
                                          Value row, Value column)>;

/// Returns `acc` [M, N] + `lhs` [M, K] · B, B given as packed panels, with
/// `epilogue` (if any) applied to C inside the loop nest, after the last K
/// block.
Value emitPackedMatmul(OpBuilder &b, Location loc, Value lhs, Value packed,
                       Value acc, const MatmulTiles &tiles,
                       MatmulEpilogue epilogue = nullptr);

} // namespace mlir::tfm

#endif // TFMC_LIB_CONVERSION_TFMTOLINALG_MATMULKERNEL_H
