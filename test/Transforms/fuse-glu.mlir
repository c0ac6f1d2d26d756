// RUN: tfm-opt %s --tfm-fuse-glu --split-input-file | FileCheck %s

// SwiGLU with the activation fused into the gate's linear.
// CHECK-LABEL: func.func @swiglu
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[WG:.*]]: tensor<176x64xf32>, %[[WU:.*]]: tensor<176x64xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<352x64xf32>
// CHECK: %[[S:.*]] = tensor.insert_slice %[[WG]] into %[[E]][0, 0] [176, 64]
// CHECK: %[[W:.*]] = tensor.insert_slice %[[WU]] into %[[S]][176, 0] [176, 64]
// CHECK: %[[H:.*]] = tfm.linear %[[X]], %[[W]] act(silu) gated : tensor<?x64xf32>, tensor<352x64xf32>
// CHECK-NOT: arith.mulf
// CHECK: return %[[H]]
func.func @swiglu(%x: tensor<?x64xf32>, %wg: tensor<176x64xf32>, %wu: tensor<176x64xf32>) -> tensor<?x176xf32> {
  %g = tfm.linear %x, %wg act(silu) : tensor<?x64xf32>, tensor<176x64xf32>
  %u = tfm.linear %x, %wu : tensor<?x64xf32>, tensor<176x64xf32>
  %h = arith.mulf %g, %u : tensor<?x176xf32>
  return %h : tensor<?x176xf32>
}

// -----

// GEGLU with a separate activation op, up projection on the left, biases.
// CHECK-LABEL: func.func @geglu_separate_activation
// CHECK: %[[B:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[8] [8]
// CHECK: tfm.linear %{{.*}}, %{{.*}} bias(%[[B]] : tensor<16xf32>) act(gelu_erf) gated
// CHECK-NOT: tfm.activation
func.func @geglu_separate_activation(%x: tensor<4x8xf32>, %wg: tensor<8x8xf32>, %wu: tensor<8x8xf32>,
                                     %bg: tensor<8xf32>, %bu: tensor<8xf32>) -> tensor<4x8xf32> {
  %g = tfm.linear %x, %wg bias(%bg : tensor<8xf32>) : tensor<4x8xf32>, tensor<8x8xf32>
  %a = tfm.activation gelu_erf %g : tensor<4x8xf32>
  %u = tfm.linear %x, %wu bias(%bu : tensor<8xf32>) : tensor<4x8xf32>, tensor<8x8xf32>
  %h = arith.mulf %u, %a : tensor<4x8xf32>
  return %h : tensor<4x8xf32>
}

// -----

// Not a GLU: the two projections read different inputs.
// CHECK-LABEL: func.func @different_inputs
// CHECK: arith.mulf
// CHECK-NOT: gated
func.func @different_inputs(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %g = tfm.linear %x, %w act(silu) : tensor<4x8xf32>, tensor<8x8xf32>
  %u = tfm.linear %y, %w : tensor<4x8xf32>, tensor<8x8xf32>
  %h = arith.mulf %g, %u : tensor<4x8xf32>
  return %h : tensor<4x8xf32>
}
