// RUN: tfm-opt %s --tfm-lower-to-linalg --canonicalize --cse --split-input-file | FileCheck %s
// RUN: tfm-opt %s --tfm-lower-to-linalg --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=TILED

// Every form runs per (batch, head) in an scf.forall over B·H, whose
// iterations the runtime's thread pool shares: each slices its head's
// operands and writes its own rows of the result.
//
// direct (and auto without causal or Toeplitz): φkᵀv [m, dv] and Σφk [m]
// reduced over L once, then each query row against them accumulated in the
// head's rows of the result, then the division with eps added, in place.

// CHECK-LABEL: func.func @direct
// CHECK-SAME: %[[Q:[^:]*]]: tensor<1x2x37x8xf32>
// CHECK-DAG: %[[EPS:.*]] = arith.constant 9.99999997E-7 : f32
// CHECK: %[[RESULT:.*]] = scf.forall (%[[I:.*]]) in (2) shared_outs(%[[SHARED:.*]] = %{{.*}}) -> (tensor<1x2x37x12xf32>)
// CHECK:   %[[ROWS:.*]] = tensor.extract_slice %[[SHARED]][%{{.*}}, %{{.*}}, 0, 0] [1, 1, 37, 12]
// CHECK:   %[[QH:.*]] = tensor.extract_slice %[[Q]][%{{.*}}, %{{.*}}, 0, 0] [1, 1, 37, 8]
// CHECK:   %[[KV:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<1x1x37x8xf32>, tensor<1x1x37x12xf32>) outs(%{{.*}} : tensor<1x1x8x12xf32>)
// CHECK:   %[[KSUM:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x8xf32>)
// CHECK:   %[[ZERO_ROWS:.*]] = linalg.fill {{.*}} outs(%[[ROWS]] : tensor<1x1x37x12xf32>)
// CHECK:   %[[NUM:.*]] = linalg.generic {{.*}} ins(%[[QH]], %[[KV]] : tensor<1x1x37x8xf32>, tensor<1x1x8x12xf32>) outs(%[[ZERO_ROWS]]
// CHECK:   %[[DEN:.*]] = linalg.generic {{.*}} ins(%[[QH]], %[[KSUM]] : tensor<1x1x37x8xf32>, tensor<1x1x8xf32>)
// CHECK:   %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[DEN]] : tensor<1x1x37xf32>) outs(%[[NUM]] : tensor<1x1x37x12xf32>)
// CHECK:     arith.addf %{{.*}}, %[[EPS]]
// CHECK:     arith.divf
// CHECK:   scf.forall.in_parallel
// CHECK:     tensor.parallel_insert_slice %[[OUT]] into %[[SHARED]]
// CHECK: return %[[RESULT]]
func.func @direct(%fq: tensor<1x2x37x8xf32>, %fk: tensor<1x2x37x8xf32>, %v: tensor<1x2x37x12xf32>) -> tensor<1x2x37x12xf32> {
  %o = tfm.linear_attention %fq, %fk, %v impl(auto)
      : tensor<1x2x37x8xf32>, tensor<1x2x37x8xf32>, tensor<1x2x37x12xf32>
  return %o : tensor<1x2x37x12xf32>
}

// -----

// chunked (and auto when causal): an scf.for over chunks of 16 rows of the
// dynamic length, the last one ragged (min(16, L − start)), carrying the
// output, the [m, dv] state and the [m] normalizer. In the chunk: the causal
// [rows, rows] scores, their products accumulated into the chunk's rows of
// the output, the state terms added, the normalization; then the state
// update.

// CHECK-LABEL: func.func @chunked
// CHECK-SAME: %[[QA:[^:]*]]: tensor<1x2x?x8xf32>, %[[KA:[^:]*]]: tensor<1x2x?x8xf32>, %[[VA:[^:]*]]: tensor<1x2x?x12xf32>
// CHECK-DAG: %[[CHUNK:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK: %[[L:.*]] = tensor.dim %[[QA]]
// CHECK: scf.forall
// CHECK:   %[[V:.*]] = tensor.extract_slice %[[VA]]{{.*}} to tensor<1x1x?x12xf32>
// CHECK:   %[[K:.*]] = tensor.extract_slice %[[KA]]{{.*}} to tensor<1x1x?x8xf32>
// CHECK:   %[[Q:.*]] = tensor.extract_slice %[[QA]]{{.*}} to tensor<1x1x?x8xf32>
// CHECK:   %[[OUT:.*]]:3 = scf.for %[[START:.*]] = %[[ZERO]] to %[[L]] step %[[CHUNK]] iter_args(%[[O:.*]] = %{{.*}}, %[[S:.*]] = %{{.*}}, %[[Z:.*]] = %{{.*}}) -> (tensor<1x1x?x12xf32>, tensor<1x1x8x12xf32>, tensor<1x1x8xf32>)
// CHECK:   %[[LEFT:.*]] = arith.subi %[[L]], %[[START]]
// CHECK:   %[[ROWS:.*]] = arith.minsi %[[LEFT]], %[[CHUNK]]
// CHECK:   %[[QC:.*]] = tensor.extract_slice %[[Q]][0, 0, %[[START]], 0] [1, 1, %[[ROWS]], 8]
// CHECK:   %[[KC:.*]] = tensor.extract_slice %[[K]][0, 0, %[[START]], 0] [1, 1, %[[ROWS]], 8]
// CHECK:   %[[VC:.*]] = tensor.extract_slice %[[V]][0, 0, %[[START]], 0] [1, 1, %[[ROWS]], 12]
// CHECK:   %[[OC:.*]] = tensor.extract_slice %[[O]][0, 0, %[[START]], 0] [1, 1, %[[ROWS]], 12]
// CHECK:   %[[SCORES:.*]] = linalg.generic {{.*}} ins(%[[QC]], %[[KC]] : {{.*}}) outs(%{{.*}} : tensor<1x1x?x?xf32>)
// CHECK:   %[[MASKED:.*]] = linalg.generic {{.*}} outs(%[[SCORES]] : tensor<1x1x?x?xf32>)
// CHECK:     arith.cmpi ule
// CHECK:   %[[INTRA:.*]] = linalg.generic {{.*}} ins(%[[MASKED]], %[[VC]] : {{.*}}) outs(%[[OC]] : tensor<1x1x?x12xf32>)
// CHECK:   %[[NUM:.*]] = linalg.generic {{.*}} ins(%[[QC]], %[[S]] : {{.*}}) outs(%[[INTRA]] : tensor<1x1x?x12xf32>)
// CHECK:   %[[NORMALIZED:.*]] = linalg.generic {{.*}} outs(%[[NUM]] : tensor<1x1x?x12xf32>)
// CHECK:   %[[INSERTED:.*]] = tensor.insert_slice %[[NORMALIZED]] into %[[O]][0, 0, %[[START]], 0] [1, 1, %[[ROWS]], 12]
// CHECK:   %[[NEXT_S:.*]] = linalg.generic {{.*}} ins(%[[KC]], %[[VC]] : {{.*}}) outs(%[[S]] : tensor<1x1x8x12xf32>)
// CHECK:   %[[NEXT_Z:.*]] = linalg.generic {{.*}} ins(%[[KC]] : {{.*}}) outs(%[[Z]] : tensor<1x1x8xf32>)
// CHECK:   scf.yield %[[INSERTED]], %[[NEXT_S]], %[[NEXT_Z]]
// CHECK: tensor.parallel_insert_slice %[[OUT]]#0
func.func @chunked(%fq: tensor<1x2x?x8xf32>, %fk: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x12xf32>) -> tensor<1x2x?x12xf32> {
  %o = tfm.linear_attention %fq, %fk, %v causal impl(chunked) {chunk = 16 : i64}
      : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x12xf32>
  return %o : tensor<1x2x?x12xf32>
}

// -----

// fft with Toeplitz coefficients: L = 128, m = 16, dv = 32; per head, the
// reversed coefficients' spectrum ([1, 256], 256 >= 2L − 1) is computed once,
// with the forward and inverse twiddles; then an scf.for over the 16
// features in tiles of 2 carries the numerator and denominator. A tile holds
// 2·(32 + 1) = 66 channels (the extra one is the constant 1 that yields
// C·φk), packed two to a complex row: [1, 1, 33, 256]. Per tile: forward stage loop, product with
// the coefficient spectrum, inverse stage loop, contraction with the tile's
// slice of φq. No tensor holds the L × m × dv products.

// CHECK-LABEL: func.func @fft_tiles
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[M:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[TILE:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[LOG:.*]] = arith.constant 8 : index
// CHECK: %[[CSIG:.*]]:2 = linalg.generic {{.*}} outs({{.*}} : tensor<1x256xf32>, tensor<1x256xf32>)
// CHECK: %[[FWD:.*]]:2 = linalg.generic {{.*}} outs({{.*}} : tensor<128xf32>, tensor<128xf32>)
// CHECK: %[[INV:.*]]:2 = linalg.generic {{.*}} outs({{.*}} : tensor<128xf32>, tensor<128xf32>)
// CHECK: %[[CSPEC:.*]]:2 = scf.for %{{.*}} = %[[ZERO]] to %[[LOG]] {{.*}} iter_args({{.*}} = %[[CSIG]]#0, {{.*}} = %[[CSIG]]#1) -> (tensor<1x256xf32>, tensor<1x256xf32>)
// CHECK: %[[SUMS:.*]]:2 = scf.for %[[FEATURE:.*]] = %[[ZERO]] to %[[M]] step %[[TILE]] iter_args(%[[NUM:.*]] = %{{.*}}, %[[DEN:.*]] = %{{.*}}) -> (tensor<1x1x128x32xf32>, tensor<1x1x128xf32>)
// CHECK:   %[[SIG:.*]]:2 = linalg.generic {{.*}} outs({{.*}} : tensor<1x1x33x256xf32>, tensor<1x1x33x256xf32>)
// CHECK:   %[[SPEC:.*]]:2 = scf.for %{{.*}} = %[[ZERO]] to %[[LOG]] {{.*}} iter_args({{.*}} = %[[SIG]]#0, {{.*}} = %[[SIG]]#1)
// CHECK:     tensor.extract %[[FWD]]#0
// CHECK:   %[[PROD:.*]]:2 = linalg.generic {{.*}} ins(%[[SPEC]]#0, %[[SPEC]]#1, %[[CSPEC]]#0, %[[CSPEC]]#1 :
// CHECK:   %[[CONV:.*]]:2 = scf.for %{{.*}} = %[[ZERO]] to %[[LOG]] {{.*}} iter_args({{.*}} = %{{.*}}, {{.*}} = %{{.*}})
// CHECK:     tensor.extract %[[INV]]#0
// CHECK:   %[[QT:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, %[[FEATURE]]] [1, 1, 128, 2]
// CHECK:   %[[NEXT_NUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[QT]] : tensor<1x1x128x2xf32>) outs(%[[NUM]] : tensor<1x1x128x32xf32>)
// CHECK:     tensor.extract %[[CONV]]#0
// CHECK:     tensor.extract %[[CONV]]#1
// CHECK:   %[[NEXT_DEN:.*]] = linalg.generic {{.*}} ins(%[[QT]] : tensor<1x1x128x2xf32>) outs(%[[DEN]] : tensor<1x1x128xf32>)
// CHECK:   scf.yield %[[NEXT_NUM]], %[[NEXT_DEN]]
// CHECK: linalg.generic {{.*}} ins(%[[SUMS]]#1 : tensor<1x1x128xf32>) outs(%[[SUMS]]#0 : tensor<1x1x128x32xf32>)
// TILED-LABEL: func.func @fft_tiles
// TILED-NOT: 16x32xf32
// TILED-NOT: 128x512xf32
// TILED-NOT: 128x528xf32
// TILED: return
func.func @fft_tiles(%fq: tensor<1x4x128x16xf32>, %fk: tensor<1x4x128x16xf32>, %v: tensor<1x4x128x32xf32>, %c: tensor<4x255xf32>) -> tensor<1x4x128x32xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<4x255xf32>) impl(fft)
      : tensor<1x4x128x16xf32>, tensor<1x4x128x16xf32>, tensor<1x4x128x32xf32>
  return %o : tensor<1x4x128x32xf32>
}

// -----

// fft, causal: the coefficients keep only taps u >= L − 1 of the reversed
// vector, i.e. keys j <= i. The channels are centered on their means over L
// before the FFT: the mean's part starts the sums, φq·(φkᵀv) and φq·Σφk
// scaled by S_i/L, with S_i the total causal weight of row i, summed
// sequentially over the rows in an scf.for.

// CHECK-LABEL: func.func @fft_causal
// CHECK-DAG: %[[L:.*]] = arith.constant 37 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: linalg.generic {{.*}} outs({{.*}} : tensor<1x128xf32>, tensor<1x128xf32>)
// CHECK:   arith.cmpi ult
// CHECK:   arith.cmpi uge
// CHECK:   arith.andi
// CHECK: %[[KV:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x4x4xf32>)
// CHECK: %[[KSUM:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x4xf32>)
// CHECK: %[[MEAN_NUM:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[KV]] :
// CHECK: %[[MEAN_DEN:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[KSUM]] :
// CHECK: %[[WEIGHTS:.*]]:2 = scf.for %{{.*}} = %[[ZERO]] to %[[L]] step %[[ONE]]
// CHECK:   tensor.extract_slice %{{.*}} [1, 1] [1, 1] : tensor<1x73xf32> to tensor<1xf32>
// CHECK: %[[NUM0:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x37xf32>) outs(%[[MEAN_NUM]] : tensor<1x1x37x4xf32>)
// CHECK: %[[DEN0:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x37xf32>) outs(%[[MEAN_DEN]] : tensor<1x1x37xf32>)
// CHECK: linalg.generic {{.*}} outs({{.*}} : tensor<1x1x10x128xf32>, tensor<1x1x10x128xf32>)
// CHECK:     tensor.extract %[[KV]]
// CHECK:     tensor.extract %[[KSUM]]
// CHECK:     arith.subf
func.func @fft_causal(%fq: tensor<1x2x37x4xf32>, %fk: tensor<1x2x37x4xf32>, %v: tensor<1x2x37x4xf32>, %c: tensor<2x73xf32>) -> tensor<1x2x37x4xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<2x73xf32>) causal impl(auto)
      : tensor<1x2x37x4xf32>, tensor<1x2x37x4xf32>, tensor<1x2x37x4xf32>
  return %o : tensor<1x2x37x4xf32>
}

// -----

// direct with Toeplitz coefficients: the dense O(L²) form, the scores
// weighted by c[L − 1 + j − i].

// CHECK-LABEL: func.func @toeplitz_direct
// CHECK: %[[SCORES:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x37x37xf32>)
// CHECK: linalg.generic {{.*}} outs(%[[SCORES]] : tensor<1x1x37x37xf32>)
// CHECK:   tensor.extract %{{.*}} : tensor<1x73xf32>
func.func @toeplitz_direct(%fq: tensor<1x2x37x4xf32>, %fk: tensor<1x2x37x4xf32>, %v: tensor<1x2x37x4xf32>, %c: tensor<2x73xf32>) -> tensor<1x2x37x4xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<2x73xf32>) impl(direct)
      : tensor<1x2x37x4xf32>, tensor<1x2x37x4xf32>, tensor<1x2x37x4xf32>
  return %o : tensor<1x2x37x4xf32>
}
