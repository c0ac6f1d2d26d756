// tfm.dwconv on CUDA: a thread per output over (plane tiles, channels,
// batch); impl(fft) runs the same direct kernel; kernels need static taps.
// RUN: tfm-opt %s --split-input-file --tfm-lower-to-gpu --verify-diagnostics | FileCheck %s
// RUN: tfmc %S/../../e2e/dwconv.mlir --target=cuda --emit=ptx -o %t.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90 -v %t.ptx -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTXAS %}

// Mamba's causal conv1d: 4 taps unrolled, bias first.
// CHECK-LABEL: func.func @conv1d_causal
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) {alignment = 16 : i64} : memref<2x64x?xbf16>
// CHECK: tfm.kernel_launch @tfm_kernels::@dwconv grid(%{{.*}}, %{{.*}}, %{{.*}}) block [256, 1, 1] shared 0 args({{.*}} : memref<2x64x?xbf16>, memref<64x4xbf16>, memref<2x64x?xbf16>, memref<64xbf16>)
// CHECK: bufferization.to_tensor %[[OUT]]
// CHECK: gpu.func @dwconv
// CHECK-COUNT-4: math.fma
func.func @conv1d_causal(%x: tensor<2x64x?xbf16>, %w: tensor<64x4xbf16>, %b: tensor<64xbf16>) -> tensor<2x64x?xbf16> {
  %y = tfm.dwconv %x, %w bias(%b : tensor<64xbf16>) padding(causal) impl(direct)
      : tensor<2x64x?xbf16>, tensor<64x4xbf16>
  return %y : tensor<2x64x?xbf16>
}

// -----

// A long kernel through impl(fft): the direct kernel, the taps in a loop.
// CHECK-LABEL: func.func @fft_long
// CHECK: tfm.kernel_launch @tfm_kernels::@dwconv
// CHECK: gpu.func @dwconv
// CHECK: scf.for
// CHECK: math.fma
func.func @fft_long(%x: tensor<1x2x4096xf32>, %w: tensor<2x257xf32>) -> tensor<1x2x4096xf32> {
  %y = tfm.dwconv %x, %w padding(causal) impl(fft) : tensor<1x2x4096xf32>, tensor<2x257xf32>
  return %y : tensor<1x2x4096xf32>
}

// -----

// Circular padding wraps signed indices.
// CHECK-LABEL: func.func @circular_2d
// CHECK: gpu.func @dwconv
// CHECK: arith.remsi
func.func @circular_2d(%x: tensor<1x4x7x10xf32>, %w: tensor<4x5x5xf32>) -> tensor<1x4x7x10xf32> {
  %y = tfm.dwconv %x, %w padding(circular) impl(direct) {dilation = array<i64: 1, 2>}
      : tensor<1x4x7x10xf32>, tensor<4x5x5xf32>
  return %y : tensor<1x4x7x10xf32>
}

// -----

func.func @dynamic_taps(%x: tensor<1x4x16xf32>, %w: tensor<4x?xf32>) -> tensor<1x4x?xf32> {
  // expected-error @+1 {{'tfm.dwconv' has no CUDA kernel for this variant}}
  %y = tfm.dwconv %x, %w padding(causal) impl(direct) : tensor<1x4x16xf32>, tensor<4x?xf32>
  return %y : tensor<1x4x?xf32>
}

// PTXAS-NOT: {{[1-9][0-9]*}} bytes stack frame
// PTXAS: Compiling entry function 'dwconv
// PTXAS-NOT: {{[1-9][0-9]*}} bytes stack frame
