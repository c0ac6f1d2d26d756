//===- SequenceKernelUtils.h - sequence-mixing kernel helpers -*- C++ -*-===//
//
// Terse builders for the bodies of the scan, FFT, linear-attention and
// depthwise-convolution kernels: index and f32 arithmetic at one insertion
// point, structured loops, and the few transcendental functions they need.
// Indices are unsigned (every index these kernels form is non-negative).
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_LIB_CONVERSION_TFMTOGPU_SEQUENCEKERNELUTILS_H
#define TFMC_LIB_CONVERSION_TFMTOGPU_SEQUENCEKERNELUTILS_H

#include "GpuLoweringUtils.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>

namespace mlir::tfm::gpu_lowering {

/// Arithmetic on index (unsigned) and f32 values, created at `b`'s insertion
/// point. Integer or float ops are picked from the operand types.
struct KernelMath {
  OpBuilder &b;
  Location loc;

  KernelMath(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value index(int64_t value) const { return indexConstant(b, loc, value); }
  Value f32(double value) const { return f32Constant(b, loc, value); }

  Value add(Value x, Value y) const {
    if (isa<FloatType>(x.getType()))
      return arith::AddFOp::create(b, loc, x, y);
    return arith::AddIOp::create(b, loc, x, y);
  }
  Value sub(Value x, Value y) const {
    if (isa<FloatType>(x.getType()))
      return arith::SubFOp::create(b, loc, x, y);
    return arith::SubIOp::create(b, loc, x, y);
  }
  Value mul(Value x, Value y) const {
    if (isa<FloatType>(x.getType()))
      return arith::MulFOp::create(b, loc, x, y);
    return arith::MulIOp::create(b, loc, x, y);
  }
  Value div(Value x, Value y) const {
    if (isa<FloatType>(x.getType()))
      return arith::DivFOp::create(b, loc, x, y);
    return arith::DivUIOp::create(b, loc, x, y);
  }
  Value rem(Value x, Value y) const {
    return arith::RemUIOp::create(b, loc, x, y);
  }
  /// x / y and x % y of index values below 2^31 (block coordinates, dims),
  /// in 32 bits: a 64-bit division by a runtime value is a subroutine call
  /// in SASS, whose calling convention costs registers.
  std::pair<Value, Value> divRemSmall(Value x, Value y) const {
    Type i32 = b.getI32Type();
    Value x32 = arith::IndexCastUIOp::create(b, loc, i32, x);
    Value y32 = arith::IndexCastUIOp::create(b, loc, i32, y);
    auto widen = [&](Value v) -> Value {
      return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), v);
    };
    return {widen(arith::DivUIOp::create(b, loc, x32, y32)),
            widen(arith::RemUIOp::create(b, loc, x32, y32))};
  }
  /// x·y + z: one fused f32 op, or index arithmetic.
  Value fma(Value x, Value y, Value z) const {
    if (isa<FloatType>(x.getType()))
      return math::FmaOp::create(b, loc, x, y, z);
    return add(mul(x, y), z);
  }
  Value min(Value x, Value y) const {
    return arith::MinUIOp::create(b, loc, x, y);
  }
  Value max(Value x, Value y) const {
    return arith::MaxUIOp::create(b, loc, x, y);
  }
  Value ceilDiv(Value x, Value y) const {
    return arith::CeilDivUIOp::create(b, loc, x, y);
  }
  Value add(Value x, int64_t y) const { return add(x, index(y)); }
  Value sub(Value x, int64_t y) const { return sub(x, index(y)); }
  Value mul(Value x, int64_t y) const { return mul(x, index(y)); }
  Value div(Value x, int64_t y) const { return div(x, index(y)); }
  Value rem(Value x, int64_t y) const { return rem(x, index(y)); }
  Value min(Value x, int64_t y) const { return min(x, index(y)); }
  Value max(Value x, int64_t y) const { return max(x, index(y)); }
  Value ceilDiv(Value x, int64_t y) const { return ceilDiv(x, index(y)); }
  /// Shifts and masks of index values (powers of two, bit reversal).
  Value shl(Value x, Value y) const {
    return arith::ShLIOp::create(b, loc, x, y);
  }
  Value shr(Value x, Value y) const {
    return arith::ShRUIOp::create(b, loc, x, y);
  }
  Value bitAnd(Value x, Value y) const {
    return arith::AndIOp::create(b, loc, x, y);
  }
  Value bitOr(Value x, Value y) const {
    return arith::OrIOp::create(b, loc, x, y);
  }
  Value shl(Value x, int64_t y) const { return shl(x, index(y)); }
  Value shr(Value x, int64_t y) const { return shr(x, index(y)); }
  Value bitAnd(Value x, int64_t y) const { return bitAnd(x, index(y)); }
  /// 2^x and 2^x − 1 of an index value.
  Value pow2(Value x) const { return shl(index(1), x); }
  Value lowBits(Value x) const { return sub(pow2(x), 1); }

  Value lt(Value x, Value y) const {
    if (isa<FloatType>(x.getType()))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, y);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  Value le(Value x, Value y) const {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, x, y);
  }
  Value eq(Value x, Value y) const {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y);
  }
  Value lt(Value x, int64_t y) const { return lt(x, index(y)); }
  Value le(Value x, int64_t y) const { return le(x, index(y)); }
  Value eq(Value x, int64_t y) const { return eq(x, index(y)); }
  Value both(Value x, Value y) const {
    return arith::AndIOp::create(b, loc, x, y);
  }
  Value select(Value condition, Value x, Value y) const {
    return arith::SelectOp::create(b, loc, condition, x, y);
  }
  /// `x` where `condition` holds, else 0 (of x's type).
  Value orZero(Value condition, Value x) const {
    Value zero = isa<FloatType>(x.getType()) ? f32(0.0) : index(0);
    return select(condition, x, zero);
  }

  Value load(Value memref, ValueRange indices) const {
    return loadF32(b, loc, memref, indices);
  }
  void store(Value value, Value memref, ValueRange indices) const {
    storeF32(b, loc, value, memref, indices);
  }

  // Transcendental functions on the SFU (PTX `.approx` instructions): no
  // libdevice, a few instructions each, and errors far below the 1e-4 the
  // f32 kernels are held to.

  /// 2^x (ex2.approx.ftz: relative error 2^-22).
  Value exp2(Value x) const { return approx("ex2.approx.ftz.f32", x); }
  /// log2(x) (lg2.approx.ftz: absolute error 2^-22.6 on [0.5, 2]).
  Value log2(Value x) const { return approx("lg2.approx.ftz.f32", x); }
  /// sin(x), cos(x) (absolute error 2^-20.9 on [−π, π]).
  Value sin(Value x) const { return approx("sin.approx.f32", x); }
  Value cos(Value x) const { return approx("cos.approx.f32", x); }
  Value exp(Value x) const { return exp2(mul(x, f32(M_LOG2E))); }
  /// max(x, 0) + log1p(e^-|x|), which does not overflow (the CPU's form).
  /// log1p(y) of y = e^-|x| ∈ (0, 1] is its series below 1/32, where
  /// log2(1 + y) would lose y's digits, else log2(1 + y)·ln 2.
  Value softplus(Value x) const {
    Value negAbs =
        arith::MinimumFOp::create(b, loc, x, arith::NegFOp::create(b, loc, x));
    Value y = exp(negAbs);
    Value series = f32(-0.25);
    for (double coefficient : {1.0 / 3.0, -0.5, 1.0})
      series = fma(series, y, f32(coefficient));
    Value tail = select(lt(y, f32(1.0 / 32.0)), mul(series, y),
                        mul(log2(add(y, f32(1.0))), f32(M_LN2)));
    return add(arith::MaximumFOp::create(b, loc, x, f32(0.0)), tail);
  }
  /// x·sigmoid(x).
  Value silu(Value x) const {
    return div(x, add(f32(1.0), exp(arith::NegFOp::create(b, loc, x))));
  }

private:
  /// The PTX instruction `instruction` of one f32 operand, as inline asm
  /// (NVVM's intrinsics would reach convert-gpu-to-nvvm as libdevice calls).
  Value approx(StringRef instruction, Value x) const {
    std::string text = (instruction + " $0, $1;").str();
    return LLVM::InlineAsmOp::create(
               b, loc, b.getF32Type(), ValueRange{x}, text, "=f,f",
               /*has_side_effects=*/false, /*is_align_stack=*/false,
               LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(),
               ArrayAttr())
        .getResult(0);
  }
};

using LoopBody = function_ref<SmallVector<Value>(OpBuilder &, Location,
                                                 Value iv, ValueRange carried)>;

/// scf.for from `lb` to `ub` by `step` carrying `inits`; `body` returns the
/// values to yield. Returns the loop's results.
inline SmallVector<Value> forLoop(OpBuilder &b, Location loc, Value lb,
                                  Value ub, Value step, ValueRange inits,
                                  LoopBody body) {
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, step, inits,
      [&](OpBuilder &nested, Location nestedLoc, Value iv, ValueRange args) {
        scf::YieldOp::create(nested, nestedLoc,
                             body(nested, nestedLoc, iv, args));
      });
  return SmallVector<Value>(loop.getResults());
}

/// scf.for with nothing carried.
inline void forLoop(OpBuilder &b, Location loc, Value lb, Value ub, Value step,
                    function_ref<void(OpBuilder &, Location, Value)> body) {
  forLoop(b, loc, lb, ub, step, ValueRange{},
          [&](OpBuilder &nb, Location l, Value iv, ValueRange) {
            body(nb, l, iv);
            return SmallVector<Value>{};
          });
}

/// `for (i = threadIdx.x; i < count; i += blockSize)`: the block's threads
/// share `count` items, consecutive threads on consecutive items.
inline void
forEachInBlock(OpBuilder &b, Location loc, Value count, int64_t blockSize,
               function_ref<void(OpBuilder &, Location, Value)> body) {
  forLoop(b, loc, threadId(b, loc, gpu::Dimension::x), count,
          indexConstant(b, loc, blockSize), body);
}

/// forEachInBlock over a static `count`, unrolled by `unrolledRounds` items
/// per thread: their global loads are then in flight together instead of
/// one loop iteration's at a time (fully unrolling 32 rounds spilled
/// registers). Only the items of a ragged end are guarded.
inline void
forEachInBlock(OpBuilder &b, Location loc, int64_t count, int64_t blockSize,
               function_ref<void(OpBuilder &, Location, Value)> body,
               int64_t unrolledRounds = 8) {
  if (count <= 0)
    return;
  int64_t rounds = llvm::divideCeil(count, blockSize);
  int64_t unrolled = std::min(rounds, unrolledRounds);
  int64_t groups = llvm::divideCeil(rounds, unrolled);
  bool ragged = groups * unrolled * blockSize != count;
  KernelMath m(b, loc);
  Value thread = threadId(b, loc, gpu::Dimension::x);
  auto group = [&](Value first) {
    for (int64_t round = 0; round < unrolled; ++round) {
      Value item = m.add(first, round * blockSize);
      if (!ragged) {
        body(b, loc, item);
        continue;
      }
      ifThen(b, loc, m.lt(item, count),
             [&](OpBuilder &nb, Location l) { body(nb, l, item); });
    }
  };
  if (groups == 1)
    return group(thread);
  forLoop(b, loc, m.index(0), m.index(groups), m.index(1),
          [&](OpBuilder &, Location, Value g) {
            group(m.add(thread, m.mul(g, unrolled * blockSize)));
          });
}

/// Patterns of the sequence-mixing families that have no populate function
/// in GpuLoweringUtils.h; populateSpectralToGpuPatterns adds them.
void populateDwConvToGpuPatterns(RewritePatternSet &patterns);
void populateLinearAttentionToGpuPatterns(RewritePatternSet &patterns);

} // namespace mlir::tfm::gpu_lowering

#endif // TFMC_LIB_CONVERSION_TFMTOGPU_SEQUENCEKERNELUTILS_H
