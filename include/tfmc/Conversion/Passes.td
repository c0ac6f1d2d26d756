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

def TfmLowerToGpu : Pass<"tfm-lower-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower tfm ops to launches of CUDA kernels built for them";
  let description = [{
    Replaces every tfm op except `tfm.weight` by a launch
    (`tfm.kernel_launch`, later `gpu.launch_func`) of a kernel designed for
    the GPU, in a `gpu.module @tfm_kernels`: operands
    become buffers (`bufferization.to_buffer`), the result a fresh buffer
    (device memory in the CUDA pipeline) that the kernel writes.

    - `tfm.attention`: flash form, one Q tile per block, K/V tiles staged in
      shared memory, online softmax, tensor-core `mma.sync` for bf16/f16
      storage with f32 accumulation, masked blocks skipped; decode (Lq = 1)
      split along the KV length and combined by (max, sum);
    - `tfm.linear`: a tiled tensor-core GEMM with the epilogue (bias,
      activation, GLU gate, residual) on the accumulators;
    - norms, rope, activations, embedding, feature maps: one pass, warp and
      block reductions;
    - `tfm.selective_scan`: channels across threads, the f32 state in
      registers; linear attention, dwconv and FFTs: kernels of their own.

    ```mlir
    %y = tfm.activation relu %x : tensor<?x64xbf16>
    // becomes
    %xb = bufferization.to_buffer %x : tensor<?x64xbf16> to memref<?x64xbf16>
    %yb = memref.alloc(%n) : memref<?x64xbf16>
    tfm.kernel_launch @tfm_kernels::@activation grid(%g, %c1, %c1)
        block [256, 1, 1] shared 0 args(%xb, ... : memref<?x64xbf16>, ...)
    %y = bufferization.to_tensor %yb restrict writable : ...
    ```

    Storage may be f32, bf16 or f16; arithmetic is f32. An op (or variant)
    without a CUDA kernel is an error naming it.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def TfmHostLoopsToGpu : Pass<"tfm-host-loops-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Run the host code's leftover buffer loops (linalg, copies) on the GPU";
  let description = [{
    After bufferization in the CUDA pipeline, host functions may still hold
    linalg ops (elementwise glue of imported models: residual adds, scaling,
    fills) and `memref.copy` (results copied into caller-owned buffers).
    A result computed into a fresh buffer that is then copied into the
    caller's and freed is computed into the caller's buffer instead.
    Their buffers are device memory, so they must run on the GPU: each
    becomes parallel loops, and each outermost `scf.parallel` becomes the
    launch of a kernel (in `@tfm_kernels`, beside the tfm ops' kernels) of
    256-thread blocks over its linearized iteration space
    (consecutive threads take consecutive innermost indices, so accesses
    coalesce); sequential (reduction) loops stay inside the thread.

    ```mlir
    memref.copy %a, %b : memref<?x64xf32> to memref<?x64xf32>
    // becomes
    gpu.launch_func @tfm_kernels::@f_loop blocks in (ceil(n*64/256), 1, 1)
        threads in (256, 1, 1) args(...)
    // gpu.func @f_loop: %i = block_id * 256 + thread_id
    //   scf.if %i < n*64 { b[i / 64, i % 64] = a[i / 64, i % 64] }
    ```
  }];
  let dependentDialects = ["::mlir::tfm::TfmDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def TfmMathToPtx : Pass<"tfm-math-to-ptx"> {
  let summary = "Lower f32 math ops in kernels to PTX instructions (no libdevice)";
  let description = [{
    Without the CUDA SDK there is no libdevice, and `convert-gpu-to-nvvm`
    would turn the math ops it knows into calls to it. This pass makes
    `math.exp` on f32 `ex2.approx(x * log2 e)` (as CUDA's `__expf`), the
    other transcendental functions MLIR's polynomial approximations, and
    turns what PTX has an instruction for into that instruction (inline PTX
    on f32 and f64; vectors element by element): sqrt
    (`sqrt.rn`), rsqrt, abs, floor/ceil/roundeven/trunc (`cvt.r*i`), round,
    exp2 (`ex2.approx`, f32), fma; copysign (f32) through the sign bit. Any
    math op left
    is an error naming it.

    ```mlir
    %r = math.sqrt %x : f32
    // becomes
    %r = llvm.inline_asm "sqrt.rn.f32 $0, $1;", "=f,f" %x : (f32) -> f32
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
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

def TfmOutlineParallelLoops
    : Pass<"tfm-outline-parallel-loops", "::mlir::ModuleOp"> {
  let summary = "Outline parallel loops into functions the runtime's thread pool runs";
  let description = [{
    Each outermost one-dimensional `scf.parallel` (from `scf.forall` after
    bufferization) becomes a private function running a range of its
    iterations, and a call to a launch declaration that names it:

    ```mlir
    scf.parallel (%i) = (%lb) to (%ub) step (%s) { body(%i, %buf) }
    // becomes
    func.call @__tfm_launch_f_parallel0(%count, %lb, %s, %buf)
    func.func private @f_parallel0(%first: index, %last: index, %lb: index,
                                   %s: index, %buf: memref<...>) {
      scf.for %n = %first to %last step 1 { body(%lb + %n * %s, %buf) }
    }
    ```

    tfmc then replaces each launch by a call to the runtime's
    `tfm_rt_parallel_for` with a trampoline that unpacks the captured values
    (lib/Target/ParallelLaunch.cpp). Loops with reductions or more than one
    dimension stay sequential.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // TFMC_CONVERSION_PASSES
