//===- PipelineSteps.h - pass sequences both pipelines use ------*- C++ -*-===//
#ifndef TFMC_LIB_PIPELINES_PIPELINESTEPS_H
#define TFMC_LIB_PIPELINES_PIPELINESTEPS_H

#include "mlir/Pass/PassManager.h"

namespace mlir::tfm {

/// Canonicalize and CSE, after every stage.
void addCleanup(OpPassManager &pm);

/// Expands memref metadata (subviews, reinterpret casts) into explicit
/// offsets and strides, then lowers the affine arithmetic that leaves.
void addStridedMetadataExpansion(OpPassManager &pm);

/// The last conversions to the LLVM dialect, once memrefs (and vectors or
/// GPU launches) are converted: arith, index, func and cf, then the
/// reconciliation of the casts between them, then cleanup.
void addFinalLLVMConversions(OpPassManager &pm);

} // namespace mlir::tfm

#endif // TFMC_LIB_PIPELINES_PIPELINESTEPS_H
