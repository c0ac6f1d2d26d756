// tfm.attention with 16-bit storage on the GPU, one case per kernel path:
// the tensor-core flash kernel (every mask, GQA, ragged lengths, d = 16..256,
// dv != d, ALiBi, T5 + URPE, explicit bf16 bias, kv_len and q_offset, lse,
// logits of ±1e4, f16), the CUDA-core kernel on bf16 (d not a multiple of
// 16) and the split-KV decode kernel (bf16 and f32, long caches, GQA,
// two query rows, lse). Run on the GPU by test/gpu/validate.py (checker:
// attention_bf16.py); here only compiled.
// RUN: tfmc %s --target=cuda --emit=ptx -o %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90 -v %t.ptx -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// No kernel spills registers to local memory.
// PTXAS-NOT: {{[1-9][0-9]*}} bytes spill
// CHECK-DAG: .entry attention_mma_bf16_d128_dv128
// CHECK-DAG: .entry attention_mma_f16_d64_dv64
// CHECK-DAG: .entry attention_simt
// CHECK-DAG: .entry attention_decode
// CHECK-DAG: .global .align 4 .b8 attention_decode_counters
// CHECK-DAG: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-DAG: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32

func.func @causal_d128(%q: tensor<1x4x?x128xbf16>, %k: tensor<1x4x?x128xbf16>,
                       %v: tensor<1x4x?x128xbf16>) -> tensor<1x4x?x128xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.08838834764831845 mask <causal>
      : tensor<1x4x?x128xbf16>, tensor<1x4x?x128xbf16>, tensor<1x4x?x128xbf16>
  return %o : tensor<1x4x?x128xbf16>
}

func.func @gqa_d64(%q: tensor<2x8x?x64xbf16>, %k: tensor<2x2x?x64xbf16>,
                   %v: tensor<2x2x?x64xbf16>) -> tensor<2x8x?x64xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.125
      : tensor<2x8x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x64xbf16>
  return %o : tensor<2x8x?x64xbf16>
}

func.func @window_lse_d128(%q: tensor<1x2x?x128xbf16>, %k: tensor<1x2x?x128xbf16>,
                           %v: tensor<1x2x?x128xbf16>)
    -> (tensor<1x2x?x128xbf16>, tensor<1x2x?xf32>) {
  %o, %lse = tfm.attention %q, %k, %v scale 0.08838834764831845
      mask <window 100, 3> return_lse
      : tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>
  return %o, %lse : tensor<1x2x?x128xbf16>, tensor<1x2x?xf32>
}

func.func @prefix_d64(%q: tensor<1x2x?x64xbf16>, %k: tensor<1x2x?x64xbf16>,
                      %v: tensor<1x2x?x64xbf16>) -> tensor<1x2x?x64xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <prefix 50>
      : tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>
  return %o : tensor<1x2x?x64xbf16>
}

func.func @block_d64(%q: tensor<1x2x?x64xbf16>, %k: tensor<1x2x?x64xbf16>,
                     %v: tensor<1x2x?x64xbf16>) -> tensor<1x2x?x64xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <block 48>
      : tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>
  return %o : tensor<1x2x?x64xbf16>
}

func.func @alibi_offset_d64(%q: tensor<1x6x?x64xbf16>, %k: tensor<1x6x?x64xbf16>,
                            %v: tensor<1x6x?x64xbf16>, %offset: index)
    -> tensor<1x6x?x64xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <causal> pos_bias <alibi>
      q_offset(%offset)
      : tensor<1x6x?x64xbf16>, tensor<1x6x?x64xbf16>, tensor<1x6x?x64xbf16>
  return %o : tensor<1x6x?x64xbf16>
}

func.func @urpe_d64(%q: tensor<1x2x?x64xbf16>, %k: tensor<1x2x?x64xbf16>,
                    %v: tensor<1x2x?x64xbf16>, %table: tensor<32x2xbf16>,
                    %mult: tensor<32x2xbf16>) -> tensor<1x2x?x64xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.125
      pos_bias <t5 buckets 32, max_distance 64, bidirectional>
      bias(%table : tensor<32x2xbf16>) mult(%mult : tensor<32x2xbf16>)
      : tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>
  return %o : tensor<1x2x?x64xbf16>
}

func.func @bias_d64(%q: tensor<1x2x?x64xbf16>, %k: tensor<1x2x?x64xbf16>,
                    %v: tensor<1x2x?x64xbf16>, %bias: tensor<1x2x?x?xbf16>)
    -> tensor<1x2x?x64xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <causal> pos_bias <explicit>
      bias(%bias : tensor<1x2x?x?xbf16>)
      : tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>
  return %o : tensor<1x2x?x64xbf16>
}

func.func @kv_cache_chunk(%q: tensor<3x8x5x64xbf16>, %k: tensor<3x2x?x64xbf16>,
                          %v: tensor<3x2x?x64xbf16>, %lengths: tensor<3xi32>,
                          %offset: index) -> tensor<3x8x5x64xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <causal>
      kv_len(%lengths : tensor<3xi32>) q_offset(%offset)
      : tensor<3x8x5x64xbf16>, tensor<3x2x?x64xbf16>, tensor<3x2x?x64xbf16>
  return %o : tensor<3x8x5x64xbf16>
}

func.func @stable_d64(%q: tensor<1x2x?x64xbf16>, %k: tensor<1x2x?x64xbf16>,
                      %v: tensor<1x2x?x64xbf16>)
    -> (tensor<1x2x?x64xbf16>, tensor<1x2x?xf32>) {
  %o, %lse = tfm.attention %q, %k, %v scale 0.25 return_lse
      : tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>
  return %o, %lse : tensor<1x2x?x64xbf16>, tensor<1x2x?xf32>
}

func.func @f16_d64(%q: tensor<1x2x?x64xf16>, %k: tensor<1x2x?x64xf16>,
                   %v: tensor<1x2x?x64xf16>) -> tensor<1x2x?x64xf16> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <causal>
      : tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16>
  return %o : tensor<1x2x?x64xf16>
}

func.func @d256(%q: tensor<1x2x?x256xbf16>, %k: tensor<1x2x?x256xbf16>,
                %v: tensor<1x2x?x256xbf16>) -> tensor<1x2x?x256xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.0625 mask <causal>
      : tensor<1x2x?x256xbf16>, tensor<1x2x?x256xbf16>, tensor<1x2x?x256xbf16>
  return %o : tensor<1x2x?x256xbf16>
}

func.func @d48_dv80(%q: tensor<1x2x?x48xbf16>, %k: tensor<1x2x?x48xbf16>,
                    %v: tensor<1x2x?x80xbf16>) -> tensor<1x2x?x80xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.14
      : tensor<1x2x?x48xbf16>, tensor<1x2x?x48xbf16>, tensor<1x2x?x80xbf16>
  return %o : tensor<1x2x?x80xbf16>
}

func.func @d16(%q: tensor<1x2x?x16xbf16>, %k: tensor<1x2x?x16xbf16>,
               %v: tensor<1x2x?x16xbf16>) -> tensor<1x2x?x16xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.25 mask <window 20, 20>
      : tensor<1x2x?x16xbf16>, tensor<1x2x?x16xbf16>, tensor<1x2x?x16xbf16>
  return %o : tensor<1x2x?x16xbf16>
}

func.func @simt_d24(%q: tensor<1x2x?x24xbf16>, %k: tensor<1x2x?x24xbf16>,
                    %v: tensor<1x2x?x24xbf16>) -> tensor<1x2x?x24xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.2 mask <causal>
      : tensor<1x2x?x24xbf16>, tensor<1x2x?x24xbf16>, tensor<1x2x?x24xbf16>
  return %o : tensor<1x2x?x24xbf16>
}

func.func @decode_gqa_d128(%q: tensor<?x32x1x128xbf16>, %k: tensor<?x8x?x128xbf16>,
                           %v: tensor<?x8x?x128xbf16>, %lengths: tensor<?xi32>,
                           %offset: index) -> tensor<?x32x1x128xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.08838834764831845 mask <causal>
      kv_len(%lengths : tensor<?xi32>) q_offset(%offset)
      : tensor<?x32x1x128xbf16>, tensor<?x8x?x128xbf16>, tensor<?x8x?x128xbf16>
  return %o : tensor<?x32x1x128xbf16>
}

func.func @decode_mha_d64(%q: tensor<?x4x1x64xbf16>, %k: tensor<?x4x?x64xbf16>,
                          %v: tensor<?x4x?x64xbf16>) -> tensor<?x4x1x64xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.125
      : tensor<?x4x1x64xbf16>, tensor<?x4x?x64xbf16>, tensor<?x4x?x64xbf16>
  return %o : tensor<?x4x1x64xbf16>
}

func.func @decode_two_rows_lse(%q: tensor<1x8x2x128xbf16>, %k: tensor<1x2x?x128xbf16>,
                               %v: tensor<1x2x?x128xbf16>, %offset: index)
    -> (tensor<1x8x2x128xbf16>, tensor<1x8x2xf32>) {
  %o, %lse = tfm.attention %q, %k, %v scale 0.08838834764831845 mask <causal>
      q_offset(%offset) return_lse
      : tensor<1x8x2x128xbf16>, tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>
  return %o, %lse : tensor<1x8x2x128xbf16>, tensor<1x8x2xf32>
}

func.func @decode_f32_alibi_lse(%q: tensor<?x4x1x128xf32>, %k: tensor<?x4x?x128xf32>,
                                %v: tensor<?x4x?x128xf32>, %offset: index)
    -> (tensor<?x4x1x128xf32>, tensor<?x4x1xf32>) {
  %o, %lse = tfm.attention %q, %k, %v scale 0.08838834764831845 pos_bias <alibi>
      q_offset(%offset) return_lse
      : tensor<?x4x1x128xf32>, tensor<?x4x?x128xf32>, tensor<?x4x?x128xf32>
  return %o, %lse : tensor<?x4x1x128xf32>, tensor<?x4x1xf32>
}
