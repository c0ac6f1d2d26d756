// Call-time shape errors: each returns non-zero with a message naming the
// parameter and dimension, and leaves the outputs untouched.
// RUN: tfmc %s --emit=so -o %t.so && %python %S/abi_errors.py %t.so

func.func @mlp(%x: tensor<?x16xf32>, %w: tensor<24x16xf32>, %r: tensor<?x24xf32>) -> tensor<?x24xf32> {
  %y = tfm.linear %x, %w act(relu) residual(%r : tensor<?x24xf32>) : tensor<?x16xf32>, tensor<24x16xf32>
  return %y : tensor<?x24xf32>
}

func.func @attn(%q: tensor<1x?x?x?xf32>, %k: tensor<1x?x?x?xf32>, %v: tensor<1x?x?x?xf32>, %off: index) -> tensor<1x?x?x?xf32> {
  %o = tfm.attention %q, %k, %v scale 0.25 mask <causal> q_offset(%off) : tensor<1x?x?x?xf32>, tensor<1x?x?x?xf32>, tensor<1x?x?x?xf32>
  return %o : tensor<1x?x?x?xf32>
}

// The default axis (-1): the spectrum's length is not the input's.
func.func @spectrum(%x: tensor<?x16xf32>) -> (tensor<?x9xf32>, tensor<?x9xf32>) {
  %re, %im = tfm.rfft %x : tensor<?x16xf32>
  return %re, %im : tensor<?x9xf32>, tensor<?x9xf32>
}
