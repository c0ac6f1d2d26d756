//===- TfmToLinalg.h - lowering tfm to linalg on tensors --------*- C++ -*-===//
#ifndef TFMC_CONVERSION_TFMTOLINALG_H
#define TFMC_CONVERSION_TFMTOLINALG_H

#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::tfm {

#define GEN_PASS_DECL
#include "tfmc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "tfmc/Conversion/Passes.h.inc"

/// One populate function per op family; each lives in its own file.
void populateActivationToLinalgPatterns(RewritePatternSet &patterns);
void populateNormToLinalgPatterns(RewritePatternSet &patterns);
void populateLinearToLinalgPatterns(RewritePatternSet &patterns);
void populateEmbeddingToLinalgPatterns(RewritePatternSet &patterns);
void populateRopeToLinalgPatterns(RewritePatternSet &patterns);
void populateAttentionToLinalgPatterns(RewritePatternSet &patterns);
void populateFeatureMapToLinalgPatterns(RewritePatternSet &patterns);
void populateLinearAttentionToLinalgPatterns(RewritePatternSet &patterns);
void populateDwConvToLinalgPatterns(RewritePatternSet &patterns);
void populateFftToLinalgPatterns(RewritePatternSet &patterns);
void populateScanToLinalgPatterns(RewritePatternSet &patterns);

} // namespace mlir::tfm

#endif // TFMC_CONVERSION_TFMTOLINALG_H
