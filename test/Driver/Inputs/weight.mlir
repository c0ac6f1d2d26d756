func.func @f(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = tfm.weight "w" : tensor<8x8xf32>
  %y = tfm.linear %x, %w : tensor<2x8xf32>, tensor<8x8xf32>
  return %y : tensor<2x8xf32>
}
