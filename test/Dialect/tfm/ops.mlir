// RUN: tfm-opt %s | tfm-opt | FileCheck %s
// RUN: tfm-opt %s --mlir-print-op-generic | tfm-opt | FileCheck %s

// Round trip of every tfm op and attribute variant, in the custom and the
// generic form. Each function returns the results it creates, so the
// signature states the result types inference must produce: a wrong inferred
// type fails to verify (func.return) and a wrong printed one fails a CHECK.

//===----------------------------------------------------------------------===//
// tfm.weight
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @weight
func.func @weight() -> (tensor<5632x2048xf32>, tensor<64xf16>, tensor<2x3x4xbf16>) {
  // CHECK: tfm.weight "model.layers.0.mlp.up_proj.weight" : tensor<5632x2048xf32>
  %w = tfm.weight "model.layers.0.mlp.up_proj.weight" : tensor<5632x2048xf32>
  // CHECK: tfm.weight "norm.bias" : tensor<64xf16>
  %b = tfm.weight "norm.bias" : tensor<64xf16>
  // CHECK: tfm.weight "w3" : tensor<2x3x4xbf16>
  %c = tfm.weight "w3" : tensor<2x3x4xbf16>
  return %w, %b, %c : tensor<5632x2048xf32>, tensor<64xf16>, tensor<2x3x4xbf16>
}

//===----------------------------------------------------------------------===//
// tfm.embedding
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @embedding
// CHECK-SAME: (%[[IDS:.*]]: tensor<1x?xi32>, %[[IDS64:.*]]: tensor<7xi64>)
func.func @embedding(%ids: tensor<1x?xi32>, %ids64: tensor<7xi64>)
    -> (tensor<1x?x4096xf32>, tensor<7x4096xf32>) {
  // CHECK: %[[T:.*]] = tfm.weight "embed_tokens" : tensor<32000x4096xf32>
  %table = tfm.weight "embed_tokens" : tensor<32000x4096xf32>
  // CHECK: %[[X:.*]] = tfm.embedding %[[T]][%[[IDS]]] : tensor<32000x4096xf32>, tensor<1x?xi32>
  %x = tfm.embedding %table[%ids] : tensor<32000x4096xf32>, tensor<1x?xi32>
  // CHECK: %[[Y:.*]] = tfm.embedding %[[T]][%[[IDS64]]] : tensor<32000x4096xf32>, tensor<7xi64>
  %y = tfm.embedding %table[%ids64] : tensor<32000x4096xf32>, tensor<7xi64>
  // CHECK: return %[[X]], %[[Y]] : tensor<1x?x4096xf32>, tensor<7x4096xf32>
  return %x, %y : tensor<1x?x4096xf32>, tensor<7x4096xf32>
}

//===----------------------------------------------------------------------===//
// tfm.linear
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x?x32xf32>, %[[W:[^:]*]]: tensor<64x32xf32>, %[[B:[^:]*]]: tensor<64xf32>, %[[R:[^:]*]]: tensor<2x?x64xf32>)
func.func @linear(%x: tensor<2x?x32xf32>, %w: tensor<64x32xf32>,
                  %b: tensor<64xf32>, %r: tensor<2x?x64xf32>)
    -> (tensor<2x?x64xf32>, tensor<2x?x64xf32>, tensor<2x?x64xf32>,
        tensor<2x?x64xf32>) {
  // CHECK: %[[Y0:.*]] = tfm.linear %[[X]], %[[W]] : tensor<2x?x32xf32>, tensor<64x32xf32>
  %y0 = tfm.linear %x, %w : tensor<2x?x32xf32>, tensor<64x32xf32>
  // CHECK: %[[Y1:.*]] = tfm.linear %[[X]], %[[W]] bias(%[[B]] : tensor<64xf32>) act(gelu_tanh) : tensor<2x?x32xf32>, tensor<64x32xf32>
  %y1 = tfm.linear %x, %w bias(%b : tensor<64xf32>) act(gelu_tanh)
      : tensor<2x?x32xf32>, tensor<64x32xf32>
  // CHECK: %[[Y2:.*]] = tfm.linear %[[X]], %[[W]] residual(%[[R]] : tensor<2x?x64xf32>) : tensor<2x?x32xf32>, tensor<64x32xf32>
  %y2 = tfm.linear %x, %w residual(%r : tensor<2x?x64xf32>)
      : tensor<2x?x32xf32>, tensor<64x32xf32>
  // CHECK: %[[Y3:.*]] = tfm.linear %[[X]], %[[W]] bias(%[[B]] : tensor<64xf32>) act(relu) residual(%[[R]] : tensor<2x?x64xf32>) : tensor<2x?x32xf32>, tensor<64x32xf32>
  %y3 = tfm.linear %x, %w bias(%b : tensor<64xf32>) act(relu)
      residual(%r : tensor<2x?x64xf32>) : tensor<2x?x32xf32>, tensor<64x32xf32>
  // CHECK: return %[[Y0]], %[[Y1]], %[[Y2]], %[[Y3]] : tensor<2x?x64xf32>, tensor<2x?x64xf32>, tensor<2x?x64xf32>, tensor<2x?x64xf32>
  return %y0, %y1, %y2, %y3 : tensor<2x?x64xf32>, tensor<2x?x64xf32>,
      tensor<2x?x64xf32>, tensor<2x?x64xf32>
}

// Every activation as a linear epilogue.
// CHECK-LABEL: func.func @linear_acts
func.func @linear_acts(%x: tensor<8x16xf32>, %w: tensor<4x16xf32>)
    -> (tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>,
        tensor<8x4xf32>, tensor<8x4xf32>) {
  // CHECK: tfm.linear %{{.*}}, %{{.*}} act(gelu_erf) :
  %0 = tfm.linear %x, %w act(gelu_erf) : tensor<8x16xf32>, tensor<4x16xf32>
  // CHECK: tfm.linear %{{.*}}, %{{.*}} act(silu) :
  %1 = tfm.linear %x, %w act(silu) : tensor<8x16xf32>, tensor<4x16xf32>
  // CHECK: tfm.linear %{{.*}}, %{{.*}} act(elu) :
  %2 = tfm.linear %x, %w act(elu) : tensor<8x16xf32>, tensor<4x16xf32>
  // CHECK: tfm.linear %{{.*}}, %{{.*}} act(sigmoid) :
  %3 = tfm.linear %x, %w act(sigmoid) : tensor<8x16xf32>, tensor<4x16xf32>
  // CHECK: tfm.linear %{{.*}}, %{{.*}} act(softplus) :
  %4 = tfm.linear %x, %w act(softplus) : tensor<8x16xf32>, tensor<4x16xf32>
  // CHECK: tfm.linear %{{.*}}, %{{.*}} act(relu) :
  %5 = tfm.linear %x, %w act(relu) : tensor<8x16xf32>, tensor<4x16xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<8x4xf32>, tensor<8x4xf32>,
      tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>
}

// A gated linear (GLU gate/up projection) produces half the weight rows.
// CHECK-LABEL: func.func @linear_gated
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x32xf32>, %[[W:[^:]*]]: tensor<128x32xf32>, %[[B:[^:]*]]: tensor<128xf32>, %[[R:[^:]*]]: tensor<?x64xf32>)
func.func @linear_gated(%x: tensor<?x32xf32>, %wgu: tensor<128x32xf32>,
                        %bgu: tensor<128xf32>, %r: tensor<?x64xf32>)
    -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  // CHECK: %[[H:.*]] = tfm.linear %[[X]], %[[W]] act(silu) gated : tensor<?x32xf32>, tensor<128x32xf32>
  %h = tfm.linear %x, %wgu act(silu) gated
      : tensor<?x32xf32>, tensor<128x32xf32>
  // CHECK: %[[G:.*]] = tfm.linear %[[X]], %[[W]] bias(%[[B]] : tensor<128xf32>) act(gelu_erf) gated residual(%[[R]] : tensor<?x64xf32>) : tensor<?x32xf32>, tensor<128x32xf32>
  %g = tfm.linear %x, %wgu bias(%bgu : tensor<128xf32>) act(gelu_erf) gated
      residual(%r : tensor<?x64xf32>) : tensor<?x32xf32>, tensor<128x32xf32>
  // CHECK: return %[[H]], %[[G]] : tensor<?x64xf32>, tensor<?x64xf32>
  return %h, %g : tensor<?x64xf32>, tensor<?x64xf32>
}

// A rank-1 input and half-precision storage.
// CHECK-LABEL: func.func @linear_vector_f16
func.func @linear_vector_f16(%x: tensor<16xf16>, %w: tensor<4x16xf16>)
    -> tensor<4xf16> {
  // CHECK: %[[Y:.*]] = tfm.linear %{{.*}}, %{{.*}} : tensor<16xf16>, tensor<4x16xf16>
  %y = tfm.linear %x, %w : tensor<16xf16>, tensor<4x16xf16>
  // CHECK: return %[[Y]] : tensor<4xf16>
  return %y : tensor<4xf16>
}

//===----------------------------------------------------------------------===//
// tfm.norm
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @norm
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x?x64xf32>, %[[G:[^:]*]]: tensor<64xf32>, %[[BT:[^:]*]]: tensor<64xf32>, %[[C:[^:]*]]: tensor<2x32x?xf32>, %[[S:[^:]*]]: tensor<32xf32>)
func.func @norm(%x: tensor<1x?x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>,
                %c: tensor<2x32x?xf32>, %s: tensor<32xf32>)
    -> (tensor<1x?x64xf32>, tensor<1x?x64xf32>, tensor<1x?x64xf32>,
        tensor<2x32x?xf32>, tensor<2x32x?xf32>, tensor<1x?x64xf32>) {
  // CHECK: %[[N0:.*]] = tfm.norm layer %[[X]] scale(%[[G]] : tensor<64xf32>) shift(%[[BT]] : tensor<64xf32>) : tensor<1x?x64xf32>
  %0 = tfm.norm layer %x scale(%g : tensor<64xf32>) shift(%b : tensor<64xf32>)
      : tensor<1x?x64xf32>
  // CHECK: %[[N1:.*]] = tfm.norm layer %[[X]] {eps = 9.9999999999999998E-13 : f64} : tensor<1x?x64xf32>
  %1 = tfm.norm layer %x {eps = 1.0e-12 : f64} : tensor<1x?x64xf32>
  // CHECK: %[[N2:.*]] = tfm.norm rms %[[X]] scale(%[[G]] : tensor<64xf32>) {eps = 9.9999999999999995E-7 : f64} : tensor<1x?x64xf32>
  %2 = tfm.norm rms %x scale(%g : tensor<64xf32>) {eps = 1.0e-06 : f64}
      : tensor<1x?x64xf32>
  // CHECK: %[[N3:.*]] = tfm.norm affine %[[C]] scale(%[[S]] : tensor<32xf32>) shift(%[[S]] : tensor<32xf32>) {axis = 1 : i64} : tensor<2x32x?xf32>
  %3 = tfm.norm affine %c scale(%s : tensor<32xf32>) shift(%s : tensor<32xf32>)
      {axis = 1 : i64} : tensor<2x32x?xf32>
  // A negative axis counts from the end.
  // CHECK: %[[N4:.*]] = tfm.norm affine %[[C]] scale(%[[S]] : tensor<32xf32>) {axis = -2 : i64} : tensor<2x32x?xf32>
  %4 = tfm.norm affine %c scale(%s : tensor<32xf32>) {axis = -2 : i64}
      : tensor<2x32x?xf32>
  // The default axis (-1) and eps (1e-5) are not printed.
  // CHECK: %[[N5:.*]] = tfm.norm rms %[[X]] : tensor<1x?x64xf32>
  %5 = tfm.norm rms %x {axis = -1 : i64, eps = 1.0e-05 : f64}
      : tensor<1x?x64xf32>
  // CHECK: return %[[N0]], %[[N1]], %[[N2]], %[[N3]], %[[N4]], %[[N5]] :
  return %0, %1, %2, %3, %4, %5 : tensor<1x?x64xf32>, tensor<1x?x64xf32>,
      tensor<1x?x64xf32>, tensor<2x32x?xf32>, tensor<2x32x?xf32>,
      tensor<1x?x64xf32>
}

//===----------------------------------------------------------------------===//
// tfm.activation
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @activation
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x64xf32>, %[[H:[^:]*]]: tensor<4xbf16>)
func.func @activation(%x: tensor<?x64xf32>, %h: tensor<4xbf16>)
    -> (tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>,
        tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>,
        tensor<?x64xf32>, tensor<4xbf16>) {
  // CHECK: %[[A0:.*]] = tfm.activation gelu_erf %[[X]] : tensor<?x64xf32>
  %0 = tfm.activation gelu_erf %x : tensor<?x64xf32>
  // CHECK: %[[A1:.*]] = tfm.activation gelu_tanh %[[X]] : tensor<?x64xf32>
  %1 = tfm.activation gelu_tanh %x : tensor<?x64xf32>
  // CHECK: %[[A2:.*]] = tfm.activation silu %[[X]] : tensor<?x64xf32>
  %2 = tfm.activation silu %x : tensor<?x64xf32>
  // CHECK: %[[A3:.*]] = tfm.activation relu %[[X]] : tensor<?x64xf32>
  %3 = tfm.activation relu %x : tensor<?x64xf32>
  // CHECK: %[[A4:.*]] = tfm.activation elu %[[X]] : tensor<?x64xf32>
  %4 = tfm.activation elu %x : tensor<?x64xf32>
  // CHECK: %[[A5:.*]] = tfm.activation sigmoid %[[X]] : tensor<?x64xf32>
  %5 = tfm.activation sigmoid %x : tensor<?x64xf32>
  // CHECK: %[[A6:.*]] = tfm.activation softplus %[[X]] : tensor<?x64xf32>
  %6 = tfm.activation softplus %x : tensor<?x64xf32>
  // CHECK: %[[A7:.*]] = tfm.activation silu %[[H]] : tensor<4xbf16>
  %7 = tfm.activation silu %h : tensor<4xbf16>
  // CHECK: return %[[A0]], %[[A1]], %[[A2]], %[[A3]], %[[A4]], %[[A5]], %[[A6]], %[[A7]] :
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<?x64xf32>, tensor<?x64xf32>,
      tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>,
      tensor<?x64xf32>, tensor<4xbf16>
}

//===----------------------------------------------------------------------===//
// tfm.rope
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @rope
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<1x8x?x64xf32>, %[[P:[^:]*]]: tensor<?xi32>, %[[P2:[^:]*]]: tensor<1x?xi64>)
func.func @rope(%q: tensor<1x8x?x64xf32>, %pos: tensor<?xi32>,
                %pos2: tensor<1x?xi64>)
    -> (tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>,
        tensor<1x8x?x64xf32>) {
  // CHECK: %[[R0:.*]] = tfm.rope half %[[Q]], %[[P]] : tensor<1x8x?x64xf32>, tensor<?xi32>
  %0 = tfm.rope half %q, %pos : tensor<1x8x?x64xf32>, tensor<?xi32>
  // CHECK: %[[R1:.*]] = tfm.rope interleaved %[[Q]], %[[P]] : tensor<1x8x?x64xf32>, tensor<?xi32>
  %1 = tfm.rope interleaved %q, %pos : tensor<1x8x?x64xf32>, tensor<?xi32>
  // Partial rotary dim with a non-default base.
  // CHECK: %[[R2:.*]] = tfm.rope interleaved %[[Q]], %[[P]] {base = 5.000000e+05 : f64, rotary_dim = 16 : i64} : tensor<1x8x?x64xf32>, tensor<?xi32>
  %2 = tfm.rope interleaved %q, %pos {base = 5.0e5 : f64, rotary_dim = 16 : i64}
      : tensor<1x8x?x64xf32>, tensor<?xi32>
  // Per-batch positions [B, L]; the default base 1e4 is not printed.
  // CHECK: %[[R3:.*]] = tfm.rope half %[[Q]], %[[P2]] {rotary_dim = 32 : i64} : tensor<1x8x?x64xf32>, tensor<1x?xi64>
  %3 = tfm.rope half %q, %pos2 {base = 1.0e4 : f64, rotary_dim = 32 : i64}
      : tensor<1x8x?x64xf32>, tensor<1x?xi64>
  // CHECK: return %[[R0]], %[[R1]], %[[R2]], %[[R3]] :
  return %0, %1, %2, %3 : tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>,
      tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>
}

//===----------------------------------------------------------------------===//
// tfm.attention
//===----------------------------------------------------------------------===//

// Masks, with GQA (32 query heads over 8 KV heads) and a dynamic length.
// CHECK-LABEL: func.func @attention_masks
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<1x32x?x128xf32>, %[[K:[^:]*]]: tensor<1x8x?x128xf32>, %[[V:[^:]*]]: tensor<1x8x?x128xf32>)
func.func @attention_masks(%q: tensor<1x32x?x128xf32>,
                           %k: tensor<1x8x?x128xf32>,
                           %v: tensor<1x8x?x128xf32>)
    -> (tensor<1x32x?x128xf32>, tensor<1x32x?x128xf32>,
        tensor<1x32x?x128xf32>, tensor<1x32x?x128xf32>,
        tensor<1x32x?x128xf32>, tensor<1x32x?x128xf32>,
        tensor<1x32x?x128xf32>) {
  // CHECK: %[[O0:.*]] = tfm.attention %[[Q]], %[[K]], %[[V]] scale 0.0883883461 : tensor<1x32x?x128xf32>, tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>
  %0 = tfm.attention %q, %k, %v scale 0.0883883461
      : tensor<1x32x?x128xf32>, tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>
  // CHECK: %[[O1:.*]] = tfm.attention %[[Q]], %[[K]], %[[V]] scale 1.250000e-01 mask <none> :
  %1 = tfm.attention %q, %k, %v scale 0.125 mask <none>
      : tensor<1x32x?x128xf32>, tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>
  // CHECK: %[[O2:.*]] = tfm.attention %[[Q]], %[[K]], %[[V]] scale 1.250000e-01 mask <causal> :
  %2 = tfm.attention %q, %k, %v scale 0.125 mask <causal>
      : tensor<1x32x?x128xf32>, tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>
  // CHECK: %[[O3:.*]] = tfm.attention %[[Q]], %[[K]], %[[V]] scale 1.250000e-01 mask <window 128, 4> :
  %3 = tfm.attention %q, %k, %v scale 0.125 mask <window 128, 4>
      : tensor<1x32x?x128xf32>, tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>
  // CHECK: %[[O4:.*]] = tfm.attention %[[Q]], %[[K]], %[[V]] scale 1.250000e-01 mask <prefix 16> :
  %4 = tfm.attention %q, %k, %v scale 0.125 mask <prefix 16>
      : tensor<1x32x?x128xf32>, tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>
  // CHECK: %[[O5:.*]] = tfm.attention %[[Q]], %[[K]], %[[V]] scale 1.250000e-01 mask <block 64> :
  %5 = tfm.attention %q, %k, %v scale 0.125 mask <block 64>
      : tensor<1x32x?x128xf32>, tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>
  // CHECK: %[[O6:.*]] = tfm.attention %[[Q]], %[[K]], %[[V]] scale 1.250000e-01 mask <causal> pos_bias <none> :
  %6 = tfm.attention %q, %k, %v scale 0.125 mask <causal> pos_bias <none>
      : tensor<1x32x?x128xf32>, tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>
  // CHECK: return %[[O0]], %[[O1]], %[[O2]], %[[O3]], %[[O4]], %[[O5]], %[[O6]] : tensor<1x32x?x128xf32>,
  return %0, %1, %2, %3, %4, %5, %6
      : tensor<1x32x?x128xf32>, tensor<1x32x?x128xf32>, tensor<1x32x?x128xf32>,
        tensor<1x32x?x128xf32>, tensor<1x32x?x128xf32>, tensor<1x32x?x128xf32>,
        tensor<1x32x?x128xf32>
}

// Positional biases: ALiBi, T5 buckets both ways, URPE mult, explicit bias.
// CHECK-LABEL: func.func @attention_pos_bias
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<2x8x64x32xf32>, %[[K:[^:]*]]: tensor<2x8x48x32xf32>, %[[T:[^:]*]]: tensor<32x8xf32>, %[[M:[^:]*]]: tensor<32x8xf32>, %[[E:[^:]*]]: tensor<1x8x64x48xf32>, %[[E2:[^:]*]]: tensor<2x1x64x48xf32>)
func.func @attention_pos_bias(%q: tensor<2x8x64x32xf32>,
                              %k: tensor<2x8x48x32xf32>,
                              %table: tensor<32x8xf32>,
                              %mult: tensor<32x8xf32>,
                              %bias: tensor<1x8x64x48xf32>,
                              %bias2: tensor<2x1x64x48xf32>)
    -> (tensor<2x8x64x32xf32>, tensor<2x8x64x32xf32>, tensor<2x8x64x32xf32>,
        tensor<2x8x64x32xf32>, tensor<2x8x64x32xf32>, tensor<2x8x64x32xf32>) {
  // CHECK: %[[O0:.*]] = tfm.attention %[[Q]], %[[K]], %[[K]] scale 1.250000e-01 mask <causal> pos_bias <alibi> : tensor<2x8x64x32xf32>, tensor<2x8x48x32xf32>, tensor<2x8x48x32xf32>
  %0 = tfm.attention %q, %k, %k scale 0.125 mask <causal> pos_bias <alibi>
      : tensor<2x8x64x32xf32>, tensor<2x8x48x32xf32>, tensor<2x8x48x32xf32>
  // CHECK: %[[O1:.*]] = tfm.attention %[[Q]], %[[K]], %[[K]] scale 1.000000e+00 pos_bias <t5 buckets 32, max_distance 128, bidirectional> bias(%[[T]] : tensor<32x8xf32>) :
  %1 = tfm.attention %q, %k, %k scale 1.0
      pos_bias <t5 buckets 32, max_distance 128, bidirectional>
      bias(%table : tensor<32x8xf32>)
      : tensor<2x8x64x32xf32>, tensor<2x8x48x32xf32>, tensor<2x8x48x32xf32>
  // CHECK: %[[O2:.*]] = tfm.attention %[[Q]], %[[K]], %[[K]] scale 1.000000e+00 mask <causal> pos_bias <t5 buckets 32, max_distance 128, unidirectional> bias(%[[T]] : tensor<32x8xf32>) :
  %2 = tfm.attention %q, %k, %k scale 1.0 mask <causal>
      pos_bias <t5 buckets 32, max_distance 128, unidirectional>
      bias(%table : tensor<32x8xf32>)
      : tensor<2x8x64x32xf32>, tensor<2x8x48x32xf32>, tensor<2x8x48x32xf32>
  // CHECK: %[[O3:.*]] = tfm.attention %[[Q]], %[[K]], %[[K]] scale 1.000000e+00 pos_bias <t5 buckets 32, max_distance 128, bidirectional> bias(%[[T]] : tensor<32x8xf32>) mult(%[[M]] : tensor<32x8xf32>) :
  %3 = tfm.attention %q, %k, %k scale 1.0
      pos_bias <t5 buckets 32, max_distance 128, bidirectional>
      bias(%table : tensor<32x8xf32>) mult(%mult : tensor<32x8xf32>)
      : tensor<2x8x64x32xf32>, tensor<2x8x48x32xf32>, tensor<2x8x48x32xf32>
  // Explicit biases broadcast over batch or heads.
  // CHECK: %[[O4:.*]] = tfm.attention %[[Q]], %[[K]], %[[K]] scale 1.250000e-01 pos_bias <explicit> bias(%[[E]] : tensor<1x8x64x48xf32>) :
  %4 = tfm.attention %q, %k, %k scale 0.125 pos_bias <explicit>
      bias(%bias : tensor<1x8x64x48xf32>)
      : tensor<2x8x64x32xf32>, tensor<2x8x48x32xf32>, tensor<2x8x48x32xf32>
  // CHECK: %[[O5:.*]] = tfm.attention %[[Q]], %[[K]], %[[K]] scale 1.250000e-01 pos_bias <explicit> bias(%[[E2]] : tensor<2x1x64x48xf32>) :
  %5 = tfm.attention %q, %k, %k scale 0.125 pos_bias <explicit>
      bias(%bias2 : tensor<2x1x64x48xf32>)
      : tensor<2x8x64x32xf32>, tensor<2x8x48x32xf32>, tensor<2x8x48x32xf32>
  // CHECK: return %[[O0]], %[[O1]], %[[O2]], %[[O3]], %[[O4]], %[[O5]] :
  return %0, %1, %2, %3, %4, %5
      : tensor<2x8x64x32xf32>, tensor<2x8x64x32xf32>, tensor<2x8x64x32xf32>,
        tensor<2x8x64x32xf32>, tensor<2x8x64x32xf32>, tensor<2x8x64x32xf32>
}

// Decode against a KV cache: MQA (one KV head), kv_len, q_offset and the
// log-sum-exp result; a value head dim (32) unlike the query's (64).
// CHECK-LABEL: func.func @attention_decode
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<4x16x1x64xf32>, %[[K:[^:]*]]: tensor<4x1x?x64xf32>, %[[V:[^:]*]]: tensor<4x1x?x32xf32>, %[[KL:[^:]*]]: tensor<4xi32>, %[[OFF:[^:]*]]: index)
func.func @attention_decode(%q: tensor<4x16x1x64xf32>,
                            %k: tensor<4x1x?x64xf32>,
                            %v: tensor<4x1x?x32xf32>,
                            %kv_len: tensor<4xi32>, %offset: index)
    -> (tensor<4x16x1x32xf32>, tensor<4x16x1x32xf32>, tensor<4x16x1xf32>) {
  // CHECK: %[[O0:.*]] = tfm.attention %[[Q]], %[[K]], %[[V]] scale 1.250000e-01 mask <causal> kv_len(%[[KL]] : tensor<4xi32>) q_offset(%[[OFF]]) : tensor<4x16x1x64xf32>, tensor<4x1x?x64xf32>, tensor<4x1x?x32xf32>
  %0 = tfm.attention %q, %k, %v scale 0.125 mask <causal>
      kv_len(%kv_len : tensor<4xi32>) q_offset(%offset)
      : tensor<4x16x1x64xf32>, tensor<4x1x?x64xf32>, tensor<4x1x?x32xf32>
  // CHECK: %[[O1:.*]], %[[LSE:.*]] = tfm.attention %[[Q]], %[[K]], %[[V]] scale 1.250000e-01 q_offset(%[[OFF]]) return_lse : tensor<4x16x1x64xf32>, tensor<4x1x?x64xf32>, tensor<4x1x?x32xf32>
  %1, %lse = tfm.attention %q, %k, %v scale 0.125 q_offset(%offset) return_lse
      : tensor<4x16x1x64xf32>, tensor<4x1x?x64xf32>, tensor<4x1x?x32xf32>
  // CHECK: return %[[O0]], %[[O1]], %[[LSE]] : tensor<4x16x1x32xf32>, tensor<4x16x1x32xf32>, tensor<4x16x1xf32>
  return %0, %1, %lse
      : tensor<4x16x1x32xf32>, tensor<4x16x1x32xf32>, tensor<4x16x1xf32>
}

// Every optional operand at once; the lse is f32 for bf16 storage.
// CHECK-LABEL: func.func @attention_all_operands
func.func @attention_all_operands(%q: tensor<2x8x?x64xbf16>,
                                  %kv: tensor<2x4x?x64xbf16>,
                                  %table: tensor<64x8xbf16>,
                                  %kv_len: tensor<2xi64>, %offset: index)
    -> (tensor<2x8x?x64xbf16>, tensor<2x8x?xf32>) {
  // CHECK: %[[O:.*]], %[[LSE:.*]] = tfm.attention %{{.*}}, %{{.*}}, %{{.*}} scale 1.250000e-01 mask <window 256, 0> pos_bias <t5 buckets 64, max_distance 256, bidirectional> bias(%{{.*}} : tensor<64x8xbf16>) mult(%{{.*}} : tensor<64x8xbf16>) kv_len(%{{.*}} : tensor<2xi64>) q_offset(%{{.*}}) return_lse : tensor<2x8x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>
  %o, %lse = tfm.attention %q, %kv, %kv scale 0.125 mask <window 256, 0>
      pos_bias <t5 buckets 64, max_distance 256, bidirectional>
      bias(%table : tensor<64x8xbf16>) mult(%table : tensor<64x8xbf16>)
      kv_len(%kv_len : tensor<2xi64>) q_offset(%offset) return_lse
      : tensor<2x8x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>
  // CHECK: return %[[O]], %[[LSE]] : tensor<2x8x?x64xbf16>, tensor<2x8x?xf32>
  return %o, %lse : tensor<2x8x?x64xbf16>, tensor<2x8x?xf32>
}

//===----------------------------------------------------------------------===//
// tfm.feature_map and tfm.linear_attention
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @feature_map
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x4x?x32xf32>, %[[W:[^:]*]]: tensor<64x32xf32>)
func.func @feature_map(%x: tensor<1x4x?x32xf32>, %w: tensor<64x32xf32>)
    -> (tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x64xf32>) {
  // CHECK: %[[F0:.*]] = tfm.feature_map relu %[[X]] : tensor<1x4x?x32xf32>
  %0 = tfm.feature_map relu %x : tensor<1x4x?x32xf32>
  // CHECK: %[[F1:.*]] = tfm.feature_map elu_plus_one %[[X]] : tensor<1x4x?x32xf32>
  %1 = tfm.feature_map elu_plus_one %x : tensor<1x4x?x32xf32>
  // CHECK: %[[F2:.*]] = tfm.feature_map performer %[[X]] projection(%[[W]] : tensor<64x32xf32>) : tensor<1x4x?x32xf32>
  %2 = tfm.feature_map performer %x projection(%w : tensor<64x32xf32>)
      : tensor<1x4x?x32xf32>
  // CHECK: return %[[F0]], %[[F1]], %[[F2]] : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x64xf32>
  return %0, %1, %2
      : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x64xf32>
}

// CHECK-LABEL: func.func @linear_attention
// CHECK-SAME: (%[[FQ:[^:]*]]: tensor<1x4x?x16xf32>, %[[FK:[^:]*]]: tensor<1x4x?x16xf32>, %[[V:[^:]*]]: tensor<1x4x?x32xf32>)
func.func @linear_attention(%fq: tensor<1x4x?x16xf32>,
                            %fk: tensor<1x4x?x16xf32>,
                            %v: tensor<1x4x?x32xf32>)
    -> (tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>,
        tensor<1x4x?x32xf32>) {
  // CHECK: %[[L0:.*]] = tfm.linear_attention %[[FQ]], %[[FK]], %[[V]] impl(auto) : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x32xf32>
  %0 = tfm.linear_attention %fq, %fk, %v impl(auto)
      : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x32xf32>
  // CHECK: %[[L1:.*]] = tfm.linear_attention %[[FQ]], %[[FK]], %[[V]] causal impl(chunked) {chunk = 64 : i64} :
  %1 = tfm.linear_attention %fq, %fk, %v causal impl(chunked) {chunk = 64 : i64}
      : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x32xf32>
  // CHECK: %[[L2:.*]] = tfm.linear_attention %[[FQ]], %[[FK]], %[[V]] impl(direct) {eps = 0.000000e+00 : f64} :
  %2 = tfm.linear_attention %fq, %fk, %v impl(direct) {eps = 0.0 : f64}
      : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x32xf32>
  // CHECK: %[[L3:.*]] = tfm.linear_attention %[[FQ]], %[[FK]], %[[V]] causal impl(direct) :
  %3 = tfm.linear_attention %fq, %fk, %v causal impl(direct)
      : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x32xf32>
  // CHECK: return %[[L0]], %[[L1]], %[[L2]], %[[L3]] :
  return %0, %1, %2, %3 : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>,
      tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>
}

// Kernelized attention with Toeplitz RPE coefficients [H, 2L - 1].
// CHECK-LABEL: func.func @linear_attention_toeplitz
// CHECK-SAME: (%[[FQ:[^:]*]]: tensor<1x4x128x16xf32>, %[[V:[^:]*]]: tensor<1x4x128x32xf32>, %[[C:[^:]*]]: tensor<4x255xf32>, %[[DQ:[^:]*]]: tensor<2x4x?x16xf32>, %[[DV:[^:]*]]: tensor<2x4x?x8xf32>, %[[DC:[^:]*]]: tensor<4x?xf32>)
func.func @linear_attention_toeplitz(%fq: tensor<1x4x128x16xf32>,
                                     %v: tensor<1x4x128x32xf32>,
                                     %c: tensor<4x255xf32>,
                                     %dq: tensor<2x4x?x16xf32>,
                                     %dv: tensor<2x4x?x8xf32>,
                                     %dc: tensor<4x?xf32>)
    -> (tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>,
        tensor<1x4x128x32xf32>, tensor<2x4x?x8xf32>) {
  // CHECK: %[[T0:.*]] = tfm.linear_attention %[[FQ]], %[[FQ]], %[[V]] toeplitz(%[[C]] : tensor<4x255xf32>) impl(fft) : tensor<1x4x128x16xf32>, tensor<1x4x128x16xf32>, tensor<1x4x128x32xf32>
  %0 = tfm.linear_attention %fq, %fq, %v toeplitz(%c : tensor<4x255xf32>)
      impl(fft)
      : tensor<1x4x128x16xf32>, tensor<1x4x128x16xf32>, tensor<1x4x128x32xf32>
  // CHECK: %[[T1:.*]] = tfm.linear_attention %[[FQ]], %[[FQ]], %[[V]] toeplitz(%[[C]] : tensor<4x255xf32>) causal impl(direct) :
  %1 = tfm.linear_attention %fq, %fq, %v toeplitz(%c : tensor<4x255xf32>)
      causal impl(direct)
      : tensor<1x4x128x16xf32>, tensor<1x4x128x16xf32>, tensor<1x4x128x32xf32>
  // CHECK: %[[T2:.*]] = tfm.linear_attention %[[FQ]], %[[FQ]], %[[V]] toeplitz(%[[C]] : tensor<4x255xf32>) impl(auto) {eps = 1.000000e-03 : f64} :
  %2 = tfm.linear_attention %fq, %fq, %v toeplitz(%c : tensor<4x255xf32>)
      impl(auto) {eps = 1.0e-3 : f64}
      : tensor<1x4x128x16xf32>, tensor<1x4x128x16xf32>, tensor<1x4x128x32xf32>
  // A dynamic length takes coefficients of dynamic length.
  // CHECK: %[[T3:.*]] = tfm.linear_attention %[[DQ]], %[[DQ]], %[[DV]] toeplitz(%[[DC]] : tensor<4x?xf32>) impl(fft) : tensor<2x4x?x16xf32>, tensor<2x4x?x16xf32>, tensor<2x4x?x8xf32>
  %3 = tfm.linear_attention %dq, %dq, %dv toeplitz(%dc : tensor<4x?xf32>)
      impl(fft)
      : tensor<2x4x?x16xf32>, tensor<2x4x?x16xf32>, tensor<2x4x?x8xf32>
  // CHECK: return %[[T0]], %[[T1]], %[[T2]], %[[T3]] : tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>, tensor<2x4x?x8xf32>
  return %0, %1, %2, %3 : tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>,
      tensor<1x4x128x32xf32>, tensor<2x4x?x8xf32>
}

//===----------------------------------------------------------------------===//
// tfm.dwconv
//===----------------------------------------------------------------------===//

// Rank 1: output length floor((L + pad_lo + pad_hi - e - 1) / stride) + 1
// with e = (k - 1) * dilation.
// CHECK-LABEL: func.func @dwconv_1d
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x8x16xf32>, %[[W3:[^:]*]]: tensor<8x3xf32>, %[[W5:[^:]*]]: tensor<8x5xf32>, %[[B:[^:]*]]: tensor<8xf32>)
func.func @dwconv_1d(%x: tensor<2x8x16xf32>, %w3: tensor<8x3xf32>,
                     %w5: tensor<8x5xf32>, %b: tensor<8xf32>)
    -> (tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>,
        tensor<2x8x20xf32>, tensor<2x8x8xf32>, tensor<2x8x16xf32>,
        tensor<2x8x20xf32>) {
  // CHECK: %[[C0:.*]] = tfm.dwconv %[[X]], %[[W3]] padding(zero) impl(direct) : tensor<2x8x16xf32>, tensor<8x3xf32>
  %0 = tfm.dwconv %x, %w3 padding(zero) impl(direct)
      : tensor<2x8x16xf32>, tensor<8x3xf32>
  // CHECK: %[[C1:.*]] = tfm.dwconv %[[X]], %[[W3]] bias(%[[B]] : tensor<8xf32>) padding(causal) impl(direct) : tensor<2x8x16xf32>, tensor<8x3xf32>
  %1 = tfm.dwconv %x, %w3 bias(%b : tensor<8xf32>) padding(causal) impl(direct)
      : tensor<2x8x16xf32>, tensor<8x3xf32>
  // CHECK: %[[C2:.*]] = tfm.dwconv %[[X]], %[[W5]] padding(circular) impl(direct) : tensor<2x8x16xf32>, tensor<8x5xf32>
  %2 = tfm.dwconv %x, %w5 padding(circular) impl(direct)
      : tensor<2x8x16xf32>, tensor<8x5xf32>
  // CHECK: %[[C3:.*]] = tfm.dwconv %[[X]], %[[W5]] padding(full) impl(direct) : tensor<2x8x16xf32>, tensor<8x5xf32>
  %3 = tfm.dwconv %x, %w5 padding(full) impl(direct)
      : tensor<2x8x16xf32>, tensor<8x5xf32>
  // CHECK: %[[C4:.*]] = tfm.dwconv %[[X]], %[[W3]] padding(zero) impl(direct) {stride = array<i64: 2>} : tensor<2x8x16xf32>, tensor<8x3xf32>
  %4 = tfm.dwconv %x, %w3 padding(zero) impl(direct) {stride = array<i64: 2>}
      : tensor<2x8x16xf32>, tensor<8x3xf32>
  // CHECK: %[[C5:.*]] = tfm.dwconv %[[X]], %[[W3]] padding(causal) impl(direct) {dilation = array<i64: 2>} : tensor<2x8x16xf32>, tensor<8x3xf32>
  %5 = tfm.dwconv %x, %w3 padding(causal) impl(direct)
      {dilation = array<i64: 2>} : tensor<2x8x16xf32>, tensor<8x3xf32>
  // CHECK: %[[C6:.*]] = tfm.dwconv %[[X]], %[[W5]] bias(%[[B]] : tensor<8xf32>) padding(full) impl(fft) : tensor<2x8x16xf32>, tensor<8x5xf32>
  %6 = tfm.dwconv %x, %w5 bias(%b : tensor<8xf32>) padding(full) impl(fft)
      : tensor<2x8x16xf32>, tensor<8x5xf32>
  // CHECK: return %[[C0]], %[[C1]], %[[C2]], %[[C3]], %[[C4]], %[[C5]], %[[C6]] : tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x20xf32>, tensor<2x8x8xf32>, tensor<2x8x16xf32>, tensor<2x8x20xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<2x8x16xf32>, tensor<2x8x16xf32>,
      tensor<2x8x16xf32>, tensor<2x8x20xf32>, tensor<2x8x8xf32>,
      tensor<2x8x16xf32>, tensor<2x8x20xf32>
}

// Mamba's causal conv1d over a dynamic length, and a long FFT convolution.
// CHECK-LABEL: func.func @dwconv_1d_dynamic
func.func @dwconv_1d_dynamic(%x: tensor<1x64x?xf32>, %w: tensor<64x4xf32>,
                             %b: tensor<64xf32>, %y: tensor<1x16x128xf32>,
                             %h: tensor<16x128xf32>)
    -> (tensor<1x64x?xf32>, tensor<1x16x128xf32>) {
  // CHECK: %[[C0:.*]] = tfm.dwconv %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<64xf32>) padding(causal) impl(direct) : tensor<1x64x?xf32>, tensor<64x4xf32>
  %0 = tfm.dwconv %x, %w bias(%b : tensor<64xf32>) padding(causal) impl(direct)
      : tensor<1x64x?xf32>, tensor<64x4xf32>
  // CHECK: %[[C1:.*]] = tfm.dwconv %{{.*}}, %{{.*}} padding(causal) impl(fft) : tensor<1x16x128xf32>, tensor<16x128xf32>
  %1 = tfm.dwconv %y, %h padding(causal) impl(fft)
      : tensor<1x16x128xf32>, tensor<16x128xf32>
  // CHECK: return %[[C0]], %[[C1]] : tensor<1x64x?xf32>, tensor<1x16x128xf32>
  return %0, %1 : tensor<1x64x?xf32>, tensor<1x16x128xf32>
}

// CHECK-LABEL: func.func @dwconv_2d
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x8x9x9xf32>, %[[W:[^:]*]]: tensor<8x3x3xf32>, %[[B:[^:]*]]: tensor<8xf32>)
func.func @dwconv_2d(%x: tensor<1x8x9x9xf32>, %w: tensor<8x3x3xf32>,
                     %b: tensor<8xf32>)
    -> (tensor<1x8x9x9xf32>, tensor<1x8x9x9xf32>, tensor<1x8x11x11xf32>,
        tensor<1x8x5x9xf32>, tensor<1x8x9x9xf32>) {
  // CHECK: %[[C0:.*]] = tfm.dwconv %[[X]], %[[W]] bias(%[[B]] : tensor<8xf32>) padding(zero) impl(direct) : tensor<1x8x9x9xf32>, tensor<8x3x3xf32>
  %0 = tfm.dwconv %x, %w bias(%b : tensor<8xf32>) padding(zero) impl(direct)
      : tensor<1x8x9x9xf32>, tensor<8x3x3xf32>
  // CHECK: %[[C1:.*]] = tfm.dwconv %[[X]], %[[W]] padding(circular) impl(direct) : tensor<1x8x9x9xf32>, tensor<8x3x3xf32>
  %1 = tfm.dwconv %x, %w padding(circular) impl(direct)
      : tensor<1x8x9x9xf32>, tensor<8x3x3xf32>
  // CHECK: %[[C2:.*]] = tfm.dwconv %[[X]], %[[W]] padding(full) impl(direct) : tensor<1x8x9x9xf32>, tensor<8x3x3xf32>
  %2 = tfm.dwconv %x, %w padding(full) impl(direct)
      : tensor<1x8x9x9xf32>, tensor<8x3x3xf32>
  // CHECK: %[[C3:.*]] = tfm.dwconv %[[X]], %[[W]] padding(zero) impl(direct) {dilation = array<i64: 1, 2>, stride = array<i64: 2, 1>} : tensor<1x8x9x9xf32>, tensor<8x3x3xf32>
  %3 = tfm.dwconv %x, %w padding(zero) impl(direct)
      {stride = array<i64: 2, 1>, dilation = array<i64: 1, 2>}
      : tensor<1x8x9x9xf32>, tensor<8x3x3xf32>
  // CHECK: %[[C4:.*]] = tfm.dwconv %[[X]], %[[W]] padding(zero) impl(fft) {dilation = array<i64: 2, 2>} : tensor<1x8x9x9xf32>, tensor<8x3x3xf32>
  %4 = tfm.dwconv %x, %w padding(zero) impl(fft) {dilation = array<i64: 2, 2>}
      : tensor<1x8x9x9xf32>, tensor<8x3x3xf32>
  // CHECK: return %[[C0]], %[[C1]], %[[C2]], %[[C3]], %[[C4]] : tensor<1x8x9x9xf32>, tensor<1x8x9x9xf32>, tensor<1x8x11x11xf32>, tensor<1x8x5x9xf32>, tensor<1x8x9x9xf32>
  return %0, %1, %2, %3, %4 : tensor<1x8x9x9xf32>, tensor<1x8x9x9xf32>,
      tensor<1x8x11x11xf32>, tensor<1x8x5x9xf32>, tensor<1x8x9x9xf32>
}

//===----------------------------------------------------------------------===//
// tfm.rfft and tfm.irfft
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @rfft
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x100xf32>, %[[Y:[^:]*]]: tensor<8x3xf32>, %[[D:[^:]*]]: tensor<?x64xf32>, %[[DA:[^:]*]]: tensor<4x?xf32>)
func.func @rfft(%x: tensor<4x100xf32>, %y: tensor<8x3xf32>,
                %d: tensor<?x64xf32>, %da: tensor<4x?xf32>)
    -> (tensor<4x51xf32>, tensor<4x129xf32>, tensor<5x3xf32>,
        tensor<?x33xf32>, tensor<4x129xf32>) {
  // The length defaults to the axis size: 100 / 2 + 1 = 51 frequencies.
  // CHECK: %[[R0:.*]], %[[I0:.*]] = tfm.rfft %[[X]] : tensor<4x100xf32>
  %r0, %i0 = tfm.rfft %x : tensor<4x100xf32>
  // Zero-padded to n = 256.
  // CHECK: %[[R1:.*]], %[[I1:.*]] = tfm.rfft %[[X]] {n = 256 : i64} : tensor<4x100xf32>
  %r1, %i1 = tfm.rfft %x {n = 256 : i64} : tensor<4x100xf32>
  // CHECK: %[[R2:.*]], %[[I2:.*]] = tfm.rfft %[[Y]] {axis = 0 : i64} : tensor<8x3xf32>
  %r2, %i2 = tfm.rfft %y {axis = 0 : i64} : tensor<8x3xf32>
  // CHECK: %[[R3:.*]], %[[I3:.*]] = tfm.rfft %[[D]] : tensor<?x64xf32>
  %r3, %i3 = tfm.rfft %d : tensor<?x64xf32>
  // A dynamic axis needs an explicit n.
  // CHECK: %[[R4:.*]], %[[I4:.*]] = tfm.rfft %[[DA]] {axis = 1 : i64, n = 256 : i64} : tensor<4x?xf32>
  %r4, %i4 = tfm.rfft %da {axis = 1 : i64, n = 256 : i64} : tensor<4x?xf32>
  // CHECK: return %[[R0]], %[[I1]], %[[R2]], %[[I3]], %[[R4]] : tensor<4x51xf32>, tensor<4x129xf32>, tensor<5x3xf32>, tensor<?x33xf32>, tensor<4x129xf32>
  return %r0, %i1, %r2, %i3, %r4 : tensor<4x51xf32>, tensor<4x129xf32>,
      tensor<5x3xf32>, tensor<?x33xf32>, tensor<4x129xf32>
}

// CHECK-LABEL: func.func @irfft
// CHECK-SAME: (%[[RE:[^:]*]]: tensor<4x129xf32>, %[[IM:[^:]*]]: tensor<4x129xf32>, %[[RE0:[^:]*]]: tensor<5x3xf16>, %[[RD:[^:]*]]: tensor<?x5xf32>)
func.func @irfft(%re: tensor<4x129xf32>, %im: tensor<4x129xf32>,
                 %re0: tensor<5x3xf16>, %rd: tensor<?x5xf32>)
    -> (tensor<4x256xf32>, tensor<8x3xf16>, tensor<?x9xf32>) {
  // CHECK: %[[S0:.*]] = tfm.irfft %[[RE]], %[[IM]] {n = 256 : i64} : tensor<4x129xf32>
  %0 = tfm.irfft %re, %im {n = 256 : i64} : tensor<4x129xf32>
  // CHECK: %[[S1:.*]] = tfm.irfft %[[RE0]], %[[RE0]] {axis = 0 : i64, n = 8 : i64} : tensor<5x3xf16>
  %1 = tfm.irfft %re0, %re0 {axis = 0 : i64, n = 8 : i64} : tensor<5x3xf16>
  // An odd length: 9 / 2 + 1 = 5 frequencies; the default axis is elided.
  // CHECK: %[[S2:.*]] = tfm.irfft %[[RD]], %[[RD]] {n = 9 : i64} : tensor<?x5xf32>
  %2 = tfm.irfft %rd, %rd {n = 9 : i64, axis = -1 : i64} : tensor<?x5xf32>
  // CHECK: return %[[S0]], %[[S1]], %[[S2]] : tensor<4x256xf32>, tensor<8x3xf16>, tensor<?x9xf32>
  return %0, %1, %2 : tensor<4x256xf32>, tensor<8x3xf16>, tensor<?x9xf32>
}

//===----------------------------------------------------------------------===//
// tfm.selective_scan
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @selective_scan
// CHECK-SAME: (%[[U:[^:]*]]: tensor<1x64x?xf32>, %[[DT:[^:]*]]: tensor<1x64x?xf32>, %[[A:[^:]*]]: tensor<64x16xf32>, %[[B:[^:]*]]: tensor<1x1x16x?xf32>, %[[C:[^:]*]]: tensor<1x1x16x?xf32>, %[[D:[^:]*]]: tensor<64xf32>, %[[Z:[^:]*]]: tensor<1x64x?xf32>, %[[DB:[^:]*]]: tensor<64xf32>, %[[H0:[^:]*]]: tensor<1x64x16xf32>)
func.func @selective_scan(%u: tensor<1x64x?xf32>, %dt: tensor<1x64x?xf32>,
                          %a: tensor<64x16xf32>, %b: tensor<1x1x16x?xf32>,
                          %c: tensor<1x1x16x?xf32>, %d: tensor<64xf32>,
                          %z: tensor<1x64x?xf32>, %db: tensor<64xf32>,
                          %h0: tensor<1x64x16xf32>)
    -> (tensor<1x64x?xf32>, tensor<1x64x16xf32>, tensor<1x64x?xf32>,
        tensor<1x64x?xf32>, tensor<1x64x?xf32>, tensor<1x64x16xf32>,
        tensor<1x64x?xf32>, tensor<1x64x16xf32>) {
  // CHECK: %[[Y0:.*]], %[[S0:.*]] = tfm.selective_scan %[[U]], %[[DT]], %[[A]], %[[B]], %[[C]] : tensor<1x64x?xf32>, tensor<64x16xf32>, tensor<1x1x16x?xf32>
  %y0, %s0 = tfm.selective_scan %u, %dt, %a, %b, %c
      : tensor<1x64x?xf32>, tensor<64x16xf32>, tensor<1x1x16x?xf32>
  // CHECK: %[[Y1:.*]], %{{.*}} = tfm.selective_scan %[[U]], %[[DT]], %[[A]], %[[B]], %[[C]] D(%[[D]] : tensor<64xf32>) :
  %y1, %s1 = tfm.selective_scan %u, %dt, %a, %b, %c D(%d : tensor<64xf32>)
      : tensor<1x64x?xf32>, tensor<64x16xf32>, tensor<1x1x16x?xf32>
  // CHECK: %[[Y2:.*]], %{{.*}} = tfm.selective_scan %[[U]], %[[DT]], %[[A]], %[[B]], %[[C]] z(%[[Z]] : tensor<1x64x?xf32>) :
  %y2, %s2 = tfm.selective_scan %u, %dt, %a, %b, %c z(%z : tensor<1x64x?xf32>)
      : tensor<1x64x?xf32>, tensor<64x16xf32>, tensor<1x1x16x?xf32>
  // CHECK: %[[Y3:.*]], %{{.*}} = tfm.selective_scan %[[U]], %[[DT]], %[[A]], %[[B]], %[[C]] delta_bias(%[[DB]] : tensor<64xf32>) delta_softplus :
  %y3, %s3 = tfm.selective_scan %u, %dt, %a, %b, %c
      delta_bias(%db : tensor<64xf32>) delta_softplus
      : tensor<1x64x?xf32>, tensor<64x16xf32>, tensor<1x1x16x?xf32>
  // CHECK: %[[Y4:.*]], %[[S4:.*]] = tfm.selective_scan %[[U]], %[[DT]], %[[A]], %[[B]], %[[C]] initial_state(%[[H0]] : tensor<1x64x16xf32>) :
  %y4, %s4 = tfm.selective_scan %u, %dt, %a, %b, %c
      initial_state(%h0 : tensor<1x64x16xf32>)
      : tensor<1x64x?xf32>, tensor<64x16xf32>, tensor<1x1x16x?xf32>
  // CHECK: %[[Y5:.*]], %[[S5:.*]] = tfm.selective_scan %[[U]], %[[DT]], %[[A]], %[[B]], %[[C]] D(%[[D]] : tensor<64xf32>) z(%[[Z]] : tensor<1x64x?xf32>) delta_bias(%[[DB]] : tensor<64xf32>) initial_state(%[[H0]] : tensor<1x64x16xf32>) delta_softplus : tensor<1x64x?xf32>, tensor<64x16xf32>, tensor<1x1x16x?xf32>
  %y5, %s5 = tfm.selective_scan %u, %dt, %a, %b, %c D(%d : tensor<64xf32>)
      z(%z : tensor<1x64x?xf32>) delta_bias(%db : tensor<64xf32>)
      initial_state(%h0 : tensor<1x64x16xf32>) delta_softplus
      : tensor<1x64x?xf32>, tensor<64x16xf32>, tensor<1x1x16x?xf32>
  // CHECK: return %[[Y0]], %[[S0]], %[[Y1]], %[[Y2]], %[[Y3]], %[[S4]], %[[Y5]], %[[S5]] : tensor<1x64x?xf32>, tensor<1x64x16xf32>, tensor<1x64x?xf32>, tensor<1x64x?xf32>, tensor<1x64x?xf32>, tensor<1x64x16xf32>, tensor<1x64x?xf32>, tensor<1x64x16xf32>
  return %y0, %s0, %y1, %y2, %y3, %s4, %y5, %s5
      : tensor<1x64x?xf32>, tensor<1x64x16xf32>, tensor<1x64x?xf32>,
        tensor<1x64x?xf32>, tensor<1x64x?xf32>, tensor<1x64x16xf32>,
        tensor<1x64x?xf32>, tensor<1x64x16xf32>
}

// Groups (G = 4 over D = 8 channels) and bf16 storage: y keeps the storage
// type, the final state is f32.
// CHECK-LABEL: func.func @selective_scan_groups_bf16
func.func @selective_scan_groups_bf16(%u: tensor<2x8x32xbf16>,
                                      %a: tensor<8x4xbf16>,
                                      %b: tensor<2x4x4x32xbf16>,
                                      %h0: tensor<2x8x4xf32>)
    -> (tensor<2x8x32xbf16>, tensor<2x8x4xf32>) {
  // CHECK: %[[Y:.*]], %[[S:.*]] = tfm.selective_scan %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} initial_state(%{{.*}} : tensor<2x8x4xf32>) : tensor<2x8x32xbf16>, tensor<8x4xbf16>, tensor<2x4x4x32xbf16>
  %y, %s = tfm.selective_scan %u, %u, %a, %b, %b
      initial_state(%h0 : tensor<2x8x4xf32>)
      : tensor<2x8x32xbf16>, tensor<8x4xbf16>, tensor<2x4x4x32xbf16>
  // CHECK: return %[[Y]], %[[S]] : tensor<2x8x32xbf16>, tensor<2x8x4xf32>
  return %y, %s : tensor<2x8x32xbf16>, tensor<2x8x4xf32>
}

//===----------------------------------------------------------------------===//
// Attribute spelling
//===----------------------------------------------------------------------===//

// Attributes that have a keyword may also be written in the attribute
// dictionary; shape inference sees them either way, and they print as
// keywords.
// CHECK-LABEL: func.func @attr_dict_spelling
func.func @attr_dict_spelling(%x: tensor<2x32xf32>, %w: tensor<64x32xf32>,
                              %q: tensor<1x2x4x8xf32>)
    -> (tensor<2x32xf32>, tensor<1x2x4xf32>) {
  // CHECK: %[[Y:.*]] = tfm.linear %{{.*}}, %{{.*}} act(silu) gated : tensor<2x32xf32>, tensor<64x32xf32>
  %y = tfm.linear %x, %w {act = 2 : i32, gated}
      : tensor<2x32xf32>, tensor<64x32xf32>
  // CHECK: %{{.*}}, %[[LSE:.*]] = tfm.attention %{{.*}}, %{{.*}}, %{{.*}} scale 1.000000e+00 mask <causal> return_lse :
  %o, %lse = tfm.attention %q, %q, %q scale 1.0
      {mask = #tfm.mask<causal>, return_lse}
      : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  // CHECK: return %[[Y]], %[[LSE]] : tensor<2x32xf32>, tensor<1x2x4xf32>
  return %y, %lse : tensor<2x32xf32>, tensor<1x2x4xf32>
}
