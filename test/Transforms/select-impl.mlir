// RUN: tfm-opt %s --tfm-select-impl | FileCheck %s

// CHECK-LABEL: func.func @choices
func.func @choices(%q: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x4xf32>, %c: tensor<2x31xf32>,
                   %ql: tensor<1x2x?x8xf32>, %vl: tensor<1x2x?x4xf32>, %cl: tensor<2x?xf32>)
    -> (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x?x4xf32>) {
  // CHECK: causal impl(chunked) {chunk = 64 : i64}
  %a = tfm.linear_attention %q, %q, %v causal impl(auto) : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>
  // CHECK: impl(direct) :
  %b = tfm.linear_attention %q, %q, %v impl(auto) : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>
  // Short sequence with Toeplitz coefficients: dense beats the FFT.
  // CHECK: toeplitz(%{{.*}} : tensor<2x31xf32>) impl(direct)
  %d = tfm.linear_attention %q, %q, %v toeplitz(%c : tensor<2x31xf32>) impl(auto) : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>
  // Dynamic length: assumed long, so the FFT form.
  // CHECK: toeplitz(%{{.*}} : tensor<2x?xf32>) impl(fft)
  %e = tfm.linear_attention %ql, %ql, %vl toeplitz(%cl : tensor<2x?xf32>) impl(auto) : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x4xf32>
  return %a, %b, %d, %e : tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x?x4xf32>
}
