// RUN: tfm-opt %s --tfm-lower-to-linalg --canonicalize | FileCheck %s

// The weight is packed into 32-wide panels; M blocks run in an scf.forall;
// the micro-kernel carries eight 32-wide accumulators through the k loop,
// each updated by one fma of a broadcast A element and the panel vector.
// CHECK-LABEL: func.func @linear
// CHECK: %[[PACKED:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x48x32xf32>)
// CHECK: scf.forall (%{{.*}}) in (%{{.*}}) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<?x40xf32>)
// (K = 48 fits one K block: the K-block loop folds away.)
// CHECK: scf.for
// CHECK: scf.for
// CHECK-COUNT-8: vector.transfer_read {{.*}} : tensor<?x40xf32>, vector<32xf32>
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>)
// CHECK: vector.transfer_read %[[PACKED]]{{.*}} : tensor<2x48x32xf32>, vector<32xf32>
// CHECK-COUNT-8: vector.fma
// The activation runs on the accumulators after the last K block (here the
// only one, so its scf.if folds away), inside the loop nest, before the rows
// are stored.
// CHECK: math.tanh %{{.*}} : vector<32xf32>
// CHECK: vector.transfer_write
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice
// The M % 8 remainder rows: a one-row micro-kernel.
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<32xf32>)
// CHECK: vector.fma
// CHECK: math.tanh %{{.*}} : vector<32xf32>
// CHECK-NOT: linalg.generic
func.func @linear(%x: tensor<?x48xf32>, %w: tensor<40x48xf32>, %b: tensor<40xf32>) -> tensor<?x40xf32> {
  %y = tfm.linear %x, %w bias(%b : tensor<40xf32>) act(gelu_tanh) : tensor<?x48xf32>, tensor<40x48xf32>
  return %y : tensor<?x40xf32>
}
