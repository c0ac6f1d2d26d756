// RUN: tfmc %s --emit=so -o %t.so && %python %S/selective_scan.py %t.so

// Each optional operand alone, on ragged sizes (D = 37, N = 16, L = 53).

func.func @scan_plain(%u: tensor<2x37x53xf32>, %dt: tensor<2x37x53xf32>,
                      %A: tensor<37x16xf32>, %B: tensor<2x1x16x53xf32>,
                      %C: tensor<2x1x16x53xf32>)
    -> (tensor<2x37x53xf32>, tensor<2x37x16xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C
      : tensor<2x37x53xf32>, tensor<37x16xf32>, tensor<2x1x16x53xf32>
  return %y, %h : tensor<2x37x53xf32>, tensor<2x37x16xf32>
}

func.func @scan_skip(%u: tensor<2x37x53xf32>, %dt: tensor<2x37x53xf32>,
                     %A: tensor<37x16xf32>, %B: tensor<2x1x16x53xf32>,
                     %C: tensor<2x1x16x53xf32>, %D: tensor<37xf32>)
    -> (tensor<2x37x53xf32>, tensor<2x37x16xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C D(%D : tensor<37xf32>)
      : tensor<2x37x53xf32>, tensor<37x16xf32>, tensor<2x1x16x53xf32>
  return %y, %h : tensor<2x37x53xf32>, tensor<2x37x16xf32>
}

func.func @scan_gate(%u: tensor<2x37x53xf32>, %dt: tensor<2x37x53xf32>,
                     %A: tensor<37x16xf32>, %B: tensor<2x1x16x53xf32>,
                     %C: tensor<2x1x16x53xf32>, %z: tensor<2x37x53xf32>)
    -> (tensor<2x37x53xf32>, tensor<2x37x16xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C z(%z : tensor<2x37x53xf32>)
      : tensor<2x37x53xf32>, tensor<37x16xf32>, tensor<2x1x16x53xf32>
  return %y, %h : tensor<2x37x53xf32>, tensor<2x37x16xf32>
}

func.func @scan_softplus(%u: tensor<2x37x53xf32>, %dt: tensor<2x37x53xf32>,
                         %A: tensor<37x16xf32>, %B: tensor<2x1x16x53xf32>,
                         %C: tensor<2x1x16x53xf32>, %bias: tensor<37xf32>)
    -> (tensor<2x37x53xf32>, tensor<2x37x16xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C
      delta_bias(%bias : tensor<37xf32>) delta_softplus
      : tensor<2x37x53xf32>, tensor<37x16xf32>, tensor<2x1x16x53xf32>
  return %y, %h : tensor<2x37x53xf32>, tensor<2x37x16xf32>
}

func.func @scan_initial_state(%u: tensor<2x37x53xf32>, %dt: tensor<2x37x53xf32>,
                              %A: tensor<37x16xf32>, %B: tensor<2x1x16x53xf32>,
                              %C: tensor<2x1x16x53xf32>, %h0: tensor<2x37x16xf32>)
    -> (tensor<2x37x53xf32>, tensor<2x37x16xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C
      initial_state(%h0 : tensor<2x37x16xf32>)
      : tensor<2x37x53xf32>, tensor<37x16xf32>, tensor<2x1x16x53xf32>
  return %y, %h : tensor<2x37x53xf32>, tensor<2x37x16xf32>
}

// Everything at once, every size dynamic: groups, channel blocks that do not
// divide a group, decode steps (L = 1) and long sequences.
func.func @scan_all(%u: tensor<?x?x?xf32>, %dt: tensor<?x?x?xf32>,
                    %A: tensor<?x?xf32>, %B: tensor<?x?x?x?xf32>,
                    %C: tensor<?x?x?x?xf32>, %D: tensor<?xf32>,
                    %z: tensor<?x?x?xf32>, %bias: tensor<?xf32>,
                    %h0: tensor<?x?x?xf32>)
    -> (tensor<?x?x?xf32>, tensor<?x?x?xf32>) {
  %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C D(%D : tensor<?xf32>)
      z(%z : tensor<?x?x?xf32>) delta_bias(%bias : tensor<?xf32>)
      initial_state(%h0 : tensor<?x?x?xf32>) delta_softplus
      : tensor<?x?x?xf32>, tensor<?x?xf32>, tensor<?x?x?x?xf32>
  return %y, %h : tensor<?x?x?xf32>, tensor<?x?x?xf32>
}
