//===- tfm-opt.cpp - the tfm optimizer driver -----------------------------===//
//
// mlir-opt with the tfm dialect, the upstream dialects and passes the tfmc
// pipelines use, and every tfm pass and pipeline.
//
//===----------------------------------------------------------------------===//
#include "tfm/IR/TfmDialect.h"
#include "tfmc/Conversion/TfmToLinalg.h"
#include "tfmc/Pipelines/Pipelines.h"
#include "tfmc/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::tfm::registerTfmPasses();
  mlir::tfm::registerTfmConversionPasses();
  mlir::tfm::registerTfmPipelines();

  mlir::DialectRegistry registry;
  registry.insert<mlir::tfm::TfmDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::tfm::registerCudaTarget(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "tfm optimizer driver\n", registry));
}
