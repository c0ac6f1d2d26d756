// Activations, norms, rope, embedding and linear against their oracles.
// RUN: tfmc %s --emit=so -o %t.so && %python %S/pointwise.py %t.so
// RUN: env TFM_NUM_THREADS=2 %python %S/pointwise.py %t.so

func.func @act_gelu_erf(%x: tensor<3x?xf32>) -> tensor<3x?xf32> {
  %y = tfm.activation gelu_erf %x : tensor<3x?xf32>
  return %y : tensor<3x?xf32>
}
func.func @act_gelu_tanh(%x: tensor<3x?xf32>) -> tensor<3x?xf32> {
  %y = tfm.activation gelu_tanh %x : tensor<3x?xf32>
  return %y : tensor<3x?xf32>
}
func.func @act_silu(%x: tensor<3x?xf32>) -> tensor<3x?xf32> {
  %y = tfm.activation silu %x : tensor<3x?xf32>
  return %y : tensor<3x?xf32>
}
func.func @act_relu(%x: tensor<3x?xf32>) -> tensor<3x?xf32> {
  %y = tfm.activation relu %x : tensor<3x?xf32>
  return %y : tensor<3x?xf32>
}
func.func @act_elu(%x: tensor<3x?xf32>) -> tensor<3x?xf32> {
  %y = tfm.activation elu %x : tensor<3x?xf32>
  return %y : tensor<3x?xf32>
}
func.func @act_sigmoid(%x: tensor<3x?xf32>) -> tensor<3x?xf32> {
  %y = tfm.activation sigmoid %x : tensor<3x?xf32>
  return %y : tensor<3x?xf32>
}
func.func @act_softplus(%x: tensor<3x?xf32>) -> tensor<3x?xf32> {
  %y = tfm.activation softplus %x : tensor<3x?xf32>
  return %y : tensor<3x?xf32>
}

func.func @layer_norm(%x: tensor<2x?x37xf32>, %g: tensor<37xf32>, %b: tensor<37xf32>) -> tensor<2x?x37xf32> {
  %y = tfm.norm layer %x scale(%g : tensor<37xf32>) shift(%b : tensor<37xf32>) : tensor<2x?x37xf32>
  return %y : tensor<2x?x37xf32>
}
func.func @rms_norm(%x: tensor<2x?x37xf32>, %g: tensor<37xf32>) -> tensor<2x?x37xf32> {
  %y = tfm.norm rms %x scale(%g : tensor<37xf32>) {eps = 1.0e-6 : f64} : tensor<2x?x37xf32>
  return %y : tensor<2x?x37xf32>
}
func.func @layer_norm_plain(%x: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = tfm.norm layer %x : tensor<?x5xf32>
  return %y : tensor<?x5xf32>
}
func.func @batch_norm_axis1(%x: tensor<2x6x?xf32>, %s: tensor<6xf32>, %t: tensor<6xf32>) -> tensor<2x6x?xf32> {
  %y = tfm.norm affine %x scale(%s : tensor<6xf32>) shift(%t : tensor<6xf32>) {axis = 1 : i64} : tensor<2x6x?xf32>
  return %y : tensor<2x6x?xf32>
}

func.func @rope_half(%x: tensor<1x3x?x16xf32>, %pos: tensor<?xi32>) -> tensor<1x3x?x16xf32> {
  %y = tfm.rope half %x, %pos : tensor<1x3x?x16xf32>, tensor<?xi32>
  return %y : tensor<1x3x?x16xf32>
}
func.func @rope_interleaved_partial(%x: tensor<2x2x?x12xf32>, %pos: tensor<2x?xi64>) -> tensor<2x2x?x12xf32> {
  %y = tfm.rope interleaved %x, %pos {base = 500.0 : f64, rotary_dim = 4 : i64} : tensor<2x2x?x12xf32>, tensor<2x?xi64>
  return %y : tensor<2x2x?x12xf32>
}
func.func @rope_half_partial(%x: tensor<1x2x?x10xf32>, %pos: tensor<?xi32>) -> tensor<1x2x?x10xf32> {
  %y = tfm.rope half %x, %pos {rotary_dim = 6 : i64} : tensor<1x2x?x10xf32>, tensor<?xi32>
  return %y : tensor<1x2x?x10xf32>
}

func.func @embedding(%table: tensor<50x24xf32>, %ids: tensor<2x?xi32>) -> tensor<2x?x24xf32> {
  %y = tfm.embedding %table[%ids] : tensor<50x24xf32>, tensor<2x?xi32>
  return %y : tensor<2x?x24xf32>
}

func.func @linear_plain(%x: tensor<?x37xf32>, %w: tensor<29x37xf32>) -> tensor<?x29xf32> {
  %y = tfm.linear %x, %w : tensor<?x37xf32>, tensor<29x37xf32>
  return %y : tensor<?x29xf32>
}
func.func @linear_bias_gelu(%x: tensor<2x?x37xf32>, %w: tensor<29x37xf32>, %b: tensor<29xf32>) -> tensor<2x?x29xf32> {
  %y = tfm.linear %x, %w bias(%b : tensor<29xf32>) act(gelu_tanh) : tensor<2x?x37xf32>, tensor<29x37xf32>
  return %y : tensor<2x?x29xf32>
}
func.func @linear_swiglu_residual(%x: tensor<?x16xf32>, %w: tensor<46x16xf32>, %r: tensor<?x23xf32>) -> tensor<?x23xf32> {
  %y = tfm.linear %x, %w act(silu) gated residual(%r : tensor<?x23xf32>) : tensor<?x16xf32>, tensor<46x16xf32>
  return %y : tensor<?x23xf32>
}
func.func @linear_vector(%x: tensor<16xf32>, %w: tensor<8x16xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
  %y = tfm.linear %x, %w bias(%b : tensor<8xf32>) act(relu) : tensor<16xf32>, tensor<8x16xf32>
  return %y : tensor<8xf32>
}

// Two dynamic leading dims: the general contraction (the leading dims do not
// fold into one matrix dim without splitting a dynamic dim).
func.func @linear_batched_dynamic(%x: tensor<?x?x16xf32>, %w: tensor<24x16xf32>, %b: tensor<24xf32>, %r: tensor<?x?x24xf32>) -> tensor<?x?x24xf32> {
  %y = tfm.linear %x, %w bias(%b : tensor<24xf32>) act(gelu_erf) residual(%r : tensor<?x?x24xf32>) : tensor<?x?x16xf32>, tensor<24x16xf32>
  return %y : tensor<?x?x24xf32>
}
func.func @linear_batched_dynamic_glu(%x: tensor<?x?x16xf32>, %w: tensor<24x16xf32>) -> tensor<?x?x12xf32> {
  %y = tfm.linear %x, %w act(silu) gated : tensor<?x?x16xf32>, tensor<24x16xf32>
  return %y : tensor<?x?x12xf32>
}
