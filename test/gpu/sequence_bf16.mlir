// The sequence-mixing ops with 16-bit storage on the GPU: the selective scan
// (bf16 with every optional operand, a dynamic N, f16), rfft / irfft (power
// of two and Bluestein), linear attention (direct, chunked causal, Toeplitz)
// and dwconv (Mamba's causal conv1d, a strided 2-D conv). Run on the GPU by
// test/gpu/validate.py (checker: sequence_bf16.py); here only compiled.
// RUN: tfmc %s --target=cuda --emit=ptx -o %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90 %t.ptx -o /dev/null %}
// CHECK-DAG: .entry selective_scan_n16
// CHECK-DAG: ex2.approx.ftz.f32
// CHECK-DAG: .entry rfft

func.func @scan_all(%u: tensor<2x64x?xbf16>, %dt: tensor<2x64x?xbf16>,
                    %A: tensor<64x16xbf16>, %B: tensor<2x2x16x?xbf16>,
                    %C: tensor<2x2x16x?xbf16>, %D: tensor<64xbf16>,
                    %z: tensor<2x64x?xbf16>, %bias: tensor<64xbf16>,
                    %h0: tensor<2x64x16xf32>)
    -> (tensor<2x64x?xbf16>, tensor<2x64x16xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C D(%D : tensor<64xbf16>)
      z(%z : tensor<2x64x?xbf16>) delta_bias(%bias : tensor<64xbf16>)
      initial_state(%h0 : tensor<2x64x16xf32>) delta_softplus
      : tensor<2x64x?xbf16>, tensor<64x16xbf16>, tensor<2x2x16x?xbf16>
  return %y, %h : tensor<2x64x?xbf16>, tensor<2x64x16xf32>
}

func.func @scan_dynamic_n(%u: tensor<1x?x?xbf16>, %dt: tensor<1x?x?xbf16>,
                          %A: tensor<?x?xbf16>, %B: tensor<1x1x?x?xbf16>,
                          %C: tensor<1x1x?x?xbf16>)
    -> (tensor<1x?x?xbf16>, tensor<1x?x?xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C
      : tensor<1x?x?xbf16>, tensor<?x?xbf16>, tensor<1x1x?x?xbf16>
  return %y, %h : tensor<1x?x?xbf16>, tensor<1x?x?xf32>
}

func.func @scan_f16(%u: tensor<1x40x100xf16>, %dt: tensor<1x40x100xf16>,
                    %A: tensor<40x8xf16>, %B: tensor<1x1x8x100xf16>,
                    %C: tensor<1x1x8x100xf16>, %z: tensor<1x40x100xf16>)
    -> (tensor<1x40x100xf16>, tensor<1x40x8xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C z(%z : tensor<1x40x100xf16>)
      : tensor<1x40x100xf16>, tensor<40x8xf16>, tensor<1x1x8x100xf16>
  return %y, %h : tensor<1x40x100xf16>, tensor<1x40x8xf32>
}

func.func @rfft_pow2(%x: tensor<3x256xbf16>) -> (tensor<3x129xbf16>, tensor<3x129xbf16>) {
  %re, %im = tfm.rfft %x : tensor<3x256xbf16>
  return %re, %im : tensor<3x129xbf16>, tensor<3x129xbf16>
}

func.func @rfft_bluestein(%x: tensor<4x?xbf16>) -> (tensor<4x51xbf16>, tensor<4x51xbf16>) {
  %re, %im = tfm.rfft %x {n = 100 : i64} : tensor<4x?xbf16>
  return %re, %im : tensor<4x51xbf16>, tensor<4x51xbf16>
}

func.func @irfft(%re: tensor<2x33x3xbf16>, %im: tensor<2x33x3xbf16>) -> tensor<2x64x3xbf16> {
  %x = tfm.irfft %re, %im {n = 64 : i64, axis = 1 : i64} : tensor<2x33x3xbf16>
  return %x : tensor<2x64x3xbf16>
}

func.func @irfft_bluestein(%re: tensor<2x19xbf16>, %im: tensor<2x19xbf16>) -> tensor<2x37xbf16> {
  %x = tfm.irfft %re, %im {n = 37 : i64} : tensor<2x19xbf16>
  return %x : tensor<2x37xbf16>
}

func.func @la_direct(%fq: tensor<1x2x?x16xbf16>, %fk: tensor<1x2x?x16xbf16>, %v: tensor<1x2x?x32xbf16>) -> tensor<1x2x?x32xbf16> {
  %o = tfm.linear_attention %fq, %fk, %v impl(direct)
      : tensor<1x2x?x16xbf16>, tensor<1x2x?x16xbf16>, tensor<1x2x?x32xbf16>
  return %o : tensor<1x2x?x32xbf16>
}

func.func @la_chunked(%fq: tensor<2x2x?x16xbf16>, %fk: tensor<2x2x?x16xbf16>, %v: tensor<2x2x?x32xbf16>) -> tensor<2x2x?x32xbf16> {
  %o = tfm.linear_attention %fq, %fk, %v causal impl(chunked)
      : tensor<2x2x?x16xbf16>, tensor<2x2x?x16xbf16>, tensor<2x2x?x32xbf16>
  return %o : tensor<2x2x?x32xbf16>
}

func.func @la_toeplitz(%fq: tensor<1x2x?x8xbf16>, %fk: tensor<1x2x?x8xbf16>, %v: tensor<1x2x?x16xbf16>, %c: tensor<2x?xbf16>) -> tensor<1x2x?x16xbf16> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<2x?xbf16>) causal impl(fft)
      : tensor<1x2x?x8xbf16>, tensor<1x2x?x8xbf16>, tensor<1x2x?x16xbf16>
  return %o : tensor<1x2x?x16xbf16>
}

func.func @conv1d_causal(%x: tensor<2x64x?xbf16>, %w: tensor<64x4xbf16>, %b: tensor<64xbf16>) -> tensor<2x64x?xbf16> {
  %y = tfm.dwconv %x, %w bias(%b : tensor<64xbf16>) padding(causal) impl(direct)
      : tensor<2x64x?xbf16>, tensor<64x4xbf16>
  return %y : tensor<2x64x?xbf16>
}

func.func @conv2d_strided(%x: tensor<1x8x15x12xbf16>, %w: tensor<8x3x3xbf16>) -> tensor<1x8x8x6xbf16> {
  %y = tfm.dwconv %x, %w padding(zero) impl(direct) {stride = array<i64: 2, 2>}
      : tensor<1x8x15x12xbf16>, tensor<8x3x3xbf16>
  return %y : tensor<1x8x8x6xbf16>
}
