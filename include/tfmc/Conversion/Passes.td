//===- Passes.td - lowerings of the tfm dialect ------------*- tablegen -*-===//
#ifndef TFMC_CONVERSION_PASSES
#define TFMC_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def TfmLowerToLinalg : Pass<"tfm-lower-to-linalg"> {
  let summary = "Lower tfm ops to linalg, scf, tensor, arith and math on tensors";
  let description = [{
    Replaces every tfm op except `tfm.weight` by its algorithm on tensors:

    - pointwise ops, norms, rope and embedding become `linalg.generic`
      (reductions for the norm statistics, index arithmetic for rope);
    - `tfm.linear` becomes a contraction over K followed by its epilogue
      (bias, activation, GLU gate, residual) in one elementwise generic;
    - `tfm.attention` becomes a tiled online-softmax loop over key/value
      blocks (flash form) in which no Lq x Lk buffer exists; masks and
      positional biases are computed inside the tile from indices;
    - `tfm.rfft`/`tfm.irfft` become an iterative radix-2 FFT (log2 n stage
      loop); `tfm.linear_attention` with Toeplitz coefficients and
      `tfm.dwconv` with impl(fft) go through them, tiled over channels;
    - `tfm.selective_scan` becomes a loop over L carrying the f32 state.

    ```mlir
    %y = tfm.activation relu %x : tensor<?x64xf32>
    // becomes
    %e = tensor.empty(%d0) : tensor<?x64xf32>
    %y = linalg.generic {...} ins(%x : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.maximumf %in, %cst : f32
      linalg.yield %m : f32
    } -> tensor<?x64xf32>
    ```

    The CPU lowering computes in f32; other element types are rejected with
    an error naming the op.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::affine::AffineDialect"];
}

def TfmApproximateMath : Pass<"tfm-approximate-math"> {
  let summary = "Replace f32 transcendental math ops by polynomial approximations";
  let description = [{
    Rewrites `math.exp`, `math.tanh`, `math.erf`, `math.log1p`, `math.expm1`
    and the other ops MLIR has f32 approximations for into arith/math
    arithmetic. These approximations are accurate to a few ulp, need no
    libm, and vectorize, unlike calls to `expf`.

    ```mlir
    %y = math.tanh %x : f32
    // becomes a clamp and a rational polynomial in arith ops
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // TFMC_CONVERSION_PASSES
