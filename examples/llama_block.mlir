// One Llama decoder layer (Hugging Face LlamaDecoderLayer) at a small width:
// hidden 256, 8 query heads over 2 KV heads (GQA) of dim 32, MLP width 512.
//
//   h   = x + o_proj(attention(rope(q_proj(n)), rope(k_proj(n)), v_proj(n)))
//   out = h + down_proj(silu(gate_proj(m)) * up_proj(m))
//
// with n = rms_norm(x) and m = rms_norm(h). Weight names are Hugging Face's.
// Batch 1, any length; `positions` holds the position of each token.
func.func @llama_block(%x: tensor<1x?x256xf32>, %positions: tensor<?xi32>)
    -> tensor<1x?x256xf32> {
  %c1 = arith.constant 1 : index
  %len = tensor.dim %x, %c1 : tensor<1x?x256xf32>

  %ln1 = tfm.weight "model.layers.0.input_layernorm.weight" : tensor<256xf32>
  %wq = tfm.weight "model.layers.0.self_attn.q_proj.weight" : tensor<256x256xf32>
  %wk = tfm.weight "model.layers.0.self_attn.k_proj.weight" : tensor<64x256xf32>
  %wv = tfm.weight "model.layers.0.self_attn.v_proj.weight" : tensor<64x256xf32>
  %wo = tfm.weight "model.layers.0.self_attn.o_proj.weight" : tensor<256x256xf32>
  %ln2 = tfm.weight "model.layers.0.post_attention_layernorm.weight" : tensor<256xf32>
  %wg = tfm.weight "model.layers.0.mlp.gate_proj.weight" : tensor<512x256xf32>
  %wu = tfm.weight "model.layers.0.mlp.up_proj.weight" : tensor<512x256xf32>
  %wd = tfm.weight "model.layers.0.mlp.down_proj.weight" : tensor<256x512xf32>

  // Self-attention.
  %n = tfm.norm rms %x scale(%ln1 : tensor<256xf32>) {eps = 1.0e-05 : f64}
      : tensor<1x?x256xf32>
  %q = tfm.linear %n, %wq : tensor<1x?x256xf32>, tensor<256x256xf32>
  %k = tfm.linear %n, %wk : tensor<1x?x256xf32>, tensor<64x256xf32>
  %v = tfm.linear %n, %wv : tensor<1x?x256xf32>, tensor<64x256xf32>

  // [1, L, H*d] -> [1, H, L, d]
  %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [1, %len, 8, 32]
      : tensor<1x?x256xf32> into tensor<1x?x8x32xf32>
  %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, %len, 2, 32]
      : tensor<1x?x64xf32> into tensor<1x?x2x32xf32>
  %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, %len, 2, 32]
      : tensor<1x?x64xf32> into tensor<1x?x2x32xf32>
  %qe = tensor.empty(%len) : tensor<1x8x?x32xf32>
  %kve = tensor.empty(%len) : tensor<1x2x?x32xf32>
  %qh = linalg.transpose ins(%q4 : tensor<1x?x8x32xf32>)
      outs(%qe : tensor<1x8x?x32xf32>) permutation = [0, 2, 1, 3]
  %kh = linalg.transpose ins(%k4 : tensor<1x?x2x32xf32>)
      outs(%kve : tensor<1x2x?x32xf32>) permutation = [0, 2, 1, 3]
  %vh = linalg.transpose ins(%v4 : tensor<1x?x2x32xf32>)
      outs(%kve : tensor<1x2x?x32xf32>) permutation = [0, 2, 1, 3]

  %qr = tfm.rope half %qh, %positions {base = 1.0e4 : f64}
      : tensor<1x8x?x32xf32>, tensor<?xi32>
  %kr = tfm.rope half %kh, %positions {base = 1.0e4 : f64}
      : tensor<1x2x?x32xf32>, tensor<?xi32>
  // scale = 1/sqrt(32)
  %attn = tfm.attention %qr, %kr, %vh scale 0.176776692 mask <causal>
      : tensor<1x8x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>

  // [1, H, L, d] -> [1, L, H*d]
  %oe = tensor.empty(%len) : tensor<1x?x8x32xf32>
  %ot = linalg.transpose ins(%attn : tensor<1x8x?x32xf32>)
      outs(%oe : tensor<1x?x8x32xf32>) permutation = [0, 2, 1, 3]
  %o = tensor.collapse_shape %ot [[0], [1], [2, 3]]
      : tensor<1x?x8x32xf32> into tensor<1x?x256xf32>
  %proj = tfm.linear %o, %wo : tensor<1x?x256xf32>, tensor<256x256xf32>
  %h = arith.addf %x, %proj : tensor<1x?x256xf32>

  // SwiGLU MLP: gate and up projections stacked into one gated linear.
  %wgu = tensor.concat dim(0) %wg, %wu
      : (tensor<512x256xf32>, tensor<512x256xf32>) -> tensor<1024x256xf32>
  %m = tfm.norm rms %h scale(%ln2 : tensor<256xf32>) {eps = 1.0e-05 : f64}
      : tensor<1x?x256xf32>
  %act = tfm.linear %m, %wgu act(silu) gated
      : tensor<1x?x256xf32>, tensor<1024x256xf32>
  %down = tfm.linear %act, %wd : tensor<1x?x512xf32>, tensor<256x512xf32>
  %out = arith.addf %h, %down : tensor<1x?x256xf32>
  return %out : tensor<1x?x256xf32>
}
