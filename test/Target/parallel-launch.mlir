// tfmc replaces each outlined launch by the runtime's parallel-for with a
// trampoline, and links the runtime's thread pool into the object.
// RUN: tfmc %s --emit=llvm-ir -o - | FileCheck %s --implicit-check-not=__tfm_launch_

// CHECK: define internal {{.*}}@gemm.impl(
// CHECK: call void @tfm_rt_parallel_for(ptr nonnull @gemm_parallel0.trampoline, ptr nonnull %[[CTX:.*]], i64
// CHECK: define internal void @gemm_parallel0.trampoline(ptr
// CHECK: define internal void @tfm_rt_parallel_for(
func.func @gemm(%x: tensor<?x64xf32>, %w: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %y = tfm.linear %x, %w : tensor<?x64xf32>, tensor<64x64xf32>
  return %y : tensor<?x64xf32>
}
