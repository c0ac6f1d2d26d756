// RUN: tfmc %s --emit=so -o %t.so && %python %S/fft.py %t.so

// tfm.rfft: power-of-two n, Bluestein (n not a power of two), zero padding,
// truncation, a leading and a middle axis, n = 1, a dynamic input length,
// and a long transform; default, negative and explicit axes.

func.func @rfft_pow2(%x: tensor<3x64xf32>) -> (tensor<3x33xf32>, tensor<3x33xf32>) {
  %re, %im = tfm.rfft %x : tensor<3x64xf32>
  return %re, %im : tensor<3x33xf32>, tensor<3x33xf32>
}

func.func @rfft_bluestein(%x: tensor<3x100xf32>) -> (tensor<3x51xf32>, tensor<3x51xf32>) {
  %re, %im = tfm.rfft %x {axis = 1 : i64} : tensor<3x100xf32>
  return %re, %im : tensor<3x51xf32>, tensor<3x51xf32>
}

func.func @rfft_pad(%x: tensor<2x37xf32>) -> (tensor<2x33xf32>, tensor<2x33xf32>) {
  %re, %im = tfm.rfft %x {n = 64 : i64} : tensor<2x37xf32>
  return %re, %im : tensor<2x33xf32>, tensor<2x33xf32>
}

func.func @rfft_truncate(%x: tensor<2x100xf32>) -> (tensor<2x19xf32>, tensor<2x19xf32>) {
  %re, %im = tfm.rfft %x {n = 37 : i64, axis = 1 : i64} : tensor<2x100xf32>
  return %re, %im : tensor<2x19xf32>, tensor<2x19xf32>
}

func.func @rfft_axis0(%x: tensor<37x3xf32>) -> (tensor<19x3xf32>, tensor<19x3xf32>) {
  %re, %im = tfm.rfft %x {axis = 0 : i64} : tensor<37x3xf32>
  return %re, %im : tensor<19x3xf32>, tensor<19x3xf32>
}

func.func @rfft_middle(%x: tensor<2x24x3xf32>) -> (tensor<2x13x3xf32>, tensor<2x13x3xf32>) {
  %re, %im = tfm.rfft %x {axis = -2 : i64} : tensor<2x24x3xf32>
  return %re, %im : tensor<2x13x3xf32>, tensor<2x13x3xf32>
}

func.func @rfft_one(%x: tensor<4x1xf32>) -> (tensor<4x1xf32>, tensor<4x1xf32>) {
  %re, %im = tfm.rfft %x {axis = 1 : i64} : tensor<4x1xf32>
  return %re, %im : tensor<4x1xf32>, tensor<4x1xf32>
}

func.func @rfft_dynamic(%x: tensor<2x?xf32>) -> (tensor<2x65xf32>, tensor<2x65xf32>) {
  %re, %im = tfm.rfft %x {n = 128 : i64, axis = 1 : i64} : tensor<2x?xf32>
  return %re, %im : tensor<2x65xf32>, tensor<2x65xf32>
}

func.func @rfft_long(%x: tensor<2x4096xf32>) -> (tensor<2x2049xf32>, tensor<2x2049xf32>) {
  %re, %im = tfm.rfft %x {axis = 1 : i64} : tensor<2x4096xf32>
  return %re, %im : tensor<2x2049xf32>, tensor<2x2049xf32>
}

func.func @rfft_bluestein_long(%x: tensor<1x3000xf32>) -> (tensor<1x1501xf32>, tensor<1x1501xf32>) {
  %re, %im = tfm.rfft %x {axis = 1 : i64} : tensor<1x3000xf32>
  return %re, %im : tensor<1x1501xf32>, tensor<1x1501xf32>
}

// tfm.irfft: even and odd n, power of two or not, an inner axis, n = 1.

func.func @irfft_pow2(%re: tensor<3x33xf32>, %im: tensor<3x33xf32>) -> tensor<3x64xf32> {
  %x = tfm.irfft %re, %im {n = 64 : i64} : tensor<3x33xf32>
  return %x : tensor<3x64xf32>
}

func.func @irfft_odd(%re: tensor<3x19xf32>, %im: tensor<3x19xf32>) -> tensor<3x37xf32> {
  %x = tfm.irfft %re, %im {n = 37 : i64, axis = -1 : i64} : tensor<3x19xf32>
  return %x : tensor<3x37xf32>
}

func.func @irfft_even(%re: tensor<2x51xf32>, %im: tensor<2x51xf32>) -> tensor<2x100xf32> {
  %x = tfm.irfft %re, %im {n = 100 : i64, axis = 1 : i64} : tensor<2x51xf32>
  return %x : tensor<2x100xf32>
}

func.func @irfft_axis(%re: tensor<2x19x3xf32>, %im: tensor<2x19x3xf32>) -> tensor<2x37x3xf32> {
  %x = tfm.irfft %re, %im {n = 37 : i64, axis = 1 : i64} : tensor<2x19x3xf32>
  return %x : tensor<2x37x3xf32>
}

func.func @irfft_one(%re: tensor<4x1xf32>, %im: tensor<4x1xf32>) -> tensor<4x1xf32> {
  %x = tfm.irfft %re, %im {n = 1 : i64, axis = 1 : i64} : tensor<4x1xf32>
  return %x : tensor<4x1xf32>
}

func.func @irfft_long(%re: tensor<2x2049xf32>, %im: tensor<2x2049xf32>) -> tensor<2x4096xf32> {
  %x = tfm.irfft %re, %im {n = 4096 : i64, axis = 1 : i64} : tensor<2x2049xf32>
  return %x : tensor<2x4096xf32>
}
