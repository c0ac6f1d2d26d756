// The attention of T5 (Hugging Face T5Model names): an encoder layer with
// bidirectional relative-position buckets and a ReLU FFN, then a decoder's
// causal self-attention with unidirectional buckets and its cross-attention
// to the encoder output. d_model 128, 4 heads of dim 32, 32 buckets up to
// distance 128. T5 does not scale scores (scale 1.0) and its layer norm is
// an RMS norm. Source and target lengths are independent and dynamic.
func.func @t5_attention(%src: tensor<1x?x128xf32>, %tgt: tensor<1x?x128xf32>)
    -> (tensor<1x?x128xf32>, tensor<1x?x128xf32>) {
  %c1 = arith.constant 1 : index
  %ls = tensor.dim %src, %c1 : tensor<1x?x128xf32>
  %lt = tensor.dim %tgt, %c1 : tensor<1x?x128xf32>

  %e_ln0 = tfm.weight "encoder.block.0.layer.0.layer_norm.weight" : tensor<128xf32>
  %e_q = tfm.weight "encoder.block.0.layer.0.SelfAttention.q.weight" : tensor<128x128xf32>
  %e_k = tfm.weight "encoder.block.0.layer.0.SelfAttention.k.weight" : tensor<128x128xf32>
  %e_v = tfm.weight "encoder.block.0.layer.0.SelfAttention.v.weight" : tensor<128x128xf32>
  %e_o = tfm.weight "encoder.block.0.layer.0.SelfAttention.o.weight" : tensor<128x128xf32>
  %e_rel = tfm.weight "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight" : tensor<32x4xf32>
  %e_ln1 = tfm.weight "encoder.block.0.layer.1.layer_norm.weight" : tensor<128xf32>
  %e_wi = tfm.weight "encoder.block.0.layer.1.DenseReluDense.wi.weight" : tensor<512x128xf32>
  %e_wo = tfm.weight "encoder.block.0.layer.1.DenseReluDense.wo.weight" : tensor<128x512xf32>
  %e_lnf = tfm.weight "encoder.final_layer_norm.weight" : tensor<128xf32>
  %d_ln0 = tfm.weight "decoder.block.0.layer.0.layer_norm.weight" : tensor<128xf32>
  %d_q = tfm.weight "decoder.block.0.layer.0.SelfAttention.q.weight" : tensor<128x128xf32>
  %d_k = tfm.weight "decoder.block.0.layer.0.SelfAttention.k.weight" : tensor<128x128xf32>
  %d_v = tfm.weight "decoder.block.0.layer.0.SelfAttention.v.weight" : tensor<128x128xf32>
  %d_o = tfm.weight "decoder.block.0.layer.0.SelfAttention.o.weight" : tensor<128x128xf32>
  %d_rel = tfm.weight "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight" : tensor<32x4xf32>
  %x_ln = tfm.weight "decoder.block.0.layer.1.layer_norm.weight" : tensor<128xf32>
  %x_q = tfm.weight "decoder.block.0.layer.1.EncDecAttention.q.weight" : tensor<128x128xf32>
  %x_k = tfm.weight "decoder.block.0.layer.1.EncDecAttention.k.weight" : tensor<128x128xf32>
  %x_v = tfm.weight "decoder.block.0.layer.1.EncDecAttention.v.weight" : tensor<128x128xf32>
  %x_o = tfm.weight "decoder.block.0.layer.1.EncDecAttention.o.weight" : tensor<128x128xf32>

  %src_heads = tensor.empty(%ls) : tensor<1x4x?x32xf32>
  %src_tokens = tensor.empty(%ls) : tensor<1x?x4x32xf32>
  %tgt_heads = tensor.empty(%lt) : tensor<1x4x?x32xf32>
  %tgt_tokens = tensor.empty(%lt) : tensor<1x?x4x32xf32>

  // Encoder self-attention: bidirectional buckets.
  %en = tfm.norm rms %src scale(%e_ln0 : tensor<128xf32>) {eps = 1.0e-06 : f64}
      : tensor<1x?x128xf32>
  %eq = tfm.linear %en, %e_q : tensor<1x?x128xf32>, tensor<128x128xf32>
  %ek = tfm.linear %en, %e_k : tensor<1x?x128xf32>, tensor<128x128xf32>
  %ev = tfm.linear %en, %e_v : tensor<1x?x128xf32>, tensor<128x128xf32>
  %eq4 = tensor.expand_shape %eq [[0], [1], [2, 3]] output_shape [1, %ls, 4, 32]
      : tensor<1x?x128xf32> into tensor<1x?x4x32xf32>
  %ek4 = tensor.expand_shape %ek [[0], [1], [2, 3]] output_shape [1, %ls, 4, 32]
      : tensor<1x?x128xf32> into tensor<1x?x4x32xf32>
  %ev4 = tensor.expand_shape %ev [[0], [1], [2, 3]] output_shape [1, %ls, 4, 32]
      : tensor<1x?x128xf32> into tensor<1x?x4x32xf32>
  %eqh = linalg.transpose ins(%eq4 : tensor<1x?x4x32xf32>)
      outs(%src_heads : tensor<1x4x?x32xf32>) permutation = [0, 2, 1, 3]
  %ekh = linalg.transpose ins(%ek4 : tensor<1x?x4x32xf32>)
      outs(%src_heads : tensor<1x4x?x32xf32>) permutation = [0, 2, 1, 3]
  %evh = linalg.transpose ins(%ev4 : tensor<1x?x4x32xf32>)
      outs(%src_heads : tensor<1x4x?x32xf32>) permutation = [0, 2, 1, 3]
  %ea = tfm.attention %eqh, %ekh, %evh scale 1.0
      pos_bias <t5 buckets 32, max_distance 128, bidirectional>
      bias(%e_rel : tensor<32x4xf32>)
      : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>
  %eat = linalg.transpose ins(%ea : tensor<1x4x?x32xf32>)
      outs(%src_tokens : tensor<1x?x4x32xf32>) permutation = [0, 2, 1, 3]
  %eam = tensor.collapse_shape %eat [[0], [1], [2, 3]]
      : tensor<1x?x4x32xf32> into tensor<1x?x128xf32>
  %eh = tfm.linear %eam, %e_o residual(%src : tensor<1x?x128xf32>)
      : tensor<1x?x128xf32>, tensor<128x128xf32>

  // Encoder FFN and final norm.
  %fn = tfm.norm rms %eh scale(%e_ln1 : tensor<128xf32>) {eps = 1.0e-06 : f64}
      : tensor<1x?x128xf32>
  %ff = tfm.linear %fn, %e_wi act(relu) : tensor<1x?x128xf32>, tensor<512x128xf32>
  %eo = tfm.linear %ff, %e_wo residual(%eh : tensor<1x?x128xf32>)
      : tensor<1x?x512xf32>, tensor<128x512xf32>
  %memory = tfm.norm rms %eo scale(%e_lnf : tensor<128xf32>) {eps = 1.0e-06 : f64}
      : tensor<1x?x128xf32>

  // Decoder self-attention: causal, unidirectional buckets.
  %dn = tfm.norm rms %tgt scale(%d_ln0 : tensor<128xf32>) {eps = 1.0e-06 : f64}
      : tensor<1x?x128xf32>
  %dq = tfm.linear %dn, %d_q : tensor<1x?x128xf32>, tensor<128x128xf32>
  %dk = tfm.linear %dn, %d_k : tensor<1x?x128xf32>, tensor<128x128xf32>
  %dv = tfm.linear %dn, %d_v : tensor<1x?x128xf32>, tensor<128x128xf32>
  %dq4 = tensor.expand_shape %dq [[0], [1], [2, 3]] output_shape [1, %lt, 4, 32]
      : tensor<1x?x128xf32> into tensor<1x?x4x32xf32>
  %dk4 = tensor.expand_shape %dk [[0], [1], [2, 3]] output_shape [1, %lt, 4, 32]
      : tensor<1x?x128xf32> into tensor<1x?x4x32xf32>
  %dv4 = tensor.expand_shape %dv [[0], [1], [2, 3]] output_shape [1, %lt, 4, 32]
      : tensor<1x?x128xf32> into tensor<1x?x4x32xf32>
  %dqh = linalg.transpose ins(%dq4 : tensor<1x?x4x32xf32>)
      outs(%tgt_heads : tensor<1x4x?x32xf32>) permutation = [0, 2, 1, 3]
  %dkh = linalg.transpose ins(%dk4 : tensor<1x?x4x32xf32>)
      outs(%tgt_heads : tensor<1x4x?x32xf32>) permutation = [0, 2, 1, 3]
  %dvh = linalg.transpose ins(%dv4 : tensor<1x?x4x32xf32>)
      outs(%tgt_heads : tensor<1x4x?x32xf32>) permutation = [0, 2, 1, 3]
  %da = tfm.attention %dqh, %dkh, %dvh scale 1.0 mask <causal>
      pos_bias <t5 buckets 32, max_distance 128, unidirectional>
      bias(%d_rel : tensor<32x4xf32>)
      : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>
  %dat = linalg.transpose ins(%da : tensor<1x4x?x32xf32>)
      outs(%tgt_tokens : tensor<1x?x4x32xf32>) permutation = [0, 2, 1, 3]
  %dam = tensor.collapse_shape %dat [[0], [1], [2, 3]]
      : tensor<1x?x4x32xf32> into tensor<1x?x128xf32>
  %dh = tfm.linear %dam, %d_o residual(%tgt : tensor<1x?x128xf32>)
      : tensor<1x?x128xf32>, tensor<128x128xf32>

  // Cross-attention: target queries over the encoder memory, no bias.
  %xn = tfm.norm rms %dh scale(%x_ln : tensor<128xf32>) {eps = 1.0e-06 : f64}
      : tensor<1x?x128xf32>
  %xq = tfm.linear %xn, %x_q : tensor<1x?x128xf32>, tensor<128x128xf32>
  %xk = tfm.linear %memory, %x_k : tensor<1x?x128xf32>, tensor<128x128xf32>
  %xv = tfm.linear %memory, %x_v : tensor<1x?x128xf32>, tensor<128x128xf32>
  %xq4 = tensor.expand_shape %xq [[0], [1], [2, 3]] output_shape [1, %lt, 4, 32]
      : tensor<1x?x128xf32> into tensor<1x?x4x32xf32>
  %xk4 = tensor.expand_shape %xk [[0], [1], [2, 3]] output_shape [1, %ls, 4, 32]
      : tensor<1x?x128xf32> into tensor<1x?x4x32xf32>
  %xv4 = tensor.expand_shape %xv [[0], [1], [2, 3]] output_shape [1, %ls, 4, 32]
      : tensor<1x?x128xf32> into tensor<1x?x4x32xf32>
  %xqh = linalg.transpose ins(%xq4 : tensor<1x?x4x32xf32>)
      outs(%tgt_heads : tensor<1x4x?x32xf32>) permutation = [0, 2, 1, 3]
  %xkh = linalg.transpose ins(%xk4 : tensor<1x?x4x32xf32>)
      outs(%src_heads : tensor<1x4x?x32xf32>) permutation = [0, 2, 1, 3]
  %xvh = linalg.transpose ins(%xv4 : tensor<1x?x4x32xf32>)
      outs(%src_heads : tensor<1x4x?x32xf32>) permutation = [0, 2, 1, 3]
  %xa = tfm.attention %xqh, %xkh, %xvh scale 1.0
      : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>
  %xat = linalg.transpose ins(%xa : tensor<1x4x?x32xf32>)
      outs(%tgt_tokens : tensor<1x?x4x32xf32>) permutation = [0, 2, 1, 3]
  %xam = tensor.collapse_shape %xat [[0], [1], [2, 3]]
      : tensor<1x?x4x32xf32> into tensor<1x?x128xf32>
  %out = tfm.linear %xam, %x_o residual(%dh : tensor<1x?x128xf32>)
      : tensor<1x?x128xf32>, tensor<128x128xf32>
  return %memory, %out : tensor<1x?x128xf32>, tensor<1x?x128xf32>
}
