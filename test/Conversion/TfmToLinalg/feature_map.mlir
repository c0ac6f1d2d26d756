// RUN: tfm-opt %s --tfm-lower-to-linalg --canonicalize --cse --split-input-file | FileCheck %s

// Performer: W·x as a reduction over d into [.., m], ‖x‖² as a reduction
// over d, then exp(W·x − ‖x‖²/2)/√m elementwise.

// CHECK-LABEL: func.func @performer
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x2x?x12xf32>, %[[W:[^:]*]]: tensor<20x12xf32>
// CHECK-DAG: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[INV_SQRT_M:.*]] = arith.constant 0.223606{{[0-9]*}} : f32
// CHECK: %[[PROJ:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[X]], %[[W]] : tensor<1x2x?x12xf32>, tensor<20x12xf32>) outs(%{{.*}} : tensor<1x2x?x20xf32>)
// CHECK: %[[NORM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<1x2x?x12xf32>) outs(%{{.*}} : tensor<1x2x?xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[PROJ]], %[[NORM]] :
// CHECK:   arith.mulf %{{.*}}, %[[HALF]]
// CHECK:   math.exp
// CHECK:   arith.mulf %{{.*}}, %[[INV_SQRT_M]]
func.func @performer(%x: tensor<1x2x?x12xf32>, %w: tensor<20x12xf32>) -> tensor<1x2x?x20xf32> {
  %f = tfm.feature_map performer %x projection(%w : tensor<20x12xf32>) : tensor<1x2x?x12xf32>
  return %f : tensor<1x2x?x20xf32>
}

// -----

// CHECK-LABEL: func.func @elu_plus_one
// CHECK: linalg.generic
// CHECK:   math.expm1
// CHECK:   arith.select
// CHECK:   arith.addf
func.func @elu_plus_one(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %f = tfm.feature_map elu_plus_one %x : tensor<?x8xf32>
  return %f : tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @relu
// CHECK: linalg.generic
// CHECK:   arith.maximumf
func.func @relu(%x: tensor<3x8xf32>) -> tensor<3x8xf32> {
  %f = tfm.feature_map relu %x : tensor<3x8xf32>
  return %f : tensor<3x8xf32>
}
