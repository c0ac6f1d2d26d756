// RUN: tfm-opt %s --tfm-fold-affine-norm | FileCheck %s

// linear(x * s + t, W, b) -> linear(x, W * diag(s), b + W t) when the affine
// norm is over the contracted (last) axis.

// CHECK-DAG: #[[NK:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1) -> (d1)>

// CHECK-LABEL: func.func @shift_and_bias
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x32xf32>, %[[S:[^:]*]]: tensor<32xf32>, %[[T:[^:]*]]: tensor<32xf32>, %[[W:[^:]*]]: tensor<64x32xf32>, %[[B:[^:]*]]: tensor<64xf32>)
// CHECK-NOT: tfm.norm
// b' = b + W t: the matvec accumulates into the old bias.
// CHECK: %[[B2:.*]] = linalg.matvec ins(%[[W]], %[[T]] : tensor<64x32xf32>, tensor<32xf32>) outs(%[[B]] : tensor<64xf32>) -> tensor<64xf32>
// W' = W * diag(s): column k scaled by s[k].
// CHECK: %[[E:.*]] = tensor.empty() : tensor<64x32xf32>
// CHECK: %[[W2:.*]] = linalg.generic {indexing_maps = [#[[NK]], #[[K]], #[[NK]]], iterator_types = ["parallel", "parallel"]} ins(%[[W]], %[[S]] : tensor<64x32xf32>, tensor<32xf32>) outs(%[[E]] : tensor<64x32xf32>)
// CHECK: ^bb0(%[[WNK:.*]]: f32, %[[SK:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[P:.*]] = arith.mulf %[[WNK]], %[[SK]] : f32
// CHECK: linalg.yield %[[P]] : f32
// CHECK: %[[Y:.*]] = tfm.linear %[[X]], %[[W2]] bias(%[[B2]] : tensor<64xf32>) : tensor<?x32xf32>, tensor<64x32xf32>
// CHECK-NOT: tfm.norm
// CHECK: return %[[Y]]
func.func @shift_and_bias(%x: tensor<?x32xf32>, %s: tensor<32xf32>,
                          %t: tensor<32xf32>, %w: tensor<64x32xf32>,
                          %b: tensor<64xf32>) -> tensor<?x64xf32> {
  %n = tfm.norm affine %x scale(%s : tensor<32xf32>) shift(%t : tensor<32xf32>)
      : tensor<?x32xf32>
  %y = tfm.linear %n, %w bias(%b : tensor<64xf32>)
      : tensor<?x32xf32>, tensor<64x32xf32>
  return %y : tensor<?x64xf32>
}

// Without a bias, W t accumulates into zeros and becomes the bias.
// CHECK-LABEL: func.func @shift_no_bias
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x?x32xf32>, %[[S:[^:]*]]: tensor<32xf32>, %[[T:[^:]*]]: tensor<32xf32>, %[[W:[^:]*]]: tensor<64x32xf32>)
// CHECK-NOT: tfm.norm
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[BE:.*]] = tensor.empty() : tensor<64xf32>
// CHECK: %[[ZEROS:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[BE]] : tensor<64xf32>) -> tensor<64xf32>
// CHECK: %[[B2:.*]] = linalg.matvec ins(%[[W]], %[[T]] : tensor<64x32xf32>, tensor<32xf32>) outs(%[[ZEROS]] : tensor<64xf32>) -> tensor<64xf32>
// CHECK: %[[W2:.*]] = linalg.generic {{.*}} ins(%[[W]], %[[S]] : tensor<64x32xf32>, tensor<32xf32>)
// CHECK: %[[Y:.*]] = tfm.linear %[[X]], %[[W2]] bias(%[[B2]] : tensor<64xf32>) : tensor<2x?x32xf32>, tensor<64x32xf32>
// CHECK: return %[[Y]]
func.func @shift_no_bias(%x: tensor<2x?x32xf32>, %s: tensor<32xf32>,
                         %t: tensor<32xf32>, %w: tensor<64x32xf32>)
    -> tensor<2x?x64xf32> {
  %n = tfm.norm affine %x scale(%s : tensor<32xf32>) shift(%t : tensor<32xf32>)
      : tensor<2x?x32xf32>
  %y = tfm.linear %n, %w : tensor<2x?x32xf32>, tensor<64x32xf32>
  return %y : tensor<2x?x64xf32>
}

// Without a shift only the weight changes; the bias is kept as is.
// CHECK-LABEL: func.func @bias_no_shift
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x32xf32>, %[[S:[^:]*]]: tensor<32xf32>, %[[W:[^:]*]]: tensor<64x32xf32>, %[[B:[^:]*]]: tensor<64xf32>)
// CHECK-NOT: linalg.matvec
// CHECK: %[[W2:.*]] = linalg.generic {{.*}} ins(%[[W]], %[[S]] : tensor<64x32xf32>, tensor<32xf32>)
// CHECK: arith.mulf
// CHECK: %[[Y:.*]] = tfm.linear %[[X]], %[[W2]] bias(%[[B]] : tensor<64xf32>) : tensor<?x32xf32>, tensor<64x32xf32>
// CHECK-NOT: tfm.norm
// CHECK: return %[[Y]]
func.func @bias_no_shift(%x: tensor<?x32xf32>, %s: tensor<32xf32>,
                         %w: tensor<64x32xf32>, %b: tensor<64xf32>)
    -> tensor<?x64xf32> {
  %n = tfm.norm affine %x scale(%s : tensor<32xf32>) : tensor<?x32xf32>
  %y = tfm.linear %n, %w bias(%b : tensor<64xf32>)
      : tensor<?x32xf32>, tensor<64x32xf32>
  return %y : tensor<?x64xf32>
}

// CHECK-LABEL: func.func @no_shift_no_bias
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x32xf32>, %[[S:[^:]*]]: tensor<32xf32>, %[[W:[^:]*]]: tensor<64x32xf32>)
// CHECK-NOT: linalg.matvec
// CHECK: %[[W2:.*]] = linalg.generic {{.*}} ins(%[[W]], %[[S]] : tensor<64x32xf32>, tensor<32xf32>)
// CHECK: %[[Y:.*]] = tfm.linear %[[X]], %[[W2]] : tensor<?x32xf32>, tensor<64x32xf32>
// CHECK-NOT: tfm.norm
// CHECK: return %[[Y]]
func.func @no_shift_no_bias(%x: tensor<?x32xf32>, %s: tensor<32xf32>,
                            %w: tensor<64x32xf32>) -> tensor<?x64xf32> {
  %n = tfm.norm affine %x scale(%s : tensor<32xf32>) : tensor<?x32xf32>
  %y = tfm.linear %n, %w : tensor<?x32xf32>, tensor<64x32xf32>
  return %y : tensor<?x64xf32>
}

// The epilogue (activation, gate, residual) is untouched; a gated weight
// [2N, K] is scaled and multiplied as a whole.
// CHECK-LABEL: func.func @gated_residual
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x32xf32>, %[[S:[^:]*]]: tensor<32xf32>, %[[T:[^:]*]]: tensor<32xf32>, %[[W:[^:]*]]: tensor<128x32xf32>, %[[R:[^:]*]]: tensor<?x64xf32>)
// CHECK: %[[B2:.*]] = linalg.matvec ins(%[[W]], %[[T]] : tensor<128x32xf32>, tensor<32xf32>) outs(%{{.*}} : tensor<128xf32>) -> tensor<128xf32>
// CHECK: %[[W2:.*]] = linalg.generic {{.*}} ins(%[[W]], %[[S]] : tensor<128x32xf32>, tensor<32xf32>)
// CHECK: %[[Y:.*]] = tfm.linear %[[X]], %[[W2]] bias(%[[B2]] : tensor<128xf32>) act(silu) gated residual(%[[R]] : tensor<?x64xf32>) : tensor<?x32xf32>, tensor<128x32xf32>
// CHECK: return %[[Y]]
func.func @gated_residual(%x: tensor<?x32xf32>, %s: tensor<32xf32>,
                          %t: tensor<32xf32>, %w: tensor<128x32xf32>,
                          %r: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %n = tfm.norm affine %x scale(%s : tensor<32xf32>) shift(%t : tensor<32xf32>)
      : tensor<?x32xf32>
  %y = tfm.linear %n, %w act(silu) gated residual(%r : tensor<?x64xf32>)
      : tensor<?x32xf32>, tensor<128x32xf32>
  return %y : tensor<?x64xf32>
}

// Two linears reading one norm (q and k projections) both fold.
// CHECK-LABEL: func.func @two_consumers
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x32xf32>, %[[S:[^:]*]]: tensor<32xf32>, %[[WQ:[^:]*]]: tensor<64x32xf32>, %[[WK:[^:]*]]: tensor<16x32xf32>)
// CHECK-NOT: tfm.norm
// CHECK-DAG: %[[WQ2:.*]] = linalg.generic {{.*}} ins(%[[WQ]], %[[S]] : tensor<64x32xf32>, tensor<32xf32>)
// CHECK-DAG: %[[WK2:.*]] = linalg.generic {{.*}} ins(%[[WK]], %[[S]] : tensor<16x32xf32>, tensor<32xf32>)
// CHECK-DAG: %[[Q:.*]] = tfm.linear %[[X]], %[[WQ2]] : tensor<?x32xf32>, tensor<64x32xf32>
// CHECK-DAG: %[[K:.*]] = tfm.linear %[[X]], %[[WK2]] : tensor<?x32xf32>, tensor<16x32xf32>
// CHECK: return %[[Q]], %[[K]]
func.func @two_consumers(%x: tensor<?x32xf32>, %s: tensor<32xf32>,
                         %wq: tensor<64x32xf32>, %wk: tensor<16x32xf32>)
    -> (tensor<?x64xf32>, tensor<?x16xf32>) {
  %n = tfm.norm affine %x scale(%s : tensor<32xf32>) : tensor<?x32xf32>
  %q = tfm.linear %n, %wq : tensor<?x32xf32>, tensor<64x32xf32>
  %k = tfm.linear %n, %wk : tensor<?x32xf32>, tensor<16x32xf32>
  return %q, %k : tensor<?x64xf32>, tensor<?x16xf32>
}

// A norm over another axis scales rows of x, not the contracted features:
// nothing folds.
// CHECK-LABEL: func.func @axis_not_last
// CHECK-SAME: (%[[X:[^:]*]]: tensor<8x32xf32>, %[[S:[^:]*]]: tensor<8xf32>, %[[W:[^:]*]]: tensor<64x32xf32>)
// CHECK: %[[N:.*]] = tfm.norm affine %[[X]] scale(%[[S]] : tensor<8xf32>) {axis = 0 : i64} : tensor<8x32xf32>
// CHECK-NOT: linalg
// CHECK: %[[Y:.*]] = tfm.linear %[[N]], %[[W]] : tensor<8x32xf32>, tensor<64x32xf32>
// CHECK: return %[[Y]]
func.func @axis_not_last(%x: tensor<8x32xf32>, %s: tensor<8xf32>,
                         %w: tensor<64x32xf32>) -> tensor<8x64xf32> {
  %n = tfm.norm affine %x scale(%s : tensor<8xf32>) {axis = 0 : i64}
      : tensor<8x32xf32>
  %y = tfm.linear %n, %w : tensor<8x32xf32>, tensor<64x32xf32>
  return %y : tensor<8x64xf32>
}

// The channel axis of [B, C, L], counted from the end, is not the last one.
// CHECK-LABEL: func.func @negative_axis_not_last
// CHECK: %[[N:.*]] = tfm.norm affine %{{.*}} {axis = -2 : i64} : tensor<2x16x32xf32>
// CHECK-NOT: linalg
// CHECK: tfm.linear %[[N]], %{{.*}} : tensor<2x16x32xf32>, tensor<64x32xf32>
func.func @negative_axis_not_last(%x: tensor<2x16x32xf32>, %s: tensor<16xf32>,
                                  %w: tensor<64x32xf32>) -> tensor<2x16x64xf32> {
  %n = tfm.norm affine %x scale(%s : tensor<16xf32>) {axis = -2 : i64}
      : tensor<2x16x32xf32>
  %y = tfm.linear %n, %w : tensor<2x16x32xf32>, tensor<64x32xf32>
  return %y : tensor<2x16x64xf32>
}

// RMS and layer norms are not affine: nothing folds.
// CHECK-LABEL: func.func @rms_not_affine
// CHECK: %[[N:.*]] = tfm.norm rms
// CHECK-NOT: linalg
// CHECK: tfm.linear %[[N]]
func.func @rms_not_affine(%x: tensor<?x32xf32>, %s: tensor<32xf32>,
                          %w: tensor<64x32xf32>) -> tensor<?x64xf32> {
  %n = tfm.norm rms %x scale(%s : tensor<32xf32>) : tensor<?x32xf32>
  %y = tfm.linear %n, %w : tensor<?x32xf32>, tensor<64x32xf32>
  return %y : tensor<?x64xf32>
}

// A weight of unknown shape is left alone.
// CHECK-LABEL: func.func @dynamic_weight
// CHECK: %[[N:.*]] = tfm.norm affine
// CHECK-NOT: linalg
// CHECK: tfm.linear %[[N]], %{{.*}} : tensor<?x32xf32>, tensor<?x32xf32>
func.func @dynamic_weight(%x: tensor<?x32xf32>, %s: tensor<32xf32>,
                          %w: tensor<?x32xf32>) -> tensor<?x?xf32> {
  %n = tfm.norm affine %x scale(%s : tensor<32xf32>) : tensor<?x32xf32>
  %y = tfm.linear %n, %w : tensor<?x32xf32>, tensor<?x32xf32>
  return %y : tensor<?x?xf32>
}
