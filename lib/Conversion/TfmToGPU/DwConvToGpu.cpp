//===- DwConvToGpu.cpp - tfm.dwconv to a CUDA kernel ----------------------===//
//
// One thread per output element: a block holds 256 consecutive outputs of
// one (batch, channel) plane (grid: plane tiles, channels, batch), so that
// a warp reads consecutive inputs and the same taps (one broadcast load
// each, kept in L1 for the plane). The taps are summed in f32 in order,
// unrolled when the kernel is short.
// Padding is resolved per tap: zeros skip the tap, circular padding wraps
// the index around the input (any number of times, as on the CPU).
//
// impl(fft) runs the same kernel: the FFT form exists on the CPU to make
// long kernels O(L log L), but a GPU thread per output sums even 257 taps
// from L1 in a few microseconds, and the direct sum is exact in order where
// the FFT's error grows with the transform.
//
//===----------------------------------------------------------------------===//
#include "GpuLoweringUtils.h"
#include "SequenceKernelUtils.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

static constexpr int64_t kThreads = 256;
/// Kernels with at most this many taps along a dim have that loop unrolled.
static constexpr int64_t kUnrolledTaps = 16;

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

    KernelMath m(rewriter, loc);
    SmallVector<Value> sizes = dimsOf(rewriter, loc, op.getInput());
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
    SmallVector<Value> dynamicSizes;
    for (auto [extent, size] : llvm::zip_equal(type.getShape(), sizes))
      if (ShapedType::isDynamic(extent))
        dynamicSizes.push_back(size);
    Value output = allocBuffer(rewriter, loc, type, dynamicSizes);

    SmallVector<Value> args = {bufferOf(rewriter, loc, op.getInput()),
                               bufferOf(rewriter, loc, op.getWeight()), output};
    if (op.getBias())
      args.push_back(bufferOf(rewriter, loc, op.getBias()));
    std::array<int64_t, 3> block = {kThreads, 1, 1};
    gpu::GPUFuncOp kernel;
    {
      OpBuilder::InsertionGuard guard(rewriter);
      kernel = createKernel(rewriter, op, "dwconv", ValueRange(args).getTypes(),
                            {}, block);
      DwConvKernelBuilder(rewriter, loc, dims,
                          op.getPadding() == ConvPadding::circular,
                          kernel.getArguments(), bool(op.getBias()))
          .build();
    }
    launchKernel(rewriter, loc, kernel,
                 {m.ceilDiv(planeSize, kThreads), sizes[1], sizes[0]}, block, 0,
                 args);
    rewriter.replaceOp(op, tensorOf(rewriter, loc, output));
    return success();
  }
};
} // namespace

void gpu_lowering::populateDwConvToGpuPatterns(RewritePatternSet &patterns) {
  patterns.add<DwConvToGpu>(patterns.getContext());
}
