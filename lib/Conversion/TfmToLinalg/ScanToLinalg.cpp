//===- ScanToLinalg.cpp - tfm.selective_scan to linalg --------------------===//
//
// The selective scan is sequential in L and independent across batch and
// channels, so it becomes one scf.forall over (batch, group, channel block),
// each iteration running the L recurrence with its block's f32 state as a
// loop-carried tensor small enough to stay in L1. The state is kept
// transposed, [N, dc]: one step is then a single linalg.generic over (n, d)
// whose inner loop over channels is contiguous in every operand and free of
// dependences (the sum over n for y_t accumulates across the outer loop), so
// it vectorizes without reassociating floats.
//
// The operands are [B, D, L], so a step's channels are L apart. The L loop
// therefore walks chunks of steps: each chunk computes Δ = softplus(delta +
// delta_bias) and Δ·u from its rows of delta and u into [steps, dc] scratch
// that stays in cache, runs its steps, and writes its rows of y, adding D·u
// and gating with silu(z) on the way. Every operand is read once, along its
// rows, where the transcendental parts outside the recurrence vectorize.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::tfm;

/// Channels per block: the [N, 64] f32 state is 4 KiB at N = 16.
static constexpr int64_t kChannelBlock = 64;
/// Steps per chunk: rows of 1 KiB keep the hardware prefetchers streaming
/// (32 steps ran at half the speed), and the chunk's three [256, 64] scratch
/// tensors (192 KiB) stay in L2.
static constexpr int64_t kStepChunk = 256;

/// The unit-stride slice of `source` at `offsets` with `sizes`, with unit
/// dimensions dropped down to `rank`.
static Value extractSlice(OpBuilder &b, Location loc, Value source,
                          ArrayRef<OpFoldResult> offsets,
                          ArrayRef<OpFoldResult> sizes, unsigned rank) {
  auto type = tensor::ExtractSliceOp::inferCanonicalRankReducedResultType(
      rank, cast<RankedTensorType>(source.getType()), sizes);
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, type, source, offsets, sizes,
                                        strides);
}

/// Writes `slice` into `dest` at `offsets` with `sizes` (unit strides).
static Value insertSlice(OpBuilder &b, Location loc, Value slice, Value dest,
                         ArrayRef<OpFoldResult> offsets,
                         ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, loc, slice, dest, offsets, sizes,
                                       strides);
}

/// `source` (rank 2) transposed into `init`.
static Value transpose2d(OpBuilder &b, Location loc, Value source,
                         Value init) {
  return linalg::TransposeOp::create(b, loc, source, init,
                                     ArrayRef<int64_t>{1, 0})
      .getResult()
      .front();
}

/// min(limit, end - start): the extent of the tile at `start`.
static Value tileSize(OpBuilder &b, Location loc, Value limit, Value start,
                      Value end) {
  return arith::MinSIOp::create(b, loc, limit,
                                arith::SubIOp::create(b, loc, end, start));
}

namespace {
/// The operands the loops read, and the sizes they run over.
struct ScanInputs {
  Value u, delta;     // [B, D, L]
  Value aT;           // [N, D]
  Value bMat, cMat;   // [B, G, N, L]
  Value skip;         // D: [D], or null
  Value gate;         // z: [B, D, L], or null
  Value deltaBias;    // [D], or null
  Value initialState; // [B, D, N], or null for zeros
  bool softplus;
  Value length;
  OpFoldResult stateSize;
};

/// What one parallel iteration scans: batch entry, group, first channel and
/// number of channels.
struct ChannelBlock {
  Value batch, group, first, width;

  /// The block's rows of a [B, D, X] tensor, as [width, X].
  Value rows(OpBuilder &b, Location loc, Value source, OpFoldResult x) const {
    return extractSlice(b, loc, source, offsets(b), sizes(b, x), 2);
  }
  /// Writes the block's `rows` into `dest` [B, D, X] from inside the
  /// scf.forall terminator.
  void parallelInsertRows(OpBuilder &b, Location loc, Value rows, Value dest,
                          OpFoldResult x) const {
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    tensor::ParallelInsertSliceOp::create(b, loc, rows, dest, offsets(b),
                                          sizes(b, x), strides);
  }

private:
  SmallVector<OpFoldResult> offsets(OpBuilder &b) const {
    return {batch, first, b.getIndexAttr(0)};
  }
  SmallVector<OpFoldResult> sizes(OpBuilder &b, OpFoldResult x) const {
    return {b.getIndexAttr(1), width, x};
  }
};

/// The steps [start, start + steps) of one channel block.
struct Chunk {
  const ChannelBlock &block;
  Value start, steps;

  /// The chunk's rows of a [B, D, L] operand, as [width, steps].
  Value rows(OpBuilder &b, Location loc, Value source) const {
    return extractSlice(b, loc, source, {block.batch, block.first, start},
                        {b.getIndexAttr(1), block.width, steps}, 2);
  }
  /// The chunk's columns of the block's y, [width, L].
  Value columns(OpBuilder &b, Location loc, Value yBlock) const {
    return extractSlice(b, loc, yBlock, {b.getIndexAttr(0), start},
                        {block.width, steps}, 2);
  }
  /// Writes `columns` into the block's y.
  Value insertColumns(OpBuilder &b, Location loc, Value columns,
                      Value yBlock) const {
    return insertSlice(b, loc, columns, yBlock, {b.getIndexAttr(0), start},
                       {block.width, steps});
  }
  /// The block's entries of a [D] tensor.
  Value channels(OpBuilder &b, Location loc, Value source) const {
    return extractSlice(b, loc, source, {block.first}, {block.width}, 1);
  }
};

struct SelectiveScanToLinalg : OpConversionPattern<SelectiveScanOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SelectiveScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    Value u = adaptor.getU();
    // Static sizes stay attributes so that the results keep the op's types.
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, u);
    OpFoldResult stateSize =
        tensor::getMixedSize(rewriter, loc, adaptor.getA(), 1);
    auto value = [&](OpFoldResult size) {
      return getValueOrCreateConstantIndexOp(rewriter, loc, size);
    };
    Value batch = value(sizes[0]), channels = value(sizes[1]);
    Value groups =
        value(tensor::getMixedSize(rewriter, loc, adaptor.getB(), 1));

    Value aT =
        transpose2d(rewriter, loc, adaptor.getA(),
                    createEmpty(rewriter, loc, {stateSize, sizes[1]}, f32));
    ScanInputs in{u,
                  adaptor.getDelta(),
                  aT,
                  adaptor.getB(),
                  adaptor.getC(),
                  adaptor.getD(),
                  adaptor.getZ(),
                  adaptor.getDeltaBias(),
                  adaptor.getInitialState(),
                  op.getDeltaSoftplus(),
                  value(sizes[2]),
                  stateSize};

    // One parallel loop over (batch, group, channel block), flattened
    // because the runtime runs one-dimensional loops. Each iteration owns
    // its block's rows of y and of the final state.
    Value blockStep = constantIndex(rewriter, loc, kChannelBlock);
    Value groupSize = arith::DivUIOp::create(rewriter, loc, channels, groups);
    Value blocksPerGroup =
        arith::CeilDivUIOp::create(rewriter, loc, groupSize, blockStep);
    Value blocksPerBatch =
        arith::MulIOp::create(rewriter, loc, groups, blocksPerGroup);
    Value blocks = arith::MulIOp::create(rewriter, loc, batch, blocksPerBatch);
    SmallVector<Value> inits = {
        createEmptyLike(rewriter, loc, u, f32),
        createEmpty(rewriter, loc, {sizes[0], sizes[1], stateSize}, f32)};
    auto forall = scf::ForallOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{blocks}, inits, std::nullopt);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(forall.getBody());
      Value index = forall.getInductionVar(0);
      Value batchIdx =
          arith::DivUIOp::create(rewriter, loc, index, blocksPerBatch);
      Value inBatch =
          arith::RemUIOp::create(rewriter, loc, index, blocksPerBatch);
      Value group =
          arith::DivUIOp::create(rewriter, loc, inBatch, blocksPerGroup);
      Value offset = arith::MulIOp::create(
          rewriter, loc,
          arith::RemUIOp::create(rewriter, loc, inBatch, blocksPerGroup),
          blockStep);
      Value groupStart = arith::MulIOp::create(rewriter, loc, group, groupSize);
      ChannelBlock block{
          batchIdx, group,
          arith::AddIOp::create(rewriter, loc, groupStart, offset),
          tileSize(rewriter, loc, blockStep, offset, groupSize)};
      ValueRange shared = forall.getRegionIterArgs();
      Value yRows = block.rows(rewriter, loc, shared[0], sizes[2]);
      Value stateRows = block.rows(rewriter, loc, shared[1], stateSize);
      auto [yBlock, stateBlock] =
          scanBlock(rewriter, loc, in, block, yRows, stateRows);
      rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
      block.parallelInsertRows(rewriter, loc, yBlock, shared[0], sizes[2]);
      block.parallelInsertRows(rewriter, loc, stateBlock, shared[1],
                               stateSize);
    }
    rewriter.replaceOp(op, forall.getResults());
    return success();
  }

private:
  /// Runs the recurrence over L for one channel block, writing its y
  /// ([width, L]) and final state ([width, N]); returns both.
  static std::pair<Value, Value> scanBlock(OpBuilder &b, Location loc,
                                           const ScanInputs &in,
                                           const ChannelBlock &block,
                                           Value y, Value finalState) {
    Type f32 = b.getF32Type();
    OpFoldResult origin = b.getIndexAttr(0);
    OpFoldResult n = in.stateSize;

    // The state as [N, width], from initial_state or zeros.
    Value state = createEmpty(b, loc, {n, block.width}, f32);
    if (in.initialState)
      state = transpose2d(b, loc, block.rows(b, loc, in.initialState, n),
                          state);
    else
      state = linalg::FillOp::create(b, loc, constantF32(b, loc, 0.0), state)
                  .getResult(0);
    Value aBlock = extractSlice(b, loc, in.aT, {origin, block.first},
                                {n, block.width}, 2);

    Value zero = constantIndex(b, loc, 0);
    Value chunkStep = constantIndex(b, loc, kStepChunk);
    ValueRange scanned = buildFor(
        b, loc, zero, in.length, chunkStep, ValueRange{state, y},
        [&](OpBuilder &b, Location l, Value start, ValueRange args) {
          Chunk chunk{block, start, tileSize(b, l, chunkStep, start,
                                             in.length)};
          return scanChunk(b, l, in, chunk, aBlock, args[0], args[1]);
        });

    // The final state goes back to [D, N] order.
    return {scanned[1], transpose2d(b, loc, scanned[0], finalState)};
  }

  /// Runs one chunk of steps; returns the state and the block's y with the
  /// chunk's columns written.
  static SmallVector<Value> scanChunk(OpBuilder &b, Location loc,
                                      const ScanInputs &in, const Chunk &chunk,
                                      Value aBlock, Value state, Value y) {
    auto [delta, deltaU] = discretize(b, loc, in, chunk);
    auto [lastState, yT] =
        runSteps(b, loc, in, chunk, aBlock, delta, deltaU, state);
    return {lastState, writeRows(b, loc, in, chunk, yT, y)};
  }

  /// Δ = softplus(delta + delta_bias) and Δ·u of the chunk as [steps, width].
  /// The loops run (d, t) to read the operands along their rows, where the
  /// softplus vectorizes; the scratch is written transposed.
  static std::pair<Value, Value> discretize(OpBuilder &b, Location loc,
                                            const ScanInputs &in,
                                            const Chunk &chunk) {
    MLIRContext *ctx = b.getContext();
    Value scratch = createEmpty(b, loc, {chunk.steps, chunk.block.width},
                                b.getF32Type());
    AffineMap identity = b.getMultiDimIdentityMap(2);
    AffineMap transposed =
        AffineMap::getPermutationMap(ArrayRef<unsigned>{1, 0}, ctx);
    SmallVector<Value> inputs = {chunk.rows(b, loc, in.delta),
                                 chunk.rows(b, loc, in.u)};
    SmallVector<AffineMap> maps = {identity, identity};
    if (in.deltaBias) {
      inputs.push_back(chunk.channels(b, loc, in.deltaBias));
      maps.push_back(singleDimMap(2, 0, ctx));
    }
    maps.append({transposed, transposed});
    auto generic = linalg::GenericOp::create(
        b, loc, TypeRange{scratch.getType(), scratch.getType()}, inputs,
        ValueRange{scratch, scratch}, maps,
        {utils::IteratorType::parallel, utils::IteratorType::parallel},
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value dt = args[0];
          if (in.deltaBias)
            dt = arith::AddFOp::create(nb, l, dt, args[2]);
          if (in.softplus)
            dt = emitActivation(nb, l, ActivationKind::softplus, dt);
          Value du = arith::MulFOp::create(nb, l, dt, args[1]);
          linalg::YieldOp::create(nb, l, ValueRange{dt, du});
        });
    return {generic.getResult(0), generic.getResult(1)};
  }

  /// The recurrence over the chunk's steps from `state`; returns the last
  /// state and C_t·h_t as [steps, width].
  static std::pair<Value, Value> runSteps(OpBuilder &b, Location loc,
                                          const ScanInputs &in,
                                          const Chunk &chunk, Value aBlock,
                                          Value delta, Value deltaU,
                                          Value state) {
    MLIRContext *ctx = b.getContext();
    const ChannelBlock &block = chunk.block;
    OpFoldResult unit = b.getIndexAttr(1), origin = b.getIndexAttr(0);
    // One step is one generic over (n, d): n is the reduction of
    // y_t = C_t·h_t, d the contiguous channels. The state output is indexed
    // by n too; each of its elements is still visited once.
    AffineMap channelMap = singleDimMap(2, 1, ctx);
    AffineMap stateMap = singleDimMap(2, 0, ctx);
    AffineMap identity = b.getMultiDimIdentityMap(2);
    SmallVector<AffineMap> maps = {channelMap, channelMap, identity, stateMap,
                                   stateMap,   identity,   channelMap};
    SmallVector<utils::IteratorType> iterators = {
        utils::IteratorType::reduction, utils::IteratorType::parallel};
    Value scratch = createEmpty(b, loc, {chunk.steps, block.width},
                                b.getF32Type());
    Value zero = constantIndex(b, loc, 0), one = constantIndex(b, loc, 1);
    ValueRange results = buildFor(
        b, loc, zero, chunk.steps, one, ValueRange{state, scratch},
        [&](OpBuilder &b, Location l, Value t, ValueRange args) {
          SmallVector<OpFoldResult> rowOffsets = {t, origin};
          SmallVector<OpFoldResult> rowSizes = {unit, block.width};
          auto row = [&](Value source) {
            return extractSlice(b, l, source, rowOffsets, rowSizes, 1);
          };
          Value time = arith::AddIOp::create(b, l, chunk.start, t);
          SmallVector<OpFoldResult> bcOffsets = {block.batch, block.group,
                                                 origin, time};
          SmallVector<OpFoldResult> bcSizes = {unit, unit, in.stateSize, unit};
          Value yt = linalg::FillOp::create(b, l, constantF32(b, l, 0.0),
                                            row(args[1]))
                         .getResult(0);
          auto step = linalg::GenericOp::create(
              b, l, TypeRange{args[0].getType(), yt.getType()},
              ValueRange{row(delta), row(deltaU), aBlock,
                         extractSlice(b, l, in.bMat, bcOffsets, bcSizes, 1),
                         extractSlice(b, l, in.cMat, bcOffsets, bcSizes, 1)},
              ValueRange{args[0], yt}, maps, iterators,
              [&](OpBuilder &nb, Location nl, ValueRange v) {
                // h = exp(Δ·A)·h + Δ·u·B_t;  y += C_t·h.
                Value decay = math::ExpOp::create(
                    nb, nl, arith::MulFOp::create(nb, nl, v[0], v[2]));
                Value kept = arith::MulFOp::create(nb, nl, decay, v[5]);
                Value input = arith::MulFOp::create(nb, nl, v[1], v[3]);
                Value h = arith::AddFOp::create(nb, nl, kept, input);
                Value acc = arith::AddFOp::create(
                    nb, nl, v[6], arith::MulFOp::create(nb, nl, v[4], h));
                linalg::YieldOp::create(nb, nl, ValueRange{h, acc});
              });
          return SmallVector<Value>{
              step.getResult(0), insertSlice(b, l, step.getResult(1), args[1],
                                             rowOffsets, rowSizes)};
        });
    return {results[0], results[1]};
  }

  /// Writes the chunk's y (yT is [steps, width]) into the block's y
  /// ([width, L]) as (y + D·u)·silu(z). The transpose and the gating are separate ops so
  /// that the gating reads its destination: the elementwise fusion pass
  /// replaces a generic's unread destination by a new tensor, which would
  /// cost a copy into y.
  static Value writeRows(OpBuilder &b, Location loc, const ScanInputs &in,
                         const Chunk &chunk, Value yT, Value y) {
    Value rows = transpose2d(b, loc, yT, chunk.columns(b, loc, y));
    if (in.skip || in.gate) {
      AffineMap identity = b.getMultiDimIdentityMap(2);
      SmallVector<Value> inputs;
      SmallVector<AffineMap> maps;
      if (in.skip) {
        inputs.append(
            {chunk.rows(b, loc, in.u), chunk.channels(b, loc, in.skip)});
        maps.append({identity, singleDimMap(2, 0, b.getContext())});
      }
      if (in.gate) {
        inputs.push_back(chunk.rows(b, loc, in.gate));
        maps.push_back(identity);
      }
      rows = buildParallelGeneric(
          b, loc, rows, inputs, maps,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value out = args.back();
            if (in.skip)
              out = arith::AddFOp::create(
                  nb, l, out, arith::MulFOp::create(nb, l, args[0], args[1]));
            if (in.gate)
              out = arith::MulFOp::create(
                  nb, l, out,
                  emitActivation(nb, l, ActivationKind::silu,
                                 args[in.skip ? 2 : 0]));
            return out;
          });
    }
    return chunk.insertColumns(b, loc, rows, y);
  }
};
} // namespace

void tfm::populateScanToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<SelectiveScanToLinalg>(patterns.getContext());
}
