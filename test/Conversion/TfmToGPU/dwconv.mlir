// tfm.dwconv on CUDA: a thread per output over (plane tiles, channels,
// batch); impl(fft) of a 1-D stride-1 conv through shared-memory FFTs
// (a spectrum per channel, then a block per channel and pair of batch
// entries) up to 16384 points, else the direct kernel; static taps.
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

// A long kernel through impl(fft): N = 2^⌈log2(4096 + 256)⌉ = 8192 points,
// (re, im) in 64 KiB of shared memory, 512 threads.
// CHECK-LABEL: func.func @fft_long
// CHECK: %[[SPEC:.*]] = memref.alloc() {{.*}} : memref<2x2x8192xf32>
// CHECK: tfm.kernel_launch @tfm_kernels::@dwconv_fft_spectrum grid(%{{.*}}) block [512, 1, 1] shared 65536 args({{.*}} : memref<2x257xf32>, memref<2x2x8192xf32>, index)
// CHECK: tfm.kernel_launch @tfm_kernels::@dwconv_fft grid(%{{.*}}) block [512, 1, 1] shared 65536 args({{.*}} : memref<1x2x4096xf32>, memref<2x2x8192xf32>, memref<1x2x4096xf32>, index)
// CHECK-NOT: tfm.kernel_launch
// CHECK: gpu.func @dwconv_fft_spectrum
// CHECK: gpu.dynamic_shared_memory
// CHECK: gpu.barrier
// CHECK: gpu.func @dwconv_fft(
// CHECK: gpu.dynamic_shared_memory
// CHECK: gpu.barrier
// CHECK-NOT: gpu.func @dwconv(
func.func @fft_long(%x: tensor<1x2x4096xf32>, %w: tensor<2x257xf32>) -> tensor<1x2x4096xf32> {
  %y = tfm.dwconv %x, %w padding(causal) impl(fft) : tensor<1x2x4096xf32>, tensor<2x257xf32>
  return %y : tensor<1x2x4096xf32>
}

// -----

// impl(direct) of the same: the direct kernel, the taps in a loop.
// CHECK-LABEL: func.func @direct_long
// CHECK: tfm.kernel_launch @tfm_kernels::@dwconv grid
// CHECK-NOT: dwconv_fft
// CHECK: gpu.func @dwconv(
// CHECK: scf.for
// CHECK: math.fma
func.func @direct_long(%x: tensor<1x2x4096xf32>, %w: tensor<2x257xf32>) -> tensor<1x2x4096xf32> {
  %y = tfm.dwconv %x, %w padding(causal) impl(direct) : tensor<1x2x4096xf32>, tensor<2x257xf32>
  return %y : tensor<1x2x4096xf32>
}

// -----

// A dynamic length picks at run time: 1024 points, 16384 points, or (past
// one block's shared memory) the direct kernel.
// CHECK-LABEL: func.func @fft_dynamic
// CHECK: math.ctlz
// CHECK: scf.if
// CHECK: tfm.kernel_launch @tfm_kernels::@dwconv_fft_spectrum grid({{.*}}) block [256, 1, 1] shared 8192
// CHECK: tfm.kernel_launch @tfm_kernels::@dwconv_fft grid({{.*}}) block [256, 1, 1] shared 8192
// CHECK: } else {
// CHECK: scf.if
// CHECK: tfm.kernel_launch @tfm_kernels::@dwconv_fft_spectrum_0 grid({{.*}}) block [512, 1, 1] shared 131072
// CHECK: tfm.kernel_launch @tfm_kernels::@dwconv_fft_0 grid({{.*}}) block [512, 1, 1] shared 131072
// CHECK: } else {
// CHECK: tfm.kernel_launch @tfm_kernels::@dwconv grid
func.func @fft_dynamic(%x: tensor<2x4x?xf32>, %w: tensor<4x64xf32>) -> tensor<2x4x?xf32> {
  %y = tfm.dwconv %x, %w padding(zero) impl(fft) {dilation = array<i64: 3>}
      : tensor<2x4x?xf32>, tensor<4x64xf32>
  return %y : tensor<2x4x?xf32>
}

// -----

// Past 16384 points, and circular padding: the direct kernel.
// CHECK-LABEL: func.func @fft_direct_forms
// CHECK-NOT: dwconv_fft
// CHECK-COUNT-2: tfm.kernel_launch @tfm_kernels::@dwconv{{(_0)?}} grid
// CHECK-NOT: dwconv_fft
func.func @fft_direct_forms(%x: tensor<1x2x16384xf32>, %w: tensor<2x2xf32>, %w3: tensor<2x3xf32>)
    -> (tensor<1x2x16384xf32>, tensor<1x2x16384xf32>) {
  %long = tfm.dwconv %x, %w padding(causal) impl(fft) : tensor<1x2x16384xf32>, tensor<2x2xf32>
  %circular = tfm.dwconv %x, %w3 padding(circular) impl(fft) : tensor<1x2x16384xf32>, tensor<2x3xf32>
  return %long, %circular : tensor<1x2x16384xf32>, tensor<1x2x16384xf32>
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
