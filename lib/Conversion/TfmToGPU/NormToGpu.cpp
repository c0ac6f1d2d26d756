//===- NormToGpu.cpp - tfm.norm to CUDA kernels ---------------------------===//
//
// Layer and RMS norms over the last axis (every transformer's) read each row
// once into registers: a warp per row for short rows (several rows per
// block), a block per row otherwise, each thread holding a few 16-byte runs
// of the row as f32. Statistics are f32 warp-shuffle and shared-memory block
// reductions; layer norm centers the registers before its second moment
// (exact two-pass variance at one read of memory). Rows too long for
// registers, or of dynamic length, are read twice by a block that takes
// shifted sums (Σ(x−x₀), Σ(x−x₀)², x₀ the row's first element: no
// cancellation when |mean| ≫ std). Norms over another axis give each thread
// one strided column (coalesced across threads). Affine norms are
// elementwise.
//
//===----------------------------------------------------------------------===//
#include "PointwiseKernels.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

/// Register-resident rows: a warp takes a row of up to kMaxRunsPerLane runs
/// per lane (no barriers); a longer row takes a block sized for
/// kTargetRunsPerThread runs per thread, kMaxRunsPerThread at most. On an
/// H200 (bf16, 16384 rows of 4096, 2026-11-28), 256 threads x 2 runs took
/// 93.6 us (RMS) and 103.2 us (layer), against 95.1 / 114.0 us at 128 x 4
/// and 97.6 / 104.0 us at 64 x 8; rows of 768, a warp each (3 runs per
/// lane), ran 12% faster than torch's F.rms_norm.
static constexpr int64_t kMaxRunsPerLane = 4;
static constexpr int64_t kTargetRunsPerThread = 2;
static constexpr int64_t kMaxRunsPerThread = 8;
/// Rows of a block when a warp handles a row.
static constexpr int64_t kRowsPerWarpBlock = 4;
static constexpr int64_t kWarp = 32;
static constexpr int64_t kMaxBlock = 1024;
/// Block size of the streaming-row and column kernels.
static constexpr int64_t kStreamBlock = 256;

namespace {
/// How a block covers register-resident rows of static length.
struct ResidentRowPlan {
  int64_t width;         // elements per run
  int64_t threadsPerRow; // a warp, or the whole block
  int64_t runsPerThread;
  int64_t rowsPerBlock; // > 1 only with a warp per row
  int64_t blockSize() const { return threadsPerRow * rowsPerBlock; }
};

/// The normalization of one op, shared by every kernel shape: what it
/// computes and from which kernel arguments.
struct NormSpec {
  NormKind kind;
  double eps;
  bool hasScale, hasShift;

  bool centered() const { return kind == NormKind::layer; }
};

/// The per-row statistics: `mean` only for layer norm.
struct Statistics {
  Value mean;
  Value rstd;
};
} // namespace

static std::optional<ResidentRowPlan> planResidentRows(int64_t length,
                                                       Type elementType) {
  if (ShapedType::isDynamic(length) || length == 0)
    return std::nullopt;
  int64_t width = runWidth(elementType, {length});
  int64_t runs = length / width;
  if (runs <= kWarp * kMaxRunsPerLane)
    return ResidentRowPlan{width, kWarp,
                           static_cast<int64_t>(llvm::divideCeil(runs, kWarp)),
                           kRowsPerWarpBlock};
  int64_t threads = std::min<int64_t>(
      kMaxBlock,
      llvm::alignTo(llvm::divideCeil(runs, kTargetRunsPerThread), kWarp));
  int64_t runsPerThread = llvm::divideCeil(runs, threads);
  if (runsPerThread > kMaxRunsPerThread)
    return std::nullopt;
  return ResidentRowPlan{width, threads, runsPerThread, 1};
}

/// x·rstd (rms) or (x − mean)·rstd (layer), then ·scale, +shift, on runs.
static Value normalizeRun(OpBuilder &b, Location loc, Value run,
                          const Statistics &stats, Value scale, Value shift) {
  int64_t width = cast<VectorType>(run.getType()).getNumElements();
  if (stats.mean)
    run = arith::SubFOp::create(b, loc, run, splat(b, loc, stats.mean, width));
  run = arith::MulFOp::create(b, loc, run, splat(b, loc, stats.rstd, width));
  if (scale)
    run = arith::MulFOp::create(b, loc, run, scale);
  if (shift)
    run = arith::AddFOp::create(b, loc, run, shift);
  return run;
}

static Value indexToF32(OpBuilder &b, Location loc, Value index) {
  return arith::UIToFPOp::create(
      b, loc, b.getF32Type(),
      arith::IndexCastUIOp::create(b, loc, b.getI64Type(), index));
}

static Value rsqrtOfMeanPlusEps(OpBuilder &b, Location loc, Value meanSquare,
                                const NormSpec &spec) {
  return math::RsqrtOp::create(
      b, loc,
      arith::AddFOp::create(b, loc, meanSquare, f32Constant(b, loc, spec.eps)));
}

/// Statistics from the sums of (x − shift) and (x − shift)² over `count`
/// elements (`shift` only for layer norm).
static Statistics statisticsFromShiftedSums(OpBuilder &b, Location loc,
                                            const NormSpec &spec,
                                            Value shiftedSum,
                                            Value shiftedSquares, Value count,
                                            Value shift) {
  Value countF = indexToF32(b, loc, count);
  Value secondMoment = arith::DivFOp::create(b, loc, shiftedSquares, countF);
  if (!spec.centered())
    return {Value(), rsqrtOfMeanPlusEps(b, loc, secondMoment, spec)};
  Value shiftedMean = arith::DivFOp::create(b, loc, shiftedSum, countF);
  Value variance = arith::MaximumFOp::create(
      b, loc,
      arith::SubFOp::create(
          b, loc, secondMoment,
          arith::MulFOp::create(b, loc, shiftedMean, shiftedMean)),
      f32Constant(b, loc, 0.0));
  return {arith::AddFOp::create(b, loc, shift, shiftedMean),
          rsqrtOfMeanPlusEps(b, loc, variance, spec)};
}

/// The kernel arguments after the input and output views: scale, shift.
static std::pair<Value, Value> scaleAndShiftArgs(gpu::GPUFuncOp kernel,
                                                 const NormSpec &spec) {
  unsigned next = 2;
  Value scale = spec.hasScale ? kernel.getArgument(next++) : Value();
  Value shift = spec.hasShift ? kernel.getArgument(next++) : Value();
  return {scale, shift};
}

//===----------------------------------------------------------------------===//
// Rows held in registers
//===----------------------------------------------------------------------===//

static void buildResidentRowKernel(OpBuilder &b, Location loc,
                                   gpu::GPUFuncOp kernel, const NormSpec &spec,
                                   const ResidentRowPlan &plan,
                                   int64_t length) {
  Value input = kernel.getArgument(0), output = kernel.getArgument(1);
  auto [scale, shift] = scaleAndShiftArgs(kernel, spec);
  Type elementType = cast<MemRefType>(input.getType()).getElementType();
  int64_t width = plan.width;
  int64_t runsInRow = length / width;
  bool warpPerRow = plan.threadsPerRow == kWarp;

  Value tid = threadId(b, loc, gpu::Dimension::x);
  Value lane = tid, row = blockId(b, loc, gpu::Dimension::x);
  if (warpPerRow) {
    Value warpSize = indexConstant(b, loc, kWarp);
    lane = arith::RemUIOp::create(b, loc, tid, warpSize);
    row = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, row,
                              indexConstant(b, loc, plan.rowsPerBlock)),
        arith::DivUIOp::create(b, loc, tid, warpSize));
  }
  // Uniform across each warp (the block, when it holds one row), as the
  // reductions need; false only past the last row, or with no rows at all.
  Value rowInBounds =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row,
                            memref::DimOp::create(b, loc, input, 0));
  auto ifRow = scf::IfOp::create(b, loc, rowInBounds, false);
  b.setInsertionPointToStart(ifRow.thenBlock());
  auto rowTotal = [&](Value partial) {
    if (warpPerRow)
      return warpAllReduce(b, loc, partial, ReduceKind::Sum);
    return blockAllReduce(b, loc, partial, ReduceKind::Sum,
                          kernel.getWorkgroupAttributions().front(),
                          plan.threadsPerRow / kWarp);
  };
  auto runType = VectorType::get({width}, b.getF32Type());
  Value zeroRun = splat(b, loc, f32Constant(b, loc, 0.0), width);

  SmallVector<Value> buffers = {input, output};
  for (Value buffer : {scale, shift})
    if (buffer)
      buffers.push_back(buffer);
  emitRunAccessVariants(
      b, loc, buffers, width, elementType, [&](bool vectorized) {
        // Run k of this thread is run k·threadsPerRow + lane of the row; only
        // the last k can pass the row's end.
        SmallVector<Value> columns, valid;
        for (int64_t k = 0; k < plan.runsPerThread; ++k) {
          Value run = arith::AddIOp::create(
              b, loc, lane, indexConstant(b, loc, k * plan.threadsPerRow));
          columns.push_back(
              arith::MulIOp::create(b, loc, run, indexConstant(b, loc, width)));
          valid.push_back((k + 1) * plan.threadsPerRow > runsInRow
                              ? Value(arith::CmpIOp::create(
                                    b, loc, arith::CmpIPredicate::ult, run,
                                    indexConstant(b, loc, runsInRow)))
                              : Value());
        }
        auto load = [&](Value buffer, ValueRange indices,
                        Value isValid) -> Value {
          if (!isValid)
            return loadRun(b, loc, buffer, indices, width, vectorized);
          auto ifValid = scf::IfOp::create(b, loc, TypeRange{runType}, isValid,
                                           /*withElseRegion=*/true);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(ifValid.thenBlock());
          scf::YieldOp::create(
              b, loc, loadRun(b, loc, buffer, indices, width, vectorized));
          b.setInsertionPointToStart(ifValid.elseBlock());
          scf::YieldOp::create(b, loc, zeroRun);
          return ifValid.getResult(0);
        };
        SmallVector<Value> xs;
        for (int64_t k = 0; k < plan.runsPerThread; ++k)
          xs.push_back(load(input, {row, columns[k]}, valid[k]));

        auto threadSum = [&](ArrayRef<Value> runs, bool squares) {
          Value sum = f32Constant(b, loc, 0.0);
          for (Value run : runs) {
            Value term =
                squares ? arith::MulFOp::create(b, loc, run, run) : run;
            sum = arith::AddFOp::create(b, loc, sum, sumOf(b, loc, term));
          }
          return sum;
        };
        Value countF = indexToF32(b, loc, indexConstant(b, loc, length));
        Statistics stats;
        SmallVector<Value> centered(xs);
        if (spec.centered()) {
          stats.mean = arith::DivFOp::create(
              b, loc, rowTotal(threadSum(xs, /*squares=*/false)), countF);
          Value meanRun = splat(b, loc, stats.mean, width);
          for (int64_t k = 0; k < plan.runsPerThread; ++k) {
            centered[k] = arith::SubFOp::create(b, loc, xs[k], meanRun);
            // Padding runs hold zeros, not x − mean.
            if (valid[k])
              centered[k] = arith::SelectOp::create(b, loc, valid[k],
                                                    centered[k], zeroRun);
          }
        }
        Value meanSquare = arith::DivFOp::create(
            b, loc, rowTotal(threadSum(centered, /*squares=*/true)), countF);
        stats.rstd = rsqrtOfMeanPlusEps(b, loc, meanSquare, spec);

        // `centered` already has the mean taken out.
        Statistics scaling{Value(), stats.rstd};
        for (int64_t k = 0; k < plan.runsPerThread; ++k) {
          std::optional<OpBuilder::InsertionGuard> guard;
          if (valid[k]) {
            guard.emplace(b);
            auto ifValid = scf::IfOp::create(b, loc, valid[k], false);
            b.setInsertionPointToStart(ifValid.thenBlock());
          }
          // Scale and shift are read only now (they are cache hits): holding
          // them through the reductions would double the registers per row.
          Value y = normalizeRun(
              b, loc, centered[k], scaling,
              scale ? loadRun(b, loc, scale, columns[k], width, vectorized)
                    : Value(),
              shift ? loadRun(b, loc, shift, columns[k], width, vectorized)
                    : Value());
          storeRun(b, loc, y, output, {row, columns[k]}, vectorized);
        }
      });
}

//===----------------------------------------------------------------------===//
// Rows streamed twice
//===----------------------------------------------------------------------===//

static void buildStreamedRowKernel(OpBuilder &b, Location loc,
                                   gpu::GPUFuncOp kernel, const NormSpec &spec,
                                   int64_t staticLength) {
  Value input = kernel.getArgument(0), output = kernel.getArgument(1);
  auto [scale, shift] = scaleAndShiftArgs(kernel, spec);
  Type elementType = cast<MemRefType>(input.getType()).getElementType();
  Value scratch = kernel.getWorkgroupAttributions().front();
  Value row = blockId(b, loc, gpu::Dimension::x);
  Value lane = threadId(b, loc, gpu::Dimension::x);
  Value length = memref::DimOp::create(b, loc, input, 1);
  Value zero = indexConstant(b, loc, 0);
  Value step = indexConstant(b, loc, kStreamBlock);

  // Empty rows have nothing to write (and no first element to shift by),
  // and the one block of an empty grid has no row; the condition is uniform
  // across the block, as its reductions need.
  Value active = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row,
                            memref::DimOp::create(b, loc, input, 0)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, length, zero));
  auto ifActive = scf::IfOp::create(b, loc, active, false);
  b.setInsertionPointToStart(ifActive.thenBlock());
  Value rowShift = spec.centered() ? loadF32(b, loc, input, {row, zero})
                                   : f32Constant(b, loc, 0.0);

  // Vector runs need the row length to be a multiple of the run: known for
  // a static length, checked at run time otherwise.
  int64_t vectorWidth = ShapedType::isDynamic(staticLength)
                            ? maxRunWidth(elementType)
                            : runWidth(elementType, {staticLength});
  Value lengthDivides;
  if (ShapedType::isDynamic(staticLength) && vectorWidth > 1)
    lengthDivides = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq,
        arith::RemUIOp::create(b, loc, length,
                               indexConstant(b, loc, vectorWidth)),
        zero);
  SmallVector<Value> buffers = {input, output};
  for (Value buffer : {scale, shift})
    if (buffer)
      buffers.push_back(buffer);
  emitRunAccessVariants(
      b, loc, buffers, vectorWidth, elementType,
      [&](bool vectorized) {
        int64_t width = vectorized ? vectorWidth : 1;
        Value widthValue = indexConstant(b, loc, width);
        Value runs = arith::DivUIOp::create(b, loc, length, widthValue);
        auto column = [&](OpBuilder &nb, Location nl, Value run) {
          return arith::MulIOp::create(nb, nl, run, widthValue).getResult();
        };
        Value zeroF = f32Constant(b, loc, 0.0);
        auto sums = scf::ForOp::create(
            b, loc, lane, runs, step, ValueRange{zeroF, zeroF},
            [&](OpBuilder &nb, Location nl, Value run, ValueRange acc) {
              Value x = loadRun(nb, nl, input, {row, column(nb, nl, run)},
                                width, vectorized);
              x = arith::SubFOp::create(nb, nl, x,
                                        splat(nb, nl, rowShift, width));
              Value sum =
                  arith::AddFOp::create(nb, nl, acc[0], sumOf(nb, nl, x));
              Value squares = arith::AddFOp::create(
                  nb, nl, acc[1],
                  sumOf(nb, nl, arith::MulFOp::create(nb, nl, x, x)));
              scf::YieldOp::create(nb, nl, ValueRange{sum, squares});
            });
        int64_t warps = kStreamBlock / kWarp;
        Value shiftedSum = spec.centered()
                               ? blockAllReduce(b, loc, sums.getResult(0),
                                                ReduceKind::Sum, scratch, warps)
                               : Value();
        Value shiftedSquares = blockAllReduce(b, loc, sums.getResult(1),
                                              ReduceKind::Sum, scratch, warps);
        Statistics stats = statisticsFromShiftedSums(
            b, loc, spec, shiftedSum, shiftedSquares, length, rowShift);
        scf::ForOp::create(
            b, loc, lane, runs, step, ValueRange{},
            [&](OpBuilder &nb, Location nl, Value run, ValueRange) {
              Value col = column(nb, nl, run);
              Value x = loadRun(nb, nl, input, {row, col}, width, vectorized);
              Value scaleRun =
                  scale ? loadRun(nb, nl, scale, col, width, vectorized)
                        : Value();
              Value shiftRun =
                  shift ? loadRun(nb, nl, shift, col, width, vectorized)
                        : Value();
              storeRun(nb, nl,
                       normalizeRun(nb, nl, x, stats, scaleRun, shiftRun),
                       output, {row, col}, vectorized);
              scf::YieldOp::create(nb, nl);
            });
      },
      lengthDivides);
}

//===----------------------------------------------------------------------===//
// Columns (a norm over another axis than the last)
//===----------------------------------------------------------------------===//

/// Input and output viewed as [outer, C, inner]; a thread per (outer, inner).
static void buildColumnKernel(OpBuilder &b, Location loc, gpu::GPUFuncOp kernel,
                              const NormSpec &spec) {
  Value input = kernel.getArgument(0), output = kernel.getArgument(1);
  auto [scale, shift] = scaleAndShiftArgs(kernel, spec);
  Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
  Value outer = memref::DimOp::create(b, loc, input, 0);
  Value channels = memref::DimOp::create(b, loc, input, 1);
  Value inner = memref::DimOp::create(b, loc, input, 2);
  Value thread = globalThreadId(b, loc, kStreamBlock);
  Value active = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, thread,
                            arith::MulIOp::create(b, loc, outer, inner)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, channels, zero));
  auto ifActive = scf::IfOp::create(b, loc, active, false);
  b.setInsertionPointToStart(ifActive.thenBlock());
  Value o = arith::DivUIOp::create(b, loc, thread, inner);
  Value i = arith::RemUIOp::create(b, loc, thread, inner);

  auto element = [&](OpBuilder &nb, Location nl, Value buffer, Value c) {
    return loadRun(nb, nl, buffer, {o, c, i}, 1, /*vectorized=*/false);
  };
  Value columnShift =
      spec.centered()
          ? vector::ExtractOp::create(b, loc, element(b, loc, input, zero), 0)
                .getResult()
          : f32Constant(b, loc, 0.0);
  Value zeroF = f32Constant(b, loc, 0.0);
  auto sums = scf::ForOp::create(
      b, loc, zero, channels, one, ValueRange{zeroF, zeroF},
      [&](OpBuilder &nb, Location nl, Value c, ValueRange acc) {
        Value x = arith::SubFOp::create(
            nb, nl,
            vector::ExtractOp::create(nb, nl, element(nb, nl, input, c), 0),
            columnShift);
        scf::YieldOp::create(
            nb, nl,
            ValueRange{arith::AddFOp::create(nb, nl, acc[0], x),
                       math::FmaOp::create(nb, nl, x, x, acc[1])});
      });
  Statistics stats =
      statisticsFromShiftedSums(b, loc, spec, sums.getResult(0),
                                sums.getResult(1), channels, columnShift);
  scf::ForOp::create(
      b, loc, zero, channels, one, ValueRange{},
      [&](OpBuilder &nb, Location nl, Value c, ValueRange) {
        Value scaleRun = scale ? loadRun(nb, nl, scale, c, 1, false) : Value();
        Value shiftRun = shift ? loadRun(nb, nl, shift, c, 1, false) : Value();
        storeRun(nb, nl,
                 normalizeRun(nb, nl, element(nb, nl, input, c), stats,
                              scaleRun, shiftRun),
                 output, {o, c, i}, false);
        scf::YieldOp::create(nb, nl);
      });
}

//===----------------------------------------------------------------------===//
// The pattern
//===----------------------------------------------------------------------===//

namespace {
struct NormToGpu : OpRewritePattern<NormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(NormOp op,
                                PatternRewriter &rewriter) const override {
    int64_t axis = op.getNormalizedAxis();
    RankedTensorType type = op.getInput().getType();
    int64_t channels = type.getDimSize(axis);
    for (Value vector : {op.getScale(), op.getShift()}) {
      if (!vector)
        continue;
      auto vectorType = cast<RankedTensorType>(vector.getType());
      if (vectorType.getRank() != 1 ||
          (!vectorType.isDynamicDim(0) && !ShapedType::isDynamic(channels) &&
           vectorType.getDimSize(0) != channels))
        return rewriter.notifyMatchFailure(
            op, "scale and shift must be [C], C the normalized axis");
    }
    NormSpec spec{op.getKind(), op.getEps().convertToDouble(),
                  static_cast<bool>(op.getScale()),
                  static_cast<bool>(op.getShift())};
    if (spec.kind == NormKind::affine)
      rewriteAffine(op, rewriter, axis);
    else
      rewriteStatistical(op, rewriter, spec, axis);
    return success();
  }

private:
  /// y = x·scale[c] + shift[c], c = (flat index / inner) mod C.
  static void rewriteAffine(NormOp op, PatternRewriter &rewriter,
                            int64_t axis) {
    Location loc = op.getLoc();
    SmallVector<Value> dims = dimsOf(rewriter, loc, op.getInput());
    Value channels = dims[axis];
    Value inner = getValueOrCreateConstantIndexOp(
        rewriter, loc,
        productOf(rewriter, loc, ArrayRef(dims).drop_front(axis + 1)));
    SmallVector<Value> extraArgs = {channels, inner,
                                    bufferOf(rewriter, loc, op.getScale())};
    if (op.getShift())
      extraArgs.push_back(bufferOf(rewriter, loc, op.getShift()));
    Type elementType = op.getType().getElementType();
    replaceWithElementwiseKernel(
        rewriter, op, "affine_norm_" + typeSuffix(elementType), op.getInput(),
        extraArgs,
        [](OpBuilder &b, Location loc, ValueRange runs, Value first,
           ValueRange args) {
          Value channelCount = args[0], innerCount = args[1];
          int64_t width = cast<VectorType>(runs[0].getType()).getNumElements();
          SmallVector<Value> scales, shifts;
          for (int64_t e = 0; e < width; ++e) {
            Value index =
                arith::AddIOp::create(b, loc, first, indexConstant(b, loc, e));
            Value channel = arith::RemUIOp::create(
                b, loc, arith::DivUIOp::create(b, loc, index, innerCount),
                channelCount);
            scales.push_back(loadF32(b, loc, args[2], channel));
            if (args.size() > 3)
              shifts.push_back(loadF32(b, loc, args[3], channel));
          }
          auto runType = VectorType::get({width}, b.getF32Type());
          Value y = arith::MulFOp::create(
              b, loc, runs[0],
              vector::FromElementsOp::create(b, loc, runType, scales));
          if (!shifts.empty())
            y = arith::AddFOp::create(
                b, loc, y,
                vector::FromElementsOp::create(b, loc, runType, shifts));
          return y;
        });
  }

  static void rewriteStatistical(NormOp op, PatternRewriter &rewriter,
                                 const NormSpec &spec, int64_t axis) {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type elementType = type.getElementType();
    int64_t rank = type.getRank();
    SmallVector<Value> dims = dimsOf(rewriter, loc, op.getInput());
    Value output = allocBufferOfSizes(rewriter, loc, type, dims);
    Value input = bufferOf(rewriter, loc, op.getInput());

    // Views: [rows, C] for the last axis, [outer, C, inner] otherwise.
    ArrayRef<Value> allDims(dims);
    SmallVector<OpFoldResult> viewSizes = {
        productOf(rewriter, loc, allDims.take_front(axis)),
        getAsOpFoldResult(dims[axis])};
    bool lastAxis = axis == rank - 1;
    if (!lastAxis)
      viewSizes.push_back(
          productOf(rewriter, loc, allDims.drop_front(axis + 1)));
    SmallVector<Value> args = {
        contiguousView(rewriter, loc, input, viewSizes),
        contiguousView(rewriter, loc, output, viewSizes)};
    if (spec.hasScale)
      args.push_back(bufferOf(rewriter, loc, op.getScale()));
    if (spec.hasShift)
      args.push_back(bufferOf(rewriter, loc, op.getShift()));

    std::string name = (spec.centered() ? "layer_norm_" : "rms_norm_") +
                       typeSuffix(elementType);
    int64_t length = type.getDimSize(axis);
    std::optional<ResidentRowPlan> plan =
        lastAxis ? planResidentRows(length, elementType) : std::nullopt;
    int64_t blockSize = plan ? plan->blockSize() : kStreamBlock;
    int64_t reductionWarps =
        plan ? (plan->threadsPerRow == kWarp ? 0 : plan->threadsPerRow / kWarp)
             : (lastAxis ? kStreamBlock / kWarp : 0);
    SmallVector<Type> scratch;
    if (reductionWarps)
      scratch.push_back(
          sharedMemRefType({reductionWarps}, rewriter.getF32Type()));
    std::array<int64_t, 3> block = {blockSize, 1, 1};
    gpu::GPUFuncOp kernel;
    {
      OpBuilder::InsertionGuard guard(rewriter);
      kernel = createKernel(rewriter, op, name, TypeRange(ValueRange(args)),
                            scratch, block);
      if (plan)
        buildResidentRowKernel(rewriter, loc, kernel, spec, *plan, length);
      else if (lastAxis)
        buildStreamedRowKernel(rewriter, loc, kernel, spec, length);
      else
        buildColumnKernel(rewriter, loc, kernel, spec);
    }
    Value rows = getValueOrCreateConstantIndexOp(rewriter, loc, viewSizes[0]);
    Value grid;
    if (plan)
      grid = gridFor(rewriter, loc, rows, plan->rowsPerBlock);
    else if (lastAxis)
      grid = gridFor(rewriter, loc, rows, 1);
    else
      grid = gridFor(rewriter, loc,
                     arith::MulIOp::create(rewriter, loc, rows,
                                           getValueOrCreateConstantIndexOp(
                                               rewriter, loc, viewSizes[2])),
                     kStreamBlock);
    Value one = indexConstant(rewriter, loc, 1);
    launchKernel(rewriter, loc, kernel, {grid, one, one}, block, 0, args);
    rewriter.replaceOp(op, tensorOf(rewriter, loc, output));
  }
};
} // namespace

void gpu_lowering::populateNormToGpuPatterns(RewritePatternSet &patterns) {
  patterns.add<NormToGpu>(patterns.getContext());
}
