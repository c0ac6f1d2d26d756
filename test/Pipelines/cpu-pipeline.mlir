// tfm-opt runs the driver's pipeline by name, stopping after any stage.
// RUN: tfm-opt %s --tfm-cpu-pipeline=stop-after-tfm | FileCheck %s --check-prefix=TFM
// RUN: tfm-opt %s --tfm-cpu-pipeline=stop-after-linalg | FileCheck %s --check-prefix=LINALG
// RUN: tfm-opt %s --tfm-cpu-pipeline | FileCheck %s --check-prefix=LLVM

// TFM: tfm.linear %{{.*}}, %{{.*}} act(relu) residual
// TFM-NOT: tfm.activation
// LINALG-NOT: tfm.
// LINALG: scf.forall
// LINALG: vector.fma
// LLVM: llvm.func @f(
// LLVM: llvm.call @__tfm_launch_f_parallel0
// LLVM-NOT: scf.
// LLVM-NOT: tfm.
func.func @f(%x: tensor<?x16xf32>, %w: tensor<16x16xf32>) -> tensor<?x16xf32> {
  %y = tfm.linear %x, %w : tensor<?x16xf32>, tensor<16x16xf32>
  %a = tfm.activation relu %y : tensor<?x16xf32>
  %r = arith.addf %a, %x : tensor<?x16xf32>
  return %r : tensor<?x16xf32>
}
