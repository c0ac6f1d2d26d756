// RUN: tfm-opt %s --tfm-lower-to-linalg --cse --split-input-file | FileCheck %s
// RUN: tfm-opt %s --tfm-lower-to-linalg --split-input-file | FileCheck %s --check-prefix=TILES

// tfm.attention becomes a flash loop: batch, head and 64-row query blocks,
// then 64-row key blocks carrying the running max, sum and accumulator.
// No tensor ever spans both sequence lengths (4096x4096 here): the scores
// are a [rows, keys] tile of min(64, ...) by min(64, ...).
// TILES-NOT: 4096x4096

// CHECK-DAG: #[[$Q:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$KT:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$S:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @causal_gqa(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<1x8x4096x64xf32>, %[[K:[^:]*]]: tensor<1x2x4096x64xf32>, %[[V:[^:]*]]: tensor<1x2x4096x64xf32>
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C4096:.*]] = arith.constant 4096 : index
// CHECK-DAG: %[[GROUP:.*]] = arith.divui %c8, %c2 : index
// CHECK-DAG: %[[OUT:.*]] = tensor.empty() : tensor<1x8x4096x64xf32>
// CHECK: scf.for %[[B:[a-z0-9_]+]] = %{{.*}} iter_args(%{{.*}} = %[[OUT]])
// CHECK: scf.for %[[H:[a-z0-9_]+]] = %{{.*}} to %c8
// GQA: head h reads KV head h / (H / Hk), no copy of K or V.
// CHECK: %[[HK:.*]] = arith.divui %[[H]], %[[GROUP]] : index
// CHECK: scf.for %[[Q0:[a-z0-9_]+]] = %{{.*}} to %[[C4096]] step %[[C64]] iter_args(%[[OUTQ:.*]] =
// CHECK: %[[QLEFT:.*]] = arith.subi %[[C4096]], %[[Q0]]
// CHECK: %[[QS:.*]] = arith.minsi %[[C64]], %[[QLEFT]]
// CHECK: %[[P0:.*]] = arith.addi %{{.*}}, %[[Q0]]
// CHECK: %[[QT:.*]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[QS]], 64] {{.*}} to tensor<?x64xf32>
// Causal: the key loop stops at the block's last query position.
// CHECK: %[[PEND:.*]] = arith.addi %[[P0]], %[[QS]]
// CHECK: %[[KEND:.*]] = arith.minsi %[[C4096]], %[[PEND]]
// CHECK: %[[M0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?xf32>)
// CHECK: %[[L0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?xf32>)
// The accumulator is the output tile itself.
// CHECK: %[[ACCT:.*]] = tensor.extract_slice %[[OUTQ]][%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[QS]], 64]
// CHECK: %[[ACC0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[ACCT]] : tensor<?x64xf32>)
// CHECK: %[[LOOP:.*]]:3 = scf.for %[[K0:[a-z0-9_]+]] = %{{.*}} to %[[KEND]] step %[[C64]] iter_args(%[[M:.*]] = %[[M0]], %[[L:.*]] = %[[L0]], %[[ACC:.*]] = %[[ACC0]]) -> (tensor<?xf32>, tensor<?xf32>, tensor<?x64xf32>)
// CHECK: %[[KLEFT:.*]] = arith.subi %[[KEND]], %[[K0]]
// CHECK: %[[KS:.*]] = arith.minsi %[[C64]], %[[KLEFT]]
// CHECK: %[[KT:.*]] = tensor.extract_slice %[[K]][%[[B]], %[[HK]], %[[K0]], 0] [1, 1, %[[KS]], 64] {{.*}} to tensor<?x64xf32>
// CHECK: %[[VT:.*]] = tensor.extract_slice %[[V]][%[[B]], %[[HK]], %[[K0]], 0] [1, 1, %[[KS]], 64] {{.*}} to tensor<?x64xf32>
// S = Q·Kᵀ on a [rows, keys] tile.
// CHECK: %[[SE:.*]] = tensor.empty(%[[QS]], %[[KS]]) : tensor<?x?xf32>
// CHECK: %[[SZ:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[SE]] : tensor<?x?xf32>)
// CHECK: %[[S:.*]] = linalg.matmul indexing_maps = [#[[$Q]], #[[$KT]], #[[$S]]] ins(%[[QT]], %[[KT]] : tensor<?x64xf32>, tensor<?x64xf32>) outs(%[[SZ]] : tensor<?x?xf32>)
// Scale and the causal mask from the tile's indices.
// CHECK: %[[SM:.*]] = linalg.generic {{.*}} outs(%[[S]] : tensor<?x?xf32>)
// CHECK: arith.mulf
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[P:.*]] = arith.addi %[[P0]], %[[I]]
// CHECK: %[[JJ:.*]] = linalg.index 1
// CHECK: %[[J:.*]] = arith.addi %[[K0]], %[[JJ]]
// CHECK: %[[VIS:.*]] = arith.cmpi sle, %[[J]], %[[P]]
// CHECK: arith.select %[[VIS]]
// Online softmax: block max, new max and α = e^(m − m'), P, l, acc.
// CHECK: %[[BMAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[SM]] : tensor<?x?xf32>)
// CHECK: arith.maximumf
// CHECK: %[[UPD:.*]]:2 = linalg.generic {{.*}} ins(%[[BMAX]] : tensor<?xf32>) outs(%[[M]], %{{.*}} : tensor<?xf32>, tensor<?xf32>)
// CHECK: math.exp
// CHECK: %[[PT:.*]] = linalg.generic {{.*}} ins(%[[UPD]]#0 : tensor<?xf32>) outs(%[[SM]] : tensor<?x?xf32>)
// CHECK: math.exp
// CHECK: %[[LS:.*]] = linalg.generic {{.*}} ins(%[[UPD]]#1 : tensor<?xf32>) outs(%[[L]] : tensor<?xf32>)
// CHECK: %[[LN:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[PT]] : tensor<?x?xf32>) outs(%[[LS]] : tensor<?xf32>)
// CHECK: arith.addf
// CHECK: %[[AS:.*]] = linalg.generic {{.*}} ins(%[[UPD]]#1 : tensor<?xf32>) outs(%[[ACC]] : tensor<?x64xf32>)
// CHECK: %[[AN:.*]] = linalg.matmul ins(%[[PT]], %[[VT]] : tensor<?x?xf32>, tensor<?x64xf32>) outs(%[[AS]] : tensor<?x64xf32>)
// CHECK: scf.yield %[[UPD]]#0, %[[LN]], %[[AN]]
// out = acc / l, written into the output tile in place.
// CHECK: %[[NORM:.*]] = linalg.generic {{.*}} ins(%[[LOOP]]#1 : tensor<?xf32>) outs(%[[LOOP]]#2 : tensor<?x64xf32>)
// CHECK: arith.divf
// CHECK: tensor.insert_slice %[[NORM]] into %[[OUTQ]][%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[QS]], 64]
func.func @causal_gqa(%q: tensor<1x8x4096x64xf32>, %k: tensor<1x2x4096x64xf32>,
                      %v: tensor<1x2x4096x64xf32>) -> tensor<1x8x4096x64xf32> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <causal>
      : tensor<1x8x4096x64xf32>, tensor<1x2x4096x64xf32>, tensor<1x2x4096x64xf32>
  return %o : tensor<1x8x4096x64xf32>
}

// -----

// Window: the key loop starts at p_min − left and ends at p_max + right + 1,
// within kv_len[b]; with return_lse the running max lives in the lse tile.
// CHECK-LABEL: func.func @window_kv_len_lse(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<2x4x?x32xf32>, %[[K:[^:]*]]: tensor<2x4x?x32xf32>, %{{[^:]*}}: tensor<2x4x?x16xf32>, %[[LEN:[^:]*]]: tensor<2xi32>, %[[OFF:[^:]*]]: index
// CHECK-DAG: %[[LK:.*]] = tensor.dim %[[K]], %c2
// CHECK-DAG: %[[LQ:.*]] = tensor.dim %[[Q]], %c2
// CHECK: scf.for %[[B:[a-z0-9_]+]] = %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<2x4x?x16xf32>, tensor<2x4x?xf32>)
// CHECK: scf.for %[[H:[a-z0-9_]+]] =
// CHECK: scf.for %[[Q0:[a-z0-9_]+]] = %{{.*}} to %[[LQ]] step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %[[LSEQ:.*]] = %{{.*}})
// CHECK: %[[QS:.*]] = arith.minsi
// CHECK: %[[P0:.*]] = arith.addi %[[OFF]], %[[Q0]]
// CHECK: %[[LEN32:.*]] = tensor.extract %[[LEN]][%[[B]]] : tensor<2xi32>
// CHECK: %[[LENI:.*]] = arith.index_cast %[[LEN32]] : i32 to index
// CHECK: %[[KVEND:.*]] = arith.minsi %[[LK]], %[[LENI]]
// CHECK: %[[PEND:.*]] = arith.addi %[[P0]], %[[QS]]
// CHECK: %[[FIRST:.*]] = arith.subi %[[P0]], %c100
// CHECK: %[[KBEGIN:.*]] = arith.maxsi %c0, %[[FIRST]]
// CHECK: %[[LAST:.*]] = arith.addi %[[PEND]], %c2
// CHECK: %[[KEND:.*]] = arith.minsi %[[KVEND]], %[[LAST]]
// CHECK: %[[MT:.*]] = tensor.extract_slice %[[LSEQ]][%[[B]], %[[H]], %[[Q0]]] [1, 1, %[[QS]]] [1, 1, 1] : tensor<2x4x?xf32> to tensor<?xf32>
// CHECK: %[[M0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[MT]] : tensor<?xf32>)
// CHECK: %[[LOOP:.*]]:3 = scf.for %[[K0:[a-z0-9_]+]] = %[[KBEGIN]] to %[[KEND]] step %c64 iter_args(%{{.*}} = %[[M0]],
// CHECK: linalg.generic
// CHECK: %[[J:.*]] = arith.addi %[[K0]], %{{.*}}
// CHECK: arith.subi %[[P:.*]], %c100
// CHECK: arith.cmpi sge, %[[J]]
// CHECK: arith.addi %[[P]], %c2
// CHECK: arith.cmpi sle, %[[J]]
// CHECK: arith.andi
// CHECK: scf.yield
// lse = m + log l, in the lse tile the max lived in.
// CHECK: %[[LSE:.*]] = linalg.generic {{.*}} ins(%[[LOOP]]#1 : tensor<?xf32>) outs(%[[LOOP]]#0 : tensor<?xf32>)
// CHECK: math.log
// CHECK: tensor.insert_slice %[[LSE]] into %[[LSEQ]][%[[B]], %[[H]], %[[Q0]]] [1, 1, %[[QS]]]
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

// ALiBi: the head's slope is computed once per head, outside the tile loops;
// the tile adds slope·(j − p).
// CHECK-LABEL: func.func @alibi(
// CHECK: scf.for
// CHECK: scf.for %[[H:[a-z0-9_]+]] =
// CHECK: math.ctlz
// CHECK: arith.cmpi slt, %[[H]]
// CHECK: %[[SLOPE:.*]] = math.exp2
// CHECK: scf.for
// CHECK: scf.for
// CHECK: linalg.generic
// CHECK: %[[P:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: %[[J:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: %[[REL:.*]] = arith.subi %[[J]], %[[P]]
// CHECK: %[[RELI:.*]] = arith.index_cast %[[REL]]
// CHECK: %[[RELF:.*]] = arith.sitofp %[[RELI]]
// CHECK: %[[BIAS:.*]] = arith.mulf %[[SLOPE]], %[[RELF]]
// CHECK: arith.addf %{{.*}}, %[[BIAS]]
func.func @alibi(%q: tensor<1x6x?x32xf32>, %k: tensor<1x6x?x32xf32>,
                 %v: tensor<1x6x?x32xf32>) -> tensor<1x6x?x32xf32> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <causal> pos_bias <alibi>
      : tensor<1x6x?x32xf32>, tensor<1x6x?x32xf32>, tensor<1x6x?x32xf32>
  return %o : tensor<1x6x?x32xf32>
}

// -----

// T5 bias and URPE mult: the bucket of j − p is computed per tile element
// (integer compares against the precomputed log-bucket boundaries) and looks
// up the [buckets, H] tables; mult scales P after the sum l was taken, so
// only the numerator sees it. Block mask: the key loop covers the blocks of
// p_min..p_max.
// CHECK-LABEL: func.func @t5_urpe_block(
// CHECK-SAME: %[[TABLE:[^:]*]]: tensor<32x2xf32>, %[[MULT:[^:]*]]: tensor<32x2xf32>
// CHECK: scf.for
// CHECK: scf.for %[[H:[a-z0-9_]+]] =
// CHECK: scf.for %[[Q0:[a-z0-9_]+]] =
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
// CHECK: scf.for %{{.*}} = %[[KBEGIN]] to %[[KEND]]
// CHECK: linalg.generic
// CHECK: arith.cmpi sge, %{{.*}}, %c50
// CHECK: arith.addi
// CHECK-NEXT: %[[BUCKET:.*]] = arith.addi
// CHECK-NEXT: tensor.extract %[[TABLE]][%[[BUCKET]], %[[H]]] : tensor<32x2xf32>
// CHECK: arith.floordivsi
// CHECK: arith.cmpi eq
// CHECK: %[[PT:.*]] = linalg.generic {{.*}} ins(%{{.*}}#0 : tensor<?xf32>) outs(%{{.*}} : tensor<?x?xf32>)
// CHECK: math.exp
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[PT]] : tensor<?x?xf32>)
// CHECK: %[[PC:.*]] = linalg.generic {{.*}} outs(%[[PT]] : tensor<?x?xf32>)
// CHECK: arith.cmpi sge, %{{.*}}, %c50
// CHECK: arith.addi
// CHECK-NEXT: %[[MBUCKET:.*]] = arith.addi
// CHECK-NEXT: %[[C:.*]] = tensor.extract %[[MULT]][%[[MBUCKET]], %[[H]]] : tensor<32x2xf32>
// CHECK: arith.mulf %{{.*}}, %[[C]]
// CHECK: linalg.matmul ins(%[[PC]], %{{.*}} : tensor<?x?xf32>, tensor<?x16xf32>)
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

// Explicit bias: each key block reads its [rows, keys] tile of the dense
// bias; a batch dim that may be 1 picks index 0 at run time. Prefix mask:
// the key loop ends at max(p_max + 1, n).
// CHECK-LABEL: func.func @explicit_bias_prefix(
// CHECK-SAME: %[[BIAS:[^:]*]]: tensor<?x1x?x?xf32>
// CHECK: scf.for %[[B:[a-z0-9_]+]] =
// CHECK: scf.for
// CHECK: scf.for %[[Q0:[a-z0-9_]+]] =
// CHECK: %[[QS:.*]] = arith.minsi
// CHECK: %[[PEND:.*]] = arith.addi %{{.*}}, %[[QS]]
// CHECK: %[[REACH:.*]] = arith.maxsi %[[PEND]], %c8
// CHECK: %[[KEND:.*]] = arith.minsi %{{.*}}, %[[REACH]]
// CHECK: scf.for %[[K0:[a-z0-9_]+]] = %c0 to %[[KEND]] step %c64
// CHECK: %[[KS:.*]] = arith.minsi
// CHECK: %[[BD:.*]] = tensor.dim %[[BIAS]], %c0
// CHECK: %[[UNIT:.*]] = arith.cmpi eq, %[[BD]], %c1
// CHECK: %[[BB:.*]] = arith.select %[[UNIT]], %c0, %[[B]]
// CHECK: %[[BT:.*]] = tensor.extract_slice %[[BIAS]][%[[BB]], 0, %[[Q0]], %[[K0]]] [1, 1, %[[QS]], %[[KS]]] [1, 1, 1, 1] : tensor<?x1x?x?xf32> to tensor<?x?xf32>
// CHECK: linalg.generic {{.*}} ins(%[[BT]] : tensor<?x?xf32>)
// CHECK: arith.addf
// CHECK: arith.cmpi slt, %{{.*}}, %c8
// CHECK: arith.ori
func.func @explicit_bias_prefix(%q: tensor<?x3x?x16xf32>, %k: tensor<?x3x?x16xf32>,
                                %v: tensor<?x3x?x16xf32>, %bias: tensor<?x1x?x?xf32>)
    -> tensor<?x3x?x16xf32> {
  %o = tfm.attention %q, %k, %v scale 0.25 mask <prefix 8> pos_bias <explicit>
      bias(%bias : tensor<?x1x?x?xf32>)
      : tensor<?x3x?x16xf32>, tensor<?x3x?x16xf32>, tensor<?x3x?x16xf32>
  return %o : tensor<?x3x?x16xf32>
}
