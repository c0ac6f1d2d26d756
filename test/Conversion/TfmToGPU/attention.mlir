// RUN: tfm-opt %s --tfm-lower-to-gpu --canonicalize --cse --split-input-file | FileCheck %s
// RUN: tfm-opt %s --tfm-lower-to-gpu --split-input-file | FileCheck %s --check-prefix=BUFFERS
// RUN: tfmc %s --target=cuda --emit=ptx -o %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90 -v %t.ptx -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTXAS %}

// tfm.attention on CUDA: bf16/f16 flash attention on tensor cores, an f32
// CUDA-core flash kernel for the other variants, and split-KV decoding
// whose last block per KV head combines the splits. No buffer spans both
// sequence lengths (4096x4096 here).
// BUFFERS-NOT: 4096x4096
// In the PTX, tensor cores, cp.async and ldmatrix (V transposed), the SFU's
// ex2, quad shuffles; nothing in local memory, and ptxas spills nothing.
// PTX-NOT: .local
// PTX-DAG: .entry attention_mma_bf16_d128_dv128(
// PTX-DAG: .entry attention_mma_f16_d64_dv64(
// PTX-DAG: .entry attention_simt(
// PTX-DAG: .entry attention_decode(
// PTX-DAG: .global .align 4 .b8 attention_decode_counters[4224];
// PTX-DAG: atom.global.add.u32
// PTX-DAG: fence.acq_rel.gpu
// PTX-DAG: ld.volatile.global.v4.b32
// PTX-DAG: cp.async.cg.shared.global
// PTX-DAG: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX-DAG: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// PTX-DAG: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX-DAG: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX-DAG: ex2.approx.f32
// PTX-DAG: shfl.sync.bfly.b32
// PTX-DAG: .minnctapersm 4
// PTXAS-NOT: {{[1-9][0-9]*}} bytes spill

// bf16, causal, GQA 8/2, d = 128: one block of 4 warps per (128 query rows,
// head, batch), each warp two m16 tiles; Q and two stages of (K, V) tiles
// in dynamic shared memory, rows padded by 16 bytes.
// CHECK-LABEL: func.func @causal_gqa_bf16(
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 16 : i64} : memref<2x8x4096x128xbf16>
// CHECK: tfm.kernel_launch @tfm_kernels::@attention_mma_bf16_d128_dv128 grid(%c32, %c8, %c2) block [128, 1, 1] shared 104448 args({{.*}}, %c0, %[[OUT]] :
// CHECK: gpu.func @attention_mma_bf16_d128_dv128(
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// The last query tiles (causal: the longest rows) start first.
// CHECK: %[[TILES:.*]] = gpu.grid_dim x
// CHECK: %[[BX:.*]] = gpu.block_id x
// CHECK: %[[HEAD:.*]] = gpu.block_id y
// GQA: query head h reads KV head h / 4 in place.
// CHECK: %[[H:.*]] = arith.index_cast %[[HEAD]] : index to i32
// CHECK: arith.divui %[[H]], %c4_i32 : i32
// CHECK: gpu.dynamic_shared_memory
// Q, then the first (K, V) tile: 16-byte copies, zero-filled past the rows.
// CHECK: nvvm.cp.async.shared.global {{.*}}, 16, cache = cg, %{{.*}} : !llvm.ptr<3>, !llvm.ptr<1>, i32
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.wait.group 1
// CHECK: gpu.barrier
// The key loop carries O, the row maxima and sums; causal: it stops at the
// block's last row.
// CHECK: scf.for {{.*}} -> (f32, f32,
// The next tile is copied while this one is computed.
// CHECK: scf.if
// CHECK: nvvm.cp.async.shared.global
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.wait.group 1
// CHECK: gpu.barrier
// S = Q·Kᵀ: Q's fragments from shared memory, K's by ldmatrix.
// CHECK: nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<row>
// CHECK: nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>
// Tiles crossed by the diagonal are masked from indices.
// CHECK: scf.if %{{.*}} -> (f32,
// CHECK: arith.select
// Online softmax: the row max over the quad, weights by ex2.
// CHECK: gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK: gpu.shuffle xor %{{.*}}, %c2_i32, %c32_i32 : f32
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.f32"
// P (to bf16 pairs) times V, V's fragments transposed by ldmatrix.
// CHECK: llvm.fptrunc {{.*}} : f32 to bf16
// CHECK: nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<col>
// CHECK: nvvm.mma.sync
// CHECK: gpu.barrier
// CHECK: scf.yield
// out = O / l, bf16 pairs.
// CHECK: nvvm.cp.async.wait.group 0
// CHECK: arith.divf
// CHECK: llvm.store {{.*}} {alignment = 4 : i64} : i32, !llvm.ptr<1>
func.func @causal_gqa_bf16(%q: tensor<2x8x4096x128xbf16>, %k: tensor<2x2x4096x128xbf16>,
                           %v: tensor<2x2x4096x128xbf16>) -> tensor<2x8x4096x128xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.08838834764831845 mask <causal>
      : tensor<2x8x4096x128xbf16>, tensor<2x2x4096x128xbf16>, tensor<2x2x4096x128xbf16>
  return %o : tensor<2x8x4096x128xbf16>
}

// -----

// f16, window, log-sum-exp, dynamic length: the grid follows Lq; f16
// fragments are vector<2xf16>; lse from the quad's first lane.
// CHECK-LABEL: func.func @window_lse_f16(
// CHECK: %[[L:.*]] = tensor.dim %{{.*}}, %c2 : tensor<1x4x?x64xf16>
// CHECK: %[[OUT:.*]] = memref.alloc(%[[L]]) {alignment = 16 : i64} : memref<1x4x?x64xf16>
// CHECK: %[[LSE:.*]] = memref.alloc(%[[L]]) {alignment = 16 : i64} : memref<1x4x?xf32>
// CHECK: %[[TILES:.*]] = arith.ceildivui %[[L]], %c128 : index
// CHECK: tfm.kernel_launch @tfm_kernels::@attention_mma_f16_d64_dv64 grid(%[[TILES]], %c4, %c1) block [128, 1, 1] shared {{[0-9]+}} args({{.*}}, %[[OUT]], %[[LSE]] :
// CHECK: gpu.func @attention_mma_f16_d64_dv64(
// CHECK: nvvm.mma.sync {{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK: llvm.call_intrinsic "llvm.nvvm.lg2.approx.f"
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] : memref<1x4x?xf32>
func.func @window_lse_f16(%q: tensor<1x4x?x64xf16>, %k: tensor<1x4x?x64xf16>,
                          %v: tensor<1x4x?x64xf16>)
    -> (tensor<1x4x?x64xf16>, tensor<1x4x?xf32>) {
  %o, %lse = tfm.attention %q, %k, %v scale 0.125 mask <window 128, 0> return_lse
      : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>
  return %o, %lse : tensor<1x4x?x64xf16>, tensor<1x4x?xf32>
}

// -----

// f32 storage, T5 bias, dynamic head dims: the CUDA-core kernel, Q/K/P/V
// tiles in static shared memory, one block per (32 rows, head, batch and
// 64 columns of dv); the T5 table is read per score.
// CHECK-LABEL: func.func @t5_f32(
// CHECK: %[[DV:.*]] = tensor.dim %{{.*}}, %c3 : tensor<1x2x?x?xf32>
// CHECK: %[[CHUNKS:.*]] = arith.ceildivui %[[DV]], %c64 : index
// CHECK: tfm.kernel_launch @tfm_kernels::@attention_simt grid(%{{.*}}, %c2, %[[CHUNKS]]) block [128, 1, 1] shared 0
// CHECK: gpu.func @attention_simt(
// CHECK-SAME: workgroup(%{{.*}} : memref<32x33xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x33xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x33xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x65xf32, #gpu.address_space<workgroup>>)
// CHECK-NOT: nvvm.mma.sync
// CHECK: scf.for
// CHECK: scf.for
// CHECK: llvm.intr.fma
// CHECK: memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<32x2xf32>
// CHECK: gpu.shuffle xor
func.func @t5_f32(%q: tensor<1x2x?x?xf32>, %k: tensor<1x2x?x?xf32>,
                  %v: tensor<1x2x?x?xf32>, %table: tensor<32x2xf32>)
    -> tensor<1x2x?x?xf32> {
  %o = tfm.attention %q, %k, %v scale 0.25
      pos_bias <t5 buckets 32, max_distance 128, bidirectional>
      bias(%table : tensor<32x2xf32>)
      : tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>
  return %o : tensor<1x2x?x?xf32>
}

// -----

// Decoding (one query, GQA 32/8, bf16, d = 128): the KV length is split
// across blocks (two waves of 132 SMs), each folding its keys for the 4
// query heads of a KV head into partials (m, l, acc) with 16-byte loads;
// one kernel: the last block of a KV head to count itself in (a counter
// per (batch, KV head) in a module global) merges the partials of its rows
// (volatile loads: other blocks wrote them); one split writes the output.
// CHECK-LABEL: func.func @decode_bf16(
// CHECK: %[[LK:.*]] = tensor.dim %{{.*}}, %c2 : tensor<4x8x?x128xbf16>
// At most 2·132·4 / 32 splits, of whole key-loop steps (32 keys).
// CHECK: arith.minui %{{.*}}, %c33 : index
// CHECK: %[[CHUNK:.*]] = arith.muli %{{.*}}, %c32 : index
// CHECK-NEXT: %[[SPLITS:.*]] = arith.ceildivui %{{.*}}, %[[CHUNK]] : index
// CHECK-NEXT: memref.alloc(%[[SPLITS]]) {alignment = 16 : i64} : memref<128x?xf32>
// CHECK: memref.alloc(%[[SPLITS]]) {alignment = 16 : i64} : memref<128x?x128xf32>
// CHECK: tfm.kernel_launch @tfm_kernels::@attention_decode grid(%[[SPLITS]], %c8, %c4) block [128, 1, 1] shared 16640 args({{.*}}, %[[CHUNK]] :
// CHECK-NOT: tfm.kernel_launch
// CHECK: llvm.mlir.global internal @attention_decode_counters() {addr_space = 1 : i32, alignment = 4 : i64} : !llvm.array<1056 x i32>
// CHECK: gpu.func @attention_decode(
// CHECK-SAME: nvvm.minctasm = 4 : i32
// CHECK: %[[COUNTERS:.*]] = llvm.mlir.addressof @attention_decode_counters
// CHECK: scf.for
// CHECK: llvm.load {{.*}} invariant {alignment = 16 : i64} : !llvm.ptr<1> -> vector<8xbf16>
// CHECK: gpu.shuffle xor %{{.*}}, %c8_i32, %c32_i32 : f32
// CHECK: gpu.barrier
// CHECK: gpu.grid_dim x
// CHECK: llvm.fence syncscope("device") acq_rel
// CHECK-NEXT: gpu.barrier
// CHECK: %[[COUNTER:.*]] = llvm.getelementptr %[[COUNTERS]]
// CHECK: llvm.atomicrmw add %[[COUNTER]], %{{.*}} syncscope("device") acq_rel
// CHECK: gpu.barrier
// CHECK: llvm.fence syncscope("device") acq_rel
// CHECK: llvm.load volatile {{.*}} : !llvm.ptr<1> -> vector<4xf32>
func.func @decode_bf16(%q: tensor<4x32x1x128xbf16>, %k: tensor<4x8x?x128xbf16>,
                       %v: tensor<4x8x?x128xbf16>) -> tensor<4x32x1x128xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.08838834764831845
      : tensor<4x32x1x128xbf16>, tensor<4x8x?x128xbf16>, tensor<4x8x?x128xbf16>
  return %o : tensor<4x32x1x128xbf16>
}
