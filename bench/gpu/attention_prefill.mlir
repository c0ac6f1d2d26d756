// Prefill attention, bf16, H = 16, [B, H, S, D] as scaled_dot_product_attention
// takes it; B and S are dynamic (bench.py runs S = 1k/4k/16k at B·S = 32k).
func.func @prefill_d64(%q: tensor<?x16x?x64xbf16>, %k: tensor<?x16x?x64xbf16>,
                       %v: tensor<?x16x?x64xbf16>) -> tensor<?x16x?x64xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.125
      : tensor<?x16x?x64xbf16>, tensor<?x16x?x64xbf16>, tensor<?x16x?x64xbf16>
  return %o : tensor<?x16x?x64xbf16>
}

func.func @prefill_d64_causal(%q: tensor<?x16x?x64xbf16>, %k: tensor<?x16x?x64xbf16>,
                              %v: tensor<?x16x?x64xbf16>) -> tensor<?x16x?x64xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.125 mask <causal>
      : tensor<?x16x?x64xbf16>, tensor<?x16x?x64xbf16>, tensor<?x16x?x64xbf16>
  return %o : tensor<?x16x?x64xbf16>
}

func.func @prefill_d128(%q: tensor<?x16x?x128xbf16>, %k: tensor<?x16x?x128xbf16>,
                        %v: tensor<?x16x?x128xbf16>) -> tensor<?x16x?x128xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.08838834764831845
      : tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>
  return %o : tensor<?x16x?x128xbf16>
}

func.func @prefill_d128_causal(%q: tensor<?x16x?x128xbf16>, %k: tensor<?x16x?x128xbf16>,
                               %v: tensor<?x16x?x128xbf16>) -> tensor<?x16x?x128xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.08838834764831845 mask <causal>
      : tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>
  return %o : tensor<?x16x?x128xbf16>
}
