//===- ObjectEmitter.h - LLVM IR to object code -----------------*- C++ -*-===//
#ifndef TFMC_TARGET_OBJECTEMITTER_H
#define TFMC_TARGET_OBJECTEMITTER_H

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace mlir::tfm {

struct CodegenOptions {
  std::string triple; ///< empty: the host's
  std::string cpu;    ///< empty: the host CPU, with its features
  unsigned optLevel = 3;
};

/// A TargetMachine for `options` (PIC, so objects can go into a .so).
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CodegenOptions &options);

/// Sets the module's triple and data layout and runs LLVM's optimization
/// pipeline at `options.optLevel`.
void optimizeModule(llvm::Module &module, llvm::TargetMachine &machine,
                    unsigned optLevel);

/// Writes `module` as an object file or assembly.
llvm::Error emitMachineCode(llvm::Module &module, llvm::TargetMachine &machine,
                            bool assembly, llvm::raw_pwrite_stream &out);

} // namespace mlir::tfm

#endif // TFMC_TARGET_OBJECTEMITTER_H
