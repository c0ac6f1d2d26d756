// RUN: tfm-opt %s --tfm-lower-to-linalg --cse --split-input-file | FileCheck %s

// tfm.selective_scan becomes one scf.forall over (batch, group, 64-channel
// block); each block walks L sequentially in chunks of 256 steps, carrying
// its f32 state as [N, width] through both loops. A step is one generic
// over (n, d) that updates the state and reduces y_t = C_t·h_t over n. The
// block's last state is written into the final-state result.

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[$TR:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @scan_all(
// CHECK-SAME: %[[U:[^:]*]]: tensor<2x64x?xf32>, %[[DT:[^:]*]]: tensor<2x64x?xf32>, %[[A:[^:]*]]: tensor<64x16xf32>, %[[B:[^:]*]]: tensor<2x2x16x?xf32>, %[[C:[^:]*]]: tensor<2x2x16x?xf32>, %[[D:[^:]*]]: tensor<64xf32>, %[[Z:[^:]*]]: tensor<2x64x?xf32>, %[[BIAS:[^:]*]]: tensor<64xf32>, %[[H0:[^:]*]]: tensor<2x64x16xf32>)
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[L:.*]] = tensor.dim %[[U]], %[[C2]]
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[AT:.*]] = linalg.transpose ins(%[[A]] : tensor<64x16xf32>) outs(%{{.*}} : tensor<16x64xf32>)
// Groups: channel d reads group d / (D / G).
// CHECK: %[[GROUPSIZE:.*]] = arith.divui %[[C64]], %[[C2]] : index
// CHECK: %[[BLOCKSPERGROUP:.*]] = arith.ceildivui %[[GROUPSIZE]], %[[C64]]
// CHECK: %[[BLOCKSPERBATCH:.*]] = arith.muli %[[C2]], %[[BLOCKSPERGROUP]]
// CHECK: %[[BLOCKS:.*]] = arith.muli %[[C2]], %[[BLOCKSPERBATCH]]
// CHECK: %[[Y0:.*]] = tensor.empty(%[[L]]) : tensor<2x64x?xf32>
// CHECK: %[[HLAST0:.*]] = tensor.empty() : tensor<2x64x16xf32>
// CHECK: %[[LOOP:.*]]:2 = scf.forall (%[[I:.*]]) in (%[[BLOCKS]]) shared_outs(%[[YS:.*]] = %[[Y0]], %[[HS:.*]] = %[[HLAST0]]) -> (tensor<2x64x?xf32>, tensor<2x64x16xf32>)
// CHECK: %[[BATCH:.*]] = arith.divui %[[I]], %[[BLOCKSPERBATCH]]
// CHECK: %[[INBATCH:.*]] = arith.remui %[[I]], %[[BLOCKSPERBATCH]]
// CHECK: %[[GROUP:.*]] = arith.divui %[[INBATCH]], %[[BLOCKSPERGROUP]]
// CHECK: %[[BLOCK:.*]] = arith.remui %[[INBATCH]], %[[BLOCKSPERGROUP]]
// CHECK: %[[OFFSET:.*]] = arith.muli %[[BLOCK]], %[[C64]]
// CHECK: %[[GROUPSTART:.*]] = arith.muli %[[GROUP]], %[[GROUPSIZE]]
// CHECK: %[[FIRST:.*]] = arith.addi %[[GROUPSTART]], %[[OFFSET]]
// CHECK: %[[REST:.*]] = arith.subi %[[GROUPSIZE]], %[[OFFSET]]
// CHECK: %[[WIDTH:.*]] = arith.minsi %[[C64]], %[[REST]]
// The iteration owns its block's rows of y and of the final state.
// CHECK: %[[YB:.*]] = tensor.extract_slice %[[YS]][%[[BATCH]], %[[FIRST]], 0] [1, %[[WIDTH]], %[[L]]] [1, 1, 1] : tensor<2x64x?xf32> to tensor<?x?xf32>
// CHECK: %[[HB:.*]] = tensor.extract_slice %[[HS]][%[[BATCH]], %[[FIRST]], 0] [1, %[[WIDTH]], 16] [1, 1, 1] : tensor<2x64x16xf32> to tensor<?x16xf32>
// The state starts from initial_state, transposed to [N, width].
// CHECK: %[[H0ROWS:.*]] = tensor.extract_slice %[[H0]][%[[BATCH]], %[[FIRST]], 0] [1, %[[WIDTH]], 16] [1, 1, 1] : tensor<2x64x16xf32> to tensor<?x16xf32>
// CHECK: %[[HINIT:.*]] = linalg.transpose ins(%[[H0ROWS]] : tensor<?x16xf32>) outs(%{{.*}} : tensor<16x?xf32>)
// CHECK: %[[ABLOCK:.*]] = tensor.extract_slice %[[AT]][0, %[[FIRST]]] [16, %[[WIDTH]]] [1, 1] : tensor<16x64xf32> to tensor<16x?xf32>
// The sequential L loop, in chunks, carries the state.
// CHECK: %[[CHUNKS:.*]]:2 = scf.for %[[START:[a-z0-9_]+]] = %{{.*}} to %[[L]] step %[[C256:[a-z0-9_]+]] iter_args(%[[HC:.*]] = %[[HINIT]], %[[YC:.*]] = %[[YB]]) -> (tensor<16x?xf32>, tensor<?x?xf32>)
// CHECK: %[[LEFT:.*]] = arith.subi %[[L]], %[[START]]
// CHECK: %[[STEPS:.*]] = arith.minsi %[[C256]], %[[LEFT]]
// CHECK: %[[SCRATCH:.*]] = tensor.empty(%[[STEPS]], %[[WIDTH]]) : tensor<?x?xf32>
// Δ = softplus(delta + delta_bias) and Δ·u, read along rows, stored [steps, width].
// CHECK: %[[DTROWS:.*]] = tensor.extract_slice %[[DT]][%[[BATCH]], %[[FIRST]], %[[START]]] [1, %[[WIDTH]], %[[STEPS]]]
// CHECK: %[[UROWS:.*]] = tensor.extract_slice %[[U]][%[[BATCH]], %[[FIRST]], %[[START]]] [1, %[[WIDTH]], %[[STEPS]]]
// CHECK: %[[BIASB:.*]] = tensor.extract_slice %[[BIAS]][%[[FIRST]]] [%[[WIDTH]]]
// CHECK: %[[DISC:.*]]:2 = linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]], #[[$ROW]], #[[$TR]], #[[$TR]]], iterator_types = ["parallel", "parallel"]} ins(%[[DTROWS]], %[[UROWS]], %[[BIASB]] : {{.*}}) outs(%[[SCRATCH]], %[[SCRATCH]] : {{.*}})
// CHECK: %[[BIASED:.*]] = arith.addf
// CHECK: math.log1p
// CHECK: %[[SOFTPLUS:.*]] = arith.addf
// CHECK: %[[DU:.*]] = arith.mulf %[[SOFTPLUS]],
// CHECK: linalg.yield %[[SOFTPLUS]], %[[DU]]
// One step: the state and y_t in one generic, n (the reduction) outside d.
// CHECK: %[[STEPLOOP:.*]]:2 = scf.for %[[T:[a-z0-9_]+]] = %{{.*}} to %[[STEPS]] step %{{.*}} iter_args(%[[H:.*]] = %[[HC]], %[[YT:.*]] = %[[SCRATCH]]) -> (tensor<16x?xf32>, tensor<?x?xf32>)
// CHECK: %[[TIME:.*]] = arith.addi %[[START]], %[[T]]
// CHECK: %[[YROW:.*]] = tensor.extract_slice %[[YT]][%[[T]], 0] [1, %[[WIDTH]]]
// CHECK: %[[YZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[YROW]] : tensor<?xf32>)
// CHECK: %[[DTT:.*]] = tensor.extract_slice %[[DISC]]#0[%[[T]], 0] [1, %[[WIDTH]]]
// CHECK: %[[DUT:.*]] = tensor.extract_slice %[[DISC]]#1[%[[T]], 0] [1, %[[WIDTH]]]
// CHECK: %[[BT:.*]] = tensor.extract_slice %[[B]][%[[BATCH]], %[[GROUP]], 0, %[[TIME]]] [1, 1, 16, 1] [1, 1, 1, 1] : tensor<2x2x16x?xf32> to tensor<16xf32>
// CHECK: %[[CT:.*]] = tensor.extract_slice %[[C]][%[[BATCH]], %[[GROUP]], 0, %[[TIME]]] [1, 1, 16, 1] [1, 1, 1, 1] : tensor<2x2x16x?xf32> to tensor<16xf32>
// CHECK: %[[STEP:.*]]:2 = linalg.generic {indexing_maps = [#[[$COL]], #[[$COL]], #[[$ID]], #[[$ROW]], #[[$ROW]], #[[$ID]], #[[$COL]]], iterator_types = ["reduction", "parallel"]} ins(%[[DTT]], %[[DUT]], %[[ABLOCK]], %[[BT]], %[[CT]] : {{.*}}) outs(%[[H]], %[[YZERO]] : tensor<16x?xf32>, tensor<?xf32>)
// CHECK-NEXT: ^bb0(%[[DTV:.*]]: f32, %[[DUV:.*]]: f32, %[[AV:.*]]: f32, %[[BV:.*]]: f32, %[[CV:.*]]: f32, %[[HV:.*]]: f32, %[[YV:.*]]: f32):
// CHECK-NEXT: %[[DTA:.*]] = arith.mulf %[[DTV]], %[[AV]]
// CHECK-NEXT: %[[DECAY:.*]] = math.exp %[[DTA]]
// CHECK-NEXT: %[[OLD:.*]] = arith.mulf %[[DECAY]], %[[HV]]
// CHECK-NEXT: %[[INPUT:.*]] = arith.mulf %[[DUV]], %[[BV]]
// CHECK-NEXT: %[[NEW:.*]] = arith.addf %[[OLD]], %[[INPUT]]
// CHECK-NEXT: %[[CH:.*]] = arith.mulf %[[CV]], %[[NEW]]
// CHECK-NEXT: %[[ACC:.*]] = arith.addf %[[YV]], %[[CH]]
// CHECK-NEXT: linalg.yield %[[NEW]], %[[ACC]]
// CHECK: %[[YNEXT:.*]] = tensor.insert_slice %[[STEP]]#1 into %[[YT]][%[[T]], 0] [1, %[[WIDTH]]]
// CHECK: scf.yield %[[STEP]]#0, %[[YNEXT]]
// The chunk's y goes back to [width, steps], then (y + D·u)·silu(z) in place.
// CHECK: %[[YSLOT:.*]] = tensor.extract_slice %[[YC]][0, %[[START]]] [%[[WIDTH]], %[[STEPS]]]
// CHECK: %[[YROWS:.*]] = linalg.transpose ins(%[[STEPLOOP]]#1 : tensor<?x?xf32>) outs(%[[YSLOT]] : tensor<?x?xf32>)
// CHECK: %[[DB:.*]] = tensor.extract_slice %[[D]][%[[FIRST]]] [%[[WIDTH]]]
// CHECK: %[[ZROWS:.*]] = tensor.extract_slice %[[Z]][%[[BATCH]], %[[FIRST]], %[[START]]] [1, %[[WIDTH]], %[[STEPS]]]
// CHECK: %[[GATED:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]], #[[$ID]]], {{.*}}} ins(%[[UROWS]], %[[DB]], %[[ZROWS]] : {{.*}}) outs(%[[YROWS]] : tensor<?x?xf32>)
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: %[[YOUT:.*]] = tensor.insert_slice %[[GATED]] into %[[YC]][0, %[[START]]] [%[[WIDTH]], %[[STEPS]]]
// CHECK: scf.yield %[[STEPLOOP]]#0, %[[YOUT]]
// The last state, back to [D, N], is the block's part of the final state.
// CHECK: %[[HROWS:.*]] = linalg.transpose ins(%[[CHUNKS]]#0 : tensor<16x?xf32>) outs(%[[HB]] : tensor<?x16xf32>)
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[CHUNKS]]#1 into %[[YS]][%[[BATCH]], %[[FIRST]], 0] [1, %[[WIDTH]], %[[L]]]
// CHECK-NEXT: tensor.parallel_insert_slice %[[HROWS]] into %[[HS]][%[[BATCH]], %[[FIRST]], 0] [1, %[[WIDTH]], 16]
// CHECK: return %[[LOOP]]#0, %[[LOOP]]#1 : tensor<2x64x?xf32>, tensor<2x64x16xf32>
func.func @scan_all(%u: tensor<2x64x?xf32>, %dt: tensor<2x64x?xf32>,
                    %A: tensor<64x16xf32>, %B: tensor<2x2x16x?xf32>,
                    %C: tensor<2x2x16x?xf32>, %D: tensor<64xf32>,
                    %z: tensor<2x64x?xf32>, %bias: tensor<64xf32>,
                    %h0: tensor<2x64x16xf32>)
    -> (tensor<2x64x?xf32>, tensor<2x64x16xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C D(%D : tensor<64xf32>)
      z(%z : tensor<2x64x?xf32>) delta_bias(%bias : tensor<64xf32>)
      initial_state(%h0 : tensor<2x64x16xf32>) delta_softplus
      : tensor<2x64x?xf32>, tensor<64x16xf32>, tensor<2x2x16x?xf32>
  return %y, %h : tensor<2x64x?xf32>, tensor<2x64x16xf32>
}

// -----

// Without optional operands: the state starts at zero, Δ is delta as given
// (no softplus), and y is written back without a gating pass.

// CHECK-LABEL: func.func @scan_plain(
// CHECK-SAME: %[[U:[^:]*]]: tensor<1x37x53xf32>, %[[DT:[^:]*]]: tensor<1x37x53xf32>
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[HINIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<16x?xf32>)
// CHECK: %[[CHUNKS:.*]]:2 = scf.for %{{.*}} iter_args(%{{.*}} = %[[HINIT]], %{{.*}} = %{{.*}}) -> (tensor<16x?xf32>, tensor<?x53xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x?xf32>, tensor<?x?xf32>)
// CHECK-NEXT: ^bb0(%[[DTV:.*]]: f32, %[[UV:.*]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[DU:.*]] = arith.mulf %[[DTV]], %[[UV]]
// CHECK-NEXT: linalg.yield %[[DTV]], %[[DU]]
// CHECK: %[[STEPLOOP:.*]]:2 = scf.for
// CHECK: %[[YROWS:.*]] = linalg.transpose ins(%[[STEPLOOP]]#1 : tensor<?x?xf32>)
// CHECK-NEXT: tensor.insert_slice %[[YROWS]]
// CHECK: linalg.transpose ins(%[[CHUNKS]]#0 : tensor<16x?xf32>)
func.func @scan_plain(%u: tensor<1x37x53xf32>, %dt: tensor<1x37x53xf32>,
                      %A: tensor<37x16xf32>, %B: tensor<1x1x16x53xf32>,
                      %C: tensor<1x1x16x53xf32>)
    -> (tensor<1x37x53xf32>, tensor<1x37x16xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C
      : tensor<1x37x53xf32>, tensor<37x16xf32>, tensor<1x1x16x53xf32>
  return %y, %h : tensor<1x37x53xf32>, tensor<1x37x16xf32>
}
