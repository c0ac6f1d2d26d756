// RUN: tfm-opt %s --tfm-approximate-math | FileCheck %s

// f32 transcendental ops become arithmetic (no libm call), vectors included.
// CHECK-LABEL: func.func @approximate
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK: arith.mulf
// CHECK: return
func.func @approximate(%x: f32, %v: vector<16xf32>) -> (f32, vector<16xf32>, f32) {
  %e = math.exp %x : f32
  %t = math.tanh %v : vector<16xf32>
  %r = math.erf %x : f32
  return %e, %t, %r : f32, vector<16xf32>, f32
}
