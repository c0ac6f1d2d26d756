// RUN: tfm-opt %s --tfm-lower-to-linalg --cse --split-input-file | FileCheck %s
// RUN: tfm-opt %s --tfm-lower-to-linalg --split-input-file | FileCheck %s --check-prefix=TILES

// tfm.attention becomes a flash loop in register-tiled vector code: Kᵀ
// packed into 32-key panels once per KV head, then one scf.forall iteration
// per (batch, head, 64-row query block) whose key loop carries the running
// max, sum and accumulator. No tensor ever spans both sequence lengths
// (4096x4096 here): scores are a 64x64 tile.
// TILES-NOT: 4096x4096

// CHECK-LABEL: func.func @causal_gqa(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<1x8x4096x64xf32>, %[[K:[^:]*]]: tensor<1x2x4096x64xf32>, %[[V:[^:]*]]: tensor<1x2x4096x64xf32>
// CHECK-DAG: %[[GROUP:.*]] = arith.divui %c8, %c2 : index
// Kᵀ panels [B, Hk, key panels, d, 32], zero past the keys: a vector gather
// per panel row, the panels in parallel; none with fewer than 8 query rows.
// CHECK: %[[TILED:.*]] = arith.cmpi sge, %c4096, %c8
// CHECK: %[[PANELS:.*]] = arith.select %[[TILED]], %c128, %c0
// CHECK: %[[KP:.*]] = scf.forall (%{{.*}}) in (%{{.*}}) shared_outs(%{{.*}}) -> (tensor<1x2x?x64x32xf32>)
// CHECK: vector.gather %[[K]]
// CHECK: tensor.parallel_insert_slice
// CHECK: %[[OUT:.*]] = tensor.empty() : tensor<1x8x4096x64xf32>
// CHECK: %[[QBLOCKS:.*]] = arith.ceildivui %c4096, %c64
// One parallel iteration per (batch, head, query block), blocks of a head
// consecutive.
// CHECK: scf.forall (%[[IV:.*]]) in (%{{.*}}) shared_outs(%[[OUTS:.*]] = %[[OUT]]) -> (tensor<1x8x4096x64xf32>)
// CHECK: %[[BH:.*]] = arith.divui %[[IV]], %[[QBLOCKS]]
// CHECK: %[[B:.*]] = arith.divui %[[BH]], %c8
// CHECK: %[[H:.*]] = arith.remui %[[BH]], %c8
// GQA: head h reads KV head h / (H / Hk), no copy of K or V.
// CHECK: %[[HK:.*]] = arith.divui %[[H]], %[[GROUP]]
// CHECK: %[[QB:.*]] = arith.remui %[[IV]], %[[QBLOCKS]]
// CHECK: %[[Q0:.*]] = arith.muli %[[QB]], %c64
// CHECK: %[[KH:.*]] = tensor.extract_slice %[[KP]][%[[B]], %[[HK]], 0, 0, 0] [1, 1, %{{.*}}, 64, 32] {{.*}} to tensor<?x64x32xf32>
// CHECK: %[[QLEFT:.*]] = arith.subi %c4096, %[[Q0]]
// CHECK: %[[QS:.*]] = arith.minsi %c64, %[[QLEFT]]
// The scaled query rows, zero-padded to 64.
// CHECK: %[[QT:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<64x64xf32>)
// CHECK: tensor.extract %[[Q]][%[[B]], %[[H]],
// CHECK: arith.mulf %{{.*}}, %cst
// Causal: the key loop stops at the block's last query position.
// CHECK: %[[PEND:.*]] = arith.addi %{{.*}}, %[[QS]]
// CHECK: %[[KEND:.*]] = arith.minsi %c4096, %[[PEND]]
// CHECK: %[[LOOP:.*]]:6 = scf.for %[[K0:[a-z0-9_]+]] = %{{.*}} to %[[KEND]] step %c64 iter_args(%[[M:[a-z0-9_]+]] = %{{.*}}, %[[L:[a-z0-9_]+]] = %{{.*}}, %[[ACC:[a-z0-9_]+]] = %{{.*}}, %[[S:[a-z0-9_]+]] = %{{.*}}, %[[SUMS:[a-z0-9_]+]] = %{{.*}}, %[[ALPHA:[a-z0-9_]+]] = %{{.*}}) -> (tensor<64xf32>, vector<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>)
// S = Q'·Kᵀ in 8x32 register tiles (8 accumulators over the depth d) on
// the block's whole 8-row tiles, then 1x32 tiles on its last rows.
// CHECK: %[[SIF:.*]] = scf.if %[[TILED]] -> (tensor<64x64xf32>)
// CHECK: %[[REST:.*]] = arith.remui %[[QS]], %c8
// CHECK: %[[WHOLE:.*]] = arith.subi %[[QS]], %[[REST]]
// CHECK: %[[S8:.*]] = scf.for %{{.*}} = %c0 to %[[WHOLE]] step %c8 iter_args(%{{.*}} = %[[S]]) -> (tensor<64x64xf32>)
// CHECK: scf.for
// CHECK: %{{.*}}:8 = scf.for %[[X:.*]] = %c0 to %c64 step %c1 iter_args({{.*}}) -> (vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>)
// CHECK: %[[KROW:.*]] = vector.transfer_read %[[KH]][%{{.*}}, %[[X]], %c0], %{{.*}} {in_bounds = [true]} : tensor<?x64x32xf32>, vector<32xf32>
// CHECK: %[[QX:.*]] = tensor.extract %[[QT]][%{{.*}}, %[[X]]]
// CHECK: %[[QB:.*]] = vector.broadcast %[[QX]] : f32 to vector<32xf32>
// CHECK: vector.fma %[[QB]], %[[KROW]], %{{.*}} : vector<32xf32>
// CHECK-COUNT-7: vector.fma
// CHECK: vector.transfer_write {{.*}} {in_bounds = [true]} : vector<32xf32>, tensor<64x64xf32>
// CHECK: %[[SN:.*]] = scf.for %{{.*}} = %[[WHOLE]] to %[[QS]] step %c1 iter_args(%{{.*}} = %[[S8]]) -> (tensor<64x64xf32>)
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args(%{{.*}}) -> (vector<32xf32>)
// CHECK: vector.fma
// CHECK-NOT: vector.fma
// CHECK: vector.transfer_write
// CHECK: scf.yield %[[SN]]
// Fewer query rows than a tile: one dot product per score, with the K row
// read in place.
// CHECK: } else {
// CHECK: scf.for %[[DI:.*]] = %c0 to %[[QS]] step %c1
// CHECK: scf.for %[[DJ:.*]] = %c0 to
// CHECK: %[[DKEY:.*]] = arith.addi %[[K0]], %[[DJ]]
// CHECK: %{{.*}} = scf.for %[[DX:.*]] = %c0 to %c64 step %c64 iter_args(%{{.*}}) -> (vector<64xf32>)
// CHECK: %[[DQ:.*]] = vector.transfer_read %[[QT]][%[[DI]], %[[DX]]]
// CHECK: %[[DK:.*]] = vector.transfer_read %[[K]][%[[B]], %[[HK]], %[[DKEY]], %[[DX]]]
// CHECK: vector.fma %[[DQ]], %[[DK]], %{{.*}} : vector<64xf32>
// CHECK: %[[DOT:.*]] = vector.reduction <add>, %{{.*}} fastmath<reassoc>
// CHECK: tensor.insert %[[DOT]] into %{{.*}}[%[[DI]], %[[DJ]]]
// Per query row, a vector<64> of scores: the causal mask is one lane
// compare against the row's key interval, then max, exp and sum as vector
// ops.
// CHECK: %[[OLDM:.*]] = vector.transfer_read %[[M]][%c0]{{.*}} : tensor<64xf32>, vector<64xf32>
// CHECK: %[[ROWS:.*]]:3 = scf.for %[[I:.*]] = %c0 to %[[QS]] step %c1 iter_args(%{{.*}} = %[[SIF]], %{{.*}} = %[[M]], %{{.*}} = %[[SUMS]])
// CHECK: %[[SROW:.*]] = vector.transfer_read {{.*}} : tensor<64x64xf32>, vector<64xf32>
// CHECK: %[[REND:.*]] = arith.minsi %c4096,
// CHECK: %[[LANEEND:.*]] = arith.subi %[[REND]], %[[K0]]
// CHECK: %[[VIS:.*]] = arith.cmpi slt, %{{.*}}, %{{.*}} : vector<64xi32>
// CHECK: %[[MASKED:.*]] = arith.select %[[VIS]], %[[SROW]], %{{.*}} : vector<64xi1>, vector<64xf32>
// CHECK: vector.reduction <maxnumf>, %[[MASKED]] fastmath<nnan>
// CHECK: math.exp %{{.*}} : vector<64xf32>
// CHECK: vector.reduction <add>, %{{.*}} fastmath<reassoc>
// α = e^(m − m') and l = α·l + ΣP for all 64 rows at once.
// CHECK: %[[NEWM:.*]] = vector.transfer_read %[[ROWS]]#1[%c0]
// CHECK: %[[SHIFT:.*]] = arith.select %{{.*}}, %{{.*}}, %[[NEWM]]
// CHECK: %[[DM:.*]] = arith.subf %[[OLDM]], %[[SHIFT]] : vector<64xf32>
// CHECK: %[[A:.*]] = math.exp %[[DM]] : vector<64xf32>
// CHECK: %[[AT:.*]] = vector.transfer_write %[[A]], %[[ALPHA]][%c0]
// CHECK: %[[AL:.*]] = arith.mulf %[[A]], %[[L]] : vector<64xf32>
// CHECK: %[[LN:.*]] = arith.addf %[[AL]], %{{.*}} : vector<64xf32>
// acc = α ⊙ acc + P·V in 8x32 register tiles, V rows read in place.
// CHECK: %[[ACC8:.*]] = scf.for %{{.*}} step %c8 iter_args(%{{.*}} = %[[ACC]]) -> (tensor<64x64xf32>)
// CHECK: %[[OLD:.*]] = vector.transfer_read
// CHECK: %[[AR:.*]] = tensor.extract %[[AT]]
// CHECK: %[[AB:.*]] = vector.broadcast %[[AR]]
// CHECK: arith.mulf %[[OLD]], %[[AB]] : vector<32xf32>
// CHECK: %{{.*}}:8 = scf.for %[[J:.*]] = %c0 to %{{.*}} step %c1 iter_args
// CHECK: %[[KEY:.*]] = arith.addi %[[K0]], %[[J]]
// CHECK: %[[VROW:.*]] = vector.transfer_read %[[V]][%[[B]], %[[HK]], %[[KEY]], %{{.*}}], %{{.*}} : tensor<1x2x4096x64xf32>, vector<32xf32>
// CHECK: %[[PX:.*]] = tensor.extract %[[ROWS]]#0[%{{.*}}, %[[J]]]
// CHECK: %[[PB:.*]] = vector.broadcast %[[PX]]
// CHECK: vector.fma %[[PB]], %[[VROW]], %{{.*}} : vector<32xf32>
// CHECK: %[[ACCN:.*]] = scf.for %{{.*}} to %[[QS]] step %c1 iter_args(%{{.*}} = %[[ACC8]]) -> (tensor<64x64xf32>)
// CHECK: scf.yield %[[ROWS]]#1, %[[LN]], %[[ACCN]], %[[ROWS]]#0, %[[ROWS]]#2, %[[AT]]
// out = acc / l, written into the block's tile of the output, and inserted
// in parallel.
// CHECK: %[[OT:.*]] = tensor.extract_slice %[[OUTS]][%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[QS]], 64]
// CHECK: arith.divf %{{.*}}, %[[LOOP]]#1 : vector<64xf32>
// CHECK: %[[NORM:.*]] = scf.for %{{.*}} = %c0 to %[[QS]] step %c1 iter_args(%{{.*}} = %[[OT]])
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[NORM]] into %[[OUTS]][%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[QS]], 64]
func.func @causal_gqa(%q: tensor<1x8x4096x64xf32>, %k: tensor<1x2x4096x64xf32>,
                      %v: tensor<1x2x4096x64xf32>) -> tensor<1x8x4096x64xf32> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <causal>
      : tensor<1x8x4096x64xf32>, tensor<1x2x4096x64xf32>, tensor<1x2x4096x64xf32>
  return %o : tensor<1x8x4096x64xf32>
}

// -----

// Window: the key loop starts at the key block holding p_min − left and
// ends at p_max + right + 1, within kv_len[b]; each row masks the lanes
// outside [p − left, p + right + 1). With return_lse, lse = m + log l is
// written as a vector into the block's tile of the lse.
// CHECK-LABEL: func.func @window_kv_len_lse(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<2x4x?x32xf32>, %[[K:[^:]*]]: tensor<2x4x?x32xf32>, %{{[^:]*}}: tensor<2x4x?x16xf32>, %[[LEN:[^:]*]]: tensor<2xi32>, %[[OFF:[^:]*]]: index
// CHECK-DAG: %[[LQ:.*]] = tensor.dim %[[Q]], %c2
// CHECK-DAG: %[[LK:.*]] = tensor.dim %[[K]], %c2
// CHECK: scf.forall (%{{.*}}) in (%{{.*}}) shared_outs(%[[OUTS:.*]] = %{{.*}}, %[[LSES:.*]] = %{{.*}}) -> (tensor<2x4x?x16xf32>, tensor<2x4x?xf32>)
// CHECK: %[[BH:.*]] = arith.divui
// CHECK: %[[B:.*]] = arith.divui %[[BH]], %c4
// CHECK: %[[H:.*]] = arith.remui %[[BH]], %c4
// CHECK: %[[Q0:.*]] = arith.muli
// CHECK: %[[QS:.*]] = arith.minsi %c64,
// CHECK: %[[P0:.*]] = arith.addi %[[OFF]], %[[Q0]]
// CHECK: %[[LEN32:.*]] = tensor.extract %[[LEN]][%[[B]]] : tensor<2xi32>
// CHECK: %[[LENI:.*]] = arith.index_cast %[[LEN32]] : i32 to index
// CHECK: %[[KVEND:.*]] = arith.minsi %[[LK]], %[[LENI]]
// CHECK: %[[PEND:.*]] = arith.addi %[[P0]], %[[QS]]
// CHECK: %[[FIRST:.*]] = arith.subi %[[P0]], %c100
// CHECK: %[[KBEGIN:.*]] = arith.maxsi %c0, %[[FIRST]]
// CHECK: %[[LAST:.*]] = arith.addi %[[PEND]], %c2
// CHECK: %[[KEND:.*]] = arith.minsi %[[KVEND]], %[[LAST]]
// CHECK: %[[KB:.*]] = arith.divui %[[KBEGIN]], %c64
// CHECK: %[[KSTART:.*]] = arith.muli %[[KB]], %c64
// CHECK: %[[LOOP:.*]]:6 = scf.for %[[K0:[a-z0-9_]+]] = %[[KSTART]] to %[[KEND]] step %c64
// CHECK: scf.for %[[I:.*]] = %c0 to %[[QS]] step %c1
// CHECK: %[[P:.*]] = arith.addi %[[P0]], %[[I]]
// CHECK: %[[PNEXT:.*]] = arith.addi %[[P]], %c1
// CHECK: %[[RBEGIN:.*]] = arith.subi %[[P]], %c100
// CHECK: %[[RFIRST:.*]] = arith.maxsi %c0, %[[RBEGIN]]
// CHECK: %[[RLAST:.*]] = arith.addi %[[PNEXT]], %c2
// CHECK: %[[REND:.*]] = arith.minsi %[[KVEND]], %[[RLAST]]
// CHECK: arith.subi %[[REND]], %[[K0]]
// CHECK: %[[BEFORE:.*]] = arith.cmpi slt, %{{.*}}, %{{.*}} : vector<64xi32>
// CHECK: arith.subi %[[RFIRST]], %[[K0]]
// CHECK: %[[AFTER:.*]] = arith.cmpi sge, %{{.*}}, %{{.*}} : vector<64xi32>
// CHECK: %[[VIS:.*]] = arith.andi %[[BEFORE]], %[[AFTER]] : vector<64xi1>
// CHECK: arith.select %[[VIS]]
// CHECK: %[[MAX:.*]] = vector.transfer_read %[[LOOP]]#0[%c0]
// CHECK: %[[LOG:.*]] = math.log %[[LOOP]]#1 : vector<64xf32>
// CHECK: %[[LSE:.*]] = arith.addf %[[MAX]], %[[LOG]] : vector<64xf32>
// CHECK: %[[LT:.*]] = tensor.extract_slice %[[LSES]][%[[B]], %[[H]], %[[Q0]]] [1, 1, %[[QS]]] [1, 1, 1] : tensor<2x4x?xf32> to tensor<?xf32>
// CHECK: %[[LW:.*]] = vector.transfer_write %[[LSE]], %[[LT]][%c0] : vector<64xf32>, tensor<?xf32>
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[OUTS]][%[[B]], %[[H]], %[[Q0]], 0]
// CHECK: tensor.parallel_insert_slice %[[LW]] into %[[LSES]][%[[B]], %[[H]], %[[Q0]]] [1, 1, %[[QS]]]
func.func @window_kv_len_lse(%q: tensor<2x4x?x32xf32>, %k: tensor<2x4x?x32xf32>,
                             %v: tensor<2x4x?x16xf32>, %len: tensor<2xi32>,
                             %offset: index)
    -> (tensor<2x4x?x16xf32>, tensor<2x4x?xf32>) {
  %o, %lse = tfm.attention %q, %k, %v scale 0.125 mask <window 100, 2>
      kv_len(%len : tensor<2xi32>) q_offset(%offset) return_lse
      : tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>, tensor<2x4x?x16xf32>
  return %o, %lse : tensor<2x4x?x16xf32>, tensor<2x4x?xf32>
}

// -----

// ALiBi: the head's slope is computed once per query block, outside the
// key loop; each score row adds slope·(j − p) as a vector.
// CHECK-LABEL: func.func @alibi(
// CHECK: scf.forall {{.*}} -> (tensor<1x6x?x32xf32>)
// CHECK: %[[H:.*]] = arith.remui
// CHECK: math.ctlz
// CHECK: arith.cmpi slt, %[[H]]
// CHECK: %[[SLOPE:.*]] = math.exp2
// CHECK: scf.for %[[K0:[a-z0-9_]+]] =
// CHECK: scf.for %[[I:.*]] = %c0 to
// CHECK: %[[P:.*]] = arith.addi %{{.*}}, %[[I]] : index
// CHECK: %[[SROW:.*]] = vector.transfer_read
// CHECK: %[[PLANE:.*]] = arith.subi %[[P]], %[[K0]]
// CHECK: %[[PLANE32:.*]] = arith.index_cast %[[PLANE]] : index to i32
// CHECK: %[[PLANES:.*]] = vector.broadcast %[[PLANE32]] : i32 to vector<64xi32>
// CHECK: %[[REL:.*]] = arith.subi %{{.*}}, %[[PLANES]] : vector<64xi32>
// CHECK: %[[RELF:.*]] = arith.sitofp %[[REL]] : vector<64xi32> to vector<64xf32>
// CHECK: %[[SLOPES:.*]] = vector.broadcast %[[SLOPE]] : f32 to vector<64xf32>
// CHECK: %[[BIAS:.*]] = arith.mulf %[[SLOPES]], %[[RELF]]
// CHECK: arith.addf %[[SROW]], %[[BIAS]] : vector<64xf32>
func.func @alibi(%q: tensor<1x6x?x32xf32>, %k: tensor<1x6x?x32xf32>,
                 %v: tensor<1x6x?x32xf32>) -> tensor<1x6x?x32xf32> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <causal> pos_bias <alibi>
      : tensor<1x6x?x32xf32>, tensor<1x6x?x32xf32>, tensor<1x6x?x32xf32>
  return %o : tensor<1x6x?x32xf32>
}

// -----

// T5 bias and URPE mult: the bucket of j − p is computed per tile element
// (integer compares against the precomputed log-bucket boundaries) and looks
// up the [buckets, H] tables; mult scales P after the row sums were taken,
// so only the numerator sees it. Block mask: the key loop covers the blocks
// of p_min..p_max.
// CHECK-LABEL: func.func @t5_urpe_block(
// CHECK-SAME: %[[TABLE:[^:]*]]: tensor<32x2xf32>, %[[MULT:[^:]*]]: tensor<32x2xf32>
// CHECK: scf.forall {{.*}} -> (tensor<1x2x?x16xf32>)
// CHECK: %[[H:.*]] = arith.remui
// CHECK: %[[Q0:.*]] = arith.muli
// CHECK: %[[QS:.*]] = arith.minsi
// CHECK: %[[P0:.*]] = arith.addi %{{.*}}, %[[Q0]]
// CHECK: %[[PEND:.*]] = arith.addi %[[P0]], %[[QS]] : index
// CHECK: %[[FB:.*]] = arith.floordivsi %[[P0]], %c16
// CHECK: %[[BEGIN:.*]] = arith.muli %[[FB]], %c16
// CHECK: %[[PMAX:.*]] = arith.subi %[[PEND]], %c1
// CHECK: %[[LB:.*]] = arith.floordivsi %[[PMAX]], %c16
// CHECK: %[[KBEGIN:.*]] = arith.maxsi %c0, %[[BEGIN]]
// CHECK: %[[NEXT:.*]] = arith.addi %[[LB]], %c1
// CHECK: %[[END:.*]] = arith.muli %[[NEXT]], %c16
// CHECK: %[[KEND:.*]] = arith.minsi %{{.*}}, %[[END]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[KEND]]
// CHECK: vector.fma
// CHECK: %[[ST:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<64x64xf32>)
// CHECK: arith.cmpi sge, %{{.*}}, %c50
// CHECK: arith.addi
// CHECK-NEXT: %[[BUCKET:.*]] = arith.addi
// CHECK-NEXT: %[[BIAS:.*]] = tensor.extract %[[TABLE]][%[[BUCKET]], %[[H]]] : tensor<32x2xf32>
// CHECK: arith.addf %{{.*}}, %[[BIAS]]
// CHECK: %[[ROWS:.*]]:3 = scf.for %{{.*}} iter_args(%[[SI:.*]] = %[[ST]],
// CHECK: vector.transfer_read %[[SI]]
// CHECK: arith.floordivsi
// CHECK: vector.reduction <add>
// CHECK: %[[PC:.*]] = linalg.generic {{.*}} outs(%[[ROWS]]#0 : tensor<64x64xf32>)
// CHECK: arith.cmpi sge, %{{.*}}, %c50
// CHECK: arith.addi
// CHECK-NEXT: %[[MBUCKET:.*]] = arith.addi
// CHECK-NEXT: %[[C:.*]] = tensor.extract %[[MULT]][%[[MBUCKET]], %[[H]]] : tensor<32x2xf32>
// CHECK: arith.mulf %{{.*}}, %[[C]]
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract %[[PC]]
// CHECK: vector.fma
func.func @t5_urpe_block(%q: tensor<1x2x?x16xf32>, %k: tensor<1x2x?x16xf32>,
                         %v: tensor<1x2x?x16xf32>, %table: tensor<32x2xf32>,
                         %mult: tensor<32x2xf32>) -> tensor<1x2x?x16xf32> {
  %o = tfm.attention %q, %k, %v scale 0.25 mask <block 16>
      pos_bias <t5 buckets 32, max_distance 64, bidirectional>
      bias(%table : tensor<32x2xf32>) mult(%mult : tensor<32x2xf32>)
      : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>
  return %o : tensor<1x2x?x16xf32>
}

// -----

// Explicit bias: each score row adds a vector read of its bias row (lanes
// past Lk read 0); a batch dim that may be 1 picks index 0 at run time.
// Prefix mask: the key loop ends at max(p_max + 1, n), each row at
// max(p + 1, n).
// CHECK-LABEL: func.func @explicit_bias_prefix(
// CHECK-SAME: %[[BIAS:[^:]*]]: tensor<?x1x?x?xf32>
// CHECK: scf.forall {{.*}} -> (tensor<?x3x?x16xf32>)
// CHECK: %[[BH:.*]] = arith.divui
// CHECK: %[[B:.*]] = arith.divui %[[BH]], %c3
// CHECK: %[[Q0:.*]] = arith.muli
// CHECK: %[[QS:.*]] = arith.minsi
// CHECK: %[[PEND:.*]] = arith.addi %{{.*}}, %[[QS]]
// CHECK: %[[REACH:.*]] = arith.maxsi %[[PEND]], %c8
// CHECK: %[[KEND:.*]] = arith.minsi %{{.*}}, %[[REACH]]
// CHECK: scf.for %[[K0:[a-z0-9_]+]] = %{{.*}} to %[[KEND]] step %c64
// CHECK: %{{.*}}:3 = scf.for %[[I:.*]] = %c0 to %[[QS]] step %c1
// CHECK: %[[SROW:.*]] = vector.transfer_read
// CHECK: %[[BD:.*]] = tensor.dim %[[BIAS]], %c0
// CHECK: %[[UNIT:.*]] = arith.cmpi eq, %[[BD]], %c1
// CHECK: %[[BB:.*]] = arith.select %[[UNIT]], %c0, %[[B]]
// CHECK: %[[ROW:.*]] = arith.addi %[[Q0]], %[[I]]
// CHECK: %[[BROW:.*]] = vector.transfer_read %[[BIAS]][%[[BB]], %c0, %[[ROW]], %[[K0]]], %{{.*}} : tensor<?x1x?x?xf32>, vector<64xf32>
// CHECK: arith.addf %[[SROW]], %[[BROW]] : vector<64xf32>
// CHECK: %[[RREACH:.*]] = arith.maxsi %{{.*}}, %c8
// CHECK: arith.minsi %{{.*}}, %[[RREACH]]
// CHECK: arith.cmpi slt, %{{.*}}, %{{.*}} : vector<64xi32>
// CHECK-NOT: arith.cmpi sge, %{{.*}} : vector<64xi32>
// CHECK: arith.select
func.func @explicit_bias_prefix(%q: tensor<?x3x?x16xf32>, %k: tensor<?x3x?x16xf32>,
                                %v: tensor<?x3x?x16xf32>, %bias: tensor<?x1x?x?xf32>)
    -> tensor<?x3x?x16xf32> {
  %o = tfm.attention %q, %k, %v scale 0.25 mask <prefix 8> pos_bias <explicit>
      bias(%bias : tensor<?x1x?x?xf32>)
      : tensor<?x3x?x16xf32>, tensor<?x3x?x16xf32>, tensor<?x3x?x16xf32>
  return %o : tensor<?x3x?x16xf32>
}
