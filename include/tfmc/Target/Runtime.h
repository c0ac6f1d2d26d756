//===- Runtime.h - linking the runtime into generated code ------*- C++ -*-===//
#ifndef TFMC_TARGET_RUNTIME_H
#define TFMC_TARGET_RUNTIME_H

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

namespace mlir::tfm {

/// Replaces each call to a `__tfm_launch_<body>` declaration (left by
/// tfm-outline-parallel-loops) by a call to the runtime's
/// `tfm_rt_parallel_for` with a trampoline that unpacks the captured values
/// and calls `<body>` on a range of iterations.
llvm::Error lowerParallelLaunches(llvm::Module &module);

/// Links the parts of the runtime (lib/Runtime, embedded as bitcode) that
/// `module` uses into it, with the runtime's symbols made internal so that
/// several compiled objects can be linked into one program.
llvm::Error linkRuntime(llvm::Module &module);

/// Links the `main` of `tfmc --emit=exe` programs (lib/Runtime/Main.c and
/// Program.c) into `module`, which must define its `tfm_rt_program`
/// descriptor.
llvm::Error linkProgramMain(llvm::Module &module);

} // namespace mlir::tfm

#endif // TFMC_TARGET_RUNTIME_H
