// RUN: not tfm-opt %s --split-input-file 2>&1 | FileCheck %s --implicit-check-not="Stack dump" --implicit-check-not="PLEASE submit"
//
// Prefixes of ops.mlir cut at arbitrary bytes, mostly in the middle of tfm
// ops and their attributes: each parses or gives a diagnostic, never a crash
// (a crash exits with a signal, not 0 or 1).
// RUN: for n in $(seq 700 1733 40000); do \
// RUN:   head -c $n %S/ops.mlir | tfm-opt - > /dev/null 2>&1; \
// RUN:   test $? -le 1 || { echo "crash on a prefix of $n bytes"; exit 1; }; \
// RUN: done

// Malformed IR gives a diagnostic, not a crash: truncated input, wrong types,
// attributes of the wrong kind and unknown keywords, in the custom and the
// generic form.

//===----------------------------------------------------------------------===//
// Truncated input
//===----------------------------------------------------------------------===//

// CHECK: error: expected non-function type
func.func @truncated_type(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %y = tfm.activation relu %x :

// -----

// CHECK: error: expected SSA operand
func.func @truncated_operands(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) {
  %y = tfm.linear %x,

// -----

// CHECK: error: custom op 'tfm.attention' expected integer value
func.func @truncated_mask(%q: tensor<1x2x4x8xf32>) {
  %o = tfm.attention %q, %q, %q scale 1.0 mask <window 4,

// -----

// CHECK: error: expected '>'
func.func @unterminated_mask(%q: tensor<1x2x4x8xf32>) {
  %o = tfm.attention %q, %q, %q scale 1.0 mask <causal : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: expected ')' to end operand list
func.func @truncated_generic(%x: tensor<4x8xf32>) {
  %re:2 = "tfm.rfft"(%x

// -----

// A function without its closing brace: the input ends where an operation
// should start.
// CHECK: error: expected operation name in quotes
func.func @unterminated_function(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %y = tfm.activation silu %x : tensor<2x8xf32>
  return %y : tensor<2x8xf32>

//===----------------------------------------------------------------------===//
// Wrong types
//===----------------------------------------------------------------------===//

// -----

// CHECK: error: 'tfm.linear' op operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<2x8xi32>'
func.func @integer_input(%x: tensor<2x8xi32>, %w: tensor<4x8xi32>) {
  %y = tfm.linear %x, %w : tensor<2x8xi32>, tensor<4x8xi32>
  return
}

// -----

// CHECK: error: 'tfm.activation' op operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<2x8xf64>'
func.func @f64_input(%x: tensor<2x8xf64>) {
  %y = tfm.activation gelu_erf %x : tensor<2x8xf64>
  return
}

// -----

// CHECK: error: 'tfm.weight' op result #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<4xi8>'
%w = tfm.weight "w" : tensor<4xi8>

// -----

// CHECK: error: 'tfm.rope' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xf32>'
func.func @float_positions(%x: tensor<1x2x4x8xf32>, %p: tensor<4xf32>) {
  %y = tfm.rope half %x, %p : tensor<1x2x4x8xf32>, tensor<4xf32>
  return
}

// -----

// CHECK: error: 'tfm.attention' op operand #3 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<1xf32>'
func.func @float_kv_len(%q: tensor<1x2x4x8xf32>, %len: tensor<1xf32>) {
  %o = tfm.attention %q, %q, %q scale 1.0 kv_len(%len : tensor<1xf32>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: use of value '%offset' expects different type than prior uses: 'index' vs 'i32'
func.func @i32_q_offset(%q: tensor<1x2x4x8xf32>, %offset: i32) {
  %o = tfm.attention %q, %q, %q scale 1.0 q_offset(%offset) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.linear' invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'
func.func @unranked(%x: tensor<*xf32>, %w: tensor<4x8xf32>) {
  %y = tfm.linear %x, %w : tensor<*xf32>, tensor<4x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.weight' invalid kind of type specified: expected builtin.tensor, but found 'memref<4xf32>'
%w = tfm.weight "w" : memref<4xf32>

// -----

// CHECK: error: 'tfm.norm' op operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'vector<8xf32>'
func.func @vector_input(%x: vector<8xf32>) {
  %y = "tfm.norm"(%x) <{kind = 1 : i32, operandSegmentSizes = array<i32: 1, 0, 0>}> : (vector<8xf32>) -> vector<8xf32>
  return
}

// -----

// CHECK: error: operation defines 2 results but was provided 1 to bind
func.func @scan_one_result(%u: tensor<1x4x8xf32>, %a: tensor<4x2xf32>, %b: tensor<1x1x2x8xf32>) {
  %y = tfm.selective_scan %u, %u, %a, %b, %b : tensor<1x4x8xf32>, tensor<4x2xf32>, tensor<1x1x2x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// Attributes of the wrong kind
//===----------------------------------------------------------------------===//

// -----

// CHECK: error: custom op 'tfm.attention' invalid kind of attribute specified
func.func @string_scale(%q: tensor<1x2x4x8xf32>) {
  %o = tfm.attention %q, %q, %q scale "x" : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: unexpected decimal integer literal for a floating point value
func.func @integer_scale(%q: tensor<1x2x4x8xf32>) {
  %o = tfm.attention %q, %q, %q scale 1 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.attention' expected 'scale'
func.func @missing_scale(%q: tensor<1x2x4x8xf32>) {
  %o = tfm.attention %q, %q, %q : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.attention' invalid kind of attribute specified
func.func @pos_bias_as_mask(%q: tensor<1x2x4x8xf32>) {
  %o = tfm.attention %q, %q, %q scale 1.0 mask #tfm.pos_bias<alibi> : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: expected '<'
func.func @integer_mask(%q: tensor<1x2x4x8xf32>) {
  %o = tfm.attention %q, %q, %q scale 1.0 mask 3 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.attention' integer value too large
func.func @huge_window(%q: tensor<1x2x4x8xf32>) {
  %o = tfm.attention %q, %q, %q scale 1.0 mask <window 99999999999999999999999, 0> : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.norm' 'tfm.norm' op attribute 'eps' failed to satisfy constraint: 64-bit float attribute
func.func @string_eps(%x: tensor<2x8xf32>) {
  %y = tfm.norm layer %x {eps = "small"} : tensor<2x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.norm' 'tfm.norm' op attribute 'axis' failed to satisfy constraint: 64-bit signless integer attribute
func.func @float_axis(%x: tensor<2x8xf32>) {
  %y = tfm.norm layer %x {axis = 1.0} : tensor<2x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.rope' 'tfm.rope' op attribute 'rotary_dim' failed to satisfy constraint: 64-bit signless integer attribute
func.func @float_rotary_dim(%x: tensor<1x2x4x8xf32>, %p: tensor<4xi32>) {
  %y = tfm.rope half %x, %p {rotary_dim = 2.5} : tensor<1x2x4x8xf32>, tensor<4xi32>
  return
}

// -----

// CHECK: error: custom op 'tfm.rfft' 'tfm.rfft' op attribute 'n' failed to satisfy constraint: 64-bit signless integer attribute
func.func @float_fft_length(%x: tensor<4x8xf32>) {
  %re, %im = tfm.rfft %x {n = 2.0} : tensor<4x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.irfft' 'tfm.irfft' op attribute 'n' failed to satisfy constraint: 64-bit signless integer attribute
func.func @string_fft_length(%x: tensor<4x5xf32>) {
  %y = tfm.irfft %x, %x {n = "8"} : tensor<4x5xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.dwconv' 'tfm.dwconv' op attribute 'stride' failed to satisfy constraint: i64 dense array attribute
func.func @integer_stride(%x: tensor<1x4x8xf32>, %w: tensor<4x3xf32>) {
  %y = tfm.dwconv %x, %w padding(zero) impl(direct) {stride = 2} : tensor<1x4x8xf32>, tensor<4x3xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.dwconv' 'tfm.dwconv' op attribute 'dilation' failed to satisfy constraint: i64 dense array attribute
func.func @i32_dilation(%x: tensor<1x4x8xf32>, %w: tensor<4x3xf32>) {
  %y = tfm.dwconv %x, %w padding(zero) impl(direct) {dilation = array<i32: 2>} : tensor<1x4x8xf32>, tensor<4x3xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.linear_attention' 'tfm.linear_attention' op attribute 'chunk' failed to satisfy constraint: 64-bit signless integer attribute
func.func @string_chunk(%x: tensor<1x2x4x8xf32>) {
  %o = tfm.linear_attention %x, %x, %x causal impl(chunked) {chunk = "big"} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: expected attribute value
%w = tfm.weight : tensor<4xf32>

//===----------------------------------------------------------------------===//
// Unknown keywords
//===----------------------------------------------------------------------===//

// -----

// CHECK: error: custom op 'tfm.attention' unknown mask kind 'sliding'
func.func @unknown_mask(%q: tensor<1x2x4x8xf32>) {
  %o = tfm.attention %q, %q, %q scale 1.0 mask <sliding 3> : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.attention' unknown positional bias kind 'rotary'
func.func @unknown_pos_bias(%q: tensor<1x2x4x8xf32>) {
  %o = tfm.attention %q, %q, %q scale 1.0 pos_bias <rotary> : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.attention' expected 'bidirectional' or 'unidirectional', got 'sideways'
func.func @unknown_t5_direction(%q: tensor<1x2x4x8xf32>, %t: tensor<32x2xf32>) {
  %o = tfm.attention %q, %q, %q scale 1.0 pos_bias <t5 buckets 32, max_distance 128, sideways> bias(%t : tensor<32x2xf32>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: expected ','
func.func @t5_without_max_distance(%q: tensor<1x2x4x8xf32>, %t: tensor<32x2xf32>) {
  %o = tfm.attention %q, %q, %q scale 1.0 pos_bias <t5 buckets 32> bias(%t : tensor<32x2xf32>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.activation' expected string or keyword containing one of the following enum values for attribute 'kind' [gelu_erf, gelu_tanh, silu, relu, elu, sigmoid, softplus]
func.func @unknown_activation(%x: tensor<2x8xf32>) {
  %y = tfm.activation swish %x : tensor<2x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.linear' expected string or keyword containing one of the following enum values for attribute 'act' [gelu_erf, gelu_tanh, silu, relu, elu, sigmoid, softplus]
func.func @unknown_linear_act(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) {
  %y = tfm.linear %x, %w act(gelu) : tensor<2x8xf32>, tensor<4x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.norm' expected string or keyword containing one of the following enum values for attribute 'kind' [layer, rms, affine]
func.func @unknown_norm(%x: tensor<2x8xf32>) {
  %y = tfm.norm batch %x : tensor<2x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.rope' expected string or keyword containing one of the following enum values for attribute 'style' [half, interleaved]
func.func @unknown_rope_style(%x: tensor<1x2x4x8xf32>, %p: tensor<4xi32>) {
  %y = tfm.rope neox %x, %p : tensor<1x2x4x8xf32>, tensor<4xi32>
  return
}

// -----

// CHECK: error: custom op 'tfm.feature_map' expected string or keyword containing one of the following enum values for attribute 'kind' [relu, elu_plus_one, performer]
func.func @unknown_feature_map(%x: tensor<1x2x4x8xf32>) {
  %y = tfm.feature_map cosine %x : tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.linear_attention' expected string or keyword containing one of the following enum values for attribute 'impl' [auto, direct, chunked, fft]
func.func @unknown_linear_attention_impl(%x: tensor<1x2x4x8xf32>) {
  %y = tfm.linear_attention %x, %x, %x impl(fast) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.dwconv' expected string or keyword containing one of the following enum values for attribute 'padding' [zero, causal, circular, full]
func.func @unknown_padding(%x: tensor<1x4x8xf32>, %w: tensor<4x3xf32>) {
  %y = tfm.dwconv %x, %w padding(same) impl(direct) : tensor<1x4x8xf32>, tensor<4x3xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.dwconv' expected string or keyword containing one of the following enum values for attribute 'impl' [direct, fft]
func.func @unknown_conv_impl(%x: tensor<1x4x8xf32>, %w: tensor<4x3xf32>) {
  %y = tfm.dwconv %x, %w padding(zero) impl(winograd) : tensor<1x4x8xf32>, tensor<4x3xf32>
  return
}

// -----

// CHECK: error: custom op 'tfm.dwconv' expected 'impl'
func.func @missing_conv_impl(%x: tensor<1x4x8xf32>, %w: tensor<4x3xf32>) {
  %y = tfm.dwconv %x, %w padding(zero) : tensor<1x4x8xf32>, tensor<4x3xf32>
  return
}

// -----

// CHECK: error: unknown attribute `nothing` in dialect `tfm`
#a = #tfm.nothing<block 4>

// -----

// CHECK: error: custom op 'tfm.softmax' is unknown
func.func @unknown_op(%x: tensor<2x8xf32>) {
  %y = tfm.softmax %x : tensor<2x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// Generic form
//===----------------------------------------------------------------------===//

// -----

// CHECK: error: invalid properties {kind = 7 : i32, operandSegmentSizes = array<i32: 1, 0, 0>} for op tfm.norm: Invalid attribute `kind` in property conversion: 7 : i32
func.func @enum_out_of_range(%x: tensor<2x8xf32>) {
  %y = "tfm.norm"(%x) <{kind = 7 : i32, operandSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

// CHECK: error: 'tfm.dwconv' op attribute 'padding' failed to satisfy constraint: depthwise conv padding
func.func @enum_out_of_range_dict(%x: tensor<1x4x8xf32>, %w: tensor<4x3xf32>) {
  %y = "tfm.dwconv"(%x, %w) {padding = 9 : i32} : (tensor<1x4x8xf32>, tensor<4x3xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

// CHECK: error: invalid properties {mask = #tfm.pos_bias<alibi>, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0>, scale = 1.000000e+00 : f32} for op tfm.attention: Invalid attribute `mask` in property conversion: #tfm.pos_bias<alibi>
func.func @generic_wrong_attr(%q: tensor<1x2x4x8xf32>) {
  %o = "tfm.attention"(%q, %q, %q) <{scale = 1.0 : f32, mask = #tfm.pos_bias<alibi>, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0>}> : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: 'tfm.attention' op requires attribute 'scale'
func.func @generic_missing_scale(%q: tensor<1x2x4x8xf32>) {
  %o = "tfm.attention"(%q, %q, %q) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0>}> : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: 'tfm.dwconv' op requires attribute 'padding'
func.func @generic_missing_padding(%x: tensor<1x4x8xf32>, %w: tensor<4x3xf32>) {
  %y = "tfm.dwconv"(%x, %w) : (tensor<1x4x8xf32>, tensor<4x3xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

// CHECK: error: 'tfm.irfft' op requires attribute 'n'
func.func @generic_missing_n(%x: tensor<4x5xf32>) {
  %y = "tfm.irfft"(%x, %x) : (tensor<4x5xf32>, tensor<4x5xf32>) -> tensor<4x8xf32>
  return
}

// -----

// CHECK: error: 'tfm.attention' op operand count (3) does not match with the total size (6) specified in attribute 'operandSegmentSizes'
func.func @generic_segments(%q: tensor<1x2x4x8xf32>) {
  %o = "tfm.attention"(%q, %q, %q) <{scale = 1.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 3>}> : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: 'tfm.attention' op expected 3 or more operands, but found 2
func.func @generic_too_few_operands(%q: tensor<1x2x4x8xf32>) {
  %o = "tfm.attention"(%q, %q) <{scale = 1.0 : f32, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0>}> : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

// CHECK: error: 'tfm.weight' op requires one result
%w:2 = "tfm.weight"() <{name = "w"}> : () -> (tensor<4xf32>, tensor<4xf32>)

// -----

// CHECK: error: 'tfm.selective_scan' op failed to verify that all of {B, C} have same type
func.func @generic_scan_b_c(%u: tensor<1x4x8xf32>, %a: tensor<4x2xf32>, %b: tensor<1x1x2x8xf32>, %c: tensor<1x1x2x8xf16>) {
  %y:2 = "tfm.selective_scan"(%u, %u, %a, %b, %c) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0>}> : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<4x2xf32>, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf16>) -> (tensor<1x4x8xf32>, tensor<1x4x2xf32>)
  return
}
