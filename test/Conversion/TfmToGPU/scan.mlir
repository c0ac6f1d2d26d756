// tfm.selective_scan on CUDA: the segmented scan (segment ends, then
// outputs) with the state in registers, a dynamic N dispatched by capacity,
// the state in memory past 64; the chunks staged in shared memory, the decay
// on the SFU, no local memory.
// RUN: tfm-opt %s --tfm-lower-to-gpu | FileCheck %s
// RUN: tfmc %s --target=cuda --emit=ptx -o %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90 -v %t.ptx -o /dev/null 2>&1 | grep -A2 "entry function 'selective_scan_\(segment_ends_\)\?n16" | FileCheck %s --check-prefix=PTXAS %}

// CHECK-LABEL: func.func @scan_mamba
// CHECK: %[[Y:.*]] = memref.alloc(%{{.*}}) {alignment = 16 : i64} : memref<2x1024x?xbf16>
// CHECK: %[[H:.*]] = memref.alloc() {alignment = 16 : i64} : memref<2x1024x16xf32>
// CHECK: tfm.kernel_launch @tfm_kernels::@selective_scan_segment_ends_n16{{(_[0-9]+)?}} grid{{.*}} block [128, 1, 1]
// CHECK: tfm.kernel_launch @tfm_kernels::@selective_scan_n16{{(_[0-9]+)?}} grid{{.*}} block [128, 1, 1]
// CHECK: bufferization.to_tensor %[[Y]]
// CHECK: bufferization.to_tensor %[[H]]
func.func @scan_mamba(%u: tensor<2x1024x?xbf16>, %dt: tensor<2x1024x?xbf16>,
                      %A: tensor<1024x16xbf16>, %B: tensor<2x1x16x?xbf16>,
                      %C: tensor<2x1x16x?xbf16>, %D: tensor<1024xbf16>,
                      %z: tensor<2x1024x?xbf16>, %bias: tensor<1024xbf16>)
    -> (tensor<2x1024x?xbf16>, tensor<2x1024x16xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C D(%D : tensor<1024xbf16>)
      z(%z : tensor<2x1024x?xbf16>) delta_bias(%bias : tensor<1024xbf16>) delta_softplus
      : tensor<2x1024x?xbf16>, tensor<1024x16xbf16>, tensor<2x1x16x?xbf16>
  return %y, %h : tensor<2x1024x?xbf16>, tensor<2x1024x16xf32>
}

// CHECK-LABEL: func.func @scan_dynamic_n
// CHECK: %[[FITS16:.*]] = arith.cmpi ule, %{{.*}}, %c16
// CHECK: scf.if %[[FITS16]]
// CHECK: @selective_scan_segment_ends_n16
// CHECK: @selective_scan_n16
// CHECK: } else {
// CHECK: %[[FITS64:.*]] = arith.cmpi ule, %{{.*}}, %c64
// CHECK: scf.if %[[FITS64]]
// CHECK: @selective_scan_segment_ends_n64
// CHECK: @selective_scan_n64
// CHECK: } else {
// CHECK: @selective_scan_n_in_memory
func.func @scan_dynamic_n(%u: tensor<1x?x?xf32>, %dt: tensor<1x?x?xf32>,
                          %A: tensor<?x?xf32>, %B: tensor<1x1x?x?xf32>,
                          %C: tensor<1x1x?x?xf32>)
    -> (tensor<1x?x?xf32>, tensor<1x?x?xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C
      : tensor<1x?x?xf32>, tensor<?x?xf32>, tensor<1x1x?x?xf32>
  return %y, %h : tensor<1x?x?xf32>, tensor<1x?x?xf32>
}

// A state past 64 registers: one kernel, the state in the final-state buffer.
// CHECK-LABEL: func.func @scan_large_state
// CHECK-NOT: segment_ends
// CHECK: tfm.kernel_launch @tfm_kernels::@selective_scan_n_in_memory
func.func @scan_large_state(%u: tensor<1x8x?xf32>, %dt: tensor<1x8x?xf32>,
                            %A: tensor<8x80xf32>, %B: tensor<1x1x80x?xf32>,
                            %C: tensor<1x1x80x?xf32>, %h0: tensor<1x8x80xf32>)
    -> (tensor<1x8x?xf32>, tensor<1x8x80xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C
      initial_state(%h0 : tensor<1x8x80xf32>)
      : tensor<1x8x?xf32>, tensor<8x80xf32>, tensor<1x1x80x?xf32>
  return %y, %h : tensor<1x8x?xf32>, tensor<1x8x80xf32>
}

// The kernels: a block of 128 channels, Δ·u rows and B/C staged in shared
// memory, the state in registers (static N = 16: one ex2 per element in the
// unrolled step).
// CHECK-LABEL: gpu.module @tfm_kernels
// CHECK: gpu.func @selective_scan_segment_ends_n16{{(_[0-9]+)?}}({{.*}}) workgroup({{.*}} : memref<128x33xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<128x33xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<32x16xf32, #gpu.address_space<workgroup>>) kernel
// CHECK: gpu.func @selective_scan_n16{{(_[0-9]+)?}}({{.*}}) workgroup({{.*}}, {{.*}}, {{.*}} : memref<32x16xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<32x16xf32, #gpu.address_space<workgroup>>) kernel
// CHECK-COUNT-16: llvm.inline_asm "ex2.approx.ftz.f32

// PTX-NOT: .local
// PTX: .entry selective_scan_segment_ends_n16(
// PTX: bar.sync
// PTX: ld.shared
// PTX: ex2.approx.ftz.f32
// PTX: .entry selective_scan_n16(

// The register-state kernels of N = 16 use no local memory (the capacity-64
// kernels of a dynamic N spill a few registers).
// PTXAS-NOT: {{[1-9][0-9]*}} bytes stack frame
// PTXAS-NOT: {{[1-9][0-9]*}} bytes spill
// PTXAS: Compiling entry function 'selective_scan_n16
// PTXAS-NOT: {{[1-9][0-9]*}} bytes stack frame
// PTXAS-NOT: {{[1-9][0-9]*}} bytes spill
