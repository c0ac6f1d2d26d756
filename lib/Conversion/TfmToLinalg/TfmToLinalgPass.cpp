//===- TfmToLinalgPass.cpp - the tfm-lower-to-linalg pass -----------------===//
#include "LoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::tfm {
#define GEN_PASS_DEF_TFMLOWERTOLINALG
#include "tfmc/Conversion/Passes.h.inc"
} // namespace mlir::tfm

using namespace mlir;
using namespace mlir::tfm;

namespace {
struct TfmLowerToLinalgPass
    : tfm::impl::TfmLowerToLinalgBase<TfmLowerToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // Report unsupported element types with the op's location rather than
    // as a generic legalization failure.
    WalkResult walk = getOperation()->walk([](Operation *op) {
      if (!isa<TfmDialect>(op->getDialect()) || isa<WeightOp>(op))
        return WalkResult::advance();
      auto notF32 = [](Type type) {
        auto tensor = dyn_cast<RankedTensorType>(type);
        return tensor && isa<FloatType>(tensor.getElementType()) &&
               !tensor.getElementType().isF32();
      };
      if (llvm::any_of(op->getOperandTypes(), notF32) ||
          llvm::any_of(op->getResultTypes(), notF32)) {
        op->emitError("the CPU lowering computes in f32; expected f32 tensors");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();

    RewritePatternSet patterns(ctx);
    populateActivationToLinalgPatterns(patterns);
    populateNormToLinalgPatterns(patterns);
    populateLinearToLinalgPatterns(patterns);
    populateEmbeddingToLinalgPatterns(patterns);
    populateRopeToLinalgPatterns(patterns);
    populateAttentionToLinalgPatterns(patterns);
    populateFeatureMapToLinalgPatterns(patterns);
    populateLinearAttentionToLinalgPatterns(patterns);
    populateDwConvToLinalgPatterns(patterns);
    populateFftToLinalgPatterns(patterns);
    populateScanToLinalgPatterns(patterns);

    ConversionTarget target(*ctx);
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect,
                           scf::SCFDialect, func::FuncDialect,
                           vector::VectorDialect, affine::AffineDialect>();
    target.addIllegalDialect<TfmDialect>();
    target.addLegalOp<WeightOp>();
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
