//===- DwConvToGpu.cpp - tfm.dwconv to CUDA kernels -----------------------===//
//
// Direct: one thread per output element. A block holds 256 consecutive
// outputs of one (batch, channel) plane (grid: plane tiles, channels,
// batch), so that a warp reads consecutive inputs and the same taps (one
// broadcast load each, kept in L1 for the plane). The taps are summed in
// f32 in order, unrolled when the kernel is short. Padding is resolved per
// tap: zeros skip the tap, circular padding wraps the index around the
// input (any number of times, as on the CPU). impl(direct) always runs it,
// and so does impl(fft) of a 2-D conv.
//
// FFT (impl(fft) of rank 1, any dilation; the op has stride 1 then): the
// correlation is the linear convolution of x with the reversed, dilated kernel
// v[e − t·d] = w[t] (e = (k − 1)·d), read at i + e − pad_lo, through
// power-of-two transforms of N ≥ L + e points, long enough that nothing wraps
// onto an output. O(L log L) per channel instead of O(L·k):
// - a block per channel transforms v into the spectrum [C, 2, N], scaled
//   by 1/N, in bit-reversed order (SharedFft's forward order): C·N·8
//   bytes of device memory (64 MiB for 512 channels at 16384 points);
// - a block per (channel, pair of batch entries) transforms x[2j] +
//   i·x[2j + 1] in shared memory (the kernel is real, so the product's
//   real and imaginary parts are the two entries' convolutions),
//   multiplies by the spectrum, transforms back and writes both outputs
//   plus the bias.
// On the H200, a causal 8192-tap kernel over L = 8192 (64 channels) takes
// 63 µs this way and 2.66 ms directly; 257 taps over L = 4096 (4 × 64
// planes), 35 µs and 169 µs.
// N is at most 16384 (the (re, im) signal of one block, 128 KiB of shared
// memory); a dynamic L picks a kernel of 1024 or 16384 points at run time.
// Longer transforms, and circular padding (a cyclic convolution of length
// L, which power-of-two transforms give only through Bluestein's chirp-z
// or a periodic extension: left for when a model needs it), take the
// direct kernel, which is exact in order; the four-step FFT of
// LinearAttentionFftToGpu.cpp is not shared yet.
//
//===----------------------------------------------------------------------===//
#include "GpuLoweringUtils.h"
#include "SequenceKernelUtils.h"
#include "SharedFft.h"

#include "llvm/Support/MathExtras.h"

#include <optional>

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

static constexpr int64_t kThreads = 256;
/// Kernels with at most this many taps along a dim have that loop unrolled.
static constexpr int64_t kUnrolledTaps = 16;
/// The longest transform of the FFT form: one block's shared memory.
static constexpr int64_t kMaxFftPoints = 16384;
/// The shared-memory kernels a dynamic length chooses from, in points.
static constexpr int64_t kFftCapacities[] = {1024, kMaxFftPoints};

namespace {
/// Builds the kernel body: the output element of this thread, if any.
class DwConvKernelBuilder {
public:
  DwConvKernelBuilder(OpBuilder &b, Location loc, ArrayRef<ConvGeometry> dims,
                      bool circular, ValueRange args, bool hasBias)
      : b(b), loc(loc), m(b, loc), dims(dims), circular(circular) {
    input = args[0];
    weight = args[1];
    output = args[2];
    if (hasBias)
      bias = args[3];
  }

  void build() {
    int64_t spatial = dims.size();
    Value element = m.add(m.mul(blockId(b, loc, gpu::Dimension::x), kThreads),
                          threadId(b, loc, gpu::Dimension::x));
    Value channel = blockId(b, loc, gpu::Dimension::y);
    Value batch = blockId(b, loc, gpu::Dimension::z);
    SmallVector<Value> outputSizes, inputSizes;
    Value planeSize = m.index(1);
    for (int64_t i = 0; i < spatial; ++i) {
      outputSizes.push_back(memref::DimOp::create(b, loc, output, 2 + i));
      inputSizes.push_back(memref::DimOp::create(b, loc, input, 2 + i));
      planeSize = m.mul(planeSize, outputSizes.back());
    }
    ifThen(b, loc, m.lt(element, planeSize), [&](OpBuilder &, Location) {
      // The output position, row-major over the spatial dims.
      SmallVector<Value> position(spatial);
      Value rest = element;
      for (int64_t i = spatial - 1; i > 0; --i) {
        std::tie(rest, position[i]) = m.divRemSmall(rest, outputSizes[i]);
      }
      position[0] = rest;
      Value sum = bias ? m.load(bias, {channel}) : m.f32(0.0);
      sum = accumulateTaps(batch, channel, position, inputSizes, sum);
      SmallVector<Value> at = {batch, channel};
      at.append(position);
      m.store(sum, output, at);
    });
  }

private:
  OpBuilder &b;
  Location loc;
  KernelMath m;
  ArrayRef<ConvGeometry> dims;
  bool circular;
  Value input, weight, output, bias;

  /// `sum` plus the taps of the output at `position`, dim by dim (a loop
  /// nest carrying the sum).
  Value accumulateTaps(Value batch, Value channel, ArrayRef<Value> position,
                       ArrayRef<Value> inputSizes, Value sum) {
    int64_t spatial = dims.size();
    SmallVector<Value> inputAt(spatial), tapAt(spatial), inside(spatial);
    std::function<Value(int64_t, Value)> nest = [&](int64_t i,
                                                    Value partial) -> Value {
      if (i == spatial) {
        Value valid = inside[0];
        for (int64_t j = 1; j < spatial; ++j)
          valid = m.both(valid, inside[j]);
        SmallVector<Value> x = {batch, channel};
        x.append(inputAt);
        SmallVector<Value> w = {channel};
        w.append(tapAt);
        return m.fma(m.orZero(valid, m.load(input, x)), m.load(weight, w),
                     partial);
      }
      const ConvGeometry &dim = dims[i];
      // The input index o·stride + t·dilation − padLow, signed.
      Value base = m.sub(m.mul(position[i], dim.stride), dim.padLow);
      Value carried = partial;
      auto tap = [&](Value t) {
        Value source = m.add(base, m.mul(t, dim.dilation));
        std::tie(inputAt[i], inside[i]) = resolve(source, inputSizes[i]);
        tapAt[i] = t;
        return nest(i + 1, carried);
      };
      if (dim.taps <= kUnrolledTaps) {
        for (int64_t t = 0; t < dim.taps; ++t)
          carried = tap(m.index(t));
        return carried;
      }
      return forLoop(b, loc, m.index(0), m.index(dim.taps), m.index(1),
                     ValueRange{partial},
                     [&](OpBuilder &, Location, Value t, ValueRange acc) {
                       carried = acc[0];
                       return SmallVector<Value>{tap(t)};
                     })[0];
    };
    return nest(0, sum);
  }

  /// The index to read for the signed input position `source` of a dim of
  /// `size`, and whether it holds data (zero padding outside).
  std::pair<Value, Value> resolve(Value source, Value size) {
    if (circular) {
      Value rem = arith::RemSIOp::create(b, loc, source, size);
      Value wrapped = arith::RemSIOp::create(b, loc, m.add(rem, size), size);
      return {wrapped, arith::ConstantOp::create(b, loc, b.getBoolAttr(true))};
    }
    Value nonNegative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                              source, m.index(0));
    Value below =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, source, size);
    Value valid = m.both(nonNegative, below);
    return {m.select(valid, source, m.index(0)), valid};
  }
};

/// The FFT form's kernels (see the file comment) for one transform
/// capacity.
class DwConvFft {
public:
  DwConvFft(PatternRewriter &rewriter, DwConvOp op, const ConvGeometry &dim,
            ValueRange args)
      : rewriter(rewriter), op(op), loc(op.getLoc()), dim(dim),
        m(rewriter, loc), args(args) {}

  /// Launches the spectrum and the convolution for transforms of
  /// 2^logPoints ≤ `capacity` points; `staticLogPoints` when L is static.
  void build(int64_t capacity, Value logPoints,
             std::optional<int64_t> staticLogPoints);

private:
  PatternRewriter &rewriter;
  DwConvOp op;
  Location loc;
  ConvGeometry dim;
  KernelMath m;
  /// input, weight, output[, bias].
  ValueRange args;

  gpu::GPUFuncOp kernel(StringRef name, ValueRange kernelArgs, int64_t threads,
                        function_ref<void(OpBuilder &, ValueRange)> body);
};
} // namespace

gpu::GPUFuncOp
DwConvFft::kernel(StringRef name, ValueRange kernelArgs, int64_t threads,
                  function_ref<void(OpBuilder &, ValueRange)> body) {
  OpBuilder::InsertionGuard guard(rewriter);
  gpu::GPUFuncOp func = createKernel(rewriter, op, name, kernelArgs.getTypes(),
                                     {}, {threads, 1, 1});
  body(rewriter, func.getArguments());
  return func;
}

void DwConvFft::build(int64_t capacity, Value logPoints,
                      std::optional<int64_t> staticLogPoints) {
  int64_t threads = sharedFftThreads(capacity);
  int64_t sharedBytes = 2 * capacity * 4;
  Type f32 = rewriter.getF32Type();
  int64_t extent = dim.extent(), dilation = dim.dilation;
  // In a kernel: the transform, and `body(i)` for i in [0, count) over the
  // block (unrolled when the count is static).
  auto signal = [&](OpBuilder &b, Value logArg) {
    KernelMath k(b, loc);
    Value logN = staticLogPoints ? k.index(*staticLogPoints) : logArg;
    return SharedFft::inDynamicShared(b, loc, capacity, logN, k.index(0),
                                      threads);
  };
  auto forEach = [&](OpBuilder &b, Value count,
                     std::optional<int64_t> staticCount,
                     function_ref<void(Value)> body) {
    auto item = [&](OpBuilder &, Location, Value i) { body(i); };
    if (staticCount)
      return forEachInBlock(b, loc, *staticCount, threads, item);
    forEachInBlock(b, loc, count, threads, item);
  };
  std::optional<int64_t> staticPoints;
  if (staticLogPoints)
    staticPoints = int64_t(1) << *staticLogPoints;

  Value input = args[0], weight = args[1], output = args[2];
  Value bias = args.size() > 3 ? args[3] : Value();
  SmallVector<Value> dims = dimsOf(rewriter, loc, op.getInput());
  Value batch = dims[0], channels = dims[1];
  SmallVector<Value> spectrumSizes;
  if (ShapedType::isDynamic(op.getInput().getType().getDimSize(1)))
    spectrumSizes.push_back(channels);
  if (!staticPoints)
    spectrumSizes.push_back(m.pow2(logPoints));
  Value spectrum = allocBuffer(
      rewriter, loc,
      RankedTensorType::get({op.getInput().getType().getDimSize(1), 2,
                             staticPoints.value_or(ShapedType::kDynamic)},
                            f32),
      spectrumSizes);

  // The spectrum of each channel's reversed, dilated kernel, scaled by 1/N.
  gpu::GPUFuncOp spectral =
      kernel("dwconv_fft_spectrum", {weight, spectrum, logPoints}, threads,
             [&](OpBuilder &b, ValueRange kernelArgs) {
               KernelMath k(b, loc);
               SharedFft fft = signal(b, kernelArgs[2]);
               Value channel = blockId(b, loc, gpu::Dimension::x);
               Value points = fft.points();
               forEach(b, points, staticPoints, [&](Value u) {
                 // Tap t sits at u = e − t·d.
                 Value onTap = k.le(u, k.index(extent));
                 Value reach =
                     k.sub(k.index(extent), k.select(onTap, u, k.index(0)));
                 Value tap = reach;
                 if (dilation > 1) {
                   onTap = k.both(onTap, k.eq(k.rem(reach, dilation), 0));
                   tap = k.div(reach, dilation);
                 }
                 tap = k.select(onTap, tap, k.index(0));
                 Value value = k.load(kernelArgs[0], {channel, tap});
                 fft.set(u, {k.orZero(onTap, value), k.f32(0.0)});
               });
               fft.forward(-1);
               Value scale = k.div(k.f32(1.0), indexToF32(b, loc, points));
               forEach(b, points, staticPoints, [&](Value j) {
                 Complex y = complexScale(k, fft.at(j), scale);
                 k.store(y.first, kernelArgs[1], {channel, k.index(0), j});
                 k.store(y.second, kernelArgs[1], {channel, k.index(1), j});
               });
             });
  launchKernel(rewriter, loc, spectral, {channels, m.index(1), m.index(1)},
               {threads, 1, 1}, sharedBytes, {weight, spectrum, logPoints});

  // A block per (channel, batch entries 2j and 2j + 1).
  SmallVector<Value> convArgs = {input, spectrum, output, logPoints};
  if (bias)
    convArgs.push_back(bias);
  int64_t outputLength = op.getType().getDimSize(2);
  std::optional<int64_t> staticOutputs;
  if (!ShapedType::isDynamic(outputLength))
    staticOutputs = outputLength;
  int64_t offset = extent - dim.padLow;
  gpu::GPUFuncOp conv = kernel(
      "dwconv_fft", convArgs, threads,
      [&](OpBuilder &b, ValueRange kernelArgs) {
        KernelMath k(b, loc);
        Value x = kernelArgs[0], spec = kernelArgs[1], y = kernelArgs[2];
        SharedFft fft = signal(b, kernelArgs[3]);
        Value channel = blockId(b, loc, gpu::Dimension::x);
        Value first = k.shl(blockId(b, loc, gpu::Dimension::y), 1);
        Value second = k.add(first, 1);
        Value paired = k.lt(second, memref::DimOp::create(b, loc, x, 0));
        Value secondRow = k.select(paired, second, first);
        Value length = memref::DimOp::create(b, loc, x, 2);
        Value points = fft.points();
        forEach(b, points, staticPoints, [&](Value t) {
          Value inside = k.lt(t, length);
          Value at = k.select(inside, t, k.index(0));
          Value re = k.load(x, {first, channel, at});
          Value im = k.load(x, {secondRow, channel, at});
          fft.set(t,
                  {k.orZero(inside, re), k.orZero(k.both(inside, paired), im)});
        });
        fft.forward(-1);
        forEach(b, points, staticPoints, [&](Value j) {
          Complex c = {k.load(spec, {channel, k.index(0), j}),
                       k.load(spec, {channel, k.index(1), j})};
          fft.set(j, complexMul(k, fft.at(j), c));
        });
        fft.inverse(+1);
        Value shift = bias ? k.load(kernelArgs[4], {channel}) : k.f32(0.0);
        Value outputs = memref::DimOp::create(b, loc, y, 2);
        forEach(b, outputs, staticOutputs, [&](Value i) {
          Complex sum = fft.at(k.add(i, offset));
          k.store(k.add(sum.first, shift), y, {first, channel, i});
          ifThen(b, loc, paired, [&](OpBuilder &, Location) {
            k.store(k.add(sum.second, shift), y, {second, channel, i});
          });
        });
      });
  launchKernel(rewriter, loc, conv, {channels, m.ceilDiv(batch, 2), m.index(1)},
               {threads, 1, 1}, sharedBytes, convArgs);
}

namespace {
struct DwConvToGpu : OpRewritePattern<DwConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DwConvOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    if (llvm::any_of(op.getWeight().getType().getShape().drop_front(),
                     ShapedType::isDynamic))
      return rewriter.notifyMatchFailure(op, "expected a static kernel size");
    int64_t spatial = op.getSpatialRank();
    SmallVector<ConvGeometry> dims;
    for (int64_t i = 0; i < spatial; ++i)
      dims.push_back(op.getGeometryAt(i));
    bool circular = op.getPadding() == ConvPadding::circular;

    KernelMath m(rewriter, loc);
    SmallVector<Value> sizes = dimsOf(rewriter, loc, op.getInput());
    Value length = sizes[2];
    // Output length: ⌊(L + padLow + padHigh − extent − 1)/stride⌋ + 1.
    Value planeSize = m.index(1);
    for (auto [i, dim] : llvm::enumerate(dims)) {
      Value span = m.sub(m.add(sizes[2 + i], dim.padLow + dim.padHigh),
                         dim.extent() + 1);
      Value quotient =
          arith::FloorDivSIOp::create(rewriter, loc, span, m.index(dim.stride));
      sizes[2 + i] =
          arith::MaxSIOp::create(rewriter, loc, m.add(quotient, 1), m.index(0));
      planeSize = m.mul(planeSize, sizes[2 + i]);
    }
    auto type = cast<RankedTensorType>(op.getType());
    Value output = allocBufferOfSizes(rewriter, loc, type, sizes);

    SmallVector<Value> args = {bufferOf(rewriter, loc, op.getInput()),
                               bufferOf(rewriter, loc, op.getWeight()), output};
    if (op.getBias())
      args.push_back(bufferOf(rewriter, loc, op.getBias()));
    auto direct = [&] {
      std::array<int64_t, 3> block = {kThreads, 1, 1};
      gpu::GPUFuncOp kernel;
      {
        OpBuilder::InsertionGuard guard(rewriter);
        kernel = createKernel(rewriter, op, "dwconv",
                              ValueRange(args).getTypes(), {}, block);
        DwConvKernelBuilder(rewriter, loc, dims, circular,
                            kernel.getArguments(), bool(op.getBias()))
            .build();
      }
      launchKernel(rewriter, loc, kernel,
                   {m.ceilDiv(planeSize, kThreads), sizes[1], sizes[0]}, block,
                   0, args);
    };

    bool viaFft = op.getImpl() == ConvImpl::fft && spatial == 1 && !circular;
    if (!viaFft) {
      direct();
    } else {
      DwConvFft fft(rewriter, op, dims[0], args);
      // N = 2^⌈log2(max(L, 1) + e)⌉.
      int64_t staticLength = op.getInput().getType().getDimSize(2);
      if (!ShapedType::isDynamic(staticLength)) {
        int64_t logPoints = llvm::Log2_64_Ceil(
            std::max<int64_t>(staticLength, 1) + dims[0].extent());
        if ((int64_t(1) << logPoints) <= kMaxFftPoints)
          fft.build(int64_t(1) << logPoints, m.index(logPoints), logPoints);
        else
          direct();
      } else {
        Value logPoints =
            ceilLog2(m, m.add(m.max(length, 1), dims[0].extent()));
        // The first capacity that holds N, else the direct kernel.
        buildForCapacity(
            m, logPoints, kFftCapacities,
            [&](int64_t capacity) {
              fft.build(capacity, logPoints, std::nullopt);
            },
            direct);
      }
    }
    rewriter.replaceOp(op, tensorOf(rewriter, loc, output));
    return success();
  }
};
} // namespace

void gpu_lowering::populateDwConvToGpuPatterns(RewritePatternSet &patterns) {
  patterns.add<DwConvToGpu>(patterns.getContext());
}
