// RUN: tfm-opt %s --tfm-outline-parallel-loops | FileCheck %s

// The loop becomes a launch with the iteration count, bounds and captures,
// and a private body (inserted before the function) running iterations
// [first, last).
// CHECK: func.func private @scale_parallel0(%[[FIRST:.*]]: index, %[[LAST:.*]]: index, %[[LB:.*]]: index, %[[STEP:.*]]: index, %[[B:.*]]: memref<?xf32>, %[[G:.*]]: f32)
// CHECK: scf.for %[[I:.*]] = %[[FIRST]] to %[[LAST]]
// CHECK: %[[OFF:.*]] = arith.muli %[[I]], %[[STEP]]
// CHECK: %[[IV:.*]] = arith.addi %[[LB]], %[[OFF]]
// CHECK: memref.load %[[B]][%[[IV]]]
// CHECK: func.func private @__tfm_launch_scale_parallel0(index, index, index, memref<?xf32>, f32)
// CHECK-LABEL: func.func @scale
// CHECK-SAME: (%[[BUF:.*]]: memref<?xf32>, %[[F:.*]]: f32)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[N:.*]] = memref.dim %[[BUF]], %[[C0]]
// CHECK: %[[SPAN:.*]] = arith.subi %[[N]], %[[C0]]
// CHECK: %[[COUNT:.*]] = arith.ceildivui %[[SPAN]], %[[C4]]
// CHECK: call @__tfm_launch_scale_parallel0(%[[COUNT]], %[[C0]], %[[C4]], %[[BUF]], %[[F]])
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @scale(%buf: memref<?xf32>, %f: f32) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %n = memref.dim %buf, %c0 : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c4) {
    %v = memref.load %buf[%i] : memref<?xf32>
    %s = arith.mulf %v, %f : f32
    memref.store %s, %buf[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// Two-dimensional loops and loops with reductions stay as they are.
// CHECK-LABEL: func.func @kept
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) =
// CHECK-NOT: __tfm_launch_kept
func.func @kept(%buf: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %buf, %c0 : memref<?x?xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %n) step (%c1, %c1) {
    %v = memref.load %buf[%i, %j] : memref<?x?xf32>
    memref.store %v, %buf[%j, %i] : memref<?x?xf32>
    scf.reduce
  }
  return
}
