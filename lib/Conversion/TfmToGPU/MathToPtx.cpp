//===- MathToPtx.cpp - the tfm-math-to-ptx pass ---------------------------===//
//
// Without the CUDA SDK there is no libdevice, and convert-gpu-to-nvvm
// lowers the math ops it knows to libdevice calls (and rejects the LLVM
// intrinsics for them). The ops PTX has an instruction for become that
// instruction here, as inline PTX on f32 scalars (vectors element by
// element); exp is ex2.approx, the other transcendental functions
// polynomials (MLIR's approximations, as tfm-approximate-math on the CPU).
//
//===----------------------------------------------------------------------===//
#include "GpuLoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tfm {
#define GEN_PASS_DEF_TFMMATHTOPTX
#include "tfmc/Conversion/Passes.h.inc"
} // namespace mlir::tfm

using namespace mlir;
using namespace mlir::tfm;

/// One PTX instruction on f32 or f64 scalars ("$0" the result, "$1"... the
/// operands; "{t}" in `pattern` stands for the type, f32 or f64).
static Value inlinePtx(OpBuilder &b, Location loc, StringRef pattern,
                       ValueRange operands) {
  Type type = operands.front().getType();
  bool f64 = type.isF64();
  std::string constraints = f64 ? "=d" : "=f";
  for (size_t i = 0; i < operands.size(); ++i)
    constraints += f64 ? ",d" : ",f";
  std::string instruction = pattern.str();
  for (size_t at; (at = instruction.find("{t}")) != std::string::npos;)
    instruction.replace(at, 3, f64 ? "f64" : "f32");
  return LLVM::InlineAsmOp::create(
             b, loc, type, operands, b.getStringAttr(instruction),
             b.getStringAttr(constraints), /*has_side_effects=*/nullptr,
             /*is_align_stack=*/nullptr, LLVM::TailCallKindAttr(),
             /*asm_dialect=*/nullptr, /*operand_attrs=*/nullptr)
      .getResult(0);
}

/// Applies `scalar` to scalar operands, element by element for vectors.
static Value
perElement(OpBuilder &b, Location loc, ValueRange operands,
           function_ref<Value(OpBuilder &, Location, ValueRange)> scalar) {
  auto vectorType = dyn_cast<VectorType>(operands.front().getType());
  if (!vectorType)
    return scalar(b, loc, operands);
  Value result = arith::ConstantOp::create(b, loc, b.getZeroAttr(vectorType));
  for (int64_t i = 0; i < vectorType.getNumElements(); ++i) {
    SmallVector<Value> elements;
    for (Value operand : operands)
      elements.push_back(vector::ExtractOp::create(b, loc, operand, i));
    result =
        vector::InsertOp::create(b, loc, scalar(b, loc, elements), result, i);
  }
  return result;
}

/// f32 or f64 scalars, or 1-D vectors of them.
static bool isSupported(Type type, bool f64Allowed = true) {
  Type element = getElementTypeOrSelf(type);
  if (!element.isF32() && !(f64Allowed && element.isF64()))
    return false;
  return type == element || cast<VectorType>(type).getRank() == 1;
}

namespace {
/// `Op` -> one PTX instruction.
template <typename Op> struct MathToInstruction : OpRewritePattern<Op> {
  MathToInstruction(MLIRContext *ctx, StringRef instruction,
                    bool f64Allowed = true)
      : OpRewritePattern<Op>(ctx), instruction(instruction),
        f64Allowed(f64Allowed) {}

  LogicalResult matchAndRewrite(Op op,
                                PatternRewriter &rewriter) const override {
    if (!isSupported(op.getType(), f64Allowed))
      return rewriter.notifyMatchFailure(op, "no PTX instruction for the type");
    rewriter.replaceOp(
        op, perElement(rewriter, op.getLoc(), op->getOperands(),
                       [&](OpBuilder &b, Location loc, ValueRange operands) {
                         return inlinePtx(b, loc, instruction, operands);
                       }));
    return success();
  }

  std::string instruction;
  bool f64Allowed;
};

/// math.round (halves away from zero) = copysign(floor(|x| + 0.5), x).
struct RoundToInstructions : OpRewritePattern<math::RoundOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::RoundOp op,
                                PatternRewriter &rewriter) const override {
    if (!isSupported(op.getType()))
      return rewriter.notifyMatchFailure(op, "not f32 or f64");
    rewriter.replaceOp(
        op, perElement(rewriter, op.getLoc(), op->getOperands(),
                       [](OpBuilder &b, Location loc, ValueRange x) {
                         Value magnitude =
                             inlinePtx(b, loc, "abs.{t} $0, $1;", x);
                         Value half = arith::ConstantOp::create(
                             b, loc, b.getFloatAttr(x[0].getType(), 0.5));
                         Value rounded = inlinePtx(
                             b, loc, "cvt.rmi.{t}.{t} $0, $1;",
                             {arith::AddFOp::create(b, loc, magnitude, half)});
                         return math::CopySignOp::create(b, loc, rounded, x[0]);
                       }));
    return success();
  }
};

/// math.exp(x) = ex2.approx(x * log2(e)), as CUDA's __expf: two
/// instructions where the polynomial takes about forty (relative error
/// about 2^-21, far inside the f32 tolerance).
struct ExpToEx2 : OpRewritePattern<math::ExpOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::ExpOp op,
                                PatternRewriter &rewriter) const override {
    if (!isSupported(op.getType(), /*f64Allowed=*/false))
      return rewriter.notifyMatchFailure(op, "not f32");
    rewriter.replaceOp(
        op, perElement(rewriter, op.getLoc(), op->getOperands(),
                       [](OpBuilder &b, Location loc, ValueRange x) {
                         Value log2e =
                             gpu_lowering::f32Constant(b, loc, M_LOG2E);
                         return inlinePtx(
                             b, loc, "ex2.approx.f32 $0, $1;",
                             {arith::MulFOp::create(b, loc, x[0], log2e)});
                       }));
    return success();
  }
};

/// math.copysign through the sign bit.
struct CopySignToBits : OpRewritePattern<math::CopySignOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::CopySignOp op,
                                PatternRewriter &rewriter) const override {
    if (!isSupported(op.getType(), /*f64Allowed=*/false))
      return rewriter.notifyMatchFailure(op, "not f32");
    Location loc = op.getLoc();
    Type intType = rewriter.getI32Type();
    if (auto vector = dyn_cast<VectorType>(op.getType()))
      intType = vector.clone(intType);
    auto splat = [&](int64_t value) -> Value {
      auto attr = rewriter.getIntegerAttr(rewriter.getI32Type(), value);
      if (auto vector = dyn_cast<ShapedType>(intType))
        return arith::ConstantOp::create(
            rewriter, loc, DenseElementsAttr::get(vector, Attribute(attr)));
      return arith::ConstantOp::create(rewriter, loc, attr);
    };
    Value magnitude = arith::AndIOp::create(
        rewriter, loc,
        arith::BitcastOp::create(rewriter, loc, intType, op.getLhs()),
        splat(0x7fffffff));
    Value sign = arith::AndIOp::create(
        rewriter, loc,
        arith::BitcastOp::create(rewriter, loc, intType, op.getRhs()),
        splat(static_cast<int32_t>(0x80000000u)));
    rewriter.replaceOpWithNewOp<arith::BitcastOp>(
        op, op.getType(), arith::OrIOp::create(rewriter, loc, magnitude, sign));
    return success();
  }
};

struct TfmMathToPtxPass : tfm::impl::TfmMathToPtxBase<TfmMathToPtxPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // exp first (its own instruction), then polynomials for the other
    // transcendental functions, then instructions for what those use.
    RewritePatternSet expPatterns(ctx);
    expPatterns.add<ExpToEx2>(ctx);
    RewritePatternSet polynomials(ctx);
    populateMathPolynomialApproximationPatterns(polynomials);
    if (failed(applyPatternsGreedily(getOperation(), std::move(expPatterns))) ||
        failed(applyPatternsGreedily(getOperation(), std::move(polynomials))))
      return signalPassFailure();
    RewritePatternSet patterns(ctx);
    patterns.add<MathToInstruction<math::SqrtOp>>(ctx, "sqrt.rn.{t} $0, $1;");
    patterns.add<MathToInstruction<math::RsqrtOp>>(ctx,
                                                   "rsqrt.approx.{t} $0, $1;");
    patterns.add<MathToInstruction<math::AbsFOp>>(ctx, "abs.{t} $0, $1;");
    patterns.add<MathToInstruction<math::FloorOp>>(ctx,
                                                   "cvt.rmi.{t}.{t} $0, $1;");
    patterns.add<MathToInstruction<math::CeilOp>>(ctx,
                                                  "cvt.rpi.{t}.{t} $0, $1;");
    patterns.add<MathToInstruction<math::RoundEvenOp>>(
        ctx, "cvt.rni.{t}.{t} $0, $1;");
    patterns.add<MathToInstruction<math::TruncOp>>(ctx,
                                                   "cvt.rzi.{t}.{t} $0, $1;");
    patterns.add<MathToInstruction<math::Exp2Op>>(ctx, "ex2.approx.f32 $0, $1;",
                                                  /*f64Allowed=*/false);
    patterns.add<MathToInstruction<math::FmaOp>>(ctx,
                                                 "fma.rn.{t} $0, $1, $2, $3;");
    patterns.add<RoundToInstructions, CopySignToBits>(ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Anything left would become a libdevice call that cannot link.
    WalkResult left = getOperation()->walk([](Operation *op) {
      if (!isa<math::MathDialect>(op->getDialect()))
        return WalkResult::advance();
      op->emitError() << "'" << op->getName()
                      << "' has no PTX lowering without libdevice";
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
