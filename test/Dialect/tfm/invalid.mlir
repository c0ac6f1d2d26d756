// RUN: tfm-opt %s --split-input-file --verify-diagnostics

// One case per verifier and shape-inference error of the tfm ops and
// attributes; each checks what was expected and what was found.

//===----------------------------------------------------------------------===//
// tfm.weight
//===----------------------------------------------------------------------===//

func.func @weight_empty_name() -> tensor<4xf32> {
  // expected-error @+1 {{'tfm.weight' op expected a non-empty weight name}}
  %w = tfm.weight "" : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

func.func @weight_dynamic_shape() -> tensor<?x4xf32> {
  // expected-error @+1 {{'tfm.weight' op expected a static shape for weight 'w', got 'tensor<?x4xf32>'}}
  %w = tfm.weight "w" : tensor<?x4xf32>
  return %w : tensor<?x4xf32>
}

//===----------------------------------------------------------------------===//
// tfm.embedding
//===----------------------------------------------------------------------===//

// -----

func.func @embedding_table_rank(%table: tensor<32000xf32>, %ids: tensor<4xi32>) {
  // expected-error @+1 {{'tfm.embedding' op expected table of rank 2 ([vocab, dim]), got rank 1}}
  %x = tfm.embedding %table[%ids] : tensor<32000xf32>, tensor<4xi32>
  return
}

//===----------------------------------------------------------------------===//
// tfm.linear
//===----------------------------------------------------------------------===//

// -----

func.func @linear_weight_rank(%x: tensor<2x32xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{'tfm.linear' op expected input of rank >= 1 and weight of rank 2 ([N, K]), got ranks 2 and 1}}
  %y = tfm.linear %x, %w : tensor<2x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @linear_scalar_input(%x: tensor<f32>, %w: tensor<4x1xf32>) {
  // expected-error @+1 {{'tfm.linear' op expected input of rank >= 1 and weight of rank 2 ([N, K]), got ranks 0 and 2}}
  %y = tfm.linear %x, %w : tensor<f32>, tensor<4x1xf32>
  return
}

// -----

func.func @linear_features(%x: tensor<2x32xf32>, %w: tensor<64x16xf32>) {
  // expected-error @+1 {{'tfm.linear' op expected input features (32) to match weight dim 1 (16)}}
  %y = tfm.linear %x, %w : tensor<2x32xf32>, tensor<64x16xf32>
  return
}

// -----

func.func @linear_gated_without_act(%x: tensor<2x32xf32>, %w: tensor<64x32xf32>) {
  // expected-error @+1 {{'tfm.linear' op expected an activation on a gated linear (the gate of a GLU)}}
  %y = tfm.linear %x, %w gated : tensor<2x32xf32>, tensor<64x32xf32>
  return
}

// -----

func.func @linear_gated_odd_rows(%x: tensor<2x32xf32>, %w: tensor<63x32xf32>) {
  // expected-error @+1 {{'tfm.linear' op expected an even number of weight rows for a gated linear ([gate; up]), got 63}}
  %y = tfm.linear %x, %w act(silu) gated : tensor<2x32xf32>, tensor<63x32xf32>
  return
}

// -----

func.func @linear_bias_shape(%x: tensor<2x32xf32>, %w: tensor<64x32xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{'tfm.linear' op expected bias of shape [64] (weight rows), got 'tensor<32xf32>'}}
  %y = tfm.linear %x, %w bias(%b : tensor<32xf32>) : tensor<2x32xf32>, tensor<64x32xf32>
  return
}

// -----

// A gated linear's bias covers both halves: [2N], not [N].
func.func @linear_gated_bias_shape(%x: tensor<2x32xf32>, %w: tensor<128x32xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'tfm.linear' op expected bias of shape [128] (weight rows), got 'tensor<64xf32>'}}
  %y = tfm.linear %x, %w bias(%b : tensor<64xf32>) act(silu) gated : tensor<2x32xf32>, tensor<128x32xf32>
  return
}

// -----

func.func @linear_residual_type(%x: tensor<2x32xf32>, %w: tensor<64x32xf32>, %r: tensor<2x32xf32>) {
  // expected-error @+1 {{'tfm.linear' op expected residual of type 'tensor<2x64xf32>', got 'tensor<2x32xf32>'}}
  %y = tfm.linear %x, %w residual(%r : tensor<2x32xf32>) : tensor<2x32xf32>, tensor<64x32xf32>
  return
}

// -----

func.func @linear_element_type(%x: tensor<2x32xf32>, %w: tensor<64x32xf16>) {
  // expected-error @+1 {{'tfm.linear' op expected weight to have element type 'f32' (that of input), got 'f16'}}
  %y = tfm.linear %x, %w : tensor<2x32xf32>, tensor<64x32xf16>
  return
}

//===----------------------------------------------------------------------===//
// tfm.norm
//===----------------------------------------------------------------------===//

// -----

func.func @norm_axis(%x: tensor<2x64xf32>) {
  // expected-error @+1 {{'tfm.norm' op expected axis in [-2, 2), got 2}}
  %y = tfm.norm layer %x {axis = 2 : i64} : tensor<2x64xf32>
  return
}

// -----

func.func @norm_eps(%x: tensor<2x64xf32>) {
  // expected-error @+1 {{'tfm.norm' op expected a positive eps, got 0}}
  %y = tfm.norm rms %x {eps = 0.0 : f64} : tensor<2x64xf32>
  return
}

// -----

func.func @norm_affine_without_scale(%x: tensor<2x64xf32>) {
  // expected-error @+1 {{'tfm.norm' op expected a scale operand for an affine norm}}
  %y = tfm.norm affine %x : tensor<2x64xf32>
  return
}

// -----

func.func @norm_scale_shape(%x: tensor<2x64xf32>, %g: tensor<2xf32>) {
  // expected-error @+1 {{'tfm.norm' op expected scale of shape [64] (the normalized axis), got 'tensor<2xf32>'}}
  %y = tfm.norm layer %x scale(%g : tensor<2xf32>) : tensor<2x64xf32>
  return
}

// -----

// The scale follows `axis`, here the channel axis 1 of [B, C, L].
func.func @norm_shift_shape_axis(%x: tensor<2x32x?xf32>, %s: tensor<32xf32>, %t: tensor<1x32xf32>) {
  // expected-error @+1 {{'tfm.norm' op expected shift of shape [32] (the normalized axis), got 'tensor<1x32xf32>'}}
  %y = tfm.norm affine %x scale(%s : tensor<32xf32>) shift(%t : tensor<1x32xf32>) {axis = 1 : i64} : tensor<2x32x?xf32>
  return
}

// -----

func.func @norm_element_type(%x: tensor<2x64xbf16>, %g: tensor<64xf32>) {
  // expected-error @+1 {{'tfm.norm' op expected scale to have element type 'bf16' (that of input), got 'f32'}}
  %y = tfm.norm rms %x scale(%g : tensor<64xf32>) : tensor<2x64xbf16>
  return
}

//===----------------------------------------------------------------------===//
// tfm.rope
//===----------------------------------------------------------------------===//

// -----

func.func @rope_rank(%x: tensor<8x16x64xf32>, %p: tensor<16xi32>) {
  // expected-error @+1 {{'tfm.rope' op expected input of rank 4 ([B, H, L, d]), got rank 3}}
  %y = tfm.rope half %x, %p : tensor<8x16x64xf32>, tensor<16xi32>
  return
}

// -----

func.func @rope_dynamic_head_dim(%x: tensor<1x8x16x?xf32>, %p: tensor<16xi32>) {
  // expected-error @+1 {{'tfm.rope' op expected a static head dim}}
  %y = tfm.rope half %x, %p : tensor<1x8x16x?xf32>, tensor<16xi32>
  return
}

// -----

func.func @rope_odd_rotary_dim(%x: tensor<1x8x16x64xf32>, %p: tensor<16xi32>) {
  // expected-error @+1 {{'tfm.rope' op expected rotary_dim to be even and in [2, 64] (the head dim), got 17}}
  %y = tfm.rope interleaved %x, %p {rotary_dim = 17 : i64} : tensor<1x8x16x64xf32>, tensor<16xi32>
  return
}

// -----

func.func @rope_rotary_dim_too_large(%x: tensor<1x8x16x64xf32>, %p: tensor<16xi32>) {
  // expected-error @+1 {{'tfm.rope' op expected rotary_dim to be even and in [2, 64] (the head dim), got 128}}
  %y = tfm.rope half %x, %p {rotary_dim = 128 : i64} : tensor<1x8x16x64xf32>, tensor<16xi32>
  return
}

// -----

// Without rotary_dim the whole head dim rotates, so it must be even.
func.func @rope_odd_head_dim(%x: tensor<1x8x16x63xf32>, %p: tensor<16xi32>) {
  // expected-error @+1 {{'tfm.rope' op expected rotary_dim to be even and in [2, 63] (the head dim), got 63}}
  %y = tfm.rope half %x, %p : tensor<1x8x16x63xf32>, tensor<16xi32>
  return
}

// -----

func.func @rope_base(%x: tensor<1x8x16x64xf32>, %p: tensor<16xi32>) {
  // expected-error @+1 {{'tfm.rope' op expected a positive base, got -1}}
  %y = tfm.rope half %x, %p {base = -1.0 : f64} : tensor<1x8x16x64xf32>, tensor<16xi32>
  return
}

// -----

func.func @rope_positions_rank(%x: tensor<1x8x16x64xf32>, %p: tensor<1x1x16xi32>) {
  // expected-error @+1 {{'tfm.rope' op expected positions of shape [L] or [B, L], got 'tensor<1x1x16xi32>'}}
  %y = tfm.rope half %x, %p : tensor<1x8x16x64xf32>, tensor<1x1x16xi32>
  return
}

// -----

func.func @rope_positions_length(%x: tensor<1x8x16x64xf32>, %p: tensor<15xi32>) {
  // expected-error @+1 {{'tfm.rope' op expected positions dim 0 (sequence length) to be 16, got 15}}
  %y = tfm.rope half %x, %p : tensor<1x8x16x64xf32>, tensor<15xi32>
  return
}

// -----

func.func @rope_positions_batch(%x: tensor<2x8x?x64xf32>, %p: tensor<3x?xi64>) {
  // expected-error @+1 {{'tfm.rope' op expected positions dim 0 (batch) to be 2, got 3}}
  %y = tfm.rope half %x, %p : tensor<2x8x?x64xf32>, tensor<3x?xi64>
  return
}

//===----------------------------------------------------------------------===//
// tfm.attention
//===----------------------------------------------------------------------===//

// -----

func.func @attention_query_rank(%q: tensor<8x16x64xf32>, %k: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected query and value of rank 4 ([B, H, L, d]), got ranks 3 and 4}}
  %o = tfm.attention %q, %k, %k scale 1.0 : tensor<8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_key_rank(%q: tensor<1x8x16x64xf32>, %k: tensor<8x16x64xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected key of rank 4 ([B, Hk, Lk, d]), got rank 3}}
  %o = tfm.attention %q, %k, %q scale 1.0 : tensor<1x8x16x64xf32>, tensor<8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_batch(%q: tensor<2x8x16x64xf32>, %k: tensor<2x8x16x64xf32>, %v: tensor<3x8x16x64xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected query, key and value to have the same batch size, got 2, 2 and 3}}
  %o = tfm.attention %q, %k, %v scale 1.0 : tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<3x8x16x64xf32>
  return
}

// -----

func.func @attention_kv_heads(%q: tensor<1x8x16x64xf32>, %k: tensor<1x4x16x64xf32>, %v: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected key and value to have the same number of heads, got 4 and 2}}
  %o = tfm.attention %q, %k, %v scale 1.0 : tensor<1x8x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x2x16x64xf32>
  return
}

// -----

func.func @attention_gqa_heads(%q: tensor<1x8x16x64xf32>, %kv: tensor<1x3x16x64xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected query heads (8) to be a multiple of key/value heads (3)}}
  %o = tfm.attention %q, %kv, %kv scale 1.0 : tensor<1x8x16x64xf32>, tensor<1x3x16x64xf32>, tensor<1x3x16x64xf32>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x32xf32>, %v: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected query and key to have the same head dim, got 64 and 32}}
  %o = tfm.attention %q, %k, %v scale 1.0 : tensor<1x8x16x64xf32>, tensor<1x8x16x32xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_kv_length(%q: tensor<1x8x?x64xf32>, %k: tensor<1x8x128x64xf32>, %v: tensor<1x8x127x64xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected key and value to have the same sequence length, got 128 and 127}}
  %o = tfm.attention %q, %k, %v scale 1.0 : tensor<1x8x?x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x127x64xf32>
  return
}

// -----

func.func @attention_scale(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected a finite scale}}
  %o = tfm.attention %q, %q, %q scale 0x7FC00000 : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_t5_without_table(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected a bias operand with pos_bias <t5>}}
  %o = tfm.attention %q, %q, %q scale 1.0 pos_bias <t5 buckets 32, max_distance 128, bidirectional> : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_explicit_without_bias(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected a bias operand with pos_bias <explicit>}}
  %o = tfm.attention %q, %q, %q scale 1.0 pos_bias <explicit> : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_unexpected_bias(%q: tensor<1x8x16x64xf32>, %b: tensor<1x8x16x16xf32>) {
  // expected-error @+1 {{'tfm.attention' op unexpected bias operand: it needs pos_bias <t5 ...> or <explicit>, got <alibi>}}
  %o = tfm.attention %q, %q, %q scale 1.0 pos_bias <alibi> bias(%b : tensor<1x8x16x16xf32>) : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_bias_without_pos_bias(%q: tensor<1x8x16x64xf32>, %b: tensor<1x8x16x16xf32>) {
  // expected-error @+1 {{'tfm.attention' op unexpected bias operand: it needs pos_bias <t5 ...> or <explicit>, got <none>}}
  %o = tfm.attention %q, %q, %q scale 1.0 bias(%b : tensor<1x8x16x16xf32>) : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_t5_table_buckets(%q: tensor<1x8x16x64xf32>, %t: tensor<16x8xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected bias table of shape [32, 8] ([buckets, query heads]), got 'tensor<16x8xf32>'}}
  %o = tfm.attention %q, %q, %q scale 1.0 pos_bias <t5 buckets 32, max_distance 128, bidirectional> bias(%t : tensor<16x8xf32>) : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

// The T5 table is per query head, also under GQA.
func.func @attention_t5_table_heads(%q: tensor<1x8x16x64xf32>, %kv: tensor<1x2x16x64xf32>, %t: tensor<32x2xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected bias table of shape [32, 8] ([buckets, query heads]), got 'tensor<32x2xf32>'}}
  %o = tfm.attention %q, %kv, %kv scale 1.0 pos_bias <t5 buckets 32, max_distance 128, unidirectional> bias(%t : tensor<32x2xf32>) : tensor<1x8x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>
  return
}

// -----

func.func @attention_explicit_bias_shape(%q: tensor<2x8x16x64xf32>, %k: tensor<2x8x32x64xf32>, %b: tensor<2x8x16x16xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected explicit bias of shape [1|B, 1|H, Lq, Lk] = [1|2, 1|8, 16, 32], got 'tensor<2x8x16x16xf32>'}}
  %o = tfm.attention %q, %k, %k scale 1.0 pos_bias <explicit> bias(%b : tensor<2x8x16x16xf32>) : tensor<2x8x16x64xf32>, tensor<2x8x32x64xf32>, tensor<2x8x32x64xf32>
  return
}

// -----

func.func @attention_explicit_bias_heads(%q: tensor<2x8x16x64xf32>, %b: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected explicit bias of shape [1|B, 1|H, Lq, Lk] = [1|2, 1|8, 16, 16], got 'tensor<1x4x16x16xf32>'}}
  %o = tfm.attention %q, %q, %q scale 1.0 pos_bias <explicit> bias(%b : tensor<1x4x16x16xf32>) : tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
  return
}

// -----

func.func @attention_mult_without_t5(%q: tensor<1x8x16x64xf32>, %m: tensor<32x8xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected pos_bias <t5 ...> with a mult operand (URPE shares the T5 buckets)}}
  %o = tfm.attention %q, %q, %q scale 1.0 pos_bias <alibi> mult(%m : tensor<32x8xf32>) : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_mult_table(%q: tensor<1x8x16x64xf32>, %t: tensor<32x8xf32>, %m: tensor<33x8xf32>) {
  // expected-error @+1 {{'tfm.attention' op expected mult table of shape [32, 8] ([buckets, query heads]), got 'tensor<33x8xf32>'}}
  %o = tfm.attention %q, %q, %q scale 1.0 pos_bias <t5 buckets 32, max_distance 128, bidirectional> bias(%t : tensor<32x8xf32>) mult(%m : tensor<33x8xf32>) : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_kv_len(%q: tensor<2x8x16x64xf32>, %len: tensor<3xi32>) {
  // expected-error @+1 {{'tfm.attention' op expected kv_len of shape [2] (the batch), got 'tensor<3xi32>'}}
  %o = tfm.attention %q, %q, %q scale 1.0 kv_len(%len : tensor<3xi32>) : tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
  return
}

// -----

func.func @attention_element_type(%q: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf16>) {
  // expected-error @+1 {{'tfm.attention' op expected value to have element type 'f32' (that of query), got 'f16'}}
  %o = tfm.attention %q, %q, %v scale 1.0 : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf16>
  return
}

// -----

// In the generic form the result types are written out and must be the
// inferred ones: return_lse needs the second result.
func.func @attention_missing_lse(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+2 {{'tfm.attention' op inferred type(s) 'tensor<1x8x16x64xf32>', 'tensor<1x8x16xf32>' are incompatible with return type(s) of operation 'tensor<1x8x16x64xf32>'}}
  // expected-error @+1 {{'tfm.attention' op failed to infer returned types}}
  %o = "tfm.attention"(%q, %q, %q) <{scale = 1.0 : f32, return_lse, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0>}> : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_wrong_result(%q: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x32xf32>) {
  // expected-error @+2 {{'tfm.attention' op inferred type(s) 'tensor<1x8x16x32xf32>' are incompatible with return type(s) of operation 'tensor<1x8x16x64xf32>'}}
  // expected-error @+1 {{'tfm.attention' op failed to infer returned types}}
  %o = "tfm.attention"(%q, %q, %v) <{scale = 1.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0>}> : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x32xf32>) -> tensor<1x8x16x64xf32>
  return
}

//===----------------------------------------------------------------------===//
// #tfm.mask and #tfm.pos_bias
//===----------------------------------------------------------------------===//

// -----

func.func @mask_window_bounds(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{expected non-negative window bounds, got -1 and 4}}
  %o = tfm.attention %q, %q, %q scale 1.0 mask <window -1, 4> : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

func.func @mask_prefix_length(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{expected a non-negative prefix length, got -3}}
  %o = tfm.attention %q, %q, %q scale 1.0 mask <prefix -3> : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

func.func @mask_block_size(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{expected a positive block size, got 0}}
  %o = tfm.attention %q, %q, %q scale 1.0 mask <block 0> : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

func.func @pos_bias_t5_buckets(%q: tensor<1x8x16x64xf32>, %t: tensor<2x8xf32>) {
  // expected-error @+1 {{expected at least 4 t5 buckets, got 2}}
  %o = tfm.attention %q, %q, %q scale 1.0 pos_bias <t5 buckets 2, max_distance 128, bidirectional> bias(%t : tensor<2x8xf32>) : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

func.func @pos_bias_t5_buckets_unidirectional(%q: tensor<1x8x16x64xf32>, %t: tensor<1x8xf32>) {
  // expected-error @+1 {{expected at least 2 t5 buckets, got 1}}
  %o = tfm.attention %q, %q, %q scale 1.0 pos_bias <t5 buckets 1, max_distance 128, unidirectional> bias(%t : tensor<1x8xf32>) : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

// 32 bidirectional buckets: 16 per direction, 8 of them exact distances.
func.func @pos_bias_t5_max_distance(%q: tensor<1x8x16x64xf32>, %t: tensor<32x8xf32>) {
  // expected-error @+1 {{expected t5 max_distance greater than 8 (the exact-distance buckets), got 8}}
  %o = tfm.attention %q, %q, %q scale 1.0 pos_bias <t5 buckets 32, max_distance 8, bidirectional> bias(%t : tensor<32x8xf32>) : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

// The attribute verifiers also run on attributes written out on their own.
// expected-error @+1 {{expected a positive block size, got -2}}
#block = #tfm.mask<block -2>

//===----------------------------------------------------------------------===//
// tfm.feature_map
//===----------------------------------------------------------------------===//

// -----

func.func @feature_map_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{'tfm.feature_map' op expected an input of rank >= 1}}
  %f = tfm.feature_map relu %x : tensor<f32>
  return
}

// -----

func.func @feature_map_projection_rank(%x: tensor<1x4x16x32xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'tfm.feature_map' op expected projection of rank 2 ([m, d]), got rank 1}}
  %f = tfm.feature_map performer %x projection(%w : tensor<64xf32>) : tensor<1x4x16x32xf32>
  return
}

// -----

func.func @feature_map_performer_without_projection(%x: tensor<1x4x16x32xf32>) {
  // expected-error @+1 {{'tfm.feature_map' op expected a projection operand for feature map 'performer'}}
  %f = tfm.feature_map performer %x : tensor<1x4x16x32xf32>
  return
}

// -----

func.func @feature_map_unexpected_projection(%x: tensor<1x4x16x32xf32>, %w: tensor<64x32xf32>) {
  // expected-error @+1 {{'tfm.feature_map' op unexpected a projection operand for feature map 'elu_plus_one'}}
  %f = tfm.feature_map elu_plus_one %x projection(%w : tensor<64x32xf32>) : tensor<1x4x16x32xf32>
  return
}

// -----

func.func @feature_map_projection_dim(%x: tensor<1x4x16x32xf32>, %w: tensor<64x16xf32>) {
  // expected-error @+1 {{'tfm.feature_map' op expected projection dim 1 (input features) to be 32, got 16}}
  %f = tfm.feature_map performer %x projection(%w : tensor<64x16xf32>) : tensor<1x4x16x32xf32>
  return
}

// -----

func.func @feature_map_element_type(%x: tensor<1x4x16x32xf32>, %w: tensor<64x32xbf16>) {
  // expected-error @+1 {{'tfm.feature_map' op expected projection to have element type 'f32' (that of input), got 'bf16'}}
  %f = tfm.feature_map performer %x projection(%w : tensor<64x32xbf16>) : tensor<1x4x16x32xf32>
  return
}

//===----------------------------------------------------------------------===//
// tfm.linear_attention
//===----------------------------------------------------------------------===//

// -----

func.func @linear_attention_rank(%fq: tensor<4x16x8xf32>, %v: tensor<1x4x16x8xf32>) {
  // expected-error @+1 {{'tfm.linear_attention' op expected query features and value of rank 4 ([B, H, L, m|dv]), got ranks 3 and 4}}
  %o = tfm.linear_attention %fq, %fq, %v impl(auto) : tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<1x4x16x8xf32>
  return
}

// -----

func.func @linear_attention_key_rank(%fq: tensor<1x4x16x8xf32>, %fk: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'tfm.linear_attention' op expected key features of rank 4 ([B, H, L, m]), got rank 3}}
  %o = tfm.linear_attention %fq, %fk, %fq impl(auto) : tensor<1x4x16x8xf32>, tensor<4x16x8xf32>, tensor<1x4x16x8xf32>
  return
}

// -----

func.func @linear_attention_features(%fq: tensor<1x4x16x8xf32>, %fk: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{'tfm.linear_attention' op expected query and key features of the same shape, got 'tensor<1x4x16x8xf32>' and 'tensor<1x4x16x16xf32>'}}
  %o = tfm.linear_attention %fq, %fk, %fq impl(auto) : tensor<1x4x16x8xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16x8xf32>
  return
}

// -----

func.func @linear_attention_value_length(%fq: tensor<1x4x16x8xf32>, %v: tensor<1x4x12x32xf32>) {
  // expected-error @+1 {{'tfm.linear_attention' op expected value dim 2 (length) to be 16, got 12}}
  %o = tfm.linear_attention %fq, %fq, %v impl(auto) : tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x12x32xf32>
  return
}

// -----

func.func @linear_attention_value_heads(%fq: tensor<1x4x?x8xf32>, %v: tensor<1x2x?x32xf32>) {
  // expected-error @+1 {{'tfm.linear_attention' op expected value dim 1 (heads) to be 4, got 2}}
  %o = tfm.linear_attention %fq, %fq, %v impl(auto) : tensor<1x4x?x8xf32>, tensor<1x4x?x8xf32>, tensor<1x2x?x32xf32>
  return
}

// -----

func.func @linear_attention_eps(%fq: tensor<1x4x16x8xf32>) {
  // expected-error @+1 {{'tfm.linear_attention' op expected a non-negative eps, got -1}}
  %o = tfm.linear_attention %fq, %fq, %fq impl(direct) {eps = -1.0 : f64} : tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>
  return
}

// -----

func.func @linear_attention_chunk(%fq: tensor<1x4x16x8xf32>) {
  // expected-error @+1 {{'tfm.linear_attention' op expected a positive chunk, got 0}}
  %o = tfm.linear_attention %fq, %fq, %fq causal impl(chunked) {chunk = 0 : i64} : tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>
  return
}

// -----

// Coefficients are [H, 2L - 1]: 2 * 16 - 1 = 31 taps.
func.func @linear_attention_toeplitz_shape(%fq: tensor<1x4x16x8xf32>, %c: tensor<4x32xf32>) {
  // expected-error @+1 {{'tfm.linear_attention' op expected toeplitz coefficients of shape [4, 31] ([H, 2L - 1]), got 'tensor<4x32xf32>'}}
  %o = tfm.linear_attention %fq, %fq, %fq toeplitz(%c : tensor<4x32xf32>) impl(fft) : tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>
  return
}

// -----

func.func @linear_attention_toeplitz_chunked(%fq: tensor<1x4x16x8xf32>, %c: tensor<4x31xf32>) {
  // expected-error @+1 {{'tfm.linear_attention' op expected impl 'fft', 'direct' or 'auto' with toeplitz coefficients, got 'chunked'}}
  %o = tfm.linear_attention %fq, %fq, %fq toeplitz(%c : tensor<4x31xf32>) causal impl(chunked) : tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>
  return
}

// -----

func.func @linear_attention_fft_without_toeplitz(%fq: tensor<1x4x16x8xf32>) {
  // expected-error @+1 {{'tfm.linear_attention' op expected toeplitz coefficients with impl 'fft'}}
  %o = tfm.linear_attention %fq, %fq, %fq impl(fft) : tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>
  return
}

// -----

func.func @linear_attention_element_type(%fq: tensor<1x4x16x8xf16>, %v: tensor<1x4x16x8xf32>) {
  // expected-error @+1 {{'tfm.linear_attention' op expected query features to have element type 'f32' (that of value), got 'f16'}}
  %o = tfm.linear_attention %fq, %fq, %v impl(auto) : tensor<1x4x16x8xf16>, tensor<1x4x16x8xf16>, tensor<1x4x16x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// tfm.dwconv
//===----------------------------------------------------------------------===//

// -----

func.func @dwconv_ranks(%x: tensor<1x8x16xf32>, %w: tensor<8x3x3xf32>) {
  // expected-error @+1 {{'tfm.dwconv' op expected input [B, C, L] with weight [C, k], or input [B, C, H, W] with weight [C, kh, kw], got ranks 3 and 3}}
  %y = tfm.dwconv %x, %w padding(zero) impl(direct) : tensor<1x8x16xf32>, tensor<8x3x3xf32>
  return
}

// -----

func.func @dwconv_rank3(%x: tensor<1x8x4x4x4xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{'tfm.dwconv' op expected input [B, C, L] with weight [C, k], or input [B, C, H, W] with weight [C, kh, kw], got ranks 5 and 4}}
  %y = tfm.dwconv %x, %w padding(zero) impl(direct) : tensor<1x8x4x4x4xf32>, tensor<8x3x3x3xf32>
  return
}

// -----

func.func @dwconv_channels(%x: tensor<1x8x16xf32>, %w: tensor<4x3xf32>) {
  // expected-error @+1 {{'tfm.dwconv' op expected weight dim 0 (channels) to be 8, got 4}}
  %y = tfm.dwconv %x, %w padding(zero) impl(direct) : tensor<1x8x16xf32>, tensor<4x3xf32>
  return
}

// -----

func.func @dwconv_bias(%x: tensor<1x8x16xf32>, %w: tensor<8x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'tfm.dwconv' op expected bias of shape [8] (channels), got 'tensor<3xf32>'}}
  %y = tfm.dwconv %x, %w bias(%b : tensor<3xf32>) padding(zero) impl(direct) : tensor<1x8x16xf32>, tensor<8x3xf32>
  return
}

// -----

func.func @dwconv_stride_count(%x: tensor<1x8x9x9xf32>, %w: tensor<8x3x3xf32>) {
  // expected-error @+1 {{'tfm.dwconv' op expected 2 stride value(s), one per spatial dim, got 1}}
  %y = tfm.dwconv %x, %w padding(zero) impl(direct) {stride = array<i64: 2>} : tensor<1x8x9x9xf32>, tensor<8x3x3xf32>
  return
}

// -----

func.func @dwconv_dilation_count(%x: tensor<1x8x16xf32>, %w: tensor<8x3xf32>) {
  // expected-error @+1 {{'tfm.dwconv' op expected 1 dilation value(s), one per spatial dim, got 2}}
  %y = tfm.dwconv %x, %w padding(zero) impl(direct) {dilation = array<i64: 1, 1>} : tensor<1x8x16xf32>, tensor<8x3xf32>
  return
}

// -----

func.func @dwconv_stride(%x: tensor<1x8x16xf32>, %w: tensor<8x3xf32>) {
  // expected-error @+1 {{'tfm.dwconv' op expected positive stride, got 0}}
  %y = tfm.dwconv %x, %w padding(zero) impl(direct) {stride = array<i64: 0>} : tensor<1x8x16xf32>, tensor<8x3xf32>
  return
}

// -----

func.func @dwconv_dilation(%x: tensor<1x8x9x9xf32>, %w: tensor<8x3x3xf32>) {
  // expected-error @+1 {{'tfm.dwconv' op expected positive dilation, got -1}}
  %y = tfm.dwconv %x, %w padding(zero) impl(direct) {dilation = array<i64: 1, -1>} : tensor<1x8x9x9xf32>, tensor<8x3x3xf32>
  return
}

// -----

func.func @dwconv_causal_2d(%x: tensor<1x8x9x9xf32>, %w: tensor<8x3x3xf32>) {
  // expected-error @+1 {{'tfm.dwconv' op expected rank 1 for causal padding}}
  %y = tfm.dwconv %x, %w padding(causal) impl(direct) : tensor<1x8x9x9xf32>, tensor<8x3x3xf32>
  return
}

// -----

func.func @dwconv_fft_stride(%x: tensor<1x8x16xf32>, %w: tensor<8x3xf32>) {
  // expected-error @+1 {{'tfm.dwconv' op expected stride 1 with impl 'fft'}}
  %y = tfm.dwconv %x, %w padding(zero) impl(fft) {stride = array<i64: 2>} : tensor<1x8x16xf32>, tensor<8x3xf32>
  return
}

// -----

// An empty input gives an empty output, also with a stride (the output
// length rounds down: floor((0 - 1) / 2) + 1 = 0).
func.func @dwconv_empty(%x: tensor<1x8x0xf32>, %w: tensor<8x3xf32>) {
  // expected-error @+1 {{'tfm.dwconv' op expected a positive output length, got 0 (from an empty input)}}
  %y = tfm.dwconv %x, %w padding(zero) impl(direct) {stride = array<i64: 2>} : tensor<1x8x0xf32>, tensor<8x3xf32>
  return
}

// -----

func.func @dwconv_element_type(%x: tensor<1x8x16xf32>, %w: tensor<8x3xbf16>) {
  // expected-error @+1 {{'tfm.dwconv' op expected weight to have element type 'f32' (that of input), got 'bf16'}}
  %y = tfm.dwconv %x, %w padding(zero) impl(direct) : tensor<1x8x16xf32>, tensor<8x3xbf16>
  return
}

//===----------------------------------------------------------------------===//
// tfm.rfft and tfm.irfft
//===----------------------------------------------------------------------===//

// -----

func.func @rfft_axis(%x: tensor<4x100xf32>) {
  // expected-error @+1 {{'tfm.rfft' op expected axis in [-2, 2), got 2}}
  %re, %im = tfm.rfft %x {axis = 2 : i64} : tensor<4x100xf32>
  return
}

// -----

func.func @rfft_n(%x: tensor<4x100xf32>) {
  // expected-error @+1 {{'tfm.rfft' op expected a positive n, got -4}}
  %re, %im = tfm.rfft %x {n = -4 : i64} : tensor<4x100xf32>
  return
}

// -----

func.func @rfft_empty(%x: tensor<4x0xf32>) {
  // expected-error @+1 {{'tfm.rfft' op expected a positive n, got 0}}
  %re, %im = tfm.rfft %x : tensor<4x0xf32>
  return
}

// -----

func.func @rfft_dynamic_without_n(%x: tensor<4x?xf32>) {
  // expected-error @+1 {{'tfm.rfft' op expected an explicit n for a dynamic axis}}
  %re, %im = tfm.rfft %x : tensor<4x?xf32>
  return
}

// -----

func.func @irfft_axis(%re: tensor<4x129xf32>) {
  // expected-error @+1 {{'tfm.irfft' op expected axis in [-2, 2), got -3}}
  %x = tfm.irfft %re, %re {n = 256 : i64, axis = -3 : i64} : tensor<4x129xf32>
  return
}

// -----

func.func @irfft_without_n(%re: tensor<4x129xf32>) {
  // expected-error @+1 {{'tfm.irfft' op requires attribute 'n'}}
  %x = tfm.irfft %re, %re : tensor<4x129xf32>
  return
}

// -----

func.func @irfft_n(%re: tensor<4x129xf32>) {
  // expected-error @+1 {{'tfm.irfft' op expected a positive n, got 0}}
  %x = tfm.irfft %re, %re {n = 0 : i64} : tensor<4x129xf32>
  return
}

// -----

func.func @irfft_frequencies(%re: tensor<4x128xf32>) {
  // expected-error @+1 {{'tfm.irfft' op expected real dim 1 (n / 2 + 1 frequencies) to be 129, got 128}}
  %x = tfm.irfft %re, %re {n = 256 : i64} : tensor<4x128xf32>
  return
}

// -----

func.func @rfft_wrong_result(%x: tensor<4x100xf32>) {
  // expected-error @+2 {{'tfm.rfft' op inferred type(s) 'tensor<4x129xf32>', 'tensor<4x129xf32>' are incompatible with return type(s) of operation 'tensor<4x51xf32>', 'tensor<4x51xf32>'}}
  // expected-error @+1 {{'tfm.rfft' op failed to infer returned types}}
  %re:2 = "tfm.rfft"(%x) <{n = 256 : i64}> : (tensor<4x100xf32>) -> (tensor<4x51xf32>, tensor<4x51xf32>)
  return
}

//===----------------------------------------------------------------------===//
// tfm.selective_scan
//===----------------------------------------------------------------------===//

// -----

func.func @selective_scan_ranks(%u: tensor<64x32xf32>, %a: tensor<64x16xf32>, %b: tensor<1x1x16x32xf32>) {
  // expected-error @+1 {{'tfm.selective_scan' op expected u of rank 3 ([B, D, L]) and A of rank 2 ([D, N]), got ranks 2 and 2}}
  %y, %h = tfm.selective_scan %u, %u, %a, %b, %b : tensor<64x32xf32>, tensor<64x16xf32>, tensor<1x1x16x32xf32>
  return
}

// -----

func.func @selective_scan_a_channels(%u: tensor<1x64x32xf32>, %a: tensor<32x16xf32>, %b: tensor<1x1x16x32xf32>) {
  // expected-error @+1 {{'tfm.selective_scan' op expected A dim 0 (channels) to be 64, got 32}}
  %y, %h = tfm.selective_scan %u, %u, %a, %b, %b : tensor<1x64x32xf32>, tensor<32x16xf32>, tensor<1x1x16x32xf32>
  return
}

// -----

func.func @selective_scan_b_rank(%u: tensor<1x64x32xf32>, %a: tensor<64x16xf32>, %b: tensor<1x16x32xf32>) {
  // expected-error @+1 {{'tfm.selective_scan' op expected B of rank 4 ([B, G, N, L]), got rank 3}}
  %y, %h = tfm.selective_scan %u, %u, %a, %b, %b : tensor<1x64x32xf32>, tensor<64x16xf32>, tensor<1x16x32xf32>
  return
}

// -----

func.func @selective_scan_b_batch(%u: tensor<2x64x32xf32>, %a: tensor<64x16xf32>, %b: tensor<1x1x16x32xf32>) {
  // expected-error @+1 {{'tfm.selective_scan' op expected B dim 0 (batch) to be 2, got 1}}
  %y, %h = tfm.selective_scan %u, %u, %a, %b, %b : tensor<2x64x32xf32>, tensor<64x16xf32>, tensor<1x1x16x32xf32>
  return
}

// -----

func.func @selective_scan_b_state(%u: tensor<1x64x32xf32>, %a: tensor<64x16xf32>, %b: tensor<1x1x8x32xf32>) {
  // expected-error @+1 {{'tfm.selective_scan' op expected B dim 2 (state size) to be 16, got 8}}
  %y, %h = tfm.selective_scan %u, %u, %a, %b, %b : tensor<1x64x32xf32>, tensor<64x16xf32>, tensor<1x1x8x32xf32>
  return
}

// -----

func.func @selective_scan_b_length(%u: tensor<1x64x31xf32>, %a: tensor<64x16xf32>, %b: tensor<1x1x16x32xf32>) {
  // expected-error @+1 {{'tfm.selective_scan' op expected B dim 3 (length) to be 31, got 32}}
  %y, %h = tfm.selective_scan %u, %u, %a, %b, %b : tensor<1x64x31xf32>, tensor<64x16xf32>, tensor<1x1x16x32xf32>
  return
}

// -----

func.func @selective_scan_groups(%u: tensor<1x64x32xf32>, %a: tensor<64x16xf32>, %b: tensor<1x3x16x32xf32>) {
  // expected-error @+1 {{'tfm.selective_scan' op expected B/C groups (3) to divide the channels (64)}}
  %y, %h = tfm.selective_scan %u, %u, %a, %b, %b : tensor<1x64x32xf32>, tensor<64x16xf32>, tensor<1x3x16x32xf32>
  return
}

// -----

func.func @selective_scan_d(%u: tensor<1x64x32xf32>, %a: tensor<64x16xf32>, %b: tensor<1x1x16x32xf32>, %d: tensor<16xf32>) {
  // expected-error @+1 {{'tfm.selective_scan' op expected D of shape [64] (channels), got 'tensor<16xf32>'}}
  %y, %h = tfm.selective_scan %u, %u, %a, %b, %b D(%d : tensor<16xf32>) : tensor<1x64x32xf32>, tensor<64x16xf32>, tensor<1x1x16x32xf32>
  return
}

// -----

func.func @selective_scan_delta_bias(%u: tensor<1x64x32xf32>, %a: tensor<64x16xf32>, %b: tensor<1x1x16x32xf32>, %db: tensor<1x64xf32>) {
  // expected-error @+1 {{'tfm.selective_scan' op expected delta_bias of shape [64] (channels), got 'tensor<1x64xf32>'}}
  %y, %h = tfm.selective_scan %u, %u, %a, %b, %b delta_bias(%db : tensor<1x64xf32>) delta_softplus : tensor<1x64x32xf32>, tensor<64x16xf32>, tensor<1x1x16x32xf32>
  return
}

// -----

func.func @selective_scan_z(%u: tensor<1x64x32xf32>, %a: tensor<64x16xf32>, %b: tensor<1x1x16x32xf32>, %z: tensor<1x32x32xf32>) {
  // expected-error @+1 {{'tfm.selective_scan' op expected z of type 'tensor<1x64x32xf32>' (that of u), got 'tensor<1x32x32xf32>'}}
  %y, %h = tfm.selective_scan %u, %u, %a, %b, %b z(%z : tensor<1x32x32xf32>) : tensor<1x64x32xf32>, tensor<64x16xf32>, tensor<1x1x16x32xf32>
  return
}

// -----

// The state is f32 whatever the storage type.
func.func @selective_scan_initial_state(%u: tensor<1x64x32xbf16>, %a: tensor<64x16xbf16>, %b: tensor<1x1x16x32xbf16>, %h0: tensor<1x64x16xbf16>) {
  // expected-error @+1 {{'tfm.selective_scan' op expected initial_state of type 'tensor<1x64x16xf32>' ([B, D, N], f32), got 'tensor<1x64x16xbf16>'}}
  %y, %h = tfm.selective_scan %u, %u, %a, %b, %b initial_state(%h0 : tensor<1x64x16xbf16>) : tensor<1x64x32xbf16>, tensor<64x16xbf16>, tensor<1x1x16x32xbf16>
  return
}

// -----

func.func @selective_scan_element_type(%u: tensor<1x64x32xf32>, %a: tensor<64x16xf16>, %b: tensor<1x1x16x32xf32>) {
  // expected-error @+1 {{'tfm.selective_scan' op expected A to have element type 'f32' (that of u), got 'f16'}}
  %y, %h = tfm.selective_scan %u, %u, %a, %b, %b : tensor<1x64x32xf32>, tensor<64x16xf16>, tensor<1x1x16x32xf32>
  return
}
