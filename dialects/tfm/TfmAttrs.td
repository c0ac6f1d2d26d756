//===- TfmAttrs.td - attributes of the tfm dialect ---------*- tablegen -*-===//
#ifndef TFM_ATTRS
#define TFM_ATTRS

include "mlir/IR/AttrTypeBase.td"
include "TfmDialect.td"
include "TfmEnums.td"

class Tfm_Attr<string name, string attrMnemonic>
    : AttrDef<Tfm_Dialect, name> {
  let mnemonic = attrMnemonic;
}

def Tfm_MaskAttr : Tfm_Attr<"Mask", "mask"> {
  let summary = "which keys each query may attend to";
  let description = [{
    Query `i` sits at absolute position `q_offset + i`; key `j` at `j`.
    With `p = q_offset + i`:

    | form | key `j` is visible when |
    |---|---|
    | `<none>` | always |
    | `<causal>` | `j <= p` |
    | `<window L, R>` | `p - L <= j <= p + R` |
    | `<prefix N>` | `j < N` or `j <= p` (prefix-LM) |
    | `<block N>` | `floor(j / N) == floor(p / N)` |
  }];
  let parameters = (ins "::mlir::tfm::MaskKind":$kind,
                        DefaultValuedParameter<"int64_t", "0">:$left,
                        DefaultValuedParameter<"int64_t", "0">:$right,
                        DefaultValuedParameter<"int64_t", "0">:$size);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Tfm_PosBiasAttr : Tfm_Attr<"PosBias", "pos_bias"> {
  let summary = "positional bias added to attention scores";
  let description = [{
    | form | bias added to score `(h, i, j)` |
    |---|---|
    | `<none>` | nothing |
    | `<alibi>` | `-m_h * (p - j)`, slopes `m_h` from the head count (ALiBi) |
    | `<t5 buckets B, max_distance M, bidirectional>` | `table[bucket(j - p), h]` |
    | `<explicit>` | `bias[b, h, i, j]`, a dense operand (broadcast over size-1 dims) |

    `bidirectional` may be replaced by `unidirectional`. T5 buckets follow
    Hugging Face's `_relative_position_bucket`.
  }];
  let parameters = (ins "::mlir::tfm::PosBiasKind":$kind,
                        DefaultValuedParameter<"int64_t", "0">:$buckets,
                        DefaultValuedParameter<"int64_t", "0">:$maxDistance,
                        DefaultValuedParameter<"bool", "true">:$bidirectional);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

#endif // TFM_ATTRS
