// RUN: tfmc %s --emit=so -o %t.so && %python %S/dwconv.py %t.so

// tfm.dwconv, impl(direct): every padding, stride, dilation, bias, rank 1
// and 2, a dynamic length (called with L = 37, 100 and 1).

func.func @direct_zero_bias(%x: tensor<2x5x37xf32>, %w: tensor<5x5xf32>, %b: tensor<5xf32>) -> tensor<2x5x37xf32> {
  %y = tfm.dwconv %x, %w bias(%b : tensor<5xf32>) padding(zero) impl(direct)
      : tensor<2x5x37xf32>, tensor<5x5xf32>
  return %y : tensor<2x5x37xf32>
}

func.func @direct_zero_strided(%x: tensor<2x3x37xf32>, %w: tensor<3x4xf32>) -> tensor<2x3x19xf32> {
  %y = tfm.dwconv %x, %w padding(zero) impl(direct) {stride = array<i64: 2>, dilation = array<i64: 2>}
      : tensor<2x3x37xf32>, tensor<3x4xf32>
  return %y : tensor<2x3x19xf32>
}

func.func @direct_causal(%x: tensor<1x4x?xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) -> tensor<1x4x?xf32> {
  %y = tfm.dwconv %x, %w bias(%b : tensor<4xf32>) padding(causal) impl(direct)
      : tensor<1x4x?xf32>, tensor<4x4xf32>
  return %y : tensor<1x4x?xf32>
}

func.func @direct_circular(%x: tensor<2x3x37xf32>, %w: tensor<3x3xf32>) -> tensor<2x3x37xf32> {
  %y = tfm.dwconv %x, %w padding(circular) impl(direct) : tensor<2x3x37xf32>, tensor<3x3xf32>
  return %y : tensor<2x3x37xf32>
}

func.func @direct_circular_wide(%x: tensor<1x2x5xf32>, %w: tensor<2x9xf32>) -> tensor<1x2x5xf32> {
  %y = tfm.dwconv %x, %w padding(circular) impl(direct) : tensor<1x2x5xf32>, tensor<2x9xf32>
  return %y : tensor<1x2x5xf32>
}

func.func @direct_full(%x: tensor<2x3x37xf32>, %w: tensor<3x6xf32>) -> tensor<2x3x42xf32> {
  %y = tfm.dwconv %x, %w padding(full) impl(direct) : tensor<2x3x37xf32>, tensor<3x6xf32>
  return %y : tensor<2x3x42xf32>
}

func.func @direct_2d_zero(%x: tensor<2x3x11x9xf32>, %w: tensor<3x3x3xf32>, %b: tensor<3xf32>) -> tensor<2x3x6x5xf32> {
  %y = tfm.dwconv %x, %w bias(%b : tensor<3xf32>) padding(zero) impl(direct) {stride = array<i64: 2, 2>}
      : tensor<2x3x11x9xf32>, tensor<3x3x3xf32>
  return %y : tensor<2x3x6x5xf32>
}

func.func @direct_2d_circular(%x: tensor<1x4x7x10xf32>, %w: tensor<4x5x5xf32>) -> tensor<1x4x7x10xf32> {
  %y = tfm.dwconv %x, %w padding(circular) impl(direct) {dilation = array<i64: 1, 2>}
      : tensor<1x4x7x10xf32>, tensor<4x5x5xf32>
  return %y : tensor<1x4x7x10xf32>
}

func.func @direct_2d_full(%x: tensor<1x2x6x5xf32>, %w: tensor<2x3x2xf32>) -> tensor<1x2x10x7xf32> {
  %y = tfm.dwconv %x, %w padding(full) impl(direct) {dilation = array<i64: 2, 2>}
      : tensor<1x2x6x5xf32>, tensor<2x3x2xf32>
  return %y : tensor<1x2x10x7xf32>
}

// impl(fft): the same convolutions through the FFT (fewer of them in 2-D:
// each FFT function costs about a second of compile time).

func.func @fft_zero_dilated(%x: tensor<2x3x37xf32>, %w: tensor<3x4xf32>, %b: tensor<3xf32>) -> tensor<2x3x37xf32> {
  %y = tfm.dwconv %x, %w bias(%b : tensor<3xf32>) padding(zero) impl(fft) {dilation = array<i64: 3>}
      : tensor<2x3x37xf32>, tensor<3x4xf32>
  return %y : tensor<2x3x37xf32>
}

func.func @fft_causal(%x: tensor<1x4x?xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) -> tensor<1x4x?xf32> {
  %y = tfm.dwconv %x, %w bias(%b : tensor<4xf32>) padding(causal) impl(fft)
      : tensor<1x4x?xf32>, tensor<4x4xf32>
  return %y : tensor<1x4x?xf32>
}

func.func @fft_circular(%x: tensor<2x3x37xf32>, %w: tensor<3x3xf32>) -> tensor<2x3x37xf32> {
  %y = tfm.dwconv %x, %w padding(circular) impl(fft) : tensor<2x3x37xf32>, tensor<3x3xf32>
  return %y : tensor<2x3x37xf32>
}

func.func @fft_circular_wide(%x: tensor<1x2x5xf32>, %w: tensor<2x9xf32>) -> tensor<1x2x5xf32> {
  %y = tfm.dwconv %x, %w padding(circular) impl(fft) : tensor<1x2x5xf32>, tensor<2x9xf32>
  return %y : tensor<1x2x5xf32>
}

func.func @fft_full(%x: tensor<2x3x37xf32>, %w: tensor<3x6xf32>) -> tensor<2x3x47xf32> {
  %y = tfm.dwconv %x, %w padding(full) impl(fft) {dilation = array<i64: 2>}
      : tensor<2x3x37xf32>, tensor<3x6xf32>
  return %y : tensor<2x3x47xf32>
}

func.func @fft_2d_circular(%x: tensor<1x4x7x10xf32>, %w: tensor<4x5x5xf32>) -> tensor<1x4x7x10xf32> {
  %y = tfm.dwconv %x, %w padding(circular) impl(fft) {dilation = array<i64: 1, 2>}
      : tensor<1x4x7x10xf32>, tensor<4x5x5xf32>
  return %y : tensor<1x4x7x10xf32>
}

// A long kernel over a long sequence: the case impl(fft) is for.
func.func @fft_long(%x: tensor<1x2x4096xf32>, %w: tensor<2x257xf32>) -> tensor<1x2x4096xf32> {
  %y = tfm.dwconv %x, %w padding(causal) impl(fft) : tensor<1x2x4096xf32>, tensor<2x257xf32>
  return %y : tensor<1x2x4096xf32>
}
