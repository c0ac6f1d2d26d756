// One Mamba block (Hugging Face MambaBlock with its MambaMixer) at a small
// width: d_model 64, d_inner 128, state size 16, dt rank 4, conv kernel 4.
//
//   x, z = split(in_proj(rms_norm(h)))
//   u    = silu(causal_conv1d(x))
//   dt, B, C = split(x_proj(u));  dt = dt_proj(dt)
//   y    = selective_scan(u, dt, A = -exp(A_log), B, C, D, z,
//                         delta_bias = dt_proj.bias, softplus)
//   out  = h + out_proj(y)
//
// The scan runs over [B, D, L] (channels first); the projections over
// [B, L, D]. Also returns the final SSM state, which a decode step feeds
// back as `initial_state`. Batch 1, any length.
func.func @mamba_block(%h: tensor<1x?x64xf32>)
    -> (tensor<1x?x64xf32>, tensor<1x128x16xf32>) {
  %c1 = arith.constant 1 : index
  %len = tensor.dim %h, %c1 : tensor<1x?x64xf32>

  %norm_w = tfm.weight "backbone.layers.0.norm.weight" : tensor<64xf32>
  %in_w = tfm.weight "backbone.layers.0.mixer.in_proj.weight" : tensor<256x64xf32>
  %conv_w3 = tfm.weight "backbone.layers.0.mixer.conv1d.weight" : tensor<128x1x4xf32>
  %conv_b = tfm.weight "backbone.layers.0.mixer.conv1d.bias" : tensor<128xf32>
  %xproj_w = tfm.weight "backbone.layers.0.mixer.x_proj.weight" : tensor<36x128xf32>
  %dt_w = tfm.weight "backbone.layers.0.mixer.dt_proj.weight" : tensor<128x4xf32>
  %dt_b = tfm.weight "backbone.layers.0.mixer.dt_proj.bias" : tensor<128xf32>
  %a_log = tfm.weight "backbone.layers.0.mixer.A_log" : tensor<128x16xf32>
  %d_skip = tfm.weight "backbone.layers.0.mixer.D" : tensor<128xf32>
  %out_w = tfm.weight "backbone.layers.0.mixer.out_proj.weight" : tensor<64x128xf32>

  %n = tfm.norm rms %h scale(%norm_w : tensor<64xf32>) {eps = 1.0e-05 : f64}
      : tensor<1x?x64xf32>
  %xz = tfm.linear %n, %in_w : tensor<1x?x64xf32>, tensor<256x64xf32>
  %x = tensor.extract_slice %xz[0, 0, 0] [1, %len, 128] [1, 1, 1]
      : tensor<1x?x256xf32> to tensor<1x?x128xf32>
  %z = tensor.extract_slice %xz[0, 0, 128] [1, %len, 128] [1, 1, 1]
      : tensor<1x?x256xf32> to tensor<1x?x128xf32>
  %cl_empty = tensor.empty(%len) : tensor<1x128x?xf32>
  %x_cl = linalg.transpose ins(%x : tensor<1x?x128xf32>)
      outs(%cl_empty : tensor<1x128x?xf32>) permutation = [0, 2, 1]
  %z_cl = linalg.transpose ins(%z : tensor<1x?x128xf32>)
      outs(%cl_empty : tensor<1x128x?xf32>) permutation = [0, 2, 1]

  // Depthwise causal conv1d; PyTorch stores its weight as [C, 1, k].
  %conv_w = tensor.collapse_shape %conv_w3 [[0, 1], [2]]
      : tensor<128x1x4xf32> into tensor<128x4xf32>
  %conv = tfm.dwconv %x_cl, %conv_w bias(%conv_b : tensor<128xf32>)
      padding(causal) impl(direct) : tensor<1x128x?xf32>, tensor<128x4xf32>
  %u = tfm.activation silu %conv : tensor<1x128x?xf32>

  // Input-dependent dt, B and C.
  %lc_empty = tensor.empty(%len) : tensor<1x?x128xf32>
  %u_lc = linalg.transpose ins(%u : tensor<1x128x?xf32>)
      outs(%lc_empty : tensor<1x?x128xf32>) permutation = [0, 2, 1]
  %dbc = tfm.linear %u_lc, %xproj_w : tensor<1x?x128xf32>, tensor<36x128xf32>
  %dt_r = tensor.extract_slice %dbc[0, 0, 0] [1, %len, 4] [1, 1, 1]
      : tensor<1x?x36xf32> to tensor<1x?x4xf32>
  %b_lc = tensor.extract_slice %dbc[0, 0, 4] [1, %len, 16] [1, 1, 1]
      : tensor<1x?x36xf32> to tensor<1x?x16xf32>
  %c_lc = tensor.extract_slice %dbc[0, 0, 20] [1, %len, 16] [1, 1, 1]
      : tensor<1x?x36xf32> to tensor<1x?x16xf32>
  %dt = tfm.linear %dt_r, %dt_w : tensor<1x?x4xf32>, tensor<128x4xf32>
  %dt_cl = linalg.transpose ins(%dt : tensor<1x?x128xf32>)
      outs(%cl_empty : tensor<1x128x?xf32>) permutation = [0, 2, 1]
  %nl_empty = tensor.empty(%len) : tensor<1x16x?xf32>
  %b_nl = linalg.transpose ins(%b_lc : tensor<1x?x16xf32>)
      outs(%nl_empty : tensor<1x16x?xf32>) permutation = [0, 2, 1]
  %c_nl = linalg.transpose ins(%c_lc : tensor<1x?x16xf32>)
      outs(%nl_empty : tensor<1x16x?xf32>) permutation = [0, 2, 1]
  // One group: [B, N, L] -> [B, 1, N, L].
  %b = tensor.expand_shape %b_nl [[0, 1], [2], [3]] output_shape [1, 1, 16, %len]
      : tensor<1x16x?xf32> into tensor<1x1x16x?xf32>
  %c = tensor.expand_shape %c_nl [[0, 1], [2], [3]] output_shape [1, 1, 16, %len]
      : tensor<1x16x?xf32> into tensor<1x1x16x?xf32>

  %a_exp = math.exp %a_log : tensor<128x16xf32>
  %a = arith.negf %a_exp : tensor<128x16xf32>
  %y, %state = tfm.selective_scan %u, %dt_cl, %a, %b, %c
      D(%d_skip : tensor<128xf32>) z(%z_cl : tensor<1x128x?xf32>)
      delta_bias(%dt_b : tensor<128xf32>) delta_softplus
      : tensor<1x128x?xf32>, tensor<128x16xf32>, tensor<1x1x16x?xf32>

  %y_lc = linalg.transpose ins(%y : tensor<1x128x?xf32>)
      outs(%lc_empty : tensor<1x?x128xf32>) permutation = [0, 2, 1]
  %out = tfm.linear %y_lc, %out_w residual(%h : tensor<1x?x64xf32>)
      : tensor<1x?x128xf32>, tensor<64x128xf32>
  return %out, %state : tensor<1x?x64xf32>, tensor<1x128x16xf32>
}
