// The pointwise family on CUDA: each op one kernel launch; 16-byte vector
// runs; warp-shuffle and shared-memory reductions in norms; no local memory.
// RUN: tfm-opt %s --tfm-lower-to-gpu | FileCheck %s
// RUN: tfmc %s --target=cuda --emit=ptx -o %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90 -v %t.ptx -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTXAS %}

// Host side: buffers, a launch per op, the result tensor.
// CHECK-LABEL: func.func @silu
// CHECK: %[[OUT:.*]] = memref.alloc({{.*}}) {alignment = 16 : i64} : memref<3x?xbf16>
// CHECK: tfm.kernel_launch @tfm_kernels::@activation_silu_bf16 grid({{.*}}) block [256, 1, 1] shared 0 args({{.*}} : memref<?xbf16>, memref<?xbf16>)
// CHECK: bufferization.to_tensor %[[OUT]]
func.func @silu(%x: tensor<3x?xbf16>) -> tensor<3x?xbf16> {
  %y = tfm.activation silu %x : tensor<3x?xbf16>
  return %y : tensor<3x?xbf16>
}

// A row of 4096 bf16: 512 runs of 8, a block of 256 threads holding 2 each.
// CHECK-LABEL: func.func @rms_norm
// CHECK: tfm.kernel_launch @tfm_kernels::@rms_norm_bf16 grid({{.*}}) block [256, 1, 1]
func.func @rms_norm(%x: tensor<?x4096xbf16>, %g: tensor<4096xbf16>) -> tensor<?x4096xbf16> {
  %y = tfm.norm rms %x scale(%g : tensor<4096xbf16>) {eps = 1.0e-6 : f64} : tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

// 768 channels: a warp per row, four rows per block.
// CHECK-LABEL: func.func @layer_norm_warp
// CHECK: tfm.kernel_launch @tfm_kernels::@layer_norm_bf16 grid({{.*}}) block [128, 1, 1]
func.func @layer_norm_warp(%x: tensor<2x?x768xbf16>, %g: tensor<768xbf16>, %b: tensor<768xbf16>) -> tensor<2x?x768xbf16> {
  %y = tfm.norm layer %x scale(%g : tensor<768xbf16>) shift(%b : tensor<768xbf16>) : tensor<2x?x768xbf16>
  return %y : tensor<2x?x768xbf16>
}

// Dynamic rows are streamed; another axis than the last goes by columns.
// CHECK-LABEL: func.func @rms_norm_dynamic
// CHECK: tfm.kernel_launch @tfm_kernels::@rms_norm_f16 grid({{.*}}) block [256, 1, 1]
func.func @rms_norm_dynamic(%x: tensor<?x?xf16>) -> tensor<?x?xf16> {
  %y = tfm.norm rms %x : tensor<?x?xf16>
  return %y : tensor<?x?xf16>
}
// CHECK-LABEL: func.func @layer_norm_axis1
// CHECK: tfm.kernel_launch @tfm_kernels::@layer_norm_f32 {{.*}} args({{.*}} : memref<2x6x?xf32>, memref<2x6x?xf32>, memref<6xf32>)
func.func @layer_norm_axis1(%x: tensor<2x6x?xf32>, %g: tensor<6xf32>) -> tensor<2x6x?xf32> {
  %y = tfm.norm layer %x scale(%g : tensor<6xf32>) {axis = 1 : i64} : tensor<2x6x?xf32>
  return %y : tensor<2x6x?xf32>
}
// CHECK-LABEL: func.func @affine_norm
// CHECK: tfm.kernel_launch @tfm_kernels::@affine_norm_bf16 {{.*}} args({{.*}} : memref<?xbf16>, memref<?xbf16>, index, index, memref<6xbf16>, memref<6xbf16>)
func.func @affine_norm(%x: tensor<2x6x?xbf16>, %s: tensor<6xbf16>, %t: tensor<6xbf16>) -> tensor<2x6x?xbf16> {
  %y = tfm.norm affine %x scale(%s : tensor<6xbf16>) shift(%t : tensor<6xbf16>) {axis = 1 : i64} : tensor<2x6x?xbf16>
  return %y : tensor<2x6x?xbf16>
}

// Rope: a grid over (rows x runs, head groups).
// CHECK-LABEL: func.func @rope
// CHECK: tfm.kernel_launch @tfm_kernels::@rope_half_bf16 grid(%{{.*}}, %{{.*}}, %{{.*}}) block [128, 1, 1]
func.func @rope(%x: tensor<1x32x?x128xbf16>, %pos: tensor<?xi32>) -> tensor<1x32x?x128xbf16> {
  %y = tfm.rope half %x, %pos : tensor<1x32x?x128xbf16>, tensor<?xi32>
  return %y : tensor<1x32x?x128xbf16>
}
// CHECK-LABEL: func.func @rope_interleaved_partial
// CHECK: tfm.kernel_launch @tfm_kernels::@rope_interleaved_bf16
func.func @rope_interleaved_partial(%x: tensor<2x2x?x24xbf16>, %pos: tensor<2x?xi64>) -> tensor<2x2x?x24xbf16> {
  %y = tfm.rope interleaved %x, %pos {base = 500.0 : f64, rotary_dim = 8 : i64} : tensor<2x2x?x24xbf16>, tensor<2x?xi64>
  return %y : tensor<2x2x?x24xbf16>
}

// CHECK-LABEL: func.func @embedding
// CHECK: tfm.kernel_launch @tfm_kernels::@embedding_bf16
func.func @embedding(%table: tensor<1000x64xbf16>, %ids: tensor<1x?xi32>) -> tensor<1x?x64xbf16> {
  %y = tfm.embedding %table[%ids] : tensor<1000x64xbf16>, tensor<1x?xi32>
  return %y : tensor<1x?x64xbf16>
}

// CHECK-LABEL: func.func @performer
// CHECK: tfm.kernel_launch @tfm_kernels::@feature_map_performer_bf16
func.func @performer(%x: tensor<1x4x?x32xbf16>, %w: tensor<64x32xbf16>) -> tensor<1x4x?x64xbf16> {
  %f = tfm.feature_map performer %x projection(%w : tensor<64x32xbf16>) : tensor<1x4x?x32xbf16>
  return %f : tensor<1x4x?x64xbf16>
}
// CHECK-LABEL: func.func @elu_plus_one
// CHECK: tfm.kernel_launch @tfm_kernels::@feature_map_elu_plus_one_f32
func.func @elu_plus_one(%x: tensor<1x4x?x32xf32>) -> tensor<1x4x?x32xf32> {
  %f = tfm.feature_map elu_plus_one %x : tensor<1x4x?x32xf32>
  return %f : tensor<1x4x?x32xf32>
}

// Kernels (in reverse order of their ops): aligned runs are one vector
// access, alignment checked once per kernel.
// CHECK-LABEL: gpu.func @embedding_bf16
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: vector.load {{.*}} {alignment = 16 : i64} : memref<1000x64xbf16>, vector<8xbf16>
// CHECK-LABEL: gpu.func @rope_half_bf16
// CHECK: math.cos
// CHECK: math.sin
// CHECK: scf.for
// CHECK: vector.load {{.*}} : memref<1x32x?x128xbf16>, vector<8xbf16>
// CHECK: vector.load {{.*}} : memref<1x32x?x128xbf16>, vector<8xbf16>
// CHECK-LABEL: gpu.func @rms_norm_f16
// CHECK: scf.for
// CHECK: gpu.shuffle xor
// CHECK: scf.for
// CHECK-LABEL: gpu.func @layer_norm_bf16
// CHECK-NOT: workgroup
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// CHECK-COUNT-3: vector.load {{.*}} : memref<?x768xbf16>, vector<8xbf16>
// CHECK: gpu.shuffle xor
// CHECK-NOT: gpu.barrier
// CHECK: vector.store
// CHECK-LABEL: gpu.func @rms_norm_bf16
// CHECK-SAME: workgroup(%{{.*}} : memref<8xf32, #gpu.address_space<workgroup>>)
// CHECK-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK-COUNT-2: vector.load {{.*}} : memref<?x4096xbf16>, vector<8xbf16>
// CHECK: gpu.shuffle xor
// CHECK: gpu.barrier
// CHECK: math.rsqrt
// CHECK-COUNT-2: vector.store {{.*}} : memref<?x4096xbf16>, vector<8xbf16>
// CHECK-LABEL: gpu.func @activation_silu_bf16
// CHECK-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: vector.load {{.*}} {alignment = 16 : i64} : memref<?xbf16>, vector<8xbf16>
// CHECK: vector.store {{.*}} {alignment = 16 : i64} : memref<?xbf16>, vector<8xbf16>
// CHECK: scf.for

// PTX-LABEL: .entry embedding_bf16(
// PTX: ld.global.v4.b32
// PTX: st.global.v4.b32
// PTX-LABEL: .entry rope_half_bf16(
// PTX: ld.global.v4.b32
// PTX: st.global.v4.b32
// PTX-LABEL: .entry layer_norm_bf16(
// PTX: ld.global.v4.b32
// PTX: shfl.sync.bfly.b32
// PTX-NOT: bar.sync
// PTX: st.global.v4.b32
// PTX-LABEL: .entry rms_norm_bf16(
// PTX: ld.global.v4.b32
// PTX: shfl.sync.bfly.b32
// PTX: bar.sync
// PTX: st.global.v4.b32
// PTX-LABEL: .entry activation_silu_bf16(
// PTX: ld.global.v4.b32
// PTX: st.global.v4.b32
// PTX-NOT: .local

// PTXAS-NOT: {{[1-9][0-9]*}} bytes stack frame
// PTXAS-NOT: {{[1-9][0-9]*}} bytes spill
// PTXAS: Compiling entry function
// PTXAS-NOT: {{[1-9][0-9]*}} bytes stack frame
// PTXAS-NOT: {{[1-9][0-9]*}} bytes spill
