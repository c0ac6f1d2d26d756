// One BLOOM block (Hugging Face BloomBlock names): ALiBi instead of position
// embeddings, a fused query_key_value projection laid out per head as
// [H, 3, d], layer norms with bias and a GELU (tanh) MLP. Hidden 128, 4 heads
// of dim 32. A right-padded batch of 2 sequences: `kv_len` holds each
// sequence's true length, and keys past it are masked out.
func.func @alibi_attention(%x: tensor<2x?x128xf32>, %kv_len: tensor<2xi32>)
    -> tensor<2x?x128xf32> {
  %c1 = arith.constant 1 : index
  %len = tensor.dim %x, %c1 : tensor<2x?x128xf32>

  %ln1_w = tfm.weight "h.0.input_layernorm.weight" : tensor<128xf32>
  %ln1_b = tfm.weight "h.0.input_layernorm.bias" : tensor<128xf32>
  %qkv_w = tfm.weight "h.0.self_attention.query_key_value.weight" : tensor<384x128xf32>
  %qkv_b = tfm.weight "h.0.self_attention.query_key_value.bias" : tensor<384xf32>
  %dense_w = tfm.weight "h.0.self_attention.dense.weight" : tensor<128x128xf32>
  %dense_b = tfm.weight "h.0.self_attention.dense.bias" : tensor<128xf32>
  %ln2_w = tfm.weight "h.0.post_attention_layernorm.weight" : tensor<128xf32>
  %ln2_b = tfm.weight "h.0.post_attention_layernorm.bias" : tensor<128xf32>
  %up_w = tfm.weight "h.0.mlp.dense_h_to_4h.weight" : tensor<512x128xf32>
  %up_b = tfm.weight "h.0.mlp.dense_h_to_4h.bias" : tensor<512xf32>
  %down_w = tfm.weight "h.0.mlp.dense_4h_to_h.weight" : tensor<128x512xf32>
  %down_b = tfm.weight "h.0.mlp.dense_4h_to_h.bias" : tensor<128xf32>

  %n = tfm.norm layer %x scale(%ln1_w : tensor<128xf32>)
      shift(%ln1_b : tensor<128xf32>) : tensor<2x?x128xf32>
  %qkv = tfm.linear %n, %qkv_w bias(%qkv_b : tensor<384xf32>)
      : tensor<2x?x128xf32>, tensor<384x128xf32>
  // [2, L, H*3*d] -> [2, L, H, 3, d]; pick q, k and v -> [2, H, L, d].
  %qkv5 = tensor.expand_shape %qkv [[0], [1], [2, 3, 4]]
      output_shape [2, %len, 4, 3, 32]
      : tensor<2x?x384xf32> into tensor<2x?x4x3x32xf32>
  %q = tensor.extract_slice %qkv5[0, 0, 0, 0, 0] [2, %len, 4, 1, 32] [1, 1, 1, 1, 1]
      : tensor<2x?x4x3x32xf32> to tensor<2x?x4x32xf32>
  %k = tensor.extract_slice %qkv5[0, 0, 0, 1, 0] [2, %len, 4, 1, 32] [1, 1, 1, 1, 1]
      : tensor<2x?x4x3x32xf32> to tensor<2x?x4x32xf32>
  %v = tensor.extract_slice %qkv5[0, 0, 0, 2, 0] [2, %len, 4, 1, 32] [1, 1, 1, 1, 1]
      : tensor<2x?x4x3x32xf32> to tensor<2x?x4x32xf32>
  %heads = tensor.empty(%len) : tensor<2x4x?x32xf32>
  %qh = linalg.transpose ins(%q : tensor<2x?x4x32xf32>)
      outs(%heads : tensor<2x4x?x32xf32>) permutation = [0, 2, 1, 3]
  %kh = linalg.transpose ins(%k : tensor<2x?x4x32xf32>)
      outs(%heads : tensor<2x4x?x32xf32>) permutation = [0, 2, 1, 3]
  %vh = linalg.transpose ins(%v : tensor<2x?x4x32xf32>)
      outs(%heads : tensor<2x4x?x32xf32>) permutation = [0, 2, 1, 3]

  // Slopes 2^(-8h/H) come from the head count; scale = 1/sqrt(32).
  %attn = tfm.attention %qh, %kh, %vh scale 0.176776692 mask <causal>
      pos_bias <alibi> kv_len(%kv_len : tensor<2xi32>)
      : tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>

  %tokens = tensor.empty(%len) : tensor<2x?x4x32xf32>
  %at = linalg.transpose ins(%attn : tensor<2x4x?x32xf32>)
      outs(%tokens : tensor<2x?x4x32xf32>) permutation = [0, 2, 1, 3]
  %am = tensor.collapse_shape %at [[0], [1], [2, 3]]
      : tensor<2x?x4x32xf32> into tensor<2x?x128xf32>
  %proj = tfm.linear %am, %dense_w bias(%dense_b : tensor<128xf32>)
      : tensor<2x?x128xf32>, tensor<128x128xf32>
  %h = arith.addf %x, %proj : tensor<2x?x128xf32>

  %m = tfm.norm layer %h scale(%ln2_w : tensor<128xf32>)
      shift(%ln2_b : tensor<128xf32>) : tensor<2x?x128xf32>
  %up = tfm.linear %m, %up_w bias(%up_b : tensor<512xf32>) act(gelu_tanh)
      : tensor<2x?x128xf32>, tensor<512x128xf32>
  %down = tfm.linear %up, %down_w bias(%down_b : tensor<128xf32>)
      : tensor<2x?x512xf32>, tensor<128x512xf32>
  %out = arith.addf %h, %down : tensor<2x?x128xf32>
  return %out : tensor<2x?x128xf32>
}
