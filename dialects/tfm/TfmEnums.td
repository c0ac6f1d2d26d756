//===- TfmEnums.td - enumerations of the tfm dialect -------*- tablegen -*-===//
//
// Each enum is a specialized integer attribute: in an op's assembly it reads
// as a bare keyword (`tfm.activation silu %x`).
//
//===----------------------------------------------------------------------===//
#ifndef TFM_ENUMS
#define TFM_ENUMS

include "mlir/IR/EnumAttr.td"

class Tfm_Enum<string name, string summary, list<I32EnumAttrCase> cases>
    : I32EnumAttr<name, summary, cases> {
  let cppNamespace = "::mlir::tfm";
}

def Tfm_ActivationKind : Tfm_Enum<"ActivationKind", "pointwise activation", [
    I32EnumAttrCase<"gelu_erf", 0>, I32EnumAttrCase<"gelu_tanh", 1>,
    I32EnumAttrCase<"silu", 2>, I32EnumAttrCase<"relu", 3>,
    I32EnumAttrCase<"elu", 4>, I32EnumAttrCase<"sigmoid", 5>,
    I32EnumAttrCase<"softplus", 6>]>;

def Tfm_NormKind : Tfm_Enum<"NormKind", "normalization kind", [
    I32EnumAttrCase<"layer", 0>, I32EnumAttrCase<"rms", 1>,
    I32EnumAttrCase<"affine", 2>]>;

def Tfm_RopeStyle : Tfm_Enum<"RopeStyle", "pairing of rotated channels", [
    I32EnumAttrCase<"half", 0>, I32EnumAttrCase<"interleaved", 1>]>;

def Tfm_MaskKind : Tfm_Enum<"MaskKind", "attention mask kind", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"causal", 1>,
    I32EnumAttrCase<"window", 2>, I32EnumAttrCase<"prefix", 3>,
    I32EnumAttrCase<"block", 4>]>;

def Tfm_PosBiasKind : Tfm_Enum<"PosBiasKind", "positional bias kind", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"alibi", 1>,
    I32EnumAttrCase<"t5", 2>, I32EnumAttrCase<"explicit_bias", 3, "explicit">]>;

def Tfm_FeatureMapKind : Tfm_Enum<"FeatureMapKind", "kernel feature map", [
    I32EnumAttrCase<"relu", 0>, I32EnumAttrCase<"elu_plus_one", 1>,
    I32EnumAttrCase<"performer", 2>]>;

def Tfm_LinearAttentionImpl : Tfm_Enum<"LinearAttentionImpl",
    "linear attention implementation", [
    I32EnumAttrCase<"auto_select", 0, "auto">, I32EnumAttrCase<"direct", 1>,
    I32EnumAttrCase<"chunked", 2>, I32EnumAttrCase<"fft", 3>]>;

def Tfm_ConvPadding : Tfm_Enum<"ConvPadding", "depthwise conv padding", [
    I32EnumAttrCase<"zero", 0>, I32EnumAttrCase<"causal", 1>,
    I32EnumAttrCase<"circular", 2>, I32EnumAttrCase<"full", 3>]>;

def Tfm_ConvImpl : Tfm_Enum<"ConvImpl", "depthwise conv implementation", [
    I32EnumAttrCase<"direct", 0>, I32EnumAttrCase<"fft", 1>]>;

#endif // TFM_ENUMS
