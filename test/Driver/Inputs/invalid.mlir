func.func @f(%q: tensor<1x6x8x16xf32>, %k: tensor<1x4x8x16xf32>) -> tensor<1x6x8x16xf32> {
  %o = tfm.attention %q, %k, %k scale 0.25 : tensor<1x6x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
  return %o : tensor<1x6x8x16xf32>
}
