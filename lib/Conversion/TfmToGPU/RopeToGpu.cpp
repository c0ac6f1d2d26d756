//===- RopeToGpu.cpp - tfm.rope to CUDA kernels ---------------------------===//
//
// The angles depend on (batch, position, frequency), not on the head, so a
// thread owns a run of frequencies at one position and rotates it in
// kHeadsPerThread heads: its cos/sin are computed once and reused. `half`
// style reads the two halves of each pair as two runs (channels i and
// i + r/2), `interleaved` one run of adjacent pairs; channels past
// rotary_dim are copied by threads of their own.
//
// Angles are exact to f32 at any position, as on the CPU: the inverse
// frequency base^(−i/(r/2)) is a product of f64 constants selected by the
// bits of i (no transcendental in f64, which the GPU lacks without
// libdevice), the angle and its reduction to [−π, π] are f64, and only the
// reduced angle goes to f32 sin/cos.
//
//===----------------------------------------------------------------------===//
#include "PointwiseKernels.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

namespace {
/// How threads cover the channels of one (batch, position) row.
struct RopePlan {
  bool interleaved;
  int64_t headDim, rotaryDim;
  /// Rotated runs: `rotationWidth` channels of each half (half style) or
  /// rotationWidth / 2 adjacent pairs (interleaved), `rotationRuns` per row.
  int64_t rotationWidth, rotationRuns;
  /// Whether rotated runs are aligned for vector accesses at all.
  bool rotationVectorizable;
  /// Copied channels [rotaryDim, headDim) in runs of `copyWidth`.
  int64_t copyWidth, copyRuns;
  double base;

  int64_t runsPerRow() const { return rotationRuns + copyRuns; }
  int64_t frequenciesPerRun() const {
    return interleaved ? rotationWidth / 2 : rotationWidth;
  }
  /// q = base^(−1/half): the inverse frequency of index i is q^i.
  double frequencyRatio() const {
    return std::exp(-std::log(base) / double(rotaryDim / 2));
  }
};
} // namespace

static constexpr int64_t kBlock = 128;
static constexpr int64_t kHeadsPerThread = 8;

static Value f64Constant(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(value));
}

/// base^(−i / half) in f64 for the frequency index `i` < half: the product
/// of q^(2^k) over the set bits k of i, q = base^(−1/half).
static Value inverseFrequency(OpBuilder &b, Location loc, Value i,
                              const RopePlan &plan) {
  int64_t half = plan.rotaryDim / 2;
  Value product = f64Constant(b, loc, 1.0);
  Value bits = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), i);
  Value one64 = arith::ConstantIntOp::create(b, loc, b.getI64Type(), 1);
  double power = plan.frequencyRatio(); // q^(2^k)
  for (int64_t k = 0; (int64_t(1) << k) < half; ++k, power *= power) {
    Value bit = arith::AndIOp::create(
        b, loc,
        arith::ShRUIOp::create(
            b, loc, bits,
            arith::ConstantIntOp::create(b, loc, b.getI64Type(), k)),
        one64);
    Value isSet =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, bit, one64);
    product = arith::MulFOp::create(
        b, loc, product,
        arith::SelectOp::create(b, loc, isSet, f64Constant(b, loc, power),
                                f64Constant(b, loc, 1.0)));
  }
  return product;
}

/// The f32 angles position · base^(−i/half) for i in [first, first + count),
/// reduced to [−π, π] in f64 (by the nearest whole number of turns, found by
/// a conversion to an integer: PTX has no f64 rounding without libdevice).
static Value anglesAt(OpBuilder &b, Location loc, Value position,
                      Value firstFrequency, int64_t count,
                      const RopePlan &plan) {
  double q = plan.frequencyRatio();
  Value firstInverse = inverseFrequency(b, loc, firstFrequency, plan);
  Value twoPi = f64Constant(b, loc, 2.0 * M_PI);
  Value turnsPerRadian = f64Constant(b, loc, 0.5 / M_PI);
  Value zero = f64Constant(b, loc, 0.0);
  Value plusHalf = f64Constant(b, loc, 0.5);
  Value minusHalf = f64Constant(b, loc, -0.5);
  SmallVector<Value> angles;
  for (int64_t j = 0; j < count; ++j) {
    Value inverse = arith::MulFOp::create(b, loc, firstInverse,
                                          f64Constant(b, loc, std::pow(q, j)));
    Value angle = arith::MulFOp::create(b, loc, position, inverse);
    Value turns = arith::MulFOp::create(b, loc, angle, turnsPerRadian);
    Value negative =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, turns, zero);
    Value wholeTurns = arith::SIToFPOp::create(
        b, loc, b.getF64Type(),
        arith::FPToSIOp::create(
            b, loc, b.getI64Type(),
            arith::AddFOp::create(b, loc, turns,
                                  arith::SelectOp::create(
                                      b, loc, negative, minusHalf, plusHalf))));
    angle = arith::SubFOp::create(
        b, loc, angle, arith::MulFOp::create(b, loc, wholeTurns, twoPi));
    angles.push_back(arith::TruncFOp::create(b, loc, b.getF32Type(), angle));
  }
  return vector::FromElementsOp::create(
      b, loc, VectorType::get({count}, b.getF32Type()), angles);
}

/// Runs over heads [firstHead, min(firstHead + kHeadsPerThread, H)).
static void forEachHead(OpBuilder &b, Location loc, Value firstHead,
                        Value heads, function_ref<void(Value head)> body) {
  Value end = arith::MinUIOp::create(
      b, loc,
      arith::AddIOp::create(b, loc, firstHead,
                            indexConstant(b, loc, kHeadsPerThread)),
      heads);
  scf::ForOp::create(b, loc, firstHead, end, indexConstant(b, loc, 1),
                     ValueRange{},
                     [&](OpBuilder &nb, Location nl, Value head, ValueRange) {
                       body(head);
                       scf::YieldOp::create(nb, nl);
                     });
}

static void buildRopeKernel(OpBuilder &b, Location loc, gpu::GPUFuncOp kernel,
                            const RopePlan &plan) {
  Value input = kernel.getArgument(0), positions = kernel.getArgument(1),
        output = kernel.getArgument(2);
  Type elementType = cast<MemRefType>(input.getType()).getElementType();
  Value batch = memref::DimOp::create(b, loc, input, 0);
  Value heads = memref::DimOp::create(b, loc, input, 1);
  Value length = memref::DimOp::create(b, loc, input, 2);
  Value thread = globalThreadId(b, loc, kBlock);
  Value runsPerRow = indexConstant(b, loc, plan.runsPerRow());
  Value rowCount = arith::MulIOp::create(b, loc, batch, length);
  Value active = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ult, thread,
      arith::MulIOp::create(b, loc, rowCount, runsPerRow));
  auto ifActive = scf::IfOp::create(b, loc, active, false);
  b.setInsertionPointToStart(ifActive.thenBlock());
  Value row = arith::DivUIOp::create(b, loc, thread, runsPerRow);
  Value run = arith::RemUIOp::create(b, loc, thread, runsPerRow);
  Value n = arith::DivUIOp::create(b, loc, row, length);
  Value l = arith::RemUIOp::create(b, loc, row, length);
  Value firstHead =
      arith::MulIOp::create(b, loc, blockId(b, loc, gpu::Dimension::y),
                            indexConstant(b, loc, kHeadsPerThread));
  int64_t vectorWidth = std::max(
      plan.rotationVectorizable ? plan.rotationWidth : 1, plan.copyWidth);

  auto emitRotation = [&] {
    int64_t frequencies = plan.frequenciesPerRun();
    Value firstFrequency =
        arith::MulIOp::create(b, loc, run, indexConstant(b, loc, frequencies));
    SmallVector<Value> positionIndices = {l};
    if (cast<MemRefType>(positions.getType()).getRank() == 2)
      positionIndices.insert(positionIndices.begin(), n);
    Value position = arith::SIToFPOp::create(
        b, loc, b.getF64Type(),
        memref::LoadOp::create(b, loc, positions, positionIndices));
    Value angles =
        anglesAt(b, loc, position, firstFrequency, frequencies, plan);
    Value cos = mapElements(b, loc, angles, [&](Value angle) {
      return math::CosOp::create(b, loc, angle).getResult();
    });
    Value sin = mapElements(b, loc, angles, [&](Value angle) {
      return math::SinOp::create(b, loc, angle).getResult();
    });
    int64_t width = plan.rotationWidth;
    if (plan.interleaved) {
      // Per channel: cos and ∓sin of its pair; the partner is the other
      // channel of the pair.
      SmallVector<int64_t> pairOf, swap;
      SmallVector<float> signs;
      for (int64_t e = 0; e < width; ++e) {
        pairOf.push_back(e / 2);
        swap.push_back(e ^ 1);
        signs.push_back(e % 2 == 0 ? -1.0f : 1.0f);
      }
      auto runType = VectorType::get({width}, b.getF32Type());
      Value cosRun = vector::ShuffleOp::create(b, loc, cos, cos, pairOf);
      Value sinRun = arith::MulFOp::create(
          b, loc, vector::ShuffleOp::create(b, loc, sin, sin, pairOf),
          arith::ConstantOp::create(
              b, loc, DenseElementsAttr::get(runType, ArrayRef<float>(signs))));
      Value channel =
          arith::MulIOp::create(b, loc, run, indexConstant(b, loc, width));
      emitRunAccessVariants(
          b, loc, {input, output}, vectorWidth, elementType,
          [&](bool vectorized) {
            vectorized &= plan.rotationVectorizable;
            forEachHead(b, loc, firstHead, heads, [&](Value h) {
              Value x =
                  loadRun(b, loc, input, {n, h, l, channel}, width, vectorized);
              Value partner = vector::ShuffleOp::create(b, loc, x, x, swap);
              Value y = arith::AddFOp::create(
                  b, loc, arith::MulFOp::create(b, loc, x, cosRun),
                  arith::MulFOp::create(b, loc, partner, sinRun));
              storeRun(b, loc, y, output, {n, h, l, channel}, vectorized);
            });
          });
      return;
    }
    Value first = firstFrequency;
    Value second = arith::AddIOp::create(
        b, loc, first, indexConstant(b, loc, plan.rotaryDim / 2));
    emitRunAccessVariants(
        b, loc, {input, output}, vectorWidth, elementType,
        [&](bool vectorized) {
          vectorized &= plan.rotationVectorizable;
          forEachHead(b, loc, firstHead, heads, [&](Value h) {
            Value x1 =
                loadRun(b, loc, input, {n, h, l, first}, width, vectorized);
            Value x2 =
                loadRun(b, loc, input, {n, h, l, second}, width, vectorized);
            Value y1 = arith::SubFOp::create(
                b, loc, arith::MulFOp::create(b, loc, x1, cos),
                arith::MulFOp::create(b, loc, x2, sin));
            Value y2 = arith::AddFOp::create(
                b, loc, arith::MulFOp::create(b, loc, x2, cos),
                arith::MulFOp::create(b, loc, x1, sin));
            storeRun(b, loc, y1, output, {n, h, l, first}, vectorized);
            storeRun(b, loc, y2, output, {n, h, l, second}, vectorized);
          });
        });
  };
  auto emitCopy = [&] {
    Value channel = arith::AddIOp::create(
        b, loc, indexConstant(b, loc, plan.rotaryDim),
        arith::MulIOp::create(
            b, loc,
            arith::SubIOp::create(b, loc, run,
                                  indexConstant(b, loc, plan.rotationRuns)),
            indexConstant(b, loc, plan.copyWidth)));
    emitRunAccessVariants(b, loc, {input, output}, vectorWidth, elementType,
                          [&](bool vectorized) {
                            vectorized &= plan.copyWidth > 1;
                            forEachHead(b, loc, firstHead, heads, [&](Value h) {
                              storeRun(b, loc,
                                       loadRun(b, loc, input,
                                               {n, h, l, channel},
                                               plan.copyWidth, vectorized),
                                       output, {n, h, l, channel}, vectorized);
                            });
                          });
  };
  if (plan.copyRuns == 0) {
    emitRotation();
    return;
  }
  Value rotates =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, run,
                            indexConstant(b, loc, plan.rotationRuns));
  auto ifRotates = scf::IfOp::create(b, loc, rotates, /*withElseRegion=*/true);
  b.setInsertionPointToStart(ifRotates.thenBlock());
  emitRotation();
  b.setInsertionPointToStart(ifRotates.elseBlock());
  emitCopy();
}

namespace {
struct RopeToGpu : OpRewritePattern<RopeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RopeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type elementType = type.getElementType();
    RopePlan plan;
    plan.interleaved = op.getStyle() == RopeStyle::interleaved;
    plan.headDim = type.getDimSize(3);
    plan.rotaryDim = op.getRotaryDimOrHeadDim();
    plan.base = op.getBase().convertToDouble();
    int64_t half = plan.rotaryDim / 2;
    // Runs start at multiples of their width in rows of headDim channels:
    // aligned when the width divides headDim and the run offsets.
    int64_t pairedWidth = runWidth(elementType, {plan.headDim, plan.rotaryDim});
    if (plan.interleaved) {
      plan.rotationWidth = std::max<int64_t>(pairedWidth, 2);
      plan.rotationVectorizable = pairedWidth >= 2;
    } else {
      plan.rotationWidth = runWidth(elementType, {plan.headDim, half});
      plan.rotationVectorizable = plan.rotationWidth > 1;
    }
    plan.rotationRuns =
        (plan.interleaved ? plan.rotaryDim : half) / plan.rotationWidth;
    plan.copyWidth = pairedWidth;
    plan.copyRuns = (plan.headDim - plan.rotaryDim) / plan.copyWidth;

    SmallVector<Value> dims = dimsOf(rewriter, loc, op.getInput());
    Value output = allocBufferOfSizes(rewriter, loc, type, dims);
    SmallVector<Value> args = {bufferOf(rewriter, loc, op.getInput()),
                               bufferOf(rewriter, loc, op.getPositions()),
                               output};
    std::array<int64_t, 3> block = {kBlock, 1, 1};
    gpu::GPUFuncOp kernel;
    {
      OpBuilder::InsertionGuard guard(rewriter);
      kernel = createKernel(rewriter, op,
                            std::string("rope_") +
                                (plan.interleaved ? "interleaved_" : "half_") +
                                typeSuffix(elementType),
                            TypeRange(ValueRange(args)), {}, block);
      buildRopeKernel(rewriter, loc, kernel, plan);
    }
    Value threads = arith::MulIOp::create(
        rewriter, loc, arith::MulIOp::create(rewriter, loc, dims[0], dims[2]),
        indexConstant(rewriter, loc, plan.runsPerRow()));
    launchKernel(rewriter, loc, kernel,
                 {gridFor(rewriter, loc, threads, kBlock),
                  gridFor(rewriter, loc, dims[1], kHeadsPerThread),
                  indexConstant(rewriter, loc, 1)},
                 block, 0, args);
    rewriter.replaceOp(op, tensorOf(rewriter, loc, output));
    return success();
  }
};
} // namespace

void gpu_lowering::populateRopeToGpuPatterns(RewritePatternSet &patterns) {
  patterns.add<RopeToGpu>(patterns.getContext());
}
