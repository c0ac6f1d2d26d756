// The ops PyTorch also has, checked on the GPU against PyTorch's own
// implementation (scaled_dot_product_attention, F.linear + activations,
// F.rms_norm, F.layer_norm, F.embedding, torch.fft, a grouped F.conv1d) run
// in float64 on the same bf16-rounded inputs: an oracle written apart from
// our numpy ones, so a shared misreading of an op's definition shows up.
// Run on the GPU by test/gpu/validate.py (checker: torch_bf16.py); here only
// compiled.
// RUN: tfmc %s --target=cuda --emit=ptx -o %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90 %t.ptx -o /dev/null %}
// CHECK-DAG: .entry attention
// CHECK-DAG: mma.sync.aligned.m16n8k16
// CHECK-DAG: .entry linear

func.func @sdpa(%q: tensor<2x8x?x128xbf16>, %k: tensor<2x8x?x128xbf16>,
                %v: tensor<2x8x?x128xbf16>) -> tensor<2x8x?x128xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.08838834764831845
      : tensor<2x8x?x128xbf16>, tensor<2x8x?x128xbf16>, tensor<2x8x?x128xbf16>
  return %o : tensor<2x8x?x128xbf16>
}

func.func @sdpa_causal_gqa(%q: tensor<1x8x?x64xbf16>, %k: tensor<1x2x?x64xbf16>,
                           %v: tensor<1x2x?x64xbf16>) -> tensor<1x8x?x64xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <causal>
      : tensor<1x8x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>
  return %o : tensor<1x8x?x64xbf16>
}

func.func @sdpa_window(%q: tensor<1x4x?x64xbf16>, %k: tensor<1x4x?x64xbf16>,
                       %v: tensor<1x4x?x64xbf16>) -> tensor<1x4x?x64xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <window 100, 3>
      : tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>
  return %o : tensor<1x4x?x64xbf16>
}

func.func @sdpa_alibi(%q: tensor<1x8x?x64xbf16>, %k: tensor<1x8x?x64xbf16>,
                      %v: tensor<1x8x?x64xbf16>) -> tensor<1x8x?x64xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <causal> pos_bias <alibi>
      : tensor<1x8x?x64xbf16>, tensor<1x8x?x64xbf16>, tensor<1x8x?x64xbf16>
  return %o : tensor<1x8x?x64xbf16>
}

func.func @sdpa_decode(%q: tensor<2x32x1x128xbf16>, %k: tensor<2x8x?x128xbf16>,
                       %v: tensor<2x8x?x128xbf16>) -> tensor<2x32x1x128xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.08838834764831845
      : tensor<2x32x1x128xbf16>, tensor<2x8x?x128xbf16>, tensor<2x8x?x128xbf16>
  return %o : tensor<2x32x1x128xbf16>
}

func.func @sdpa_f32(%q: tensor<1x4x?x64xf32>, %k: tensor<1x4x?x64xf32>,
                    %v: tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <causal>
      : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}

func.func @linear_gelu_tanh(%x: tensor<?x256xbf16>, %w: tensor<384x256xbf16>,
                            %b: tensor<384xbf16>) -> tensor<?x384xbf16> {
  %y = tfm.linear %x, %w bias(%b : tensor<384xbf16>) act(gelu_tanh)
      : tensor<?x256xbf16>, tensor<384x256xbf16>
  return %y : tensor<?x384xbf16>
}

func.func @linear_swiglu(%x: tensor<?x128xbf16>, %w: tensor<512x128xbf16>)
    -> tensor<?x256xbf16> {
  %y = tfm.linear %x, %w act(silu) gated : tensor<?x128xbf16>, tensor<512x128xbf16>
  return %y : tensor<?x256xbf16>
}

func.func @linear_f32(%x: tensor<?x96xf32>, %w: tensor<80x96xf32>, %b: tensor<80xf32>)
    -> tensor<?x80xf32> {
  %y = tfm.linear %x, %w bias(%b : tensor<80xf32>) act(gelu_erf)
      : tensor<?x96xf32>, tensor<80x96xf32>
  return %y : tensor<?x80xf32>
}

func.func @rms_norm(%x: tensor<?x4096xbf16>, %g: tensor<4096xbf16>) -> tensor<?x4096xbf16> {
  %y = tfm.norm rms %x scale(%g : tensor<4096xbf16>) {eps = 1.0e-6 : f64}
      : tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

func.func @layer_norm(%x: tensor<?x768xbf16>, %g: tensor<768xbf16>, %b: tensor<768xbf16>)
    -> tensor<?x768xbf16> {
  %y = tfm.norm layer %x scale(%g : tensor<768xbf16>) shift(%b : tensor<768xbf16>)
      : tensor<?x768xbf16>
  return %y : tensor<?x768xbf16>
}

func.func @act_gelu_erf(%x: tensor<?xbf16>) -> tensor<?xbf16> {
  %y = tfm.activation gelu_erf %x : tensor<?xbf16>
  return %y : tensor<?xbf16>
}
func.func @act_gelu_tanh(%x: tensor<?xbf16>) -> tensor<?xbf16> {
  %y = tfm.activation gelu_tanh %x : tensor<?xbf16>
  return %y : tensor<?xbf16>
}
func.func @act_silu(%x: tensor<?xbf16>) -> tensor<?xbf16> {
  %y = tfm.activation silu %x : tensor<?xbf16>
  return %y : tensor<?xbf16>
}
func.func @act_relu(%x: tensor<?xbf16>) -> tensor<?xbf16> {
  %y = tfm.activation relu %x : tensor<?xbf16>
  return %y : tensor<?xbf16>
}
func.func @act_elu(%x: tensor<?xbf16>) -> tensor<?xbf16> {
  %y = tfm.activation elu %x : tensor<?xbf16>
  return %y : tensor<?xbf16>
}
func.func @act_sigmoid(%x: tensor<?xbf16>) -> tensor<?xbf16> {
  %y = tfm.activation sigmoid %x : tensor<?xbf16>
  return %y : tensor<?xbf16>
}
func.func @act_softplus(%x: tensor<?xbf16>) -> tensor<?xbf16> {
  %y = tfm.activation softplus %x : tensor<?xbf16>
  return %y : tensor<?xbf16>
}

func.func @embedding(%table: tensor<1000x512xbf16>, %ids: tensor<2x?xi64>)
    -> tensor<2x?x512xbf16> {
  %y = tfm.embedding %table[%ids] : tensor<1000x512xbf16>, tensor<2x?xi64>
  return %y : tensor<2x?x512xbf16>
}

func.func @rfft_4096(%x: tensor<4x4096xf32>) -> (tensor<4x2049xf32>, tensor<4x2049xf32>) {
  %re, %im = tfm.rfft %x : tensor<4x4096xf32>
  return %re, %im : tensor<4x2049xf32>, tensor<4x2049xf32>
}

func.func @irfft_1000(%re: tensor<3x501xf32>, %im: tensor<3x501xf32>) -> tensor<3x1000xf32> {
  %x = tfm.irfft %re, %im {n = 1000 : i64} : tensor<3x501xf32>
  return %x : tensor<3x1000xf32>
}

func.func @conv1d_causal(%x: tensor<2x64x?xbf16>, %w: tensor<64x4xbf16>, %b: tensor<64xbf16>)
    -> tensor<2x64x?xbf16> {
  %y = tfm.dwconv %x, %w bias(%b : tensor<64xbf16>) padding(causal) impl(direct)
      : tensor<2x64x?xbf16>, tensor<64x4xbf16>
  return %y : tensor<2x64x?xbf16>
}
