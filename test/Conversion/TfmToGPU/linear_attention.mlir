// tfm.linear_attention on CUDA: chunk summaries of φkᵀ[v, 1], their prefix
// sums, and a block per chunk of queries (state term, own chunk masked when
// causal); with Toeplitz weights, the direct sum over staged key chunks.
// RUN: tfm-opt %s --split-input-file --tfm-lower-to-gpu --verify-diagnostics | FileCheck %s
// RUN: tfmc %S/../../e2e/linear_attention.mlir --target=cuda --emit=ptx -o %t.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90 -v %t.ptx -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTXAS %}

// The workspace holds, per (batch, head), the chunk sums and their total:
// [B·H, chunks + 1, m·(dv + 1)].
// CHECK-LABEL: func.func @causal
// CHECK: %[[WORK:.*]] = memref.alloc(%{{.*}}, %{{.*}}) {alignment = 16 : i64} : memref<?x?x528xf32>
// CHECK: tfm.kernel_launch @tfm_kernels::@linear_attention_key_summary grid({{.*}}) block [256, 1, 1] shared {{[0-9]+}} args({{.*}}%[[WORK]]
// CHECK: tfm.kernel_launch @tfm_kernels::@linear_attention_prefix_sums grid({{.*}}) block [256, 1, 1] shared 0 args(%[[WORK]]
// CHECK: tfm.kernel_launch @tfm_kernels::@linear_attention grid({{.*}}) block [256, 1, 1] shared {{[0-9]+}} args({{.*}}%[[WORK]]
func.func @causal(%fq: tensor<2x4x?x16xbf16>, %fk: tensor<2x4x?x16xbf16>, %v: tensor<2x4x?x32xbf16>) -> tensor<2x4x?x32xbf16> {
  %o = tfm.linear_attention %fq, %fk, %v causal impl(chunked) {chunk = 16 : i64}
      : tensor<2x4x?x16xbf16>, tensor<2x4x?x16xbf16>, tensor<2x4x?x32xbf16>
  return %o : tensor<2x4x?x32xbf16>
}

// -----

// Toeplitz weights: one kernel, no workspace.
// CHECK-LABEL: func.func @toeplitz
// CHECK-NOT: key_summary
// CHECK: tfm.kernel_launch @tfm_kernels::@linear_attention grid({{.*}}) block [256, 1, 1] shared {{[0-9]+}} args({{.*}} : memref<1x2x128x16xf32>, memref<1x2x128x16xf32>, memref<1x2x128x32xf32>, memref<1x2x128x32xf32>, memref<2x255xf32>)
func.func @toeplitz(%fq: tensor<1x2x128x16xf32>, %fk: tensor<1x2x128x16xf32>, %v: tensor<1x2x128x32xf32>, %c: tensor<2x255xf32>) -> tensor<1x2x128x32xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<2x255xf32>) impl(fft)
      : tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x32xf32>
  return %o : tensor<1x2x128x32xf32>
}

// -----

func.func @dynamic_features(%fq: tensor<1x1x8x?xf32>, %fk: tensor<1x1x8x?xf32>, %v: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  // expected-error @+1 {{'tfm.linear_attention' has no CUDA kernel for this variant}}
  %o = tfm.linear_attention %fq, %fk, %v impl(direct)
      : tensor<1x1x8x?xf32>, tensor<1x1x8x?xf32>, tensor<1x1x8x4xf32>
  return %o : tensor<1x1x8x4xf32>
}

// PTXAS-NOT: {{[1-9][0-9]*}} bytes stack frame
// PTXAS: Compiling entry function 'linear_attention
// PTXAS-NOT: {{[1-9][0-9]*}} bytes stack frame
