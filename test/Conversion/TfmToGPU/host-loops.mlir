// RUN: tfm-opt %s --tfm-host-loops-to-gpu --canonicalize --split-input-file | FileCheck %s

// A result computed into a fresh buffer, copied to the caller's and freed:
// the kernel writes the caller's buffer; the launch becomes gpu.launch_func.
// CHECK-LABEL: func.func @result_copy
// CHECK-SAME: (%[[X:.*]]: memref<?x8xf32>, %[[OUT:.*]]: memref<?x8xf32>)
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: gpu.launch_func @tfm_kernels::@twice {{.*}} args(%[[X]] : memref<?x8xf32>, %[[OUT]] : memref<?x8xf32>)
// CHECK-NOT: memref.dealloc
module attributes {gpu.container_module} {
  gpu.module @tfm_kernels {
    gpu.func @twice(%x: memref<?x8xf32>, %y: memref<?x8xf32>) kernel {
      gpu.return
    }
  }
  func.func @result_copy(%x: memref<?x8xf32>, %out: memref<?x8xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = memref.dim %x, %c0 : memref<?x8xf32>
    %fresh = memref.alloc(%n) : memref<?x8xf32>
    tfm.kernel_launch @tfm_kernels::@twice grid(%n, %c1, %c1) block [8, 1, 1] shared 0 args(%x, %fresh : memref<?x8xf32>, memref<?x8xf32>)
    memref.copy %fresh, %out : memref<?x8xf32> to memref<?x8xf32>
    memref.dealloc %fresh : memref<?x8xf32>
    return
  }
}

// -----

// Elementwise glue on device buffers runs as a kernel of 256-thread blocks
// over the linearized iterations; a copy between two arguments too.
// CHECK-LABEL: func.func @glue
// CHECK: %[[TOTAL:.*]] = arith.muli %{{.*}}, %c64
// CHECK: %[[GRID:.*]] = arith.ceildivui %[[TOTAL]], %c256
// CHECK: gpu.launch_func @tfm_kernels::@glue_loop blocks in (%[[GRID]], %c1, %c1) threads in (%c256, %c1, %c1)
// CHECK: gpu.launch_func @tfm_kernels::@glue_loop_0
// CHECK: gpu.func @glue_loop({{.*}}) kernel
// CHECK-DAG: gpu.block_id x
// CHECK-DAG: gpu.thread_id x
// CHECK: scf.if
// The static trip count (64) is a constant in the kernel.
// CHECK: arith.remui %{{.*}}, %c64
// CHECK: arith.addf
module {
  func.func @glue(%a: memref<?x64xf32>, %b: memref<?x64xf32>, %c: memref<?x64xf32>) {
    linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                    iterator_types = ["parallel", "parallel"]}
        ins(%a : memref<?x64xf32>) outs(%b : memref<?x64xf32>) {
    ^bb0(%in: f32, %acc: f32):
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
    memref.copy %b, %c : memref<?x64xf32> to memref<?x64xf32>
    return
  }
}
