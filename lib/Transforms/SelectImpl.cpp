//===- SelectImpl.cpp - choose linear-attention implementations -----------===//
#include "tfm/IR/TfmDialect.h"
#include "tfmc/Transforms/Passes.h"

#include <cmath>

namespace mlir::tfm {
#define GEN_PASS_DEF_TFMSELECTIMPL
#include "tfmc/Transforms/Passes.h.inc"
} // namespace mlir::tfm

using namespace mlir;
using namespace mlir::tfm;

/// Rows per chunk of the chunked causal form: the intra-chunk quadratic part
/// (C·(m+dv) per row) stays small next to the state update (m·dv per row).
static constexpr int64_t kDefaultChunk = 64;

/// Whether the FFT form beats the dense O(L²) one: OPS.md B2 puts the
/// break-even near L ≈ 2.5·m·log2(L).
static bool fftPaysOff(int64_t length, int64_t features) {
  if (ShapedType::isDynamic(length) || ShapedType::isDynamic(features))
    return true;
  return length > 2.5 * features * std::log2(std::max<int64_t>(length, 2));
}

static LinearAttentionImpl chooseImpl(LinearAttentionOp op) {
  auto shape = op.getQueryFeatures().getType().getShape();
  if (op.getToeplitz())
    return fftPaysOff(shape[2], shape[3]) ? LinearAttentionImpl::fft
                                          : LinearAttentionImpl::direct;
  return op.getCausal() ? LinearAttentionImpl::chunked
                        : LinearAttentionImpl::direct;
}

namespace {
struct TfmSelectImplPass : tfm::impl::TfmSelectImplBase<TfmSelectImplPass> {
  void runOnOperation() override {
    getOperation()->walk([](LinearAttentionOp op) {
      if (op.getImpl() != LinearAttentionImpl::auto_select)
        return;
      LinearAttentionImpl impl = chooseImpl(op);
      op.setImpl(impl);
      if (impl == LinearAttentionImpl::chunked && !op.getChunk())
        op.setChunk(kDefaultChunk);
    });
  }
};
} // namespace
