// Kernelized attention with FFT relative positions (Luo et al. 2021), f32:
// H = 16 heads, m = 32 positive features, dv = 64, two-sided Toeplitz
// coefficients c [H, 2S − 1]; B and S dynamic (bench.py: B = 4, S = 4k/8k/16k/64k).
func.func @kernel_rpe(%fq: tensor<?x16x?x32xf32>, %fk: tensor<?x16x?x32xf32>,
                      %v: tensor<?x16x?x64xf32>, %c: tensor<16x?xf32>) -> tensor<?x16x?x64xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<16x?xf32>) impl(fft)
      : tensor<?x16x?x32xf32>, tensor<?x16x?x32xf32>, tensor<?x16x?x64xf32>
  return %o : tensor<?x16x?x64xf32>
}
