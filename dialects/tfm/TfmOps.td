//===- TfmOps.td - ops of the tfm dialect ------------------*- tablegen -*-===//
#ifndef TFM_OPS
#define TFM_OPS

include "mlir/IR/OpBase.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "TfmDialect.td"
include "TfmEnums.td"
include "TfmAttrs.td"

def Tfm_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;
def Tfm_IndexTensor : RankedTensorOf<[I32, I64]>;

/// An op whose result types follow from its operands and attributes.
class Tfm_InferredOp<string mnemonic, list<Trait> traits = []>
    : Tfm_Op<mnemonic, !listconcat(traits, [Pure,
        InferTypeOpAdaptor])> {
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Parameters and lookups
//===----------------------------------------------------------------------===//

def Tfm_WeightOp : Tfm_Op<"weight", [Pure]> {
  let summary = "a named model parameter";
  let description = [{
    A parameter of the model, looked up by name in the weights file when the
    compiled model is created, or embedded as a constant with
    `--embed-weights`. The shape is static; the name is the one the weights
    file uses.

    ```mlir
    %w = tfm.weight "model.layers.0.mlp.up_proj.weight" : tensor<5632x2048xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs Tfm_FloatTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Tfm_EmbeddingOp : Tfm_InferredOp<"embedding"> {
  let summary = "token id gather";
  let description = [{
    `out[..., :] = table[ids[...], :]`. `table` is `[V, D]`; `ids` has any
    rank; the result appends `D` to the shape of `ids`. Ids outside `[0, V)`
    are a run-time error of the compiled model.

    ```mlir
    %x = tfm.embedding %table[%ids] : tensor<32000x4096xf32>, tensor<1x?xi32>
    // %x : tensor<1x?x4096xf32>
    ```
  }];
  let arguments = (ins Tfm_FloatTensor:$table, Tfm_IndexTensor:$ids);
  let results = (outs Tfm_FloatTensor:$result);
  let assemblyFormat = [{
    $table `[` $ids `]` attr-dict `:` type($table) `,` type($ids)
  }];
}

//===----------------------------------------------------------------------===//
// Dense layers, norms and pointwise ops
//===----------------------------------------------------------------------===//

def Tfm_LinearOp : Tfm_InferredOp<"linear", [AttrSizedOperandSegments]> {
  let summary = "x·Wᵀ + b with a fused activation, gate and residual epilogue";
  let description = [{
    `y = act(x·Wᵀ + b) + residual` where `x` is `[..., K]`, `W` is `[N, K]`
    (PyTorch's layout), `b` is `[N]` and the result is `[..., N]`.

    With `gated` the op is the fused gate/up projection of a GLU MLP: `W` is
    `[2N, K]`, rows `[0, N)` the gate and `[N, 2N)` the up projection, `b`
    likewise `[2N]`, and `y = act(x·W_gᵀ + b_g) ⊙ (x·W_uᵀ + b_u)` is `[..., N]`
    (SwiGLU with `act(silu)`, GEGLU with `act(gelu_erf)`).

    ```mlir
    %y = tfm.linear %x, %w bias(%b : tensor<64xf32>) act(gelu_tanh)
        : tensor<2x?x32xf32>, tensor<64x32xf32>
    %h = tfm.linear %x, %wgu act(silu) gated : tensor<?x32xf32>, tensor<128x32xf32>
    // %h : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Tfm_FloatTensor:$input, Tfm_FloatTensor:$weight,
                       Optional<Tfm_FloatTensor>:$bias,
                       Optional<Tfm_FloatTensor>:$residual,
                       OptionalAttr<Tfm_ActivationKind>:$act,
                       UnitAttr:$gated);
  let results = (outs Tfm_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`act` `(` $act^ `)`)?
    (`gated` $gated^)?
    (`residual` `(` $residual^ `:` type($residual) `)`)?
    attr-dict `:` type($input) `,` type($weight)
  }];
}

def Tfm_NormOp : Tfm_Op<"norm", [Pure, AttrSizedOperandSegments,
                                 AllTypesMatch<["input", "result"]>]> {
  let summary = "layer, RMS or per-channel affine normalization";
  let description = [{
    Normalizes along `axis` (default the last), with `γ = scale`, `β = shift`
    (each `[C]`, `C` the size of that axis, both optional):

    - `layer`: `y = γ·(x − μ)/√(σ² + eps) + β`
    - `rms`: `y = γ·x/√(mean(x²) + eps) + β`
    - `affine`: `y = γ·x + β`, per channel: inference BatchNorm, RepBN and
      Unified Norm after their statistics are folded into `γ` and `β`.
      `scale` is required. An affine norm is removed by folding it into the
      adjacent `tfm.linear` (`tfm-fold-affine-norm`), and folds away when `γ`
      is one and `β` is zero.

    ```mlir
    %y = tfm.norm rms %x scale(%g : tensor<64xf32>) {eps = 1.0e-06 : f64}
        : tensor<1x?x64xf32>
    %b = tfm.norm affine %x scale(%s : tensor<32xf32>) shift(%t : tensor<32xf32>)
        {axis = 1 : i64} : tensor<2x32x?xf32>
    ```
  }];
  let arguments = (ins Tfm_NormKind:$kind, Tfm_FloatTensor:$input,
                       Optional<Tfm_FloatTensor>:$scale,
                       Optional<Tfm_FloatTensor>:$shift,
                       DefaultValuedAttr<F64Attr, "1e-5">:$eps,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Tfm_FloatTensor:$result);
  let assemblyFormat = [{
    $kind $input
    (`scale` `(` $scale^ `:` type($scale) `)`)?
    (`shift` `(` $shift^ `:` type($shift) `)`)?
    attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// The normalized axis as a non-negative dimension index.
    int64_t getNormalizedAxis() {
      // I64Attr getters return uint64_t; the axis is signed.
      int64_t axis = static_cast<int64_t>(getAxis());
      int64_t rank = getInput().getType().getRank();
      return axis < 0 ? axis + rank : axis;
    }
  }];
}

def Tfm_ActivationOp : Tfm_Op<"activation", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "pointwise activation";
  let description = [{
    Applies one activation elementwise:
    `gelu_erf` x·Φ(x); `gelu_tanh` ½x(1 + tanh(√(2/π)(x + 0.044715x³)));
    `silu` x·σ(x); `relu` max(x, 0); `elu` x > 0 ? x : eˣ − 1;
    `sigmoid` σ(x); `softplus` log(1 + eˣ).

    ```mlir
    %y = tfm.activation silu %x : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Tfm_ActivationKind:$kind, Tfm_FloatTensor:$input);
  let results = (outs Tfm_FloatTensor:$result);
  let assemblyFormat = "$kind $input attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Softmax attention and positions
//===----------------------------------------------------------------------===//

def Tfm_RopeOp : Tfm_Op<"rope", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding";
  let description = [{
    Rotates channel pairs of `x` (`[B, H, L, d]`) by the angle
    `pos · base^(−2i/r)`, `r = rotary_dim` (default `d`; partial rotary when
    smaller), leaving channels `[r, d)` unchanged. `positions` is `[L]` or
    `[B, L]`. `half` pairs channel `i` with `i + r/2` (GPT-NeoX, Llama);
    `interleaved` pairs `2i` with `2i + 1` (GPT-J).

    ```mlir
    %q2 = tfm.rope half %q, %pos {base = 1.0e4 : f64, rotary_dim = 32 : i64}
        : tensor<1x8x?x64xf32>, tensor<?xi32>
    ```
  }];
  let arguments = (ins Tfm_RopeStyle:$style, Tfm_FloatTensor:$input,
                       Tfm_IndexTensor:$positions,
                       DefaultValuedAttr<F64Attr, "10000.0">:$base,
                       OptionalAttr<I64Attr>:$rotary_dim);
  let results = (outs Tfm_FloatTensor:$result);
  let assemblyFormat = [{
    $style $input `,` $positions attr-dict `:` type($input) `,` type($positions)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The rotated channel count: `rotary_dim`, or the whole head dim.
    int64_t getRotaryDimOrHeadDim() {
      return getRotaryDim().value_or(getInput().getType().getShape().back());
    }
  }];
}

def Tfm_AttentionOp : Tfm_InferredOp<"attention", [AttrSizedOperandSegments]> {
  let summary = "scaled dot-product softmax attention (MHA, GQA, MQA)";
  let description = [{
    `q` is `[B, H, Lq, d]`, `k` is `[B, Hk, Lk, d]`, `v` is `[B, Hk, Lk, dv]`;
    query head `h` reads KV head `⌊h·Hk/H⌋`, so `H` must be a multiple of
    `Hk` (GQA; MQA when `Hk = 1`).

    ```
    S[b,h,i,j] = scale · q[b,h,i]·k[b,h',j] + bias(h, i, j)
    P          = softmax_j(mask(S))
    out[b,h,i] = Σ_j P[b,h,i,j] · mult(h, i, j) · v[b,h',j]
    ```

    Query `i` is at position `p = q_offset + i` (`q_offset` defaults to 0;
    a KV cache sets it to the number of cached tokens). `kv_len` (`[B]`)
    hides keys `j >= kv_len[b]` (padding). `mask` is a `#tfm.mask` and
    `pos_bias` a `#tfm.pos_bias` (see the attribute docs). With
    `pos_bias <t5 ...>` the `bias` operand is the bucket table `[buckets, H]`;
    with `pos_bias <explicit>` it is a dense `[B|1, H|1, Lq, Lk]` tensor.
    `mult` (URPE) is a second table `[buckets, H]` indexed like the T5 one;
    it scales probabilities after normalization. With `return_lse` a second
    result holds the log-sum-exp of each row (`[B, H, Lq]`, f32), for
    split-KV combines. Fully masked rows produce zeros.

    ```mlir
    %o = tfm.attention %q, %k, %v scale 0.125 mask <causal> pos_bias <alibi>
        : tensor<1x32x?x128xf32>, tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>
    %o2, %lse = tfm.attention %q, %k, %v scale 1.0
        mask <window 128, 0> pos_bias <t5 buckets 32, max_distance 128, bidirectional>
        bias(%table : tensor<32x8xf32>) return_lse
        : tensor<2x8x64x64xf32>, tensor<2x8x64x64xf32>, tensor<2x8x64x64xf32>
    ```
  }];
  let arguments = (ins Tfm_FloatTensor:$query, Tfm_FloatTensor:$key,
                       Tfm_FloatTensor:$value,
                       Optional<Tfm_FloatTensor>:$bias,
                       Optional<Tfm_FloatTensor>:$mult,
                       Optional<Tfm_IndexTensor>:$kv_len,
                       Optional<Index>:$q_offset,
                       F32Attr:$scale,
                       OptionalAttr<Tfm_MaskAttr>:$mask,
                       OptionalAttr<Tfm_PosBiasAttr>:$pos_bias,
                       UnitAttr:$return_lse);
  let results = (outs Tfm_FloatTensor:$output,
                      Optional<RankedTensorOf<[F32]>>:$lse);
  let assemblyFormat = [{
    $query `,` $key `,` $value `scale` $scale
    (`mask` $mask^)?
    (`pos_bias` $pos_bias^)?
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`mult` `(` $mult^ `:` type($mult) `)`)?
    (`kv_len` `(` $kv_len^ `:` type($kv_len) `)`)?
    (`q_offset` `(` $q_offset^ `)`)?
    (`return_lse` $return_lse^)?
    attr-dict `:` type($query) `,` type($key) `,` type($value)
  }];
  let extraClassDeclaration = [{
    /// The mask kind, `none` when the attribute is absent.
    MaskKind getMaskKind() {
      return getMask() ? getMask()->getKind() : MaskKind::none;
    }
    /// The positional-bias kind, `none` when the attribute is absent.
    PosBiasKind getPosBiasKind() {
      return getPosBias() ? getPosBias()->getKind() : PosBiasKind::none;
    }
  }];
}

//===----------------------------------------------------------------------===//
// Linear and kernelized attention
//===----------------------------------------------------------------------===//

def Tfm_FeatureMapOp : Tfm_InferredOp<"feature_map"> {
  let summary = "kernel feature map for linear attention";
  let description = [{
    Maps `x` (`[..., d]`) to features: `relu` max(x, 0); `elu_plus_one`
    elu(x) + 1; `performer` the positive random features of Performer,
    `φ(x) = exp(W·x − ‖x‖²/2)/√m` with `projection` `W` of shape `[m, d]`,
    giving `[..., m]`. Scaling `x` (by `d^(-1/4)` in Performer) is left to the
    producer.

    ```mlir
    %f = tfm.feature_map performer %q projection(%w : tensor<64x32xf32>)
        : tensor<1x4x?x32xf32>
    // %f : tensor<1x4x?x64xf32>
    ```
  }];
  let arguments = (ins Tfm_FeatureMapKind:$kind, Tfm_FloatTensor:$input,
                       Optional<Tfm_FloatTensor>:$projection);
  let results = (outs Tfm_FloatTensor:$result);
  let assemblyFormat = [{
    $kind $input (`projection` `(` $projection^ `:` type($projection) `)`)?
    attr-dict `:` type($input)
  }];
}

def Tfm_LinearAttentionOp : Tfm_InferredOp<"linear_attention"> {
  let summary = "normalized linear attention; with Toeplitz RPE, via FFT";
  let description = [{
    Inputs are features already mapped: `fq`, `fk` `[B, H, L, m]` and `v`
    `[B, H, L, dv]`. Without `toeplitz`:

    ```
    out_i = φq_i·(Σ_j φk_jᵀ v_j) / (φq_i·Σ_j φk_j + eps)      (j ≤ i if causal)
    ```

    With `toeplitz` coefficients `c` (`[H, 2L − 1]`, `c[h, L−1+j−i]` the weight
    of key `j` for query `i`, i.e. `exp` of the relative bias), this is
    kernelized attention with relative positional encoding (Luo et al. 2021):

    ```
    out_i = Σ_j c_{j−i} φq_i·φk_j v_j / (Σ_j c_{j−i} φq_i·φk_j + eps)
    ```

    computed as Toeplitz products through FFTs of length ≥ 2L. `causal` drops
    `j > i`. `impl` picks the lowering: `direct` (materialize `φkᵀv`),
    `chunked` (causal prefix state carried across chunks of `chunk` rows),
    `fft` (Toeplitz form), or `auto` (chosen from shapes by
    `tfm-select-impl`).

    ```mlir
    %o = tfm.linear_attention %fq, %fk, %v causal impl(chunked) {chunk = 64 : i64}
        : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x32xf32>
    %r = tfm.linear_attention %fq, %fk, %v toeplitz(%c : tensor<4x255xf32>) impl(fft)
        : tensor<1x4x128x16xf32>, tensor<1x4x128x16xf32>, tensor<1x4x128x32xf32>
    ```
  }];
  let arguments = (ins Tfm_FloatTensor:$query_features,
                       Tfm_FloatTensor:$key_features, Tfm_FloatTensor:$value,
                       Optional<Tfm_FloatTensor>:$toeplitz,
                       UnitAttr:$causal,
                       DefaultValuedAttr<F64Attr, "1e-6">:$eps,
                       DefaultValuedAttr<Tfm_LinearAttentionImpl,
                           "::mlir::tfm::LinearAttentionImpl::auto_select">:$impl,
                       OptionalAttr<I64Attr>:$chunk);
  let results = (outs Tfm_FloatTensor:$result);
  let assemblyFormat = [{
    $query_features `,` $key_features `,` $value
    (`toeplitz` `(` $toeplitz^ `:` type($toeplitz) `)`)?
    (`causal` $causal^)?
    `impl` `(` $impl `)`
    attr-dict `:` type($query_features) `,` type($key_features) `,` type($value)
  }];
}

//===----------------------------------------------------------------------===//
// Convolution and FFT
//===----------------------------------------------------------------------===//

def Tfm_DwConvOp : Tfm_InferredOp<"dwconv"> {
  let summary = "depthwise 1-D or 2-D convolution";
  let description = [{
    `x` is `[B, C, L]` (rank 1) or `[B, C, H, W]` (rank 2), `w` is `[C, k]` or
    `[C, kh, kw]`, `bias` `[C]`. Per channel, cross-correlation as in PyTorch:
    `y[b,c,i] = Σ_t w[c,t]·x[b,c,i·stride + t·dilation − pad_lo] + bias[c]`.
    With the effective kernel `e = (k − 1)·dilation`:

    | padding | pad_lo, pad_hi | use |
    |---|---|---|
    | `zero` | `⌊e/2⌋, e − ⌊e/2⌋` zeros | "same" conv (CvT, SLAB) |
    | `causal` | `e, 0` zeros (rank 1) | Mamba's conv1d |
    | `circular` | as `zero`, wrapping around | Informer |
    | `full` | `e, e` zeros | full Toeplitz convolution (LMU) |

    Output length: `⌊(L + pad_lo + pad_hi − e − 1)/stride⌋ + 1`. `impl(fft)`
    computes the same through `tfm.rfft`/`tfm.irfft` (stride 1 only), for
    long kernels.

    ```mlir
    %y = tfm.dwconv %x, %w bias(%b : tensor<64xf32>) padding(causal) impl(direct)
        : tensor<1x64x?xf32>, tensor<64x4xf32>
    ```
  }];
  let arguments = (ins Tfm_FloatTensor:$input, Tfm_FloatTensor:$weight,
                       Optional<Tfm_FloatTensor>:$bias,
                       Tfm_ConvPadding:$padding,
                       DefaultValuedAttr<Tfm_ConvImpl,
                           "::mlir::tfm::ConvImpl::direct">:$impl,
                       OptionalAttr<DenseI64ArrayAttr>:$stride,
                       OptionalAttr<DenseI64ArrayAttr>:$dilation);
  let results = (outs Tfm_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `:` type($bias) `)`)?
    `padding` `(` $padding `)` `impl` `(` $impl `)`
    attr-dict `:` type($input) `,` type($weight)
  }];
  let extraClassDeclaration = [{
    /// The number of spatial dims (1 or 2).
    int64_t getSpatialRank() { return getWeight().getType().getRank() - 1; }
    /// Stride along spatial dim `i` (1 when unset).
    int64_t getStrideAt(unsigned i) {
      return getStride() ? (*getStride())[i] : 1;
    }
    /// Dilation along spatial dim `i` (1 when unset).
    int64_t getDilationAt(unsigned i) {
      return getDilation() ? (*getDilation())[i] : 1;
    }
    /// Taps, stride, dilation and the padding each side of spatial dim `i`
    /// (the padding mode decides the split).
    ::mlir::tfm::ConvGeometry getGeometryAt(unsigned i);
  }];
}

def Tfm_RfftOp : Tfm_InferredOp<"rfft"> {
  let summary = "real-to-complex FFT along one axis";
  let description = [{
    `X[k] = Σ_t x[t]·e^(−2πi·kt/n)` for `k ∈ [0, n/2]`, along `axis`; the
    input is zero-padded or truncated to `n` (default: its length, which must
    then be static). The spectrum comes as two tensors, real and imaginary
    parts, whose `axis` has size `n/2 + 1` (as in `tosa.rfft2d`).

    ```mlir
    %re, %im = tfm.rfft %x {n = 256 : i64} : tensor<4x100xf32>
    // %re, %im : tensor<4x129xf32>
    ```
  }];
  let arguments = (ins Tfm_FloatTensor:$input, OptionalAttr<I64Attr>:$n,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Tfm_FloatTensor:$real, Tfm_FloatTensor:$imag);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Tfm_IrfftOp : Tfm_InferredOp<"irfft", [AllTypesMatch<["real", "imag"]>]> {
  let summary = "complex-to-real inverse FFT along one axis";
  let description = [{
    The inverse of `tfm.rfft`: from the `n/2 + 1` non-negative frequencies
    (`real`, `imag`) along `axis`, the real signal of length `n`,
    `x[t] = (1/n)·Σ_k X[k]·e^(2πi·kt/n)` over the Hermitian-completed
    spectrum (numpy's `irfft`). `n` is required.

    ```mlir
    %x = tfm.irfft %re, %im {n = 256 : i64} : tensor<4x129xf32>
    // %x : tensor<4x256xf32>
    ```
  }];
  let arguments = (ins Tfm_FloatTensor:$real, Tfm_FloatTensor:$imag,
                       I64Attr:$n, DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Tfm_FloatTensor:$result);
  let assemblyFormat = "$real `,` $imag attr-dict `:` type($real)";
}

//===----------------------------------------------------------------------===//
// Scans
//===----------------------------------------------------------------------===//

def Tfm_SelectiveScanOp : Tfm_InferredOp<"selective_scan", [
    AttrSizedOperandSegments, AllTypesMatch<["u", "delta"]>,
    AllTypesMatch<["B", "C"]>]> {
  let summary = "Mamba's selective state-space scan";
  let description = [{
    `u`, `delta` are `[B, D, L]`; `A` is `[D, N]`; `B`, `C` are `[B, G, N, L]`
    with `G` groups dividing `D` (channel `d` reads group `⌊d·G/D⌋`);
    optional `D` (skip, `[D]`), `z` (gate, `[B, D, L]`), `delta_bias` (`[D]`)
    and `initial_state` (`[B, D, N]`). In f32 whatever the storage type:

    ```
    Δ   = delta + delta_bias;  Δ = softplus(Δ) if delta_softplus
    h_t = exp(Δ_t·A) ⊙ h_{t−1} + Δ_t·B_t·u_t          (h_{−1} = initial_state or 0)
    y_t = C_t·h_t + D·u_t;     y = y·silu(z)
    ```

    Results: `y` (`[B, D, L]`, the type of `u`) and the final state `h_{L−1}`
    (`[B, D, N]`, f32), which a decode step passes back as `initial_state`.

    ```mlir
    %y, %h = tfm.selective_scan %u, %dt, %A, %B, %C D(%d : tensor<64xf32>)
        z(%z : tensor<1x64x?xf32>) delta_softplus
        : tensor<1x64x?xf32>, tensor<64x16xf32>, tensor<1x1x16x?xf32>
    ```
  }];
  let arguments = (ins Tfm_FloatTensor:$u, Tfm_FloatTensor:$delta,
                       Tfm_FloatTensor:$A, Tfm_FloatTensor:$B,
                       Tfm_FloatTensor:$C,
                       Optional<Tfm_FloatTensor>:$D,
                       Optional<Tfm_FloatTensor>:$z,
                       Optional<Tfm_FloatTensor>:$delta_bias,
                       Optional<Tfm_FloatTensor>:$initial_state,
                       UnitAttr:$delta_softplus);
  let results = (outs Tfm_FloatTensor:$y, RankedTensorOf<[F32]>:$final_state);
  let assemblyFormat = [{
    $u `,` $delta `,` $A `,` $B `,` $C
    (`D` `(` $D^ `:` type($D) `)`)?
    (`z` `(` $z^ `:` type($z) `)`)?
    (`delta_bias` `(` $delta_bias^ `:` type($delta_bias) `)`)?
    (`initial_state` `(` $initial_state^ `:` type($initial_state) `)`)?
    (`delta_softplus` $delta_softplus^)?
    attr-dict `:` type($u) `,` type($A) `,` type($B)
  }];
}


//===----------------------------------------------------------------------===//
// Code generation
//===----------------------------------------------------------------------===//

def Tfm_KernelLaunchOp : Tfm_Op<"kernel_launch",
    [DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "a GPU kernel launch on buffers, during bufferization";
  let description = [{
    Launches the `gpu.func` `kernel` (in a `gpu.module` of the enclosing
    module) on a grid of `grid_x * grid_y * grid_z` blocks of `block`
    threads with `shared_bytes` of dynamic shared memory. The CUDA lowering
    (tfm-lower-to-gpu) emits it instead of `gpu.launch_func` because it
    declares its memory effects (it may read and write every buffer
    argument), which buffer deallocation needs to place frees;
    tfm-host-loops-to-gpu turns it into `gpu.launch_func` afterwards.

    ```mlir
    tfm.kernel_launch @tfm_kernels::@rms_norm grid(%rows, %c1, %c1)
        block [256, 1, 1] shared 0 args(%x, %y : memref<?x4096xbf16>,
                                               memref<?x4096xbf16>)
    ```
  }];
  let arguments = (ins SymbolRefAttr:$kernel, Index:$grid_x, Index:$grid_y,
                       Index:$grid_z, DenseI64ArrayAttr:$block,
                       I64Attr:$shared_bytes, Variadic<AnyType>:$args);
  let assemblyFormat = [{
    $kernel `grid` `(` $grid_x `,` $grid_y `,` $grid_z `)` `block` $block
    `shared` $shared_bytes (`args` `(` $args^ `:` type($args) `)`)? attr-dict
  }];
  let hasVerifier = 1;
}

#endif // TFM_OPS
