// The pointwise family with 16-bit storage on the GPU: every activation;
// norms in each kernel shape (a block per row, a warp per row, rows of
// ragged, dynamic or register-exceeding length, other axes, affine); rope
// half / interleaved / partial, positions [L] and [B, L], head counts that
// do not fill a head group; embedding with out-of-range ids (clamped);
// feature maps. Run on the GPU by test/gpu/validate.py (checker:
// pointwise_bf16.py); here only compiled.
// RUN: tfmc %s --target=cuda --emit=ptx -o %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90 %t.ptx -o /dev/null %}
// CHECK: .entry rms_norm_bf16
// CHECK: ld.global.v4.b32
// CHECK: shfl.sync.bfly.b32

func.func @act_gelu_erf(%x: tensor<3x?xbf16>) -> tensor<3x?xbf16> {
  %y = tfm.activation gelu_erf %x : tensor<3x?xbf16>
  return %y : tensor<3x?xbf16>
}
func.func @act_gelu_tanh(%x: tensor<3x?xbf16>) -> tensor<3x?xbf16> {
  %y = tfm.activation gelu_tanh %x : tensor<3x?xbf16>
  return %y : tensor<3x?xbf16>
}
func.func @act_silu(%x: tensor<3x?xbf16>) -> tensor<3x?xbf16> {
  %y = tfm.activation silu %x : tensor<3x?xbf16>
  return %y : tensor<3x?xbf16>
}
func.func @act_relu(%x: tensor<3x?xbf16>) -> tensor<3x?xbf16> {
  %y = tfm.activation relu %x : tensor<3x?xbf16>
  return %y : tensor<3x?xbf16>
}
func.func @act_elu(%x: tensor<3x?xbf16>) -> tensor<3x?xbf16> {
  %y = tfm.activation elu %x : tensor<3x?xbf16>
  return %y : tensor<3x?xbf16>
}
func.func @act_sigmoid(%x: tensor<3x?xbf16>) -> tensor<3x?xbf16> {
  %y = tfm.activation sigmoid %x : tensor<3x?xbf16>
  return %y : tensor<3x?xbf16>
}
func.func @act_softplus(%x: tensor<3x?xbf16>) -> tensor<3x?xbf16> {
  %y = tfm.activation softplus %x : tensor<3x?xbf16>
  return %y : tensor<3x?xbf16>
}
func.func @act_silu_f16(%x: tensor<?xf16>) -> tensor<?xf16> {
  %y = tfm.activation silu %x : tensor<?xf16>
  return %y : tensor<?xf16>
}
func.func @act_gelu_tanh_f16(%x: tensor<?xf16>) -> tensor<?xf16> {
  %y = tfm.activation gelu_tanh %x : tensor<?xf16>
  return %y : tensor<?xf16>
}

// A block of 256 threads per row, 2 runs of 8 each.
func.func @rms_norm(%x: tensor<?x4096xbf16>, %g: tensor<4096xbf16>) -> tensor<?x4096xbf16> {
  %y = tfm.norm rms %x scale(%g : tensor<4096xbf16>) {eps = 1.0e-6 : f64} : tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}
// A warp per row, vector runs.
func.func @layer_norm_768(%x: tensor<2x?x768xbf16>, %g: tensor<768xbf16>, %b: tensor<768xbf16>) -> tensor<2x?x768xbf16> {
  %y = tfm.norm layer %x scale(%g : tensor<768xbf16>) shift(%b : tensor<768xbf16>) : tensor<2x?x768xbf16>
  return %y : tensor<2x?x768xbf16>
}
// A warp per row, element runs (37 is odd), padding runs in the last slot.
func.func @layer_norm_37(%x: tensor<2x?x37xbf16>, %g: tensor<37xbf16>, %b: tensor<37xbf16>) -> tensor<2x?x37xbf16> {
  %y = tfm.norm layer %x scale(%g : tensor<37xbf16>) shift(%b : tensor<37xbf16>) : tensor<2x?x37xbf16>
  return %y : tensor<2x?x37xbf16>
}
// A block of 128 threads per row.
func.func @rms_norm_2048_f16(%x: tensor<?x2048xf16>) -> tensor<?x2048xf16> {
  %y = tfm.norm rms %x : tensor<?x2048xf16>
  return %y : tensor<?x2048xf16>
}
func.func @layer_norm_plain(%x: tensor<?x5xbf16>) -> tensor<?x5xbf16> {
  %y = tfm.norm layer %x : tensor<?x5xbf16>
  return %y : tensor<?x5xbf16>
}
// Rows of dynamic length: streamed, vector runs when the length allows.
func.func @rms_norm_dynamic(%x: tensor<?x?xbf16>, %g: tensor<?xbf16>) -> tensor<?x?xbf16> {
  %y = tfm.norm rms %x scale(%g : tensor<?xbf16>) : tensor<?x?xbf16>
  return %y : tensor<?x?xbf16>
}
func.func @layer_norm_dynamic(%x: tensor<?x?xbf16>) -> tensor<?x?xbf16> {
  %y = tfm.norm layer %x : tensor<?x?xbf16>
  return %y : tensor<?x?xbf16>
}
// Rows longer than the registers of a block: streamed.
func.func @layer_norm_long(%x: tensor<?x70000xbf16>, %g: tensor<70000xbf16>, %b: tensor<70000xbf16>) -> tensor<?x70000xbf16> {
  %y = tfm.norm layer %x scale(%g : tensor<70000xbf16>) shift(%b : tensor<70000xbf16>) : tensor<?x70000xbf16>
  return %y : tensor<?x70000xbf16>
}
// Other axes: a thread per column.
func.func @layer_norm_axis1(%x: tensor<2x6x?xbf16>, %g: tensor<6xbf16>, %b: tensor<6xbf16>) -> tensor<2x6x?xbf16> {
  %y = tfm.norm layer %x scale(%g : tensor<6xbf16>) shift(%b : tensor<6xbf16>) {axis = 1 : i64} : tensor<2x6x?xbf16>
  return %y : tensor<2x6x?xbf16>
}
func.func @rms_norm_axis0_f16(%x: tensor<7x?xf16>) -> tensor<7x?xf16> {
  %y = tfm.norm rms %x {axis = 0 : i64} : tensor<7x?xf16>
  return %y : tensor<7x?xf16>
}
func.func @affine_norm_axis1(%x: tensor<2x6x?xbf16>, %s: tensor<6xbf16>, %t: tensor<6xbf16>) -> tensor<2x6x?xbf16> {
  %y = tfm.norm affine %x scale(%s : tensor<6xbf16>) shift(%t : tensor<6xbf16>) {axis = 1 : i64} : tensor<2x6x?xbf16>
  return %y : tensor<2x6x?xbf16>
}
func.func @affine_norm_last(%x: tensor<?x40xbf16>, %s: tensor<40xbf16>) -> tensor<?x40xbf16> {
  %y = tfm.norm affine %x scale(%s : tensor<40xbf16>) : tensor<?x40xbf16>
  return %y : tensor<?x40xbf16>
}

func.func @rope_half(%x: tensor<1x32x?x128xbf16>, %pos: tensor<?xi32>) -> tensor<1x32x?x128xbf16> {
  %y = tfm.rope half %x, %pos : tensor<1x32x?x128xbf16>, tensor<?xi32>
  return %y : tensor<1x32x?x128xbf16>
}
// 10 heads: the second head group is partial.
func.func @rope_half_batched(%x: tensor<2x10x?x64xbf16>, %pos: tensor<2x?xi32>) -> tensor<2x10x?x64xbf16> {
  %y = tfm.rope half %x, %pos : tensor<2x10x?x64xbf16>, tensor<2x?xi32>
  return %y : tensor<2x10x?x64xbf16>
}
func.func @rope_interleaved_partial(%x: tensor<2x2x?x24xbf16>, %pos: tensor<2x?xi64>) -> tensor<2x2x?x24xbf16> {
  %y = tfm.rope interleaved %x, %pos {base = 500.0 : f64, rotary_dim = 8 : i64} : tensor<2x2x?x24xbf16>, tensor<2x?xi64>
  return %y : tensor<2x2x?x24xbf16>
}
func.func @rope_half_partial(%x: tensor<1x2x?x10xbf16>, %pos: tensor<?xi32>) -> tensor<1x2x?x10xbf16> {
  %y = tfm.rope half %x, %pos {rotary_dim = 6 : i64} : tensor<1x2x?x10xbf16>, tensor<?xi32>
  return %y : tensor<1x2x?x10xbf16>
}
// An odd head dim: element runs throughout.
func.func @rope_interleaved_odd(%x: tensor<1x2x?x7xbf16>, %pos: tensor<?xi32>) -> tensor<1x2x?x7xbf16> {
  %y = tfm.rope interleaved %x, %pos {rotary_dim = 4 : i64} : tensor<1x2x?x7xbf16>, tensor<?xi32>
  return %y : tensor<1x2x?x7xbf16>
}
func.func @rope_half_f16(%x: tensor<1x3x?x16xf16>, %pos: tensor<?xi64>) -> tensor<1x3x?x16xf16> {
  %y = tfm.rope half %x, %pos : tensor<1x3x?x16xf16>, tensor<?xi64>
  return %y : tensor<1x3x?x16xf16>
}

func.func @embedding(%table: tensor<50x24xbf16>, %ids: tensor<2x?xi64>) -> tensor<2x?x24xbf16> {
  %y = tfm.embedding %table[%ids] : tensor<50x24xbf16>, tensor<2x?xi64>
  return %y : tensor<2x?x24xbf16>
}
func.func @embedding_wide_f16(%table: tensor<1000x4096xf16>, %ids: tensor<1x?xi32>) -> tensor<1x?x4096xf16> {
  %y = tfm.embedding %table[%ids] : tensor<1000x4096xf16>, tensor<1x?xi32>
  return %y : tensor<1x?x4096xf16>
}

func.func @feature_relu(%x: tensor<2x3x37x16xbf16>) -> tensor<2x3x37x16xbf16> {
  %f = tfm.feature_map relu %x : tensor<2x3x37x16xbf16>
  return %f : tensor<2x3x37x16xbf16>
}
func.func @feature_elu_plus_one(%x: tensor<1x2x?x8xbf16>) -> tensor<1x2x?x8xbf16> {
  %f = tfm.feature_map elu_plus_one %x : tensor<1x2x?x8xbf16>
  return %f : tensor<1x2x?x8xbf16>
}
func.func @performer(%x: tensor<1x2x?x12xbf16>, %w: tensor<20x12xbf16>) -> tensor<1x2x?x20xbf16> {
  %f = tfm.feature_map performer %x projection(%w : tensor<20x12xbf16>) : tensor<1x2x?x12xbf16>
  return %f : tensor<1x2x?x20xbf16>
}
// More features than a block: two feature blocks, the second partial.
func.func @performer_wide(%x: tensor<1x4x?x64xbf16>, %w: tensor<200x64xbf16>) -> tensor<1x4x?x200xbf16> {
  %f = tfm.feature_map performer %x projection(%w : tensor<200x64xbf16>) : tensor<1x4x?x64xbf16>
  return %f : tensor<1x4x?x200xbf16>
}
func.func @performer_dynamic_f16(%x: tensor<?x?xf16>, %w: tensor<?x?xf16>) -> tensor<?x?xf16> {
  %f = tfm.feature_map performer %x projection(%w : tensor<?x?xf16>) : tensor<?x?xf16>
  return %f : tensor<?x?xf16>
}
