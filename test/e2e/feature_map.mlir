// RUN: tfmc %s --emit=so -o %t.so && %python %S/feature_map.py %t.so

// tfm.feature_map: each kind; performer with ragged sizes, a dynamic length
// (called with L = 37, 100 and 1) and a rank-2 input.

func.func @relu(%x: tensor<2x3x37x16xf32>) -> tensor<2x3x37x16xf32> {
  %f = tfm.feature_map relu %x : tensor<2x3x37x16xf32>
  return %f : tensor<2x3x37x16xf32>
}

func.func @elu_plus_one(%x: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %f = tfm.feature_map elu_plus_one %x : tensor<1x2x?x8xf32>
  return %f : tensor<1x2x?x8xf32>
}

func.func @performer(%x: tensor<1x2x?x12xf32>, %w: tensor<20x12xf32>) -> tensor<1x2x?x20xf32> {
  %f = tfm.feature_map performer %x projection(%w : tensor<20x12xf32>) : tensor<1x2x?x12xf32>
  return %f : tensor<1x2x?x20xf32>
}

func.func @performer_rank2(%x: tensor<37x8xf32>, %w: tensor<64x8xf32>) -> tensor<37x64xf32> {
  %f = tfm.feature_map performer %x projection(%w : tensor<64x8xf32>) : tensor<37x8xf32>
  return %f : tensor<37x64xf32>
}
