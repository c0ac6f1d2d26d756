//===- EntryPoints.h - C entry points of compiled functions -----*- C++ -*-===//
//
// Every public function of a compiled module gets a C entry point taking
// plain pointers and explicit dimensions:
//
//   int NAME(const float *arg0, int64_t arg0_d0, ..., float *res0, ...);
//
// The entry checks each dimension against the function's types and the
// relations its ops impose between operands (a "shape contract"), reports a
// violation through tfm_last_error() and returns non-zero, and otherwise calls
// the lowered function.
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_TARGET_ENTRYPOINTS_H
#define TFMC_TARGET_ENTRYPOINTS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/Module.h"

#include <string>
#include <vector>

namespace mlir::tfm {

/// One dimension of an argument or result: `scale * root + offset`, where
/// `root` is the class it belongs to; a class is static when its size is
/// known at compile time.
struct DimRelation {
  unsigned classId = 0;
  int64_t scale = 1;
  int64_t offset = 0;
};

/// A tensor or index parameter of an entry point.
struct EntryParameter {
  std::string name;           ///< for messages and the header: "arg0"
  bool isIndex = false;       ///< an `index` scalar passed as int64_t
  std::string cType;          ///< "float", "uint16_t" (bf16/f16 bits), ...
  unsigned elementBytes = 0;  ///< size of one element
  std::vector<int64_t> shape; ///< static sizes, ShapedType::kDynamic for `?`
  std::vector<DimRelation> dims;
};

struct EntryClass {
  std::optional<int64_t> staticSize; ///< the root size when known
};

/// A size that must divide another, checked at call time.
struct EntryMultiple {
  DimRelation dividend;
  DimRelation divisor;
  std::string what; ///< printf format with the two sizes
};

struct EntrySignature {
  std::string name;
  std::vector<EntryParameter> arguments;
  std::vector<EntryParameter> results;
  std::vector<EntryClass> classes;
  std::vector<EntryMultiple> multiples;
};

/// Derives the entry signatures of every public function of a module in the
/// tfm dialect (before lowering). Fails, with a diagnostic, on parameter
/// types the ABI cannot pass or result dims it cannot relate to arguments.
FailureOr<std::vector<EntrySignature>> analyzeEntryPoints(ModuleOp module);

/// Where the lowered functions' buffers live.
enum class EntryMemory {
  /// CPU code: the entry passes the caller's pointers through.
  Host,
  /// CUDA code: buffers are device memory. `NAME` takes host pointers,
  /// copies through fresh device buffers and synchronizes before
  /// returning; `NAME_device` takes device pointers and is stream-ordered
  /// (returns once its work is enqueued). Adds `tfm_cuda_synchronize`.
  Cuda,
};

/// How one generated entry point reaches the lowered function.
enum class EntryKind { Host, CudaHost, CudaDevice };

/// Renames each lowered function `NAME` to an internal `NAME.impl` and adds
/// the checking entry point `NAME` (and `NAME_device` for CUDA), plus
/// `tfm_last_error` (and `tfm_cuda_synchronize` for CUDA).
LogicalResult emitEntryPoints(llvm::Module &module,
                              const std::vector<EntrySignature> &signatures,
                              Location loc,
                              EntryMemory memory = EntryMemory::Host);

/// The C header declaring and documenting the entry points.
std::string renderHeader(llvm::StringRef guard,
                         const std::vector<EntrySignature> &signatures,
                         EntryMemory memory = EntryMemory::Host);

} // namespace mlir::tfm

#endif // TFMC_TARGET_ENTRYPOINTS_H
