// RUN: tfm-opt %s --tfm-weights-to-arguments --split-input-file --verify-diagnostics | FileCheck %s

// Each distinct weight becomes one trailing argument, in order of first use;
// a name used twice (a tied embedding) is one argument. Storage attributes
// go with the weight onto its argument.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[IDS:.*]]: tensor<1x?xi32>,
// CHECK-SAME: %[[EMBED:.*]]: tensor<100x8xf32> {tfm.weight = "embed.weight"},
// CHECK-SAME: %[[STACK:.*]]: tensor<2x8x8xf32> {tfm.stacked, tfm.transposed, tfm.weight = "h.*.fc.weight"},
// CHECK-SAME: %[[NORM:.*]]: tensor<8xf32> {tfm.weight = "norm.weight"})
// CHECK-NOT: tfm.weight "
// CHECK: tfm.embedding %[[EMBED]][%[[IDS]]]
// CHECK: tensor.extract_slice %[[STACK]]
// CHECK: tfm.norm rms %{{.*}} scale(%[[NORM]]
// CHECK: tfm.linear %{{.*}}, %[[EMBED]]
func.func @forward(%ids: tensor<1x?xi32>) -> tensor<1x?x100xf32> {
  %e = tfm.weight "embed.weight" : tensor<100x8xf32>
  %x = tfm.embedding %e[%ids] : tensor<100x8xf32>, tensor<1x?xi32>
  %w = tfm.weight "h.*.fc.weight" {tfm.stacked, tfm.transposed} : tensor<2x8x8xf32>
  %w0 = tensor.extract_slice %w[0, 0, 0] [1, 8, 8] [1, 1, 1] : tensor<2x8x8xf32> to tensor<8x8xf32>
  %h = tfm.linear %x, %w0 : tensor<1x?x8xf32>, tensor<8x8xf32>
  %g = tfm.weight "norm.weight" : tensor<8xf32>
  %n = tfm.norm rms %h scale(%g : tensor<8xf32>) : tensor<1x?x8xf32>
  %e2 = tfm.weight "embed.weight" : tensor<100x8xf32>
  %logits = tfm.linear %n, %e2 : tensor<1x?x8xf32>, tensor<100x8xf32>
  return %logits : tensor<1x?x100xf32>
}

// -----

// expected-error @+1 {{no function @forward with a body to take the weights}}
module {
  func.func @other(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = call @helper(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{weight 'w' is referenced outside @forward; other functions take weights as arguments}}
  %w = tfm.weight "w" : tensor<4xf32>
  %y = arith.addf %x, %w : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = tfm.weight "w" : tensor<4xf32>
  // expected-error @+1 {{weight 'w' is used as 'tensor<4xf32>' {} and as 'tensor<4xf32>' {tfm.transposed}}}
  %b = tfm.weight "w" {tfm.transposed} : tensor<4xf32>
  %y = arith.addf %a, %b : tensor<4xf32>
  return %y : tensor<4xf32>
}
