// tfm.dwconv impl(fft) on the GPU: long kernels through shared-memory FFTs.
// A causal 8192-tap kernel over L = 8192 (16384 points, an odd batch: the
// last block's pair has one entry), in f32 and bf16; a dynamic L with zero
// padding and dilation (called with lengths that take the 1024-point
// kernel, the 16384-point kernel and the direct fallback); full padding at
// a ragged static L. Run on the GPU by test/gpu/validate.py (checker:
// dwconv_fft.py); here only compiled.
// RUN: tfmc %s --target=cuda --emit=ptx -o %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90 -v %t.ptx -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// CHECK-DAG: .entry dwconv_fft_spectrum
// CHECK-DAG: .entry dwconv_fft(
// CHECK-DAG: .shared .align {{[0-9]+}} .b8 __dynamic_shmem
// PTXAS-NOT: {{[1-9][0-9]*}} bytes stack frame

func.func @long_causal(%x: tensor<3x2x8192xf32>, %w: tensor<2x8192xf32>, %b: tensor<2xf32>) -> tensor<3x2x8192xf32> {
  %y = tfm.dwconv %x, %w bias(%b : tensor<2xf32>) padding(causal) impl(fft)
      : tensor<3x2x8192xf32>, tensor<2x8192xf32>
  return %y : tensor<3x2x8192xf32>
}

func.func @long_causal_bf16(%x: tensor<2x4x8192xbf16>, %w: tensor<4x8192xbf16>) -> tensor<2x4x8192xbf16> {
  %y = tfm.dwconv %x, %w padding(causal) impl(fft) : tensor<2x4x8192xbf16>, tensor<4x8192xbf16>
  return %y : tensor<2x4x8192xbf16>
}

func.func @ragged_zero_dilated(%x: tensor<3x4x?xf32>, %w: tensor<4x300xf32>) -> tensor<3x4x?xf32> {
  %y = tfm.dwconv %x, %w padding(zero) impl(fft) {dilation = array<i64: 3>}
      : tensor<3x4x?xf32>, tensor<4x300xf32>
  return %y : tensor<3x4x?xf32>
}

func.func @ragged_full_bf16(%x: tensor<2x8x3001xbf16>, %w: tensor<8x129xbf16>, %b: tensor<8xbf16>) -> tensor<2x8x3257xbf16> {
  %y = tfm.dwconv %x, %w bias(%b : tensor<8xbf16>) padding(full) impl(fft) {dilation = array<i64: 2>}
      : tensor<2x8x3001xbf16>, tensor<8x129xbf16>
  return %y : tensor<2x8x3257xbf16>
}
