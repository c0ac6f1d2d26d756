// RUN: tfm-opt %s --tfm-math-to-ptx --split-input-file --verify-diagnostics | FileCheck %s

// exp is ex2.approx of x·log2(e); PTX instructions for the rest; f64 where
// PTX has the instruction; vectors element by element.
// CHECK-LABEL: func.func @instructions
// CHECK: %[[LOG2E:.*]] = arith.constant 1.44269502 : f32
// CHECK: %[[SCALED:.*]] = arith.mulf %{{.*}}, %[[LOG2E]] : f32
// CHECK: llvm.inline_asm "ex2.approx.f32 $0, $1;", "=f,f" %[[SCALED]]
// CHECK: llvm.inline_asm "sqrt.rn.f32 $0, $1;", "=f,f"
// CHECK: llvm.inline_asm "rsqrt.approx.f32 $0, $1;", "=f,f"
// CHECK: llvm.inline_asm "cvt.rmi.f32.f32 $0, $1;", "=f,f"
// CHECK: llvm.inline_asm "fma.rn.f32 $0, $1, $2, $3;", "=f,f,f,f"
// CHECK: llvm.inline_asm "cvt.rni.f64.f64 $0, $1;", "=d,d"
// CHECK-COUNT-4: llvm.inline_asm "abs.f32 $0, $1;", "=f,f"
// CHECK-NOT: math.
func.func @instructions(%x: f32, %d: f64, %v: vector<4xf32>) -> (f32, f64, vector<4xf32>) {
  %e = math.exp %x : f32
  %s = math.sqrt %e : f32
  %r = math.rsqrt %s : f32
  %f = math.floor %r : f32
  %m = math.fma %f, %x, %e : f32
  %n = math.roundeven %d : f64
  %a = math.absf %v : vector<4xf32>
  return %m, %n, %a : f32, f64, vector<4xf32>
}

// -----

// tanh has no instruction: it becomes MLIR's polynomial, whose own math
// ops become instructions.
// CHECK-LABEL: func.func @polynomial
// CHECK-NOT: math.tanh
// CHECK: llvm.inline_asm
func.func @polynomial(%x: f32) -> f32 {
  %t = math.tanh %x : f32
  return %t : f32
}

// -----

// An op with no PTX form and no approximation is an error, not a libdevice
// call that would fail to link.
func.func @unsupported(%x: f64) -> f64 {
  // expected-error @+1 {{'math.exp' has no PTX lowering without libdevice}}
  %e = math.exp %x : f64
  return %e : f64
}
