func.func @f(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %y = tfm.activation relu %x : tensor<4xbf16>
  return %y : tensor<4xbf16>
}
