// RUN: tfm-opt %s --tfm-lower-to-linalg --canonicalize --cse --split-input-file | FileCheck %s

// impl(direct): the zero-padded input (37 + 3 + 3), then one generic whose
// last loop, the tap, is a reduction, reading the input at
// o·stride + t·dilation and accumulating into the broadcast bias.

// CHECK-DAG: #[[INPUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2 + d3 * 2)>
// CHECK-DAG: #[[WEIGHT:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-LABEL: func.func @direct_strided
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x3x37xf32>, %[[W:[^:]*]]: tensor<3x4xf32>, %[[B:[^:]*]]: tensor<3xf32>
// CHECK: %[[BIAS:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<3xf32>) outs(%{{.*}} : tensor<2x3x19xf32>)
// CHECK: %[[PADDED:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x3x43xf32>)
// CHECK:   tensor.extract %[[X]]
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[INPUT]], #[[WEIGHT]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[PADDED]], %[[W]] : tensor<2x3x43xf32>, tensor<3x4xf32>) outs(%[[BIAS]] : tensor<2x3x19xf32>)
// CHECK: return %[[Y]]
func.func @direct_strided(%x: tensor<2x3x37xf32>, %w: tensor<3x4xf32>, %b: tensor<3xf32>) -> tensor<2x3x19xf32> {
  %y = tfm.dwconv %x, %w bias(%b : tensor<3xf32>) padding(zero) impl(direct)
      {stride = array<i64: 2>, dilation = array<i64: 2>} : tensor<2x3x37xf32>, tensor<3x4xf32>
  return %y : tensor<2x3x19xf32>
}

// -----

// Rank 2, circular: the input wrapped around (remainders by 7 and 10) to
// 7 + 4 by 10 + 8, then two reduction loops over the 5 x 5 taps.

// CHECK-DAG: #[[INPUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 + d4, d3 + d5 * 2)>
// CHECK-LABEL: func.func @direct_2d_circular
// CHECK: %[[PADDED:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x4x11x18xf32>)
// CHECK-DAG: arith.remsi %{{.*}}, %c7
// CHECK-DAG: arith.remsi %{{.*}}, %c10
// CHECK: linalg.generic {indexing_maps = [#[[INPUT]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[PADDED]], %{{.*}} : tensor<1x4x11x18xf32>, tensor<4x5x5xf32>)
func.func @direct_2d_circular(%x: tensor<1x4x7x10xf32>, %w: tensor<4x5x5xf32>) -> tensor<1x4x7x10xf32> {
  %y = tfm.dwconv %x, %w padding(circular) impl(direct) {dilation = array<i64: 1, 2>}
      : tensor<1x4x7x10xf32>, tensor<4x5x5xf32>
  return %y : tensor<1x4x7x10xf32>
}

// -----

// impl(fft) on a dynamic length: the transform length is the power of two
// >= L + 3, found at run time (64 − ctlz(L + 2)); the input and the reversed
// kernel go through forward FFT stage loops of that many iterations, their
// product through an inverse one, and the output reads the convolution.

// CHECK-LABEL: func.func @fft_causal
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x4x?xf32>
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK: %[[L:.*]] = tensor.dim %[[X]]
// CHECK: %[[CLZ:.*]] = math.ctlz
// CHECK: %[[LOG64:.*]] = arith.subi %{{.*}}, %[[CLZ]] : i64
// CHECK: %[[LOG:.*]] = arith.index_cast %[[LOG64]] : i64 to index
// CHECK: %[[KERNEL:.*]]:2 = scf.for %{{.*}} = %[[ZERO]] to %[[LOG]] {{.*}} -> (tensor<4x?xf32>, tensor<4x?xf32>)
// CHECK: %[[INPUT:.*]]:2 = scf.for %{{.*}} = %[[ZERO]] to %[[LOG]] {{.*}} -> (tensor<1x4x?xf32>, tensor<1x4x?xf32>)
// CHECK: %[[PRODUCT:.*]]:2 = linalg.generic {{.*}} ins(%[[INPUT]]#0, %[[INPUT]]#1, %[[KERNEL]]#0, %[[KERNEL]]#1 :
// CHECK: scf.for %{{.*}} = %[[ZERO]] to %[[LOG]] {{.*}} iter_args(%{{.*}} = %[[PRODUCT]]#0, %{{.*}} = %[[PRODUCT]]#1)
// CHECK-NOT: reduction
// CHECK: return
func.func @fft_causal(%x: tensor<1x4x?xf32>, %w: tensor<4x4xf32>) -> tensor<1x4x?xf32> {
  %y = tfm.dwconv %x, %w padding(causal) impl(fft) : tensor<1x4x?xf32>, tensor<4x4xf32>
  return %y : tensor<1x4x?xf32>
}

// -----

// Rank 2 through the FFT: each operand is transformed along W, its last two
// dims swapped, then along H; the inverse undoes it in the other order.

// CHECK-LABEL: func.func @fft_2d
// CHECK: linalg.generic {{.*}} outs({{.*}} : tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>)
// CHECK: scf.for
// CHECK: linalg.transpose {{.*}} permutation = [0, 1, 3, 2]
// CHECK: scf.for
// CHECK: linalg.generic {{.*}} ins({{.*}}, {{.*}}, {{.*}}, {{.*}} : tensor<1x2x{{.*}}xf32>, tensor<1x2x{{.*}}xf32>, tensor<2x{{.*}}xf32>, tensor<2x{{.*}}xf32>)
// CHECK: scf.for
// CHECK: linalg.transpose {{.*}} permutation = [0, 1, 3, 2]
// CHECK: scf.for
// CHECK: return {{.*}} : tensor<1x2x11x9xf32>
func.func @fft_2d(%x: tensor<1x2x11x9xf32>, %w: tensor<2x3x5xf32>) -> tensor<1x2x11x9xf32> {
  %y = tfm.dwconv %x, %w padding(zero) impl(fft) : tensor<1x2x11x9xf32>, tensor<2x3x5xf32>
  return %y : tensor<1x2x11x9xf32>
}
