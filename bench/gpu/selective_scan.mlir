// Mamba's selective scan as the Mamba block calls it (skip D, gate z, Δ bias,
// softplus), f32, D = 1024, N = 16, one group; B and L dynamic (bench.py:
// B = 2, L = 2048).
func.func @selective_scan(%u: tensor<?x1024x?xf32>, %dt: tensor<?x1024x?xf32>,
                          %A: tensor<1024x16xf32>, %B: tensor<?x1x16x?xf32>,
                          %C: tensor<?x1x16x?xf32>, %D: tensor<1024xf32>,
                          %z: tensor<?x1024x?xf32>, %bias: tensor<1024xf32>)
    -> (tensor<?x1024x?xf32>, tensor<?x1024x16xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C D(%D : tensor<1024xf32>)
      z(%z : tensor<?x1024x?xf32>) delta_bias(%bias : tensor<1024xf32>) delta_softplus
      : tensor<?x1024x?xf32>, tensor<1024x16xf32>, tensor<?x1x16x?xf32>
  return %y, %h : tensor<?x1024x?xf32>, tensor<?x1024x16xf32>
}
