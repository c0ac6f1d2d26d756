// Elementwise host code only: no tfm op, so every kernel comes from
// tfm-host-loops-to-gpu.
func.func @add_scaled(%x: tensor<?x64xf32>, %y: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %s = arith.addf %x, %y : tensor<?x64xf32>
  %p = arith.mulf %s, %x : tensor<?x64xf32>
  return %p : tensor<?x64xf32>
}
