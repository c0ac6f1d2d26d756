//===- IrDump.h - writing the IR after each pass to a directory -*- C++ -*-===//
#ifndef TFMC_TOOLS_TFMC_IRDUMP_H
#define TFMC_TOOLS_TFMC_IRDUMP_H

#include "mlir/Pass/PassInstrumentation.h"

#include <string>

namespace tfmc {

/// After every pass, writes the whole module to DIR/NN_<pass-argument>.mlir
/// (NN counts from 01; 00_input.mlir is the parsed input).
class IrDumpInstrumentation : public mlir::PassInstrumentation {
public:
  explicit IrDumpInstrumentation(std::string directory)
      : directory(std::move(directory)) {}

  /// Writes 00_input.mlir; false (with a message) if the directory fails.
  bool writeInput(mlir::Operation *module, std::string &error);

  void runAfterPass(mlir::Pass *pass, mlir::Operation *op) override;

private:
  void write(mlir::Operation *op, llvm::StringRef name);

  std::string directory;
  unsigned counter = 0;
};

} // namespace tfmc

#endif // TFMC_TOOLS_TFMC_IRDUMP_H
