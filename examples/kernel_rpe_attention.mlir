// Kernelized attention with relative positional encoding computed through
// FFTs (Luo et al., "Stable, Fast and Accurate: Kernelized Attention with
// Relative Positional Encoding", NeurIPS 2021) as a token mixer: width 64,
// 4 heads of dim 16, 32 Performer random features, 128 tokens.
//
//   phi(x)  = exp(W x - |x|^2 / 2) / sqrt(m)        on x = q, k scaled by d^-1/4
//   c       = exp(b), b a learned bias per head and relative offset [H, 2L - 1]
//   out_i   = sum_j c_{j-i} phi(q_i).phi(k_j) v_j / sum_j c_{j-i} phi(q_i).phi(k_j)
//
// The Toeplitz products run as FFT convolutions (impl(fft)), O(L log L).
func.func @kernel_rpe_attention(%x: tensor<1x128x64xf32>)
    -> tensor<1x128x64xf32> {
  %wq = tfm.weight "blocks.0.mixer.q_proj.weight" : tensor<64x64xf32>
  %wk = tfm.weight "blocks.0.mixer.k_proj.weight" : tensor<64x64xf32>
  %wv = tfm.weight "blocks.0.mixer.v_proj.weight" : tensor<64x64xf32>
  %wo = tfm.weight "blocks.0.mixer.o_proj.weight" : tensor<64x64xf32>
  %bo = tfm.weight "blocks.0.mixer.o_proj.bias" : tensor<64xf32>
  %features = tfm.weight "blocks.0.mixer.random_features" : tensor<32x16xf32>
  %rpe = tfm.weight "blocks.0.mixer.rpe_bias" : tensor<4x255xf32>

  %q = tfm.linear %x, %wq : tensor<1x128x64xf32>, tensor<64x64xf32>
  %k = tfm.linear %x, %wk : tensor<1x128x64xf32>, tensor<64x64xf32>
  %v = tfm.linear %x, %wv : tensor<1x128x64xf32>, tensor<64x64xf32>

  // [1, L, H*d] -> [1, H, L, d]
  %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [1, 128, 4, 16]
      : tensor<1x128x64xf32> into tensor<1x128x4x16xf32>
  %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, 128, 4, 16]
      : tensor<1x128x64xf32> into tensor<1x128x4x16xf32>
  %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, 128, 4, 16]
      : tensor<1x128x64xf32> into tensor<1x128x4x16xf32>
  %heads = tensor.empty() : tensor<1x4x128x16xf32>
  %qh = linalg.transpose ins(%q4 : tensor<1x128x4x16xf32>)
      outs(%heads : tensor<1x4x128x16xf32>) permutation = [0, 2, 1, 3]
  %kh = linalg.transpose ins(%k4 : tensor<1x128x4x16xf32>)
      outs(%heads : tensor<1x4x128x16xf32>) permutation = [0, 2, 1, 3]
  %vh = linalg.transpose ins(%v4 : tensor<1x128x4x16xf32>)
      outs(%heads : tensor<1x4x128x16xf32>) permutation = [0, 2, 1, 3]

  // Performer scales its inputs by d^-1/4 = 0.5 before the feature map.
  %quarter_root = arith.constant dense<0.5> : tensor<1x4x128x16xf32>
  %qs = arith.mulf %qh, %quarter_root : tensor<1x4x128x16xf32>
  %ks = arith.mulf %kh, %quarter_root : tensor<1x4x128x16xf32>
  %fq = tfm.feature_map performer %qs projection(%features : tensor<32x16xf32>)
      : tensor<1x4x128x16xf32>
  %fk = tfm.feature_map performer %ks projection(%features : tensor<32x16xf32>)
      : tensor<1x4x128x16xf32>

  %c = math.exp %rpe : tensor<4x255xf32>
  %attn = tfm.linear_attention %fq, %fk, %vh toeplitz(%c : tensor<4x255xf32>)
      impl(fft)
      : tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>, tensor<1x4x128x16xf32>

  // [1, H, L, d] -> [1, L, H*d]
  %tokens = tensor.empty() : tensor<1x128x4x16xf32>
  %ot = linalg.transpose ins(%attn : tensor<1x4x128x16xf32>)
      outs(%tokens : tensor<1x128x4x16xf32>) permutation = [0, 2, 1, 3]
  %o = tensor.collapse_shape %ot [[0], [1], [2, 3]]
      : tensor<1x128x4x16xf32> into tensor<1x128x64xf32>
  %out = tfm.linear %o, %wo bias(%bo : tensor<64xf32>)
      : tensor<1x128x64xf32>, tensor<64x64xf32>
  return %out : tensor<1x128x64xf32>
}
