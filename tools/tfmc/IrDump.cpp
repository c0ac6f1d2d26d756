//===- IrDump.cpp - writing the IR after each pass to a directory ---------===//
#include "IrDump.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace tfmc;

bool IrDumpInstrumentation::writeInput(mlir::Operation *module,
                                       std::string &error) {
  if (std::error_code ec = llvm::sys::fs::create_directories(directory)) {
    error = "cannot create --dump-ir-dir '" + directory + "': " + ec.message();
    return false;
  }
  write(module, "input");
  return true;
}

void IrDumpInstrumentation::runAfterPass(mlir::Pass *pass,
                                         mlir::Operation *op) {
  // Nested passes run on functions; dump the whole module for context.
  mlir::Operation *top = op;
  while (mlir::Operation *parent = top->getParentOp())
    top = parent;
  std::string name = pass->getArgument().str();
  if (name.empty())
    name = pass->getName().str();
  write(top, name);
}

void IrDumpInstrumentation::write(mlir::Operation *op, llvm::StringRef name) {
  llvm::SmallString<128> path(directory);
  std::string file;
  llvm::raw_string_ostream(file)
      << llvm::format("%02u_", counter++) << name << ".mlir";
  llvm::sys::path::append(path, file);
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec);
  if (ec) {
    llvm::errs() << "tfmc: cannot write '" << path << "': " << ec.message()
                 << "\n";
    return;
  }
  op->print(out);
}
