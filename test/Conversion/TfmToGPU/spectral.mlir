// tfm.rfft / tfm.irfft on CUDA: a block per signal transforming it in
// (dynamic) shared memory; Bluestein's kernel spectrum computed once by a
// one-block kernel; transforms too long for shared memory rejected.
// RUN: tfm-opt %s --split-input-file --tfm-lower-to-gpu --verify-diagnostics | FileCheck %s
// RUN: tfmc %S/../../e2e/fft.mlir --target=cuda --emit=ptx -o %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90 -v %t.ptx -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTXAS %}

// n = 4096: 4096 complex f32, 32 KiB of dynamic shared memory (twiddles
// from the SFU, no table); 512 threads, one per radix-4 butterfly; a block
// per signal (2 of them).
// CHECK-LABEL: func.func @rfft_pow2
// CHECK-DAG: %[[RE:.*]] = memref.alloc() {alignment = 16 : i64} : memref<2x2049xf32>
// CHECK-DAG: %[[IM:.*]] = memref.alloc() {alignment = 16 : i64} : memref<2x2049xf32>
// CHECK: tfm.kernel_launch @tfm_kernels::@rfft grid(%{{.*}}) block [512, 1, 1] shared 32768
// CHECK: gpu.func @rfft({{.*}}) kernel
// CHECK: gpu.dynamic_shared_memory
// CHECK-COUNT-2: llvm.inline_asm "{{sin|cos}}.approx.f32
// CHECK: gpu.barrier
func.func @rfft_pow2(%x: tensor<2x4096xf32>) -> (tensor<2x2049xf32>, tensor<2x2049xf32>) {
  %re, %im = tfm.rfft %x : tensor<2x4096xf32>
  return %re, %im : tensor<2x2049xf32>, tensor<2x2049xf32>
}

// -----

// n = 100 through Bluestein, m = 256: the chirp's spectrum [2, m] first.
// CHECK-LABEL: func.func @rfft_bluestein
// CHECK: %[[SPECTRUM:.*]] = memref.alloc() {alignment = 16 : i64} : memref<2x256xf32>
// CHECK: tfm.kernel_launch @tfm_kernels::@bluestein_chirp_spectrum grid({{.*}}) block [64, 1, 1] shared 2048 args(%[[SPECTRUM]] : memref<2x256xf32>)
// CHECK: tfm.kernel_launch @tfm_kernels::@rfft grid({{.*}}) block [64, 1, 1] shared 2048 args({{.*}}, %[[SPECTRUM]] : {{.*}}, memref<2x256xf32>)
func.func @rfft_bluestein(%x: tensor<3x?xbf16>) -> (tensor<3x51xbf16>, tensor<3x51xbf16>) {
  %re, %im = tfm.rfft %x {n = 100 : i64} : tensor<3x?xbf16>
  return %re, %im : tensor<3x51xbf16>, tensor<3x51xbf16>
}

// -----

// An inner axis: the signals are the other dims.
// CHECK-LABEL: func.func @irfft_axis
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 16 : i64} : memref<2x64x3xf32>
// CHECK: tfm.kernel_launch @tfm_kernels::@irfft grid({{.*}}) block [32, 1, 1] shared 512
// CHECK: bufferization.to_tensor %[[OUT]]
func.func @irfft_axis(%re: tensor<2x33x3xf32>, %im: tensor<2x33x3xf32>) -> tensor<2x64x3xf32> {
  %x = tfm.irfft %re, %im {n = 64 : i64, axis = 1 : i64} : tensor<2x33x3xf32>
  return %x : tensor<2x64x3xf32>
}

// -----

// 32768 points do not fit a block's shared memory.
func.func @rfft_too_long(%x: tensor<2x32768xf32>) -> (tensor<2x16385xf32>, tensor<2x16385xf32>) {
  // expected-error @+1 {{'tfm.rfft' has no CUDA kernel for this variant}}
  %re, %im = tfm.rfft %x : tensor<2x32768xf32>
  return %re, %im : tensor<2x16385xf32>, tensor<2x16385xf32>
}

// The PTX of the e2e transforms (test/e2e/fft.mlir): butterflies on shared
// memory between barriers, no local memory.
// PTX-NOT: .local
// PTX: .entry rfft
// PTX: bar.sync
// PTX: ld.shared.b32
// PTX: st.shared.b32
// PTX: sin.approx.f32

// PTXAS-NOT: {{[1-9][0-9]*}} bytes stack frame
// PTXAS: Compiling entry function 'bluestein_chirp_spectrum'
// PTXAS-NOT: {{[1-9][0-9]*}} bytes stack frame
