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

def TfmFuseQkv : Pass<"tfm-fuse-qkv"> {
  let summary = "Fuse linears that share an input into one wider linear";
  let description = [{
    Projections of one input (attention's q, k and v) become one linear with
    the weights (and biases) stacked along N, followed by slices: one pass
    over the input and one larger, more efficient matmul instead of three.
    Only plain projections fuse (no activation, gate or residual); biases
    must be present on all of them or none.

    ```mlir
    %q = tfm.linear %x, %wq : tensor<?x64xf32>, tensor<64x64xf32>
    %k = tfm.linear %x, %wk : tensor<?x64xf32>, tensor<16x64xf32>
    // becomes
    %w = <%wq and %wk stacked: tensor<80x64xf32>>
    %qk = tfm.linear %x, %w : tensor<?x64xf32>, tensor<80x64xf32>
    %q = tensor.extract_slice %qk[0, 0] [%n, 64] [1, 1]
    %k = tensor.extract_slice %qk[0, 64] [%n, 16] [1, 1]
    ```
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def TfmFuseGlu : Pass<"tfm-fuse-glu"> {
  let summary = "Fuse the gate and up projections of a GLU into a gated linear";
  let description = [{
    `act(x·W_gᵀ) ⊙ (x·W_uᵀ)` (SwiGLU, GEGLU, ReGLU), whether the activation
    is a separate `tfm.activation` or already fused into the gate's linear,
    becomes one `tfm.linear ... gated` over the stacked weights `[W_g; W_u]`:
    one matmul, and the product happens in its epilogue.

    ```mlir
    %g = tfm.linear %x, %wg act(silu) : tensor<?x64xf32>, tensor<176x64xf32>
    %u = tfm.linear %x, %wu : tensor<?x64xf32>, tensor<176x64xf32>
    %h = arith.mulf %g, %u : tensor<?x176xf32>
    // becomes
    %h = tfm.linear %x, %wgu act(silu) gated : tensor<?x64xf32>, tensor<352x64xf32>
    ```
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def TfmFuseEpilogue : Pass<"tfm-fuse-epilogue"> {
  let summary = "Fuse activations and residual adds into the producing linear";
  let description = [{
    `tfm.activation` applied to a linear's only use becomes the linear's
    `act`; `arith.addf` of a linear's result and a tensor of the same type
    becomes its `residual`. The epilogue then runs on the accumulator while
    it is in registers instead of as separate passes over memory.

    ```mlir
    %y = tfm.linear %x, %w bias(%b : tensor<64xf32>) : tensor<?x32xf32>, tensor<64x32xf32>
    %a = tfm.activation gelu_tanh %y : tensor<?x64xf32>
    %r = arith.addf %a, %res : tensor<?x64xf32>
    // becomes
    %r = tfm.linear %x, %w bias(%b : tensor<64xf32>) act(gelu_tanh)
        residual(%res : tensor<?x64xf32>) : tensor<?x32xf32>, tensor<64x32xf32>
    ```
  }];
}

def TfmSelectImpl : Pass<"tfm-select-impl"> {
  let summary = "Choose linear-attention implementations from shapes";
  let description = [{
    Replaces `impl(auto)` of `tfm.linear_attention` by a concrete choice:

    - with Toeplitz coefficients: `fft` when the sequence is long enough for
      the O(L log L) form to win over the dense O(L²) one (OPS.md B2:
      break-even near L ≈ 2.5·m·log2 L; dynamic L is assumed long), `direct`
      otherwise;
    - causal without coefficients: `chunked`, with a chunk of 64 rows unless
      one is set;
    - otherwise: `direct` (φkᵀv once, then one product per query).

    ```mlir
    %o = tfm.linear_attention %q, %k, %v causal impl(auto) : ...
    // becomes
    %o = tfm.linear_attention %q, %k, %v causal impl(chunked) {chunk = 64 : i64} : ...
    ```
  }];
}

def TfmWeightsToArguments
    : Pass<"tfm-weights-to-arguments", "::mlir::ModuleOp"> {
  let summary = "Turn a model's weights into arguments of its entry function";
  let description = [{
    A compiled model reads its weights from a file at load time, so code
    generation takes them as arguments. Each distinct `tfm.weight` of the
    entry function (`@forward` by default) becomes a trailing argument of
    its type, in order of first use, marked `tfm.weight = "<name>"` and
    keeping the op's attributes that say how the file stores it:
    `tfm.transposed` (the file holds the transpose, as GPT-2's Conv1D
    weights), `tfm.stacked` (the tensors named with `*` replaced by 0, 1, ...
    stacked along the leading dim, one per layer of a layer loop). These
    argument attributes are the model's weight table, from which the driver
    generates the loader's checks of names and shapes. Other functions
    receive weights from the entry function; a `tfm.weight` inside one is an
    error, as are two uses of one name with different types or storage.

    ```mlir
    func.func @forward(%ids: tensor<?x?xi32>) -> tensor<?x?x8xf32> {
      %e = tfm.weight "embed.weight" : tensor<100x8xf32>
      %x = tfm.embedding %e[%ids] : tensor<100x8xf32>, tensor<?x?xi32>
      return %x : tensor<?x?x8xf32>
    }
    // becomes
    func.func @forward(%ids: tensor<?x?xi32>,
                       %arg1: tensor<100x8xf32> {tfm.weight = "embed.weight"})
        -> tensor<?x?x8xf32> {
      %x = tfm.embedding %arg1[%ids] : tensor<100x8xf32>, tensor<?x?xi32>
      return %x : tensor<?x?x8xf32>
    }
    ```
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"forward\"",
           "The function whose weights become arguments">
  ];
}

#endif // TFMC_TRANSFORMS_PASSES
