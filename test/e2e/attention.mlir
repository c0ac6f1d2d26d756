// tfm.attention (flash lowering) against the float64 oracle: every mask and
// positional-bias kind, URPE, GQA/MQA, kv_len, q_offset decode, lse, ragged
// and dynamic sizes (heads and head dims too), huge logits, and 16384 tokens.
// RUN: tfmc %s --emit=so -o %t.so && %python %S/attention.py %t.so

func.func @mask_none(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>,
                     %v: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %o = tfm.attention %q, %k, %v scale 0.2
      : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}

func.func @mask_causal(%q: tensor<1x?x?x16xf32>, %k: tensor<1x?x?x16xf32>,
                       %v: tensor<1x?x?x?xf32>) -> tensor<1x?x?x?xf32> {
  %o = tfm.attention %q, %k, %v scale 0.25 mask <causal>
      : tensor<1x?x?x16xf32>, tensor<1x?x?x16xf32>, tensor<1x?x?x?xf32>
  return %o : tensor<1x?x?x?xf32>
}

func.func @window_lse(%q: tensor<1x2x?x?xf32>, %k: tensor<1x2x?x?xf32>,
                      %v: tensor<1x2x?x?xf32>)
    -> (tensor<1x2x?x?xf32>, tensor<1x2x?xf32>) {
  %o, %lse = tfm.attention %q, %k, %v scale 0.25 mask <window 70, 3> return_lse
      : tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>
  return %o, %lse : tensor<1x2x?x?xf32>, tensor<1x2x?xf32>
}

func.func @mask_prefix(%q: tensor<1x2x?x?xf32>, %k: tensor<1x2x?x?xf32>,
                       %v: tensor<1x2x?x?xf32>) -> tensor<1x2x?x?xf32> {
  %o = tfm.attention %q, %k, %v scale 0.25 mask <prefix 20>
      : tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>
  return %o : tensor<1x2x?x?xf32>
}

func.func @mask_block(%q: tensor<1x2x?x?xf32>, %k: tensor<1x2x?x?xf32>,
                      %v: tensor<1x2x?x?xf32>) -> tensor<1x2x?x?xf32> {
  %o = tfm.attention %q, %k, %v scale 0.25 mask <block 24>
      : tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>
  return %o : tensor<1x2x?x?xf32>
}

func.func @alibi(%q: tensor<1x?x?x?xf32>, %k: tensor<1x?x?x?xf32>,
                 %v: tensor<1x?x?x?xf32>, %offset: index) -> tensor<1x?x?x?xf32> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <causal> pos_bias <alibi>
      q_offset(%offset)
      : tensor<1x?x?x?xf32>, tensor<1x?x?x?xf32>, tensor<1x?x?x?xf32>
  return %o : tensor<1x?x?x?xf32>
}

func.func @t5_bidirectional(%q: tensor<1x3x?x?xf32>, %k: tensor<1x3x?x?xf32>,
                            %v: tensor<1x3x?x?xf32>, %table: tensor<32x3xf32>)
    -> tensor<1x3x?x?xf32> {
  %o = tfm.attention %q, %k, %v scale 0.25
      pos_bias <t5 buckets 32, max_distance 128, bidirectional>
      bias(%table : tensor<32x3xf32>)
      : tensor<1x3x?x?xf32>, tensor<1x3x?x?xf32>, tensor<1x3x?x?xf32>
  return %o : tensor<1x3x?x?xf32>
}

func.func @t5_unidirectional(%q: tensor<1x2x?x?xf32>, %k: tensor<1x2x?x?xf32>,
                             %v: tensor<1x2x?x?xf32>, %table: tensor<16x2xf32>)
    -> tensor<1x2x?x?xf32> {
  %o = tfm.attention %q, %k, %v scale 1.0 mask <causal>
      pos_bias <t5 buckets 16, max_distance 50, unidirectional>
      bias(%table : tensor<16x2xf32>)
      : tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>
  return %o : tensor<1x2x?x?xf32>
}

func.func @bias_per_head(%q: tensor<2x3x?x16xf32>, %k: tensor<2x3x?x16xf32>,
                         %v: tensor<2x3x?x16xf32>, %bias: tensor<1x3x?x?xf32>)
    -> tensor<2x3x?x16xf32> {
  %o = tfm.attention %q, %k, %v scale 0.25 mask <causal> pos_bias <explicit>
      bias(%bias : tensor<1x3x?x?xf32>)
      : tensor<2x3x?x16xf32>, tensor<2x3x?x16xf32>, tensor<2x3x?x16xf32>
  return %o : tensor<2x3x?x16xf32>
}

func.func @bias_per_batch(%q: tensor<2x3x?x?xf32>, %k: tensor<2x3x?x?xf32>,
                          %v: tensor<2x3x?x?xf32>, %bias: tensor<2x1x?x?xf32>)
    -> tensor<2x3x?x?xf32> {
  %o = tfm.attention %q, %k, %v scale 0.25 pos_bias <explicit>
      bias(%bias : tensor<2x1x?x?xf32>)
      : tensor<2x3x?x?xf32>, tensor<2x3x?x?xf32>, tensor<2x3x?x?xf32>
  return %o : tensor<2x3x?x?xf32>
}

func.func @urpe(%q: tensor<1x2x?x?xf32>, %k: tensor<1x2x?x?xf32>,
                %v: tensor<1x2x?x?xf32>, %table: tensor<32x2xf32>,
                %mult: tensor<32x2xf32>) -> tensor<1x2x?x?xf32> {
  %o = tfm.attention %q, %k, %v scale 0.25
      pos_bias <t5 buckets 32, max_distance 64, bidirectional>
      bias(%table : tensor<32x2xf32>) mult(%mult : tensor<32x2xf32>)
      : tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>
  return %o : tensor<1x2x?x?xf32>
}

func.func @kv_cache(%q: tensor<?x4x?x?xf32>, %k: tensor<?x2x?x?xf32>,
                    %v: tensor<?x2x?x?xf32>, %len: tensor<?xi32>,
                    %offset: index) -> tensor<?x4x?x?xf32> {
  %o = tfm.attention %q, %k, %v scale 0.25 mask <causal>
      kv_len(%len : tensor<?xi32>) q_offset(%offset)
      : tensor<?x4x?x?xf32>, tensor<?x2x?x?xf32>, tensor<?x2x?x?xf32>
  return %o : tensor<?x4x?x?xf32>
}
