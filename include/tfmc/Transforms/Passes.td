//===- Passes.td - tfm-level passes ------------------------*- tablegen -*-===//
#ifndef TFMC_TRANSFORMS_PASSES
#define TFMC_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def TfmFoldAffineNorm : Pass<"tfm-fold-affine-norm"> {
  let summary = "Fold per-channel affine norms into the linear that consumes them";
  let description = [{
    An affine norm over the last axis (inference BatchNorm, RepBN, Unified
    Norm) is `y = x ⊙ s + t`. When every use of `y` is the input of a
    `tfm.linear`, the norm disappears into that linear's weights:
    `W' = W·diag(s)` and `b' = b + W·t` (OPS.md D2).

    ```mlir
    %y = tfm.norm affine %x scale(%s : tensor<32xf32>) shift(%t : tensor<32xf32>) : tensor<?x32xf32>
    %o = tfm.linear %y, %w : tensor<?x32xf32>, tensor<64x32xf32>
    // becomes
    %w2 = <W scaled column-wise by %s>
    %b2 = <W·%t>
    %o = tfm.linear %x, %w2 bias(%b2 : tensor<64xf32>) : tensor<?x32xf32>, tensor<64x32xf32>
    ```

    The weight arithmetic is linalg on tensors; with constant weights it
    folds at compile time, with `tfm.weight` it runs once per call on the
    (small) parameters rather than on every activation.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def TfmMarkArgumentsReadOnly
    : Pass<"tfm-mark-arguments-readonly", "::mlir::ModuleOp"> {
  let summary = "Mark the tensor arguments of public functions read-only";
  let description = [{
    The C entry points take their inputs as `const` pointers. This pass sets
    `bufferization.writable = false` on every tensor argument of a public
    function, so one-shot bufferization copies rather than reusing a caller's
    input buffer as scratch or output space.

    ```mlir
    func.func @f(%x: tensor<8xf32>) -> tensor<8xf32>
    // becomes
    func.func @f(%x: tensor<8xf32> {bufferization.writable = false}) -> tensor<8xf32>
    ```
  }];
}

#endif // TFMC_TRANSFORMS_PASSES
