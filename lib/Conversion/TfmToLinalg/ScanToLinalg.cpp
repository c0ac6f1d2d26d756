//===- ScanToLinalg.cpp - placeholder until its lowering lands ------------===//
// TODO(owner): replace with the real lowering; registers no pattern yet.
#include "LoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

using namespace mlir;
using namespace mlir::tfm;

void tfm::populateScanToLinalgPatterns(RewritePatternSet &patterns) {}
