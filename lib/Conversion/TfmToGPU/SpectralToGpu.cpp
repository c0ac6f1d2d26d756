//===- SpectralToGpu.cpp - tfm.rfft and tfm.irfft to CUDA kernels ---------===//
//
// One block per signal transforms it in shared memory (SharedFft.h): the
// complex signal (re, im) of power-of-two length m, radix-4 butterflies in
// place with a barrier between steps, twiddles from the SFU. In place keeps
// a transform of m = 16384 (128 KiB, dynamic shared memory) in one block.
// Decimation in frequency takes natural order to bit-reversed order,
// decimation in time the reverse, so no transform needs a permutation pass:
// results are read at bit-reversed positions, and a convolution runs DIF
// forward, the pointwise product in bit-reversed order, DIT inverse.
//
// A length n that is not a power of two goes through Bluestein's chirp-z
// transform (as on the CPU): with w_j = e^(σπi·j²/n), the DFT is
// X_k = w_k·Σ_t (x_t·w_t)·conj(w_(k−t)), a circular convolution of
// power-of-two length m ≥ 2n − 1 whose kernel spectrum, the same for every
// signal, one block computes first into global memory.
//
//===----------------------------------------------------------------------===//
#include "GpuLoweringUtils.h"
#include "SharedFft.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>
#include <functional>

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

/// The longest power-of-two transform a block holds: 16384 complex f32 are
/// 128 KiB of the 227 KiB an H200 block may have.
static constexpr int64_t kMaxTransformLength = 16384;
static constexpr int64_t kMaxThreads = 512;

namespace {
/// The static plan of a DFT of length n along one axis.
struct Transform {
  int64_t n;
  /// −1 forward (rfft), +1 inverse (irfft, unnormalized).
  int64_t sign;
  /// The power-of-two FFT length: n, or Bluestein's m ≥ 2n − 1.
  int64_t m;

  Transform(int64_t n, int64_t sign)
      : n(n), sign(sign),
        m(llvm::isPowerOf2_64(n) ? n : int64_t(llvm::PowerOf2Ceil(2 * n - 1))) {
  }
  bool bluestein() const { return m != n; }
  int64_t logM() const { return llvm::Log2_64(m); }
  /// A thread per radix-4 butterfly, up to kMaxThreads.
  int64_t threads() const {
    return std::clamp<int64_t>(m / 4, 32, kMaxThreads);
  }
  /// re, then im.
  int64_t sharedBytes() const { return 2 * m * 4; }
};

/// The block's signal in shared memory and its transforms.
class BlockFft : public SharedFft {
public:
  BlockFft(OpBuilder &b, Location loc, const Transform &plan)
      : SharedFft(inDynamicShared(b, loc, plan.m,
                                  indexConstant(b, loc, plan.logM()),
                                  indexConstant(b, loc, 0), plan.threads())),
        b(b), loc(loc), plan(plan) {}

  /// Runs `body(i)` for i in [0, count), shared by the block's threads.
  void forEach(int64_t count, function_ref<void(Value)> body) {
    forEachInBlock(b, loc, count, plan.threads(),
                   [&](OpBuilder &, Location, Value i) { body(i); });
  }

  /// `index` with its log2(m) bits reversed.
  Value bitReversed(Value index) {
    return gpu_lowering::bitReversed(b, loc, index,
                                     indexConstant(b, loc, plan.logM()));
  }

  /// The chirp e^(sign·πi·t²/n); t² is reduced modulo 2n first, in
  /// integers, then to [−n, n), so the angle is in [−π, π) and exact up to
  /// f32 rounding.
  Complex chirp(Value t, int64_t sign) {
    KernelMath m(b, loc);
    Value square = m.rem(m.mul(t, t), 2 * plan.n);
    Value angle = m.mul(indexToF32(b, loc, square), m.f32(M_PI / plan.n));
    angle =
        m.select(m.lt(square, plan.n), angle, m.sub(angle, m.f32(2.0 * M_PI)));
    if (sign < 0)
      angle = arith::NegFOp::create(b, loc, angle);
    return unitComplex(m, angle);
  }

private:
  OpBuilder &b;
  Location loc;
  const Transform &plan;
};

/// The indices of the block's signal in `memref`, which is transformed
/// along `axis`: blockIdx.x split over the other dims in row-major order.
/// The axis index is left 0 for the caller to set.
static SmallVector<Value> signalIndices(OpBuilder &b, Location loc,
                                        Value memref, int64_t axis) {
  KernelMath m(b, loc);
  int64_t rank = cast<MemRefType>(memref.getType()).getRank();
  SmallVector<Value> indices(rank, m.index(0));
  Value rest = blockId(b, loc, gpu::Dimension::x);
  for (int64_t dim = rank - 1; dim >= 0; --dim) {
    if (dim == axis)
      continue;
    Value size = memref::DimOp::create(b, loc, memref, dim);
    std::tie(rest, indices[dim]) = m.divRemSmall(rest, size);
  }
  return indices;
}

static int64_t normalizedAxis(int64_t axis, Value operand) {
  int64_t rank = cast<RankedTensorType>(operand.getType()).getRank();
  return axis < 0 ? axis + rank : axis;
}

/// The product of `dims` but `axis`: the number of signals.
static Value signalCount(OpBuilder &b, Location loc, ArrayRef<Value> dims,
                         int64_t axis) {
  KernelMath m(b, loc);
  Value count = m.index(1);
  for (auto [dim, size] : llvm::enumerate(dims))
    if (int64_t(dim) != axis)
      count = m.mul(count, size);
  return count;
}

static LogicalResult checkPlan(PatternRewriter &rewriter, Operation *op,
                               const Transform &plan) {
  if (plan.m <= kMaxTransformLength)
    return success();
  return rewriter.notifyMatchFailure(
      op, "the transform needs " + std::to_string(plan.m) +
              " points in shared memory, more than the " +
              std::to_string(kMaxTransformLength) + " a block holds");
}

/// Builds a kernel of one block per signal (and its launch over `signals`
/// blocks); `body` gets the kernel's arguments, bound like `args`.
static void buildTransformKernel(
    PatternRewriter &rewriter, Operation *op, StringRef name,
    const Transform &plan, ValueRange args, Value signals,
    function_ref<void(OpBuilder &, BlockFft &, ValueRange)> body) {
  Location loc = op->getLoc();
  std::array<int64_t, 3> block = {plan.threads(), 1, 1};
  gpu::GPUFuncOp kernel;
  {
    OpBuilder::InsertionGuard guard(rewriter);
    kernel = createKernel(rewriter, op, name, args.getTypes(), {}, block);
    BlockFft fft(rewriter, loc, plan);
    body(rewriter, fft, kernel.getArguments());
  }
  launchKernel(rewriter, loc, kernel,
               {signals, indexConstant(rewriter, loc, 1),
                indexConstant(rewriter, loc, 1)},
               block, plan.sharedBytes(), args);
}

/// Bluestein's kernel spectrum: the forward FFT of conj(w_j) at offsets
/// j ∈ (−n, n), stored circularly, in bit-reversed order ([2, m]: re, im).
static Value buildChirpSpectrum(PatternRewriter &rewriter, Operation *op,
                                const Transform &plan) {
  Location loc = op->getLoc();
  Value spectrum = allocBuffer(
      rewriter, loc, RankedTensorType::get({2, plan.m}, rewriter.getF32Type()),
      {});
  buildTransformKernel(
      rewriter, op, "bluestein_chirp_spectrum", plan, {spectrum},
      indexConstant(rewriter, loc, 1),
      [&](OpBuilder &b, BlockFft &fft, ValueRange args) {
        KernelMath m(b, loc);
        fft.forEach(plan.m, [&](Value j) {
          Value offset = m.min(j, m.sub(m.index(plan.m), j));
          Value inside = m.lt(offset, plan.n);
          auto [re, im] =
              fft.chirp(m.select(inside, offset, m.index(0)), -plan.sign);
          fft.set(j, {m.orZero(inside, re), m.orZero(inside, im)});
        });
        fft.forward(-1);
        fft.forEach(plan.m, [&](Value j) {
          auto [re, im] = fft.at(j);
          memref::StoreOp::create(b, loc, re, args[0],
                                  ValueRange{m.index(0), j});
          memref::StoreOp::create(b, loc, im, args[0],
                                  ValueRange{m.index(1), j});
        });
      });
  return spectrum;
}

/// The DFT of the signal `load(t)` (t < n, natural order) written to the
/// block's shared memory; afterwards `result(k)` gives X_k for k < n.
/// `spectrum` is Bluestein's kernel spectrum (null for a power of two).
static std::function<std::pair<Value, Value>(Value)>
buildDft(OpBuilder &b, Location loc, BlockFft &fft, const Transform &plan,
         Value spectrum, function_ref<std::pair<Value, Value>(Value)> load) {
  KernelMath m(b, loc);
  if (!plan.bluestein()) {
    fft.forEach(plan.m, [&](Value t) { fft.set(t, load(t)); });
    fft.forward(plan.sign);
    return [&fft](Value k) { return fft.at(fft.bitReversed(k)); };
  }
  // x_t·w_t, zero-padded to m.
  fft.forEach(plan.m, [&](Value t) {
    Value inside = m.lt(t, plan.n);
    Value at = m.select(inside, t, m.index(0));
    auto product = complexMul(m, load(at), fft.chirp(at, plan.sign));
    fft.set(
        t, {m.orZero(inside, product.first), m.orZero(inside, product.second)});
  });
  fft.forward(-1);
  fft.forEach(plan.m, [&](Value j) {
    std::pair<Value, Value> kernel = {
        memref::LoadOp::create(b, loc, spectrum, ValueRange{m.index(0), j}),
        memref::LoadOp::create(b, loc, spectrum, ValueRange{m.index(1), j})};
    fft.set(j, complexMul(m, fft.at(j), kernel));
  });
  fft.inverse(+1);
  int64_t sign = plan.sign, size = plan.m;
  return [&fft, &b, loc, sign, size](Value k) {
    KernelMath km(b, loc);
    auto [re, im] = complexMul(km, fft.at(k), fft.chirp(k, sign));
    Value scale = km.f32(1.0 / size);
    return std::pair<Value, Value>{km.mul(re, scale), km.mul(im, scale)};
  };
}

struct RfftToGpu : OpRewritePattern<RfftOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RfftOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t axis = normalizedAxis(op.getAxis(), op.getInput());
    int64_t n = op.getN() ? static_cast<int64_t>(*op.getN())
                          : op.getInput().getType().getDimSize(axis);
    if (ShapedType::isDynamic(n))
      return rewriter.notifyMatchFailure(op, "expected n or a static length");
    Transform plan(n, -1);
    if (failed(checkPlan(rewriter, op, plan)))
      return failure();

    Value input = bufferOf(rewriter, loc, op.getInput());
    SmallVector<Value> dims = dimsOf(rewriter, loc, op.getInput());
    Value length = dims[axis];
    Value signals = signalCount(rewriter, loc, dims, axis);
    dims[axis] = indexConstant(rewriter, loc, n / 2 + 1);
    Value re = allocBufferOfSizes(rewriter, loc, op.getReal().getType(), dims);
    Value im = allocBufferOfSizes(rewriter, loc, op.getImag().getType(), dims);
    SmallVector<Value> args = {input, re, im, length};
    if (plan.bluestein())
      args.push_back(buildChirpSpectrum(rewriter, op, plan));

    buildTransformKernel(
        rewriter, op, "rfft", plan, args, signals,
        [&](OpBuilder &b, BlockFft &fft, ValueRange kernelArgs) {
          KernelMath m(b, loc);
          SmallVector<Value> indices =
              signalIndices(b, loc, kernelArgs[0], axis);
          Value stored = m.min(kernelArgs[3], n); // zero-padded or truncated
          auto result = buildDft(
              b, loc, fft, plan, plan.bluestein() ? kernelArgs[4] : Value(),
              [&](Value t) {
                Value inside = m.lt(t, stored);
                indices[axis] = m.select(inside, t, m.index(0));
                Value x = m.load(kernelArgs[0], indices);
                return std::pair<Value, Value>{m.orZero(inside, x), m.f32(0.0)};
              });
          fft.forEach(n / 2 + 1, [&](Value k) {
            auto [xr, xi] = result(k);
            indices[axis] = k;
            m.store(xr, kernelArgs[1], indices);
            m.store(xi, kernelArgs[2], indices);
          });
        });
    rewriter.replaceOp(
        op, {tensorOf(rewriter, loc, re), tensorOf(rewriter, loc, im)});
    return success();
  }
};

struct IrfftToGpu : OpRewritePattern<IrfftOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(IrfftOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t axis = normalizedAxis(op.getAxis(), op.getReal());
    auto n = static_cast<int64_t>(op.getN());
    Transform plan(n, +1);
    if (failed(checkPlan(rewriter, op, plan)))
      return failure();

    Value re = bufferOf(rewriter, loc, op.getReal());
    Value im = bufferOf(rewriter, loc, op.getImag());
    SmallVector<Value> dims = dimsOf(rewriter, loc, op.getReal());
    Value signals = signalCount(rewriter, loc, dims, axis);
    dims[axis] = indexConstant(rewriter, loc, n);
    Value output =
        allocBufferOfSizes(rewriter, loc, op.getResult().getType(), dims);
    SmallVector<Value> args = {re, im, output};
    if (plan.bluestein())
      args.push_back(buildChirpSpectrum(rewriter, op, plan));

    buildTransformKernel(
        rewriter, op, "irfft", plan, args, signals,
        [&](OpBuilder &b, BlockFft &fft, ValueRange kernelArgs) {
          KernelMath m(b, loc);
          SmallVector<Value> indices =
              signalIndices(b, loc, kernelArgs[0], axis);
          // Hermitian completion: X[n − k] = conj(X[k]). The imaginary parts
          // of X[0] and X[n/2] only reach the dropped imaginary part of the
          // signal, as in numpy.
          auto result = buildDft(
              b, loc, fft, plan, plan.bluestein() ? kernelArgs[3] : Value(),
              [&](Value k) {
                Value stored = m.le(k, n / 2);
                indices[axis] = m.select(stored, k, m.sub(m.index(n), k));
                Value xr = m.load(kernelArgs[0], indices);
                Value xi = m.load(kernelArgs[1], indices);
                return std::pair<Value, Value>{
                    xr,
                    m.select(stored, xi, arith::NegFOp::create(b, loc, xi))};
              });
          Value scale = m.f32(1.0 / n);
          fft.forEach(n, [&](Value t) {
            indices[axis] = t;
            m.store(m.mul(result(t).first, scale), kernelArgs[2], indices);
          });
        });
    rewriter.replaceOp(op, tensorOf(rewriter, loc, output));
    return success();
  }
};
} // namespace

void gpu_lowering::populateSpectralToGpuPatterns(RewritePatternSet &patterns) {
  patterns.add<RfftToGpu, IrfftToGpu>(patterns.getContext());
  populateDwConvToGpuPatterns(patterns);
  populateLinearAttentionToGpuPatterns(patterns);
}
