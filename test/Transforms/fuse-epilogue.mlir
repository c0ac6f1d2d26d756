// RUN: tfm-opt %s --tfm-fuse-epilogue --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @act_and_residual
// CHECK-SAME: (%[[X:.*]]: tensor<?x32xf32>, %[[W:.*]]: tensor<64x32xf32>, %[[B:.*]]: tensor<64xf32>, %[[R:.*]]: tensor<?x64xf32>)
// CHECK: %[[Y:.*]] = tfm.linear %[[X]], %[[W]] bias(%[[B]] : tensor<64xf32>) act(gelu_tanh) residual(%[[R]] : tensor<?x64xf32>)
// CHECK-NOT: tfm.activation
// CHECK-NOT: arith.addf
// CHECK: return %[[Y]]
func.func @act_and_residual(%x: tensor<?x32xf32>, %w: tensor<64x32xf32>, %b: tensor<64xf32>, %r: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %y = tfm.linear %x, %w bias(%b : tensor<64xf32>) : tensor<?x32xf32>, tensor<64x32xf32>
  %a = tfm.activation gelu_tanh %y : tensor<?x64xf32>
  %s = arith.addf %r, %a : tensor<?x64xf32>
  return %s : tensor<?x64xf32>
}

// -----

// A linear with two uses keeps its result unfused.
// CHECK-LABEL: func.func @two_uses
// CHECK: %[[Y:.*]] = tfm.linear %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x8xf32>
// CHECK: tfm.activation relu %[[Y]]
// CHECK: arith.addf
func.func @two_uses(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %y = tfm.linear %x, %w : tensor<4x8xf32>, tensor<8x8xf32>
  %a = tfm.activation relu %y : tensor<4x8xf32>
  %s = arith.addf %y, %x : tensor<4x8xf32>
  return %a, %s : tensor<4x8xf32>, tensor<4x8xf32>
}
