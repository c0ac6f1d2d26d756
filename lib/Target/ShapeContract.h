//===- ShapeContract.h - relations between dims of tfm values ---*- C++ -*-===//
#ifndef TFMC_LIB_TARGET_SHAPECONTRACT_H
#define TFMC_LIB_TARGET_SHAPECONTRACT_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"

#include <string>

namespace mlir::tfm {

/// A union-find over (value, dim) pairs where each member is an affine
/// function `scale * root + offset` of its class root. Ops contribute the
/// relations their semantics impose (`addRelations`).
class ShapeContract {
public:
  struct Member {
    int64_t node;
    int64_t scale;
    int64_t offset;
  };

  /// Records `a.dim(i) == scale * b.dim(j) + offset`.
  void relate(Value a, int64_t i, Value b, int64_t j, int64_t scale = 1,
              int64_t offset = 0);
  /// Records that all dims of `a` equal those of `b` (same rank).
  void relateAll(Value a, Value b);

  /// A size that must be a multiple of another (query heads of KV heads).
  struct Multiple {
    Value dividend;
    int64_t dividendDim;
    Value divisor;
    int64_t divisorDim;
    std::string what; ///< "query heads (%lld) ... key/value heads (%lld)"
  };

  /// Records that `a.dim(i)` must be a multiple of `b.dim(j)`.
  void requireMultiple(Value a, int64_t i, Value b, int64_t j,
                       std::string what) {
    multiples.push_back({a, i, b, j, std::move(what)});
  }
  ArrayRef<Multiple> getMultiples() const { return multiples; }

  /// Adds the relations imposed by `op` (tfm ops, elementwise ops).
  void addRelations(Operation *op);

  /// The root node of (value, dim) and its affine relation to it.
  Member find(Value value, int64_t dim);

  /// The static size of the class rooted at `root`, when any member's type
  /// fixes it.
  std::optional<int64_t> staticRootSize(int64_t root);

private:
  int64_t nodeFor(Value value, int64_t dim);
  Member findNode(int64_t node);

  llvm::DenseMap<std::pair<Value, int64_t>, int64_t> nodes;
  std::vector<std::pair<Value, int64_t>> nodeKeys;
  std::vector<Member> parent; // parent[node] = relation to its parent
  std::vector<Multiple> multiples;
};

} // namespace mlir::tfm

#endif // TFMC_LIB_TARGET_SHAPECONTRACT_H
