// Kernelized attention with FFT relative positions (tfm.linear_attention
// with Toeplitz coefficients, impl fft) at lengths past one block's shared
// memory: L = 9000 (M = 32768) and 16384 causal take the four-step FFT; the
// dynamic cases run at lengths of every form (shared memory of 1024, 8192
// and 16384 points, and four steps up to L = 65536, M = 131072); bf16
// storage at L = 1000 and 20000. Run on the GPU by test/gpu/validate.py
// (checker: kernel_rpe.py, f32 to 1e-4, bf16 to 2e-2); here only compiled.
// RUN: tfmc %s --target=cuda --emit=ptx -o %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90 %t.ptx -o /dev/null %}
// CHECK-DAG: .entry toeplitz_spectrum_columns
// CHECK-DAG: .entry toeplitz_spectrum_rows
// CHECK-DAG: .entry toeplitz_columns
// CHECK-DAG: .entry toeplitz_rows
// CHECK-DAG: .entry toeplitz_accumulate
// CHECK-DAG: .entry toeplitz_attention_fft
// CHECK-DAG: .entry toeplitz_causal_weights
// CHECK-DAG: .entry toeplitz_normalize_causal

func.func @rpe_9000(%fq: tensor<1x2x9000x5xf32>, %fk: tensor<1x2x9000x5xf32>,
                    %v: tensor<1x2x9000x6xf32>, %c: tensor<2x17999xf32>)
    -> tensor<1x2x9000x6xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<2x17999xf32>) impl(fft)
      : tensor<1x2x9000x5xf32>, tensor<1x2x9000x5xf32>, tensor<1x2x9000x6xf32>
  return %o : tensor<1x2x9000x6xf32>
}

func.func @rpe_causal_16384(%fq: tensor<1x1x16384x4xf32>, %fk: tensor<1x1x16384x4xf32>,
                            %v: tensor<1x1x16384x4xf32>, %c: tensor<1x32767xf32>)
    -> tensor<1x1x16384x4xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<1x32767xf32>) causal impl(fft)
      : tensor<1x1x16384x4xf32>, tensor<1x1x16384x4xf32>, tensor<1x1x16384x4xf32>
  return %o : tensor<1x1x16384x4xf32>
}

func.func @rpe_dynamic(%fq: tensor<1x2x?x4xf32>, %fk: tensor<1x2x?x4xf32>,
                       %v: tensor<1x2x?x3xf32>, %c: tensor<2x?xf32>)
    -> tensor<1x2x?x3xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<2x?xf32>) impl(fft)
      : tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x3xf32>
  return %o : tensor<1x2x?x3xf32>
}

func.func @rpe_causal_dynamic(%fq: tensor<1x1x?x4xf32>, %fk: tensor<1x1x?x4xf32>,
                              %v: tensor<1x1x?x4xf32>, %c: tensor<1x?xf32>)
    -> tensor<1x1x?x4xf32> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<1x?xf32>) causal impl(fft)
      : tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>
  return %o : tensor<1x1x?x4xf32>
}

func.func @rpe_bf16(%fq: tensor<2x2x?x8xbf16>, %fk: tensor<2x2x?x8xbf16>,
                    %v: tensor<2x2x?x8xbf16>, %c: tensor<2x?xbf16>)
    -> tensor<2x2x?x8xbf16> {
  %o = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<2x?xbf16>) impl(fft)
      : tensor<2x2x?x8xbf16>, tensor<2x2x?x8xbf16>, tensor<2x2x?x8xbf16>
  return %o : tensor<2x2x?x8xbf16>
}
