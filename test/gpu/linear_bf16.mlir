// tfm.linear with 16-bit storage on the GPU: the tensor-core kernel and,
// for M <= 4, the weight-streaming one, at ragged M, N and K; each
// epilogue (bias, every activation, GLU gate, residual); f16; a single row;
// K not a multiple of 8 (tiles filled by element loads) and dynamic K and
// N. Run on the GPU by
// test/gpu/validate.py (checker: linear_bf16.py); here only compiled.
// RUN: tfmc %s --target=cuda --emit=ptx -o %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90 -v %t.ptx -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not='{{[1-9][0-9]* bytes spill}}' %}
// CHECK-DAG: .entry linear_gemv(
// CHECK-DAG: ld.global.nc.v4.b32
// CHECK-DAG: shfl.sync.bfly.b32
// CHECK-DAG: .entry linear_mma_bf16(
// CHECK-DAG: cp.async.cg.shared.global
// CHECK-DAG: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-DAG: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-DAG: .entry linear_mma_f16(
// CHECK-DAG: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// No linear kernel spills registers to local memory.
// PTXAS: Compiling entry function 'linear_mma_bf16'
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

func.func @plain(%x: tensor<?x200xbf16>, %w: tensor<300x200xbf16>) -> tensor<?x300xbf16> {
  %y = tfm.linear %x, %w : tensor<?x200xbf16>, tensor<300x200xbf16>
  return %y : tensor<?x300xbf16>
}

func.func @bias_gelu_residual(%x: tensor<2x?x136xbf16>, %w: tensor<72x136xbf16>, %b: tensor<72xbf16>, %r: tensor<2x?x72xbf16>) -> tensor<2x?x72xbf16> {
  %y = tfm.linear %x, %w bias(%b : tensor<72xbf16>) act(gelu_tanh) residual(%r : tensor<2x?x72xbf16>) : tensor<2x?x136xbf16>, tensor<72x136xbf16>
  return %y : tensor<2x?x72xbf16>
}

func.func @swiglu_bias_residual(%x: tensor<?x64xbf16>, %w: tensor<192x64xbf16>, %b: tensor<192xbf16>, %r: tensor<?x96xbf16>) -> tensor<?x96xbf16> {
  %y = tfm.linear %x, %w bias(%b : tensor<192xbf16>) act(silu) gated residual(%r : tensor<?x96xbf16>) : tensor<?x64xbf16>, tensor<192x64xbf16>
  return %y : tensor<?x96xbf16>
}

// Gated with N odd: the pair stores fall back to single columns.
func.func @geglu_odd(%x: tensor<?x48xbf16>, %w: tensor<74x48xbf16>) -> tensor<?x37xbf16> {
  %y = tfm.linear %x, %w act(gelu_erf) gated : tensor<?x48xbf16>, tensor<74x48xbf16>
  return %y : tensor<?x37xbf16>
}

// K = 37: rows are not 16-byte aligned, tiles are filled element by element.
func.func @ragged_k_relu(%x: tensor<?x37xbf16>, %w: tensor<29x37xbf16>, %b: tensor<29xbf16>) -> tensor<?x29xbf16> {
  %y = tfm.linear %x, %w bias(%b : tensor<29xbf16>) act(relu) : tensor<?x37xbf16>, tensor<29x37xbf16>
  return %y : tensor<?x29xbf16>
}

// Many k tiles (the stage ring wraps around several times), gelu_erf.
func.func @deep_gelu_erf(%x: tensor<?x520xbf16>, %w: tensor<264x520xbf16>, %b: tensor<264xbf16>) -> tensor<?x264xbf16> {
  %y = tfm.linear %x, %w bias(%b : tensor<264xbf16>) act(gelu_erf) : tensor<?x520xbf16>, tensor<264x520xbf16>
  return %y : tensor<?x264xbf16>
}

func.func @elu(%x: tensor<?x64xbf16>, %w: tensor<40x64xbf16>) -> tensor<?x40xbf16> {
  %y = tfm.linear %x, %w act(elu) : tensor<?x64xbf16>, tensor<40x64xbf16>
  return %y : tensor<?x40xbf16>
}

func.func @sigmoid(%x: tensor<?x64xbf16>, %w: tensor<40x64xbf16>) -> tensor<?x40xbf16> {
  %y = tfm.linear %x, %w act(sigmoid) : tensor<?x64xbf16>, tensor<40x64xbf16>
  return %y : tensor<?x40xbf16>
}

func.func @softplus(%x: tensor<?x64xbf16>, %w: tensor<40x64xbf16>) -> tensor<?x40xbf16> {
  %y = tfm.linear %x, %w act(softplus) : tensor<?x64xbf16>, tensor<40x64xbf16>
  return %y : tensor<?x40xbf16>
}

// A single row (decoding).
func.func @vector(%x: tensor<256xbf16>, %w: tensor<136x256xbf16>, %b: tensor<136xbf16>) -> tensor<136xbf16> {
  %y = tfm.linear %x, %w bias(%b : tensor<136xbf16>) : tensor<256xbf16>, tensor<136x256xbf16>
  return %y : tensor<136xbf16>
}

func.func @f16_silu(%x: tensor<?x128xf16>, %w: tensor<160x128xf16>, %b: tensor<160xf16>) -> tensor<?x160xf16> {
  %y = tfm.linear %x, %w bias(%b : tensor<160xf16>) act(silu) : tensor<?x128xf16>, tensor<160x128xf16>
  return %y : tensor<?x160xf16>
}

// Dynamic K and N: element-wise tile loads and single-column stores.
func.func @dynamic(%x: tensor<?x?xbf16>, %w: tensor<?x?xbf16>) -> tensor<?x?xbf16> {
  %y = tfm.linear %x, %w : tensor<?x?xbf16>, tensor<?x?xbf16>
  return %y : tensor<?x?xbf16>
}
