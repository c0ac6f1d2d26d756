// A SLAB token mixer (Guo et al., "SLAB: Efficient Transformers with
// Simplified Linear Attention and Progressive Re-parameterized Batch
// Normalization", ICML 2024) over a 14x14 grid of 64-wide tokens, 2 heads:
//
//   n   = RepBN(x), an inference-time per-channel affine norm x*s + t
//   out = proj(linear_attention(relu(q), relu(k + P), v) + dwconv5x5(v))
//
// The affine norm folds into the q/k/v projections (tfm-fold-affine-norm);
// the 5x5 depthwise conv runs on v laid out as an image.
func.func @slab_linear_attention(%x: tensor<1x196x64xf32>)
    -> tensor<1x196x64xf32> {
  %bn_s = tfm.weight "blocks.0.norm1.scale" : tensor<64xf32>
  %bn_t = tfm.weight "blocks.0.norm1.shift" : tensor<64xf32>
  %wq = tfm.weight "blocks.0.attn.q.weight" : tensor<64x64xf32>
  %wk = tfm.weight "blocks.0.attn.k.weight" : tensor<64x64xf32>
  %wv = tfm.weight "blocks.0.attn.v.weight" : tensor<64x64xf32>
  %pos = tfm.weight "blocks.0.attn.positional_encoding" : tensor<1x196x64xf32>
  %dwc_w = tfm.weight "blocks.0.attn.dwc.weight" : tensor<64x5x5xf32>
  %dwc_b = tfm.weight "blocks.0.attn.dwc.bias" : tensor<64xf32>
  %wp = tfm.weight "blocks.0.attn.proj.weight" : tensor<64x64xf32>
  %bp = tfm.weight "blocks.0.attn.proj.bias" : tensor<64xf32>

  %n = tfm.norm affine %x scale(%bn_s : tensor<64xf32>)
      shift(%bn_t : tensor<64xf32>) : tensor<1x196x64xf32>
  %q = tfm.linear %n, %wq : tensor<1x196x64xf32>, tensor<64x64xf32>
  %k0 = tfm.linear %n, %wk : tensor<1x196x64xf32>, tensor<64x64xf32>
  %v = tfm.linear %n, %wv : tensor<1x196x64xf32>, tensor<64x64xf32>
  // The learned positional term is added to k before the feature map.
  %k = arith.addf %k0, %pos : tensor<1x196x64xf32>

  // [1, L, H*d] -> [1, H, L, d]
  %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [1, 196, 2, 32]
      : tensor<1x196x64xf32> into tensor<1x196x2x32xf32>
  %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, 196, 2, 32]
      : tensor<1x196x64xf32> into tensor<1x196x2x32xf32>
  %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, 196, 2, 32]
      : tensor<1x196x64xf32> into tensor<1x196x2x32xf32>
  %heads = tensor.empty() : tensor<1x2x196x32xf32>
  %qh = linalg.transpose ins(%q4 : tensor<1x196x2x32xf32>)
      outs(%heads : tensor<1x2x196x32xf32>) permutation = [0, 2, 1, 3]
  %kh = linalg.transpose ins(%k4 : tensor<1x196x2x32xf32>)
      outs(%heads : tensor<1x2x196x32xf32>) permutation = [0, 2, 1, 3]
  %vh = linalg.transpose ins(%v4 : tensor<1x196x2x32xf32>)
      outs(%heads : tensor<1x2x196x32xf32>) permutation = [0, 2, 1, 3]

  %fq = tfm.feature_map relu %qh : tensor<1x2x196x32xf32>
  %fk = tfm.feature_map relu %kh : tensor<1x2x196x32xf32>
  %attn = tfm.linear_attention %fq, %fk, %vh impl(direct) {eps = 1.0e-06 : f64}
      : tensor<1x2x196x32xf32>, tensor<1x2x196x32xf32>, tensor<1x2x196x32xf32>
  %tokens = tensor.empty() : tensor<1x196x2x32xf32>
  %at = linalg.transpose ins(%attn : tensor<1x2x196x32xf32>)
      outs(%tokens : tensor<1x196x2x32xf32>) permutation = [0, 2, 1, 3]
  %am = tensor.collapse_shape %at [[0], [1], [2, 3]]
      : tensor<1x196x2x32xf32> into tensor<1x196x64xf32>

  // Depthwise 5x5 conv on v as a [1, 64, 14, 14] image.
  %v_img = tensor.expand_shape %v [[0], [1, 2], [3]] output_shape [1, 14, 14, 64]
      : tensor<1x196x64xf32> into tensor<1x14x14x64xf32>
  %chw = tensor.empty() : tensor<1x64x14x14xf32>
  %v_chw = linalg.transpose ins(%v_img : tensor<1x14x14x64xf32>)
      outs(%chw : tensor<1x64x14x14xf32>) permutation = [0, 3, 1, 2]
  %conv = tfm.dwconv %v_chw, %dwc_w bias(%dwc_b : tensor<64xf32>)
      padding(zero) impl(direct) : tensor<1x64x14x14xf32>, tensor<64x5x5xf32>
  %hwc = tensor.empty() : tensor<1x14x14x64xf32>
  %conv_hwc = linalg.transpose ins(%conv : tensor<1x64x14x14xf32>)
      outs(%hwc : tensor<1x14x14x64xf32>) permutation = [0, 2, 3, 1]
  %conv_tokens = tensor.collapse_shape %conv_hwc [[0], [1, 2], [3]]
      : tensor<1x14x14x64xf32> into tensor<1x196x64xf32>

  %mixed = arith.addf %am, %conv_tokens : tensor<1x196x64xf32>
  %out = tfm.linear %mixed, %wp bias(%bp : tensor<64xf32>)
      : tensor<1x196x64xf32>, tensor<64x64xf32>
  return %out : tensor<1x196x64xf32>
}
