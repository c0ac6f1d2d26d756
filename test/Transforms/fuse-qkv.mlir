// RUN: tfm-opt %s --tfm-fuse-qkv --split-input-file | FileCheck %s

// Three projections of one input become one linear over stacked weights and
// three slices; the bias is stacked too.
// CHECK-LABEL: func.func @qkv
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[WQ:.*]]: tensor<64x64xf32>, %[[WK:.*]]: tensor<16x64xf32>, %[[WV:.*]]: tensor<16x64xf32>, %[[BQ:.*]]: tensor<64xf32>, %[[BK:.*]]: tensor<16xf32>, %[[BV:.*]]: tensor<16xf32>)
// CHECK: %[[W0:.*]] = tensor.empty() : tensor<96x64xf32>
// CHECK: %[[W1:.*]] = tensor.insert_slice %[[WQ]] into %[[W0]][0, 0] [64, 64]
// CHECK: %[[W2:.*]] = tensor.insert_slice %[[WK]] into %[[W1]][64, 0] [16, 64]
// CHECK: %[[W3:.*]] = tensor.insert_slice %[[WV]] into %[[W2]][80, 0] [16, 64]
// CHECK: %[[B:.*]] = tensor.insert_slice %[[BV]] into %{{.*}}[80] [16]
// CHECK: %[[QKV:.*]] = tfm.linear %[[X]], %[[W3]] bias(%[[B]] : tensor<96xf32>) : tensor<?x64xf32>, tensor<96x64xf32>
// CHECK: %[[Q:.*]] = tensor.extract_slice %[[QKV]][0, 0] [%{{.*}}, 64] [1, 1]
// CHECK: %[[K:.*]] = tensor.extract_slice %[[QKV]][0, 64] [%{{.*}}, 16] [1, 1]
// CHECK: %[[V:.*]] = tensor.extract_slice %[[QKV]][0, 80] [%{{.*}}, 16] [1, 1]
// CHECK-NOT: tfm.linear
// CHECK: return %[[Q]], %[[K]], %[[V]]
func.func @qkv(%x: tensor<?x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<16x64xf32>, %wv: tensor<16x64xf32>,
               %bq: tensor<64xf32>, %bk: tensor<16xf32>, %bv: tensor<16xf32>)
    -> (tensor<?x64xf32>, tensor<?x16xf32>, tensor<?x16xf32>) {
  %q = tfm.linear %x, %wq bias(%bq : tensor<64xf32>) : tensor<?x64xf32>, tensor<64x64xf32>
  %k = tfm.linear %x, %wk bias(%bk : tensor<16xf32>) : tensor<?x64xf32>, tensor<16x64xf32>
  %v = tfm.linear %x, %wv bias(%bv : tensor<16xf32>) : tensor<?x64xf32>, tensor<16x64xf32>
  return %q, %k, %v : tensor<?x64xf32>, tensor<?x16xf32>, tensor<?x16xf32>
}

// -----

// Weights defined after the first projection are hoisted above it.
// CHECK-LABEL: func.func @hoisted_weights
// CHECK: tfm.weight "k"
// CHECK: tfm.linear %{{.*}} : tensor<4x8xf32>, tensor<16x8xf32>
// CHECK-NOT: tfm.linear
func.func @hoisted_weights(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %wq = tfm.weight "q" : tensor<8x8xf32>
  %q = tfm.linear %x, %wq : tensor<4x8xf32>, tensor<8x8xf32>
  %wk = tfm.weight "k" : tensor<8x8xf32>
  %k = tfm.linear %x, %wk : tensor<4x8xf32>, tensor<8x8xf32>
  return %q, %k : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Not fused: different inputs; a projection with an activation; mixed bias.
// CHECK-LABEL: func.func @not_fused
// CHECK-COUNT-4: tfm.linear
// CHECK-NOT: tensor.insert_slice
func.func @not_fused(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %a = tfm.linear %x, %w : tensor<4x8xf32>, tensor<8x8xf32>
  %c = tfm.linear %y, %w : tensor<4x8xf32>, tensor<8x8xf32>
  %d = tfm.linear %y, %w act(relu) : tensor<4x8xf32>, tensor<8x8xf32>
  %e = tfm.linear %x, %w bias(%b : tensor<8xf32>) : tensor<4x8xf32>, tensor<8x8xf32>
  return %a, %c, %d, %e : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
