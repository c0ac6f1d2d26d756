// Decode attention, bf16: one query per sequence, 32 query heads over 8 KV
// heads (GQA), D = 128; B and the KV length are dynamic (bench.py: B = 4,
// KV = 8k/64k/256k).
func.func @decode_d128(%q: tensor<?x32x1x128xbf16>, %k: tensor<?x8x?x128xbf16>,
                       %v: tensor<?x8x?x128xbf16>) -> tensor<?x32x1x128xbf16> {
  %o = tfm.attention %q, %k, %v scale 0.08838834764831845
      : tensor<?x32x1x128xbf16>, tensor<?x8x?x128xbf16>, tensor<?x8x?x128xbf16>
  return %o : tensor<?x32x1x128xbf16>
}
