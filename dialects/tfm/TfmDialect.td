//===- TfmDialect.td - the tfm dialect ---------------------*- tablegen -*-===//
#ifndef TFM_DIALECT
#define TFM_DIALECT

include "mlir/IR/OpBase.td"

def Tfm_Dialect : Dialect {
  let name = "tfm";
  let cppNamespace = "::mlir::tfm";
  let summary = "Transformer ops at the level their papers describe them";
  let description = [{
    The `tfm` dialect models the ops of transformer-family models (softmax
    attention and its mask and positional variants, linear and kernelized
    attention, norms, GLU MLPs, depthwise convolutions, FFTs and Mamba's
    selective scan) on ranked tensors with value semantics. The sequence
    length may be dynamic. Passes fuse and lower these ops to linalg, scf and
    vector for CPUs and to the gpu dialect for NVIDIA GPUs.
  }];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    /// Registers the attributes; defined beside their storage classes.
    void registerAttributes();
  }];
}

class Tfm_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tfm_Dialect, mnemonic, traits>;

#endif // TFM_DIALECT
