// RUN: tfmc %s --emit=so -o %t.so && %python %S/linear_attention.py %t.so

// tfm.linear_attention in each impl: direct (non-causal through φkᵀv, causal
// or Toeplitz as the dense form), chunked (causal, ragged last chunk), fft
// (Toeplitz, one- and two-sided, several channel tiles), auto; dynamic
// lengths are called with L = 37, 100 and 1 (the FFT form only causally:
// each FFT function costs seconds of compile time); eps is checked where set.

func.func @direct(%fq: tensor<1x2x37x8xf32>, %fk: tensor<1x2x37x8xf32>, %v: tensor<1x2x37x12xf32>) -> tensor<1x2x37x12xf32> {
  %o = tfm.linear_attention %fq, %fk, %v impl(direct) {eps = 2.5e-01 : f64}
      : tensor<1x2x37x8xf32>, tensor<1x2x37x8xf32>, tensor<1x2x37x12xf32>
  return %o : tensor<1x2x37x12xf32>
}

func.func @direct_causal(%fq: tensor<1x2x?x8xf32>, %fk: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x12xf32>) -> tensor<1x2x?x12xf32> {
  %o = tfm.linear_attention %fq, %fk, %v causal impl(direct)
      : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x12xf32>
  return %o : tensor<1x2x?x12xf32>
}

func.func @auto(%fq: tensor<2x3x?x8xf32>, %fk: tensor<2x3x?x8xf32>, %v: tensor<2x3x?x12xf32>) -> tensor<2x3x?x12xf32> {
  %o = tfm.linear_attention %fq, %fk, %v impl(auto)
      : tensor<2x3x?x8xf32>, tensor<2x3x?x8xf32>, tensor<2x3x?x12xf32>
  return %o : tensor<2x3x?x12xf32>
}

func.func @chunked(%fq: tensor<1x2x?x8xf32>, %fk: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x12xf32>) -> tensor<1x2x?x12xf32> {
  %o = tfm.linear_attention %fq, %fk, %v causal impl(chunked) {chunk = 16 : i64, eps = 2.5e-01 : f64}
      : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x12xf32>
  return %o : tensor<1x2x?x12xf32>
}

func.func @chunked_default(%fq: tensor<1x2x100x8xf32>, %fk: tensor<1x2x100x8xf32>, %v: tensor<1x2x100x12xf32>) -> tensor<1x2x100x12xf32> {
  %o = tfm.linear_attention %fq, %fk, %v causal impl(chunked)
      : tensor<1x2x100x8xf32>, tensor<1x2x100x8xf32>, tensor<1x2x100x12xf32>
  return %o : tensor<1x2x100x12xf32>
}

func.func @auto_causal(%fq: tensor<1x1x150x4xf32>, %fk: tensor<1x1x150x4xf32>, %v: tensor<1x1x150x6xf32>) -> tensor<1x1x150x6xf32> {
  %o = tfm.linear_attention %fq, %fk, %v causal impl(auto)
      : tensor<1x1x150x4xf32>, tensor<1x1x150x4xf32>, tensor<1x1x150x6xf32>
  return %o : tensor<1x1x150x6xf32>
}

func.func @toeplitz_direct(%fq: tensor<1x2x37x8xf32>, %fk: tensor<1x2x37x8xf32>, %v: tensor<1x2x37x12xf32>, %c: tensor<2x73xf32>) -> tensor<1x2x37x12xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<2x73xf32>) impl(direct) {eps = 2.5e-01 : f64}
      : tensor<1x2x37x8xf32>, tensor<1x2x37x8xf32>, tensor<1x2x37x12xf32>
  return %o : tensor<1x2x37x12xf32>
}

func.func @toeplitz_direct_causal(%fq: tensor<1x2x37x8xf32>, %fk: tensor<1x2x37x8xf32>, %v: tensor<1x2x37x12xf32>, %c: tensor<2x73xf32>) -> tensor<1x2x37x12xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<2x73xf32>) causal impl(direct)
      : tensor<1x2x37x8xf32>, tensor<1x2x37x8xf32>, tensor<1x2x37x12xf32>
  return %o : tensor<1x2x37x12xf32>
}

func.func @fft_causal(%fq: tensor<1x2x?x8xf32>, %fk: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x12xf32>, %c: tensor<2x?xf32>) -> tensor<1x2x?x12xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<2x?xf32>) causal impl(fft) {eps = 2.5e-01 : f64}
      : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x12xf32>
  return %o : tensor<1x2x?x12xf32>
}

func.func @fft_tiles(%fq: tensor<2x2x37x16xf32>, %fk: tensor<2x2x37x16xf32>, %v: tensor<2x2x37x12xf32>, %c: tensor<2x73xf32>) -> tensor<2x2x37x12xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<2x73xf32>) impl(fft)
      : tensor<2x2x37x16xf32>, tensor<2x2x37x16xf32>, tensor<2x2x37x12xf32>
  return %o : tensor<2x2x37x12xf32>
}

func.func @auto_toeplitz(%fq: tensor<1x1x1x6xf32>, %fk: tensor<1x1x1x6xf32>, %v: tensor<1x1x1x5xf32>, %c: tensor<1x1xf32>) -> tensor<1x1x1x5xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<1x1xf32>) impl(auto)
      : tensor<1x1x1x6xf32>, tensor<1x1x1x6xf32>, tensor<1x1x1x5xf32>
  return %o : tensor<1x1x1x5xf32>
}

func.func @fft_long(%fq: tensor<1x1x4096x4xf32>, %fk: tensor<1x1x4096x4xf32>, %v: tensor<1x1x4096x4xf32>, %c: tensor<1x8191xf32>) -> tensor<1x1x4096x4xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<1x8191xf32>) causal impl(fft)
      : tensor<1x1x4096x4xf32>, tensor<1x1x4096x4xf32>, tensor<1x1x4096x4xf32>
  return %o : tensor<1x1x4096x4xf32>
}
