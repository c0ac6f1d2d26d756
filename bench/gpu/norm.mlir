// RMSNorm and LayerNorm over the last axis, bf16, rows dynamic (bench.py:
// 16384×4096 and 65536×1024).
func.func @rms_norm_4096(%x: tensor<?x4096xbf16>, %g: tensor<4096xbf16>) -> tensor<?x4096xbf16> {
  %y = tfm.norm rms %x scale(%g : tensor<4096xbf16>) {eps = 1.0e-6 : f64} : tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

func.func @rms_norm_1024(%x: tensor<?x1024xbf16>, %g: tensor<1024xbf16>) -> tensor<?x1024xbf16> {
  %y = tfm.norm rms %x scale(%g : tensor<1024xbf16>) {eps = 1.0e-6 : f64} : tensor<?x1024xbf16>
  return %y : tensor<?x1024xbf16>
}

func.func @layer_norm_4096(%x: tensor<?x4096xbf16>, %g: tensor<4096xbf16>,
                           %b: tensor<4096xbf16>) -> tensor<?x4096xbf16> {
  %y = tfm.norm layer %x scale(%g : tensor<4096xbf16>) shift(%b : tensor<4096xbf16>)
      {eps = 1.0e-5 : f64} : tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

func.func @layer_norm_1024(%x: tensor<?x1024xbf16>, %g: tensor<1024xbf16>,
                           %b: tensor<1024xbf16>) -> tensor<?x1024xbf16> {
  %y = tfm.norm layer %x scale(%g : tensor<1024xbf16>) shift(%b : tensor<1024xbf16>)
      {eps = 1.0e-5 : f64} : tensor<?x1024xbf16>
  return %y : tensor<?x1024xbf16>
}
