// RUN: tfm-opt %s --tfm-lower-to-gpu --canonicalize --split-input-file | FileCheck %s

// bf16, K a multiple of 8: at run time, M <= 4 streams the weight, more
// rows use the tensor-core GEMM (dynamic shared memory: a 4-stage ring of
// two 128x32 bf16 tiles).
// CHECK-LABEL: func.func @bf16_bias_gelu_residual
// CHECK: %[[FEW:.*]] = arith.cmpi ule, %{{.*}}, %c4 : index
// CHECK: scf.if %[[FEW]] {
// CHECK: tfm.kernel_launch @tfm_kernels::@linear_gemv grid(%c24, {{.*}}) block [128, 1, 1] shared 0 args({{.*}}, %c384, %c256 :
// CHECK: } else {
// CHECK: tfm.kernel_launch @tfm_kernels::@linear_mma_bf16 grid(%c3, {{.*}}) block [128, 1, 1] shared 65536 args
// CHECK: gpu.func @linear_gemv(
// CHECK: llvm.load {{.*}} invariant {alignment = 16 : i64} : !llvm.ptr<1> -> vector<8xbf16>
// CHECK: math.fma
// CHECK: gpu.shuffle xor
// CHECK: math.tanh
// CHECK: gpu.func @linear_mma_bf16(
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// CHECK: gpu.dynamic_shared_memory
// The prologue fills three stages, 16-byte copies zero-filled past the edges.
// CHECK: nvvm.cp.async.shared.global {{.*}}, 16, cache = cg, %{{.*}} : !llvm.ptr<3>, !llvm.ptr<1>, i32
// CHECK: nvvm.cp.async.commit.group
// CHECK: scf.for {{.*}} -> (f32, f32,
// CHECK: nvvm.cp.async.wait.group 2
// CHECK: gpu.barrier
// CHECK: nvvm.ldmatrix {{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, num = 4 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>}
// CHECK: nvvm.mma.sync {{.*}} {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// The epilogue on the accumulators: bias, activation, residual, bf16
// stores of column pairs.
// CHECK: scf.yield
// CHECK: llvm.load {{.*}} -> vector<2xbf16>
// CHECK: math.tanh
// CHECK: llvm.load {{.*}} -> vector<2xbf16>
// CHECK: llvm.store {{.*}} {alignment = 4 : i64} : vector<2xbf16>, !llvm.ptr<1>
func.func @bf16_bias_gelu_residual(%x: tensor<?x256xbf16>, %w: tensor<384x256xbf16>, %b: tensor<384xbf16>, %r: tensor<?x384xbf16>) -> tensor<?x384xbf16> {
  %y = tfm.linear %x, %w bias(%b : tensor<384xbf16>) act(gelu_tanh) residual(%r : tensor<?x384xbf16>) : tensor<?x256xbf16>, tensor<384x256xbf16>
  return %y : tensor<?x384xbf16>
}

// -----

// Gated (GLU): a block's 128 weight rows are the gate and up rows of 64
// output columns, so the grid covers N/64 column tiles; the activated gate
// multiplies the up projection.
// CHECK-LABEL: func.func @f16_swiglu
// CHECK: tfm.kernel_launch @tfm_kernels::@linear_mma_f16 grid(%c3, {{.*}})
// CHECK: gpu.func @linear_mma_f16(
// CHECK: nvvm.mma.sync {{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK: math.exp
// CHECK: arith.mulf
// CHECK: llvm.store {{.*}} : vector<2xf16>, !llvm.ptr<1>
func.func @f16_swiglu(%x: tensor<2x?x64xf16>, %w: tensor<384x64xf16>) -> tensor<2x?x192xf16> {
  %y = tfm.linear %x, %w act(silu) gated : tensor<2x?x64xf16>, tensor<384x64xf16>
  return %y : tensor<2x?x192xf16>
}

// -----

// K = 37: rows are not 16-byte aligned, so no cp.async and no weight
// streaming; the tiles are filled by element loads (8 warps of 64 x 32),
// and the odd N is stored column by column.
// CHECK-LABEL: func.func @bf16_ragged_k
// CHECK-NOT: scf.if
// CHECK: tfm.kernel_launch @tfm_kernels::@linear_mma_bf16 grid(%c1, {{.*}}) block [256, 1, 1] shared 65536
// CHECK-NOT: nvvm.cp.async
// CHECK: llvm.store {{.*}} {alignment = 2 : i64} : bf16, !llvm.ptr<3>
// CHECK: nvvm.mma.sync
// CHECK: llvm.store {{.*}} : vector<1xbf16>, !llvm.ptr<1>
func.func @bf16_ragged_k(%x: tensor<?x37xbf16>, %w: tensor<29x37xbf16>) -> tensor<?x29xbf16> {
  %y = tfm.linear %x, %w : tensor<?x37xbf16>, tensor<29x37xbf16>
  return %y : tensor<?x29xbf16>
}

// -----

// f32: the CUDA-core kernel, 8x8 fused multiply-adds per k from 16-byte
// shared-memory reads, the epilogue on 4-column runs.
// CHECK-LABEL: func.func @f32_bias_relu
// CHECK: tfm.kernel_launch @tfm_kernels::@linear_simt grid(%c1, {{.*}}) block [256, 1, 1] shared 0 args
// CHECK: gpu.func @linear_simt({{.*}}) workgroup(%{{.*}} : memref<4224xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK: scf.for
// CHECK-COUNT-64: math.fma
// CHECK: gpu.barrier
// CHECK: scf.yield
// CHECK: llvm.load {{.*}} -> vector<4xf32>
// CHECK: arith.maximumf
// CHECK: llvm.store {{.*}} {alignment = 16 : i64} : vector<4xf32>, !llvm.ptr<1>
func.func @f32_bias_relu(%x: tensor<?x64xf32>, %w: tensor<40x64xf32>, %b: tensor<40xf32>) -> tensor<?x40xf32> {
  %y = tfm.linear %x, %w bias(%b : tensor<40xf32>) act(relu) : tensor<?x64xf32>, tensor<40x64xf32>
  return %y : tensor<?x40xf32>
}
