// RUN: tfm-opt %s --tfm-lower-to-linalg --canonicalize --cse --split-input-file | FileCheck %s
// RUN: tfm-opt %s --tfm-lower-to-linalg --split-input-file | FileCheck %s --check-prefix=NODFT

// No lowering here reduces over the signal: O(n log n), never a DFT matrix.
// NODFT-NOT: reduction

// A power-of-two length: twiddles formed in f64, then the log2(8) = 3 radix-2
// Stockham stages as the iterations of one scf.for over the [3, 8] real and
// imaginary parts, each stage one parallel generic reading the previous
// stage and the twiddle table; the n/2 + 1 = 5 bins are read out last.

// CHECK-LABEL: func.func @rfft_pow2
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[LOG:.*]] = arith.constant 3 : index
// CHECK: %[[TW:.*]]:2 = linalg.generic {{.*}} outs({{.*}} : tensor<4xf32>, tensor<4xf32>)
// CHECK:   math.cos %{{.*}} : f64
// CHECK:   math.sin %{{.*}} : f64
// CHECK: %[[STAGES:.*]]:2 = scf.for %[[STAGE:.*]] = %[[ZERO]] to %[[LOG]] step %[[ONE]] iter_args(%[[RE:.*]] = %{{.*}}, %[[IM:.*]] = %{{.*}}) -> (tensor<3x8xf32>, tensor<3x8xf32>)
// CHECK:   %[[STRIDE:.*]] = arith.shli %[[ONE]], %[[STAGE]] : index
// CHECK:   %[[NEXT:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK:     tensor.extract %[[RE]]
// CHECK:     tensor.extract %[[IM]]
// CHECK:     tensor.extract %[[TW]]#0
// CHECK:     tensor.extract %[[TW]]#1
// CHECK:   linalg.copy ins(%[[NEXT]]#0 : {{.*}}) outs(%[[RE]] :
// CHECK:   linalg.copy ins(%[[NEXT]]#1 : {{.*}}) outs(%[[IM]] :
// CHECK:   scf.yield
// CHECK: linalg.generic {{.*}} outs({{.*}} : tensor<3x5xf32>, tensor<3x5xf32>)
// CHECK:   tensor.extract %[[STAGES]]#0
// CHECK:   tensor.extract %[[STAGES]]#1
func.func @rfft_pow2(%x: tensor<3x8xf32>) -> (tensor<3x5xf32>, tensor<3x5xf32>) {
  %re, %im = tfm.rfft %x : tensor<3x8xf32>
  return %re, %im : tensor<3x5xf32>, tensor<3x5xf32>
}

// -----

// n = 5 is not a power of two: Bluestein. The chirp-modulated input and the
// chirp kernel go through forward FFTs of length 16 >= 2n - 1 (log2 = 4), their
// product through an inverse one.

// CHECK-LABEL: func.func @rfft_bluestein
// CHECK-DAG: %[[LOG:.*]] = arith.constant 4 : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[LOG]] step %{{.*}} -> (tensor<16xf32>, tensor<16xf32>)
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[LOG]] step %{{.*}} -> (tensor<2x16xf32>, tensor<2x16xf32>)
// CHECK: linalg.generic {{.*}} ins({{.*}} : tensor<2x16xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<16xf32>)
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[LOG]] step %{{.*}} -> (tensor<2x16xf32>, tensor<2x16xf32>)
// CHECK: return %{{.*}} : tensor<2x3xf32>, tensor<2x3xf32>
func.func @rfft_bluestein(%x: tensor<2x5xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %re, %im = tfm.rfft %x : tensor<2x5xf32>
  return %re, %im : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// irfft along axis 0: the Hermitian completion (conjugating the mirrored
// bins) is built with the axis last, [3, 16]; 4 inverse stages; the real part
// over n is written back in the operand's layout, [16, 3].

// CHECK-LABEL: func.func @irfft_axis0
// CHECK-DAG: %[[LOG:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 6.250000e-02 : f32
// CHECK: linalg.generic {{.*}} outs({{.*}} : tensor<3x16xf32>, tensor<3x16xf32>)
// CHECK:   arith.negf
// CHECK: math.cos %{{.*}} : f64
// CHECK: %[[SIGNAL:.*]]:2 = scf.for %{{.*}} to %[[LOG]] {{.*}} -> (tensor<3x16xf32>, tensor<3x16xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<16x3xf32>)
// CHECK:   tensor.extract %[[SIGNAL]]#0
// CHECK:   arith.mulf %{{.*}}, %[[SCALE]]
func.func @irfft_axis0(%re: tensor<9x3xf32>, %im: tensor<9x3xf32>) -> tensor<16x3xf32> {
  %x = tfm.irfft %re, %im {n = 16 : i64, axis = 0 : i64} : tensor<9x3xf32>
  return %x : tensor<16x3xf32>
}
