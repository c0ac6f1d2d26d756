// tfm.linear_attention on CUDA: chunk summaries of φkᵀ[v, 1], their prefix
// sums, and a block per chunk of queries (state term, own chunk masked when
// causal); with Toeplitz weights and impl direct, the direct sum over staged
// key chunks; with impl fft (or auto), FFT convolutions: in one block's
// shared memory up to 16384 points, else the four-step FFT through a
// workspace of a tile of channel groups.
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

// Toeplitz weights, impl direct: one kernel, no workspace.
// CHECK-LABEL: func.func @toeplitz_direct
// CHECK-NOT: key_summary
// CHECK: tfm.kernel_launch @tfm_kernels::@linear_attention grid({{.*}}) block [256, 1, 1] shared {{[0-9]+}} args({{.*}} : memref<1x2x128x16xf32>, memref<1x2x128x16xf32>, memref<1x2x128x32xf32>, memref<1x2x128x32xf32>, memref<2x255xf32>)
func.func @toeplitz_direct(%fq: tensor<1x2x128x16xf32>, %fk: tensor<1x2x128x16xf32>, %v: tensor<1x2x128x32xf32>, %c: tensor<2x255xf32>) -> tensor<1x2x128x32xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<2x255xf32>) impl(direct)
      : tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x32xf32>
  return %o : tensor<1x2x128x32xf32>
}

// -----

// impl fft, L = 128: M = 256 points in shared memory. The buffers are the
// spectra [H, 2, M], N [B, H, L, dv + 1], φq and φk by feature [B·H, m, L]
// (coalesced channel loads) and the output: nothing of size L·m·dv. A block
// per (column, batch·head): 33 columns (dv + 1) of 2 sequences, 64 threads
// (one per radix-4 butterfly), the signal (2 KiB) and its rows' sums and
// values (1 KiB) in shared memory.
// CHECK-LABEL: func.func @toeplitz_fft
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 16 : i64} : memref<1x2x128x32xf32>
// CHECK: %[[SUMS:.*]] = memref.alloc() {alignment = 16 : i64} : memref<1x2x128x33xf32>
// CHECK: %[[SPEC:.*]] = memref.alloc() {alignment = 16 : i64} : memref<2x2x256xf32>
// CHECK: %[[QT:.*]] = memref.alloc() {alignment = 16 : i64} : memref<2x16x128xf32>
// CHECK: %[[KT:.*]] = memref.alloc() {alignment = 16 : i64} : memref<2x16x128xf32>
// CHECK-NOT: memref.alloc
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_transpose_features grid({{.*}}) block [256, 1, 1] shared 0 args(%{{.*}}, %{{.*}}, %[[QT]], %[[KT]] :
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_spectrum grid(%c2, {{.*}}) block [64, 1, 1] shared 2048 args({{.*}}, %[[SPEC]], %[[LOG:.*]] : memref<2x255xf32>, memref<2x2x256xf32>, index)
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_attention_fft grid(%c33, {{.*}}) block [64, 1, 1] shared 3072 args(%[[QT]], %[[KT]], %{{.*}}, %[[SPEC]], %[[SUMS]], %[[LOG]] :
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_normalize grid({{.*}}) block [256, 1, 1] shared 0 args(%[[SUMS]], %[[OUT]] :
// CHECK: gpu.func @toeplitz_spectrum(
// CHECK: gpu.dynamic_shared_memory
// CHECK: llvm.inline_asm "cos.approx.f32
// CHECK: gpu.func @toeplitz_attention_fft(
// CHECK: gpu.dynamic_shared_memory
// CHECK: scf.for
// CHECK: gpu.barrier
func.func @toeplitz_fft(%fq: tensor<1x2x128x16xf32>, %fk: tensor<1x2x128x16xf32>, %v: tensor<1x2x128x32xf32>, %c: tensor<2x255xf32>) -> tensor<1x2x128x32xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<2x255xf32>) impl(fft)
      : tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x32xf32>
  return %o : tensor<1x2x128x32xf32>
}

// -----

// L = 9000: M = 32768 = 16384·2, the four-step FFT. The spectra by column
// and row kernels; then, per tile of channel groups (a host loop), the
// signals' column transforms, the row convolutions and the groups'
// accumulation (the signal and N's points in 192 KiB of shared memory), in
// a workspace [tile·pairs, 2, M].
// CHECK-LABEL: func.func @toeplitz_four_step
// CHECK: %[[SPEC:.*]] = memref.alloc() {alignment = 16 : i64} : memref<2x2x32768xf32>
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_spectrum_columns grid({{.*}}) block [512, 1, 1] shared 131072 args({{.*}}, %[[SPEC]], %c15 :
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_spectrum_rows grid({{.*}}) block [512, 1, 1] shared 131072 args(%[[SPEC]], %c15 :
// CHECK: %[[WORK:.*]] = memref.alloc(%{{.*}}, %{{.*}}) {alignment = 16 : i64} : memref<?x2x?xf32>
// CHECK-NOT: memref.alloc
// CHECK: scf.for
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_columns grid({{.*}}) block [512, 1, 1] shared 131072 args({{.*}}, %[[WORK]], %c15 :
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_rows grid({{.*}}) block [512, 1, 1] shared 131072 args(%[[WORK]], %c15, %[[SPEC]],
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_accumulate grid({{.*}}) block [512, 1, 1] shared 196608 args({{.*}}, %[[WORK]],
// CHECK: }
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_normalize
func.func @toeplitz_four_step(%fq: tensor<1x2x9000x16xf32>, %fk: tensor<1x2x9000x16xf32>, %v: tensor<1x2x9000x32xf32>, %c: tensor<2x17999xf32>) -> tensor<1x2x9000x32xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<2x17999xf32>) impl(fft)
      : tensor<1x2x9000x16xf32>, tensor<1x2x9000x16xf32>, tensor<1x2x9000x32xf32>
  return %o : tensor<1x2x9000x32xf32>
}

// -----

// Causal, dynamic L, impl auto: the key totals (chunk summaries and their
// prefix sums) and the scan of the one-sided weights center the channels;
// M is chosen at run time: shared memory of 1024, 8192 or 16384 points, or
// four steps.
// CHECK-LABEL: func.func @toeplitz_causal_dynamic
// CHECK: tfm.kernel_launch @tfm_kernels::@linear_attention_key_summary
// CHECK: tfm.kernel_launch @tfm_kernels::@linear_attention_prefix_sums
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_causal_weights
// CHECK: scf.if
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_attention_fft{{.*}} block [256, 1, 1] shared 12288
// CHECK: } else {
// CHECK: scf.if
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_attention_fft{{.*}} block [512, 1, 1] shared 98304
// CHECK: } else {
// CHECK: scf.if
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_attention_fft{{.*}} block [512, 1, 1] shared 196608
// CHECK: } else {
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_accumulate
// CHECK: tfm.kernel_launch @tfm_kernels::@toeplitz_normalize_causal
func.func @toeplitz_causal_dynamic(%fq: tensor<?x4x?x16xbf16>, %fk: tensor<?x4x?x16xbf16>, %v: tensor<?x4x?x32xbf16>, %c: tensor<4x?xbf16>) -> tensor<?x4x?x32xbf16> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<4x?xbf16>) causal impl(auto)
      : tensor<?x4x?x16xbf16>, tensor<?x4x?x16xbf16>, tensor<?x4x?x32xbf16>
  return %o : tensor<?x4x?x32xbf16>
}

// -----

func.func @dynamic_features(%fq: tensor<1x1x8x?xf32>, %fk: tensor<1x1x8x?xf32>, %v: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  // expected-error @+1 {{'tfm.linear_attention' has no CUDA kernel for this variant}}
  %o = tfm.linear_attention %fq, %fk, %v impl(direct)
      : tensor<1x1x8x?xf32>, tensor<1x1x8x?xf32>, tensor<1x1x8x4xf32>
  return %o : tensor<1x1x8x4xf32>
}

// No kernel of the e2e cases spills (the FFT kernels keep their sums in
// shared memory).
// PTXAS-NOT: {{[1-9][0-9]*}} bytes stack frame
// PTXAS: Compiling entry function 'toeplitz_accumulate
// PTXAS-NOT: {{[1-9][0-9]*}} bytes stack frame
// PTXAS: Compiling entry function 'linear_attention
// PTXAS-NOT: {{[1-9][0-9]*}} bytes stack frame
