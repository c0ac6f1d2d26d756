// RUN: tfm-opt %s --canonicalize | FileCheck %s

// An affine norm whose scale is a splat of one and whose shift is absent or
// a splat of zero is the identity and is erased; anything else stays.

// CHECK-LABEL: func.func @affine_one_scale
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x8xf32>)
// CHECK-NOT: tfm.norm
// CHECK: return %[[X]] : tensor<2x?x8xf32>
func.func @affine_one_scale(%x: tensor<2x?x8xf32>) -> tensor<2x?x8xf32> {
  %one = arith.constant dense<1.0> : tensor<8xf32>
  %y = tfm.norm affine %x scale(%one : tensor<8xf32>) : tensor<2x?x8xf32>
  return %y : tensor<2x?x8xf32>
}

// CHECK-LABEL: func.func @affine_one_scale_zero_shift
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf16>)
// CHECK-NOT: tfm.norm
// CHECK: return %[[X]] : tensor<4x8xf16>
func.func @affine_one_scale_zero_shift(%x: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %one = arith.constant dense<1.0> : tensor<8xf16>
  %zero = arith.constant dense<0.0> : tensor<8xf16>
  %y = tfm.norm affine %x scale(%one : tensor<8xf16>) shift(%zero : tensor<8xf16>)
      : tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}

// x * 1 + (-0) is x as well.
// CHECK-LABEL: func.func @affine_negative_zero_shift
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NOT: tfm.norm
// CHECK: return %[[X]] : tensor<4x8xf32>
func.func @affine_negative_zero_shift(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %one = arith.constant dense<1.0> : tensor<8xf32>
  %zero = arith.constant dense<-0.0> : tensor<8xf32>
  %y = tfm.norm affine %x scale(%one : tensor<8xf32>) shift(%zero : tensor<8xf32>)
      : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// The axis does not matter: channels first.
// CHECK-LABEL: func.func @affine_identity_channel_axis
// CHECK-SAME: (%[[X:.*]]: tensor<2x32x?xf32>)
// CHECK-NOT: tfm.norm
// CHECK: return %[[X]] : tensor<2x32x?xf32>
func.func @affine_identity_channel_axis(%x: tensor<2x32x?xf32>) -> tensor<2x32x?xf32> {
  %one = arith.constant dense<1.0> : tensor<32xf32>
  %y = tfm.norm affine %x scale(%one : tensor<32xf32>) {axis = 1 : i64}
      : tensor<2x32x?xf32>
  return %y : tensor<2x32x?xf32>
}

// CHECK-LABEL: func.func @affine_scale_not_one
// CHECK: %[[S:.*]] = arith.constant dense<2.000000e+00> : tensor<8xf32>
// CHECK: %[[Y:.*]] = tfm.norm affine %{{.*}} scale(%[[S]] : tensor<8xf32>) : tensor<4x8xf32>
// CHECK: return %[[Y]]
func.func @affine_scale_not_one(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %two = arith.constant dense<2.0> : tensor<8xf32>
  %y = tfm.norm affine %x scale(%two : tensor<8xf32>) : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// Ones in all but one channel are not the identity.
// CHECK-LABEL: func.func @affine_scale_not_splat
// CHECK: %[[Y:.*]] = tfm.norm affine
// CHECK: return %[[Y]]
func.func @affine_scale_not_splat(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %s = arith.constant dense<[1.0, 1.0, 1.0, 0.5]> : tensor<4xf32>
  %y = tfm.norm affine %x scale(%s : tensor<4xf32>) : tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// CHECK-LABEL: func.func @affine_shift_not_zero
// CHECK-DAG: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<8xf32>
// CHECK-DAG: %[[T:.*]] = arith.constant dense<5.000000e-01> : tensor<8xf32>
// CHECK: %[[Y:.*]] = tfm.norm affine %{{.*}} scale(%[[ONE]] : tensor<8xf32>) shift(%[[T]] : tensor<8xf32>) : tensor<4x8xf32>
// CHECK: return %[[Y]]
func.func @affine_shift_not_zero(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %one = arith.constant dense<1.0> : tensor<8xf32>
  %half = arith.constant dense<0.5> : tensor<8xf32>
  %y = tfm.norm affine %x scale(%one : tensor<8xf32>) shift(%half : tensor<8xf32>)
      : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// Parameters that are not constants are unknown.
// CHECK-LABEL: func.func @affine_weights
// CHECK: %[[Y:.*]] = tfm.norm affine %{{.*}} scale(%{{.*}} : tensor<8xf32>) shift(%{{.*}} : tensor<8xf32>) : tensor<4x8xf32>
// CHECK: return %[[Y]]
func.func @affine_weights(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = tfm.weight "bn.scale" : tensor<8xf32>
  %t = tfm.weight "bn.shift" : tensor<8xf32>
  %y = tfm.norm affine %x scale(%s : tensor<8xf32>) shift(%t : tensor<8xf32>)
      : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @affine_unknown_shift
// CHECK: %[[Y:.*]] = tfm.norm affine %{{.*}} scale(%{{.*}} : tensor<8xf32>) shift(%{{.*}} : tensor<8xf32>) : tensor<4x8xf32>
// CHECK: return %[[Y]]
func.func @affine_unknown_shift(%x: tensor<4x8xf32>, %t: tensor<8xf32>) -> tensor<4x8xf32> {
  %one = arith.constant dense<1.0> : tensor<8xf32>
  %y = tfm.norm affine %x scale(%one : tensor<8xf32>) shift(%t : tensor<8xf32>)
      : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// RMS and layer norms normalize: a unit scale does not make them identities.
// CHECK-LABEL: func.func @rms_one_scale
// CHECK: %[[Y:.*]] = tfm.norm rms %{{.*}} scale(%{{.*}} : tensor<8xf32>) : tensor<4x8xf32>
// CHECK: return %[[Y]]
func.func @rms_one_scale(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %one = arith.constant dense<1.0> : tensor<8xf32>
  %y = tfm.norm rms %x scale(%one : tensor<8xf32>) : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @layer_one_scale_zero_shift
// CHECK: %[[Y:.*]] = tfm.norm layer %{{.*}} scale(%{{.*}} : tensor<8xf32>) shift(%{{.*}} : tensor<8xf32>) : tensor<4x8xf32>
// CHECK: return %[[Y]]
func.func @layer_one_scale_zero_shift(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %one = arith.constant dense<1.0> : tensor<8xf32>
  %zero = arith.constant dense<0.0> : tensor<8xf32>
  %y = tfm.norm layer %x scale(%one : tensor<8xf32>) shift(%zero : tensor<8xf32>)
      : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
