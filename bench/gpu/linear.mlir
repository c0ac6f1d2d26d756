// y = x·wᵀ (w as [out, in], as torch.nn.functional.linear takes it), bf16:
// 8192³, and a Llama-7B up projection (4096 tokens, 4096 → 11008).
func.func @linear_8192(%x: tensor<?x8192xbf16>, %w: tensor<8192x8192xbf16>) -> tensor<?x8192xbf16> {
  %y = tfm.linear %x, %w : tensor<?x8192xbf16>, tensor<8192x8192xbf16>
  return %y : tensor<?x8192xbf16>
}

func.func @linear_11008(%x: tensor<?x4096xbf16>, %w: tensor<11008x4096xbf16>) -> tensor<?x11008xbf16> {
  %y = tfm.linear %x, %w : tensor<?x4096xbf16>, tensor<11008x4096xbf16>
  return %y : tensor<?x11008xbf16>
}
