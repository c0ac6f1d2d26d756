// A pre-norm GLU MLP block, y = x + W2·(silu(x̂·Wgᵀ) ⊙ x̂·Wuᵀ) with
// x̂ = rmsnorm(x): compiled by tfmc to mlp_block.o + mlp_block.h and called
// from main.c. Parameters are function arguments here.
func.func @mlp_block(%x: tensor<?x64xf32>, %norm: tensor<64xf32>,
                     %gate_up: tensor<352x64xf32>, %down: tensor<64x176xf32>)
    -> tensor<?x64xf32> {
  %h = tfm.norm rms %x scale(%norm : tensor<64xf32>) {eps = 1.0e-5 : f64} : tensor<?x64xf32>
  %a = tfm.linear %h, %gate_up act(silu) gated : tensor<?x64xf32>, tensor<352x64xf32>
  %y = tfm.linear %a, %down residual(%x : tensor<?x64xf32>) : tensor<?x176xf32>, tensor<64x176xf32>
  return %y : tensor<?x64xf32>
}
