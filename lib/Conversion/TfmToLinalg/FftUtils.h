//===- FftUtils.h - the FFT the spectral lowerings share -------*- C++ -*-===//
//
// One FFT on tensors, defined in FftToLinalg.cpp: `tfm.rfft`/`tfm.irfft`,
// the `fft` form of `tfm.dwconv` and the Toeplitz form of
// `tfm.linear_attention` all build on it. Lengths are index values, so the
// callers' sequence lengths may be dynamic.
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_LIB_CONVERSION_TFMTOLINALG_FFTUTILS_H
#define TFMC_LIB_CONVERSION_TFMTOLINALG_FFTUTILS_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"

namespace mlir::tfm {

/// A complex f32 tensor as its real and imaginary parts, of one shape.
struct ComplexTensor {
  Value re;
  Value im;
};

/// Builds the real and imaginary parts of a complex element from the block
/// arguments of a generic.
using ComplexBodyBuilder = function_ref<std::pair<Value, Value>(
    OpBuilder &, Location, ValueRange blockArgs)>;

/// The `linalg.index` of each of the `rank` loops of the enclosing generic.
SmallVector<Value> loopIndices(OpBuilder &b, Location loc, int64_t rank);

/// An all-parallel generic producing a complex tensor of `sizes`; `inputs`
/// are read through `inputMaps` and the body sees their elements (then the
/// two init elements).
ComplexTensor buildComplexGeneric(OpBuilder &b, Location loc,
                                  ArrayRef<OpFoldResult> sizes,
                                  ValueRange inputs,
                                  ArrayRef<AffineMap> inputMaps,
                                  ComplexBodyBuilder body);

/// The smallest power of two that is at least `size` (an index >= 1) and its
/// base-2 logarithm, both as index values.
std::pair<Value, Value> emitPowerOfTwoAtLeast(OpBuilder &b, Location loc,
                                              Value size);

/// What a power-of-two transform needs besides its input: the length `n`,
/// `log2(n)` and the twiddle table, which callers that transform many times
/// build once.
struct FftPlan {
  Value n;
  Value logN;
  bool inverse;
  ComplexTensor twiddles;
};

/// The plan for the transform of power-of-two length `n` (index values),
/// its twiddles `e^(∓2πi·k/n)` computed in f64.
FftPlan buildFftPlan(OpBuilder &b, Location loc, Value n, Value logN,
                     bool inverse);

/// The unnormalized DFT of `x` along its last dim, of the plan's length:
/// `X[k] = Σ_t x[t]·e^(∓2πi·kt/n)`, `−` forward and `+` inverse. Radix-2
/// Stockham: one scf.for iteration per stage, in natural order without a
/// bit-reversal pass.
ComplexTensor buildPowerOfTwoFft(OpBuilder &b, Location loc, ComplexTensor x,
                                 const FftPlan &plan);

/// `lhs ⊙ rhs`, elementwise complex product shaped like `lhs`; `rhs` is read
/// through `rhsMap` (from the loops of `lhs`), so it may be broadcast.
ComplexTensor buildComplexProduct(OpBuilder &b, Location loc,
                                  ComplexTensor lhs, ComplexTensor rhs,
                                  AffineMap rhsMap);

} // namespace mlir::tfm

#endif // TFMC_LIB_CONVERSION_TFMTOLINALG_FFTUTILS_H
