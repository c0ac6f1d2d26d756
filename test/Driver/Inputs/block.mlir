func.func @block(%x: tensor<?x32xf32>, %g: tensor<32xf32>, %wg: tensor<48x32xf32>, %wu: tensor<48x32xf32>, %wd: tensor<32x48xf32>) -> tensor<?x32xf32> {
  %h = tfm.norm rms %x scale(%g : tensor<32xf32>) : tensor<?x32xf32>
  %gate = tfm.linear %h, %wg : tensor<?x32xf32>, tensor<48x32xf32>
  %act = tfm.activation silu %gate : tensor<?x48xf32>
  %up = tfm.linear %h, %wu : tensor<?x32xf32>, tensor<48x32xf32>
  %prod = arith.mulf %act, %up : tensor<?x48xf32>
  %y = tfm.linear %prod, %wd : tensor<?x48xf32>, tensor<32x48xf32>
  %r = arith.addf %y, %x : tensor<?x32xf32>
  return %r : tensor<?x32xf32>
}
