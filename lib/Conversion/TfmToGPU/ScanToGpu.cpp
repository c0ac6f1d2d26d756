//===- ScanToGpu.cpp - tfm.selective_scan to CUDA kernels -----------------===//
//
// The selective scan is sequential in L and independent across (batch,
// channel). A thread owns one channel and keeps its N-dim f32 state in
// registers (an unrolled array: N static, or a static capacity that a
// dynamic N is checked against); a block of 128 threads owns 128 channels
// of one B/C group, so that B_t and C_t, shared by all of them, are loaded
// once per block. The steps run in chunks: the block stages a chunk's B and
// C ([T, N]) and its channels' Δ = softplus(delta + delta_bias) and Δ·u
// ([128, T], loaded along L, coalesced) through shared memory, then each
// thread runs the T steps of its channel from shared memory alone, writing
// C_t·h_t back over Δ·u; the block then writes y along L, adding D·u and
// gating with silu(z) there, where that work is parallel.
//
// Sequential L leaves few threads when B·D is small (2·1024 channels fill
// 16 of an H200's 132 SMs), so L is also split into segments scanned in
// parallel, in two kernels:
//   1. every segment but the last scans from a zero state and records its
//      end state E_k and its Σ_t Δ_t: with A constant along L, the decay
//      over a segment is exp(A·ΣΔ) per state element;
//   2. every segment starts from h0 carried across the earlier segments,
//      h ← exp(A·ΣΔ_k)·h + E_k (a few steps per segment), and scans its steps
//      again, now writing y; the last one writes the final state.
// Segment count and length are chosen on the host from the shapes.
//
// A state too large for registers (N > 64, or a dynamic N found to be)
// runs a third form: one segment, the state in the final-state buffer
// (global memory, cached in L1) and B, C read from global memory.
//
//===----------------------------------------------------------------------===//
#include "GpuLoweringUtils.h"
#include "SequenceKernelUtils.h"

#include "llvm/ADT/STLExtras.h"

#include <optional>

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

/// Channels per block, one per thread.
static constexpr int64_t kChannelsPerBlock = 128;
/// The largest state kept in registers; a dynamic N is dispatched to the
/// first of these capacities that holds it.
static constexpr int64_t kRegisterStateCapacities[] = {16, 64};
/// Blocks the segment count aims for: two per SM of an H200 (132 SMs), so
/// that one block's loads overlap the other's steps. More segments would
/// not run faster: the steps are bound by the SFU's ex2 throughput once
/// every SM is busy, and each segment adds to the carry across segments.
static constexpr int64_t kTargetBlocks = 2 * 132;
static constexpr double kLog2E = 1.4426950408889634;

namespace {
/// The two kernels of the segmented scan (see the file comment).
enum class ScanPass { SegmentEnds, Outputs };

/// The buffers and sizes a scan kernel reads and writes, on the host and,
/// with the same fields, as the kernel's arguments. Null fields are not
/// passed.
struct ScanOperands {
  Value u, delta, a, bMat, cMat;             // the op's operands
  Value skip, gate, deltaBias, initialState; // optional operands
  Value y, finalState;                       // results
  Value segmentStates, segmentDeltas;        // [B, D, K, capacity], [B, D, K]
  Value length, stateSize, groupSize;        // L, N, D / G
  Value segmentLength, segmentCount, gridSegments; // K; segments in the grid

  SmallVector<Value *> fields() {
    return {&u,
            &delta,
            &a,
            &bMat,
            &cMat,
            &skip,
            &gate,
            &deltaBias,
            &initialState,
            &y,
            &finalState,
            &segmentStates,
            &segmentDeltas,
            &length,
            &stateSize,
            &groupSize,
            &segmentLength,
            &segmentCount,
            &gridSegments};
  }
  SmallVector<Value> values() {
    SmallVector<Value> present;
    for (Value *field : fields())
      if (*field)
        present.push_back(*field);
    return present;
  }
  /// The same fields, bound to `kernel`'s arguments.
  ScanOperands boundTo(gpu::GPUFuncOp kernel) const {
    ScanOperands bound = *this;
    unsigned next = 0;
    for (Value *field : bound.fields())
      if (*field)
        *field = kernel.getArgument(next++);
    return bound;
  }
};

/// How a kernel keeps the state: `capacity` f32 registers (N <= capacity,
/// exactly N when static), or none (0): the state lives in the final-state
/// buffer.
struct StateLayout {
  int64_t capacity;
  bool staticSize;
  bool inRegisters() const { return capacity > 0; }
  /// Steps per staged chunk: the shared buffers stay under 48 KiB.
  int64_t chunkSteps() const { return capacity > 32 ? 16 : 32; }
  /// Staged items per thread in flight at once: fewer beside a large state,
  /// which holds 2·capacity registers (state and rates) throughout.
  int64_t stagingRounds() const { return capacity > 32 ? 1 : 4; }
};

/// Builds one scan kernel's body.
class ScanKernelBuilder {
public:
  ScanKernelBuilder(OpBuilder &b, Location loc, ScanOperands args,
                    StateLayout layout, ScanPass pass, bool softplus,
                    ArrayRef<BlockArgument> shared)
      : b(b), loc(loc), m(b, loc), args(args), layout(layout), pass(pass),
        softplus(softplus), steps(layout.chunkSteps()) {
    rowsDelta = shared[0];
    rowsInput = shared[1];
    if (layout.inRegisters()) {
      stagedB = shared[2];
      if (pass == ScanPass::Outputs)
        stagedC = shared[3];
    }
  }

  void build() {
    locateBlock();
    if (layout.inRegisters())
      buildInRegisters();
    else
      buildInMemory();
  }

private:
  OpBuilder &b;
  Location loc;
  KernelMath m;
  ScanOperands args;
  StateLayout layout;
  ScanPass pass;
  bool softplus;
  int64_t steps;
  Value rowsDelta, rowsInput, stagedB, stagedC;
  // Where the block is.
  Value batch, group, segment, firstChannel, channels, thread, active, channel;

  bool writesOutputs() const { return pass == ScanPass::Outputs; }

  void locateBlock() {
    Value tile = blockId(b, loc, gpu::Dimension::x);
    group = blockId(b, loc, gpu::Dimension::y);
    Value z = blockId(b, loc, gpu::Dimension::z);
    std::tie(batch, segment) = m.divRemSmall(z, args.gridSegments);
    Value tileStart = m.mul(tile, kChannelsPerBlock);
    firstChannel = m.add(m.mul(group, args.groupSize), tileStart);
    channels = m.min(m.sub(args.groupSize, tileStart), kChannelsPerBlock);
    thread = threadId(b, loc, gpu::Dimension::x);
    active = m.lt(thread, channels);
    // Idle threads of a ragged tile read a valid channel and write nothing.
    channel = m.add(firstChannel, m.min(thread, m.sub(channels, 1)));
  }

  /// State element `n` of a register array: whether it exists (null when
  /// N is static: always) and the index to read it at, 0 where it does not
  /// (a dynamic N may be below the capacity).
  struct StateElement {
    Value exists;
    Value at;
  };
  StateElement stateElement(int64_t n) {
    Value index = m.index(n);
    if (layout.staticSize)
      return {Value(), index};
    Value exists = m.lt(index, args.stateSize);
    return {exists, m.select(exists, index, m.index(0))};
  }
  /// `value`, or 0 where the element does not exist.
  Value mask(const StateElement &element, Value value) {
    return element.exists ? m.orZero(element.exists, value) : value;
  }
  /// Runs `body` where the element exists.
  void ifExists(const StateElement &element, function_ref<void()> body) {
    if (!element.exists)
      return body();
    ifThen(b, loc, element.exists, [&](OpBuilder &, Location) { body(); });
  }

  void buildInRegisters() {
    int64_t capacity = layout.capacity;
    // A·log2(e) per state element, for ex2.
    SmallVector<Value> rates, state;
    for (int64_t n = 0; n < capacity; ++n) {
      StateElement element = stateElement(n);
      rates.push_back(mask(element, m.mul(m.load(args.a, {channel, element.at}),
                                          m.f32(kLog2E))));
      Value initial = m.f32(0.0);
      if (writesOutputs() && args.initialState)
        initial = mask(element,
                       m.load(args.initialState, {batch, channel, element.at}));
      state.push_back(initial);
    }
    if (writesOutputs())
      state = carryAcrossSegments(rates, state);

    Value segmentStart = m.mul(segment, args.segmentLength);
    Value segmentStop =
        m.min(args.length, m.add(segmentStart, args.segmentLength));
    SmallVector<Value> inits(state);
    inits.push_back(m.f32(0.0)); // Σ Δ over the segment
    SmallVector<Value> scanned =
        forLoop(b, loc, segmentStart, segmentStop, m.index(steps), inits,
                [&](OpBuilder &, Location, Value start, ValueRange carried) {
                  Value count = m.min(m.sub(segmentStop, start), steps);
                  stageChunk(start, count);
                  SmallVector<Value> next =
                      runChunkInRegisters(count, rates, carried);
                  if (writesOutputs())
                    writeChunk(start, count);
                  return next;
                });
    Value deltaSum = scanned.pop_back_val();

    // The last segment's state is the final state; the others' are the
    // segment ends.
    Value writer = active;
    if (writesOutputs())
      writer = m.both(active, m.eq(segment, m.sub(args.segmentCount, 1)));
    ifThen(b, loc, writer, [&](OpBuilder &, Location) {
      for (int64_t n = 0; n < capacity; ++n) {
        if (!writesOutputs()) {
          m.store(scanned[n], args.segmentStates,
                  {batch, channel, segment, m.index(n)});
          continue;
        }
        StateElement element = stateElement(n);
        ifExists(element, [&] {
          m.store(scanned[n], args.finalState, {batch, channel, element.at});
        });
      }
      if (!writesOutputs())
        m.store(deltaSum, args.segmentDeltas, {batch, channel, segment});
    });
  }

  /// The state at the start of this thread's segment: h ← exp(A·ΣΔ_k)·h +
  /// E_k over the earlier segments k. E_k has the capacity's elements, those
  /// past a dynamic N zero (their A, B and initial state are).
  SmallVector<Value> carryAcrossSegments(ArrayRef<Value> rates,
                                         SmallVector<Value> state) {
    return forLoop(
        b, loc, m.index(0), segment, m.index(1), state,
        [&](OpBuilder &, Location, Value k, ValueRange carried) {
          Value deltaSum = m.load(args.segmentDeltas, {batch, channel, k});
          SmallVector<Value> next;
          for (int64_t n = 0; n < layout.capacity; ++n) {
            Value end =
                m.load(args.segmentStates, {batch, channel, k, m.index(n)});
            next.push_back(
                m.fma(m.exp2(m.mul(deltaSum, rates[n])), carried[n], end));
          }
          return next;
        });
  }

  /// Stages the chunk of `count` steps from `start`: B (and C) as [T, N],
  /// and Δ and Δ·u of the block's channels as [128, T]; zeros pad.
  void stageChunk(Value start, Value count) {
    barrier(b, loc); // the previous chunk's readers are done
    if (layout.inRegisters()) {
      int64_t capacity = layout.capacity;
      forEachInBlock(
          b, loc, capacity * steps, kChannelsPerBlock,
          [&](OpBuilder &, Location, Value i) {
            Value n = m.div(i, steps), t = m.rem(i, steps);
            Value valid = m.lt(t, count);
            if (!layout.staticSize)
              valid = m.both(valid, m.lt(n, args.stateSize));
            Value at = m.select(valid, n, m.index(0));
            Value time = m.add(start, m.select(valid, t, m.index(0)));
            SmallVector<Value> indices = {batch, group, at, time};
            memref::StoreOp::create(b, loc,
                                    m.orZero(valid, m.load(args.bMat, indices)),
                                    stagedB, ValueRange{t, n});
            if (stagedC)
              memref::StoreOp::create(
                  b, loc, m.orZero(valid, m.load(args.cMat, indices)), stagedC,
                  ValueRange{t, n});
          },
          layout.stagingRounds());
    }
    forEachChunkElement(
        start, count,
        [&](Value row, Value t, Value valid, Value rowChannel, Value time) {
          Value delta = m.load(args.delta, {batch, rowChannel, time});
          if (args.deltaBias)
            delta = m.add(delta, m.load(args.deltaBias, {rowChannel}));
          if (softplus)
            delta = m.softplus(delta);
          Value input = m.mul(delta, m.load(args.u, {batch, rowChannel, time}));
          memref::StoreOp::create(b, loc, m.orZero(valid, delta), rowsDelta,
                                  ValueRange{row, t});
          memref::StoreOp::create(b, loc, m.orZero(valid, input), rowsInput,
                                  ValueRange{row, t});
        });
    barrier(b, loc);
  }

  /// Calls `body(row, t, valid, channel, time)` for the block's [128, T]
  /// chunk elements, consecutive threads along t (coalesced along L);
  /// `channel` and `time` are clamped into range where `valid` is false.
  void forEachChunkElement(
      Value start, Value count,
      function_ref<void(Value, Value, Value, Value, Value)> body) {
    forEachInBlock(
        b, loc, kChannelsPerBlock * steps, kChannelsPerBlock,
        [&](OpBuilder &, Location, Value i) {
          Value row = m.div(i, steps), t = m.rem(i, steps);
          Value valid = m.both(m.lt(row, channels), m.lt(t, count));
          Value rowChannel =
              m.add(firstChannel, m.min(row, m.sub(channels, 1)));
          Value time = m.add(start, m.min(t, m.sub(count, 1)));
          body(row, t, valid, rowChannel, time);
        },
        layout.stagingRounds());
  }

  /// The chunk's steps for this thread's channel, from shared memory; y_t
  /// overwrites Δ·u_t. Returns the state and the updated Σ Δ.
  SmallVector<Value> runChunkInRegisters(Value count, ArrayRef<Value> rates,
                                         ValueRange carried) {
    return forLoop(
        b, loc, m.index(0), count, m.index(1), carried,
        [&](OpBuilder &, Location, Value t, ValueRange stateAndSum) {
          Value delta =
              memref::LoadOp::create(b, loc, rowsDelta, ValueRange{thread, t});
          Value input =
              memref::LoadOp::create(b, loc, rowsInput, ValueRange{thread, t});
          SmallVector<Value> next;
          Value y = m.f32(0.0);
          for (int64_t n = 0; n < layout.capacity; ++n) {
            Value at = m.index(n);
            Value bt =
                memref::LoadOp::create(b, loc, stagedB, ValueRange{t, at});
            Value h = m.fma(m.exp2(m.mul(delta, rates[n])), stateAndSum[n],
                            m.mul(input, bt));
            next.push_back(h);
            if (stagedC)
              y = m.fma(
                  memref::LoadOp::create(b, loc, stagedC, ValueRange{t, at}), h,
                  y);
          }
          if (writesOutputs())
            memref::StoreOp::create(b, loc, y, rowsInput,
                                    ValueRange{thread, t});
          next.push_back(m.add(stateAndSum.back(), delta));
          return next;
        });
  }

  /// y = (C·h + D·u)·silu(z) for the chunk, written along L.
  void writeChunk(Value start, Value count) {
    barrier(b, loc);
    forEachChunkElement(
        start, count,
        [&](Value row, Value t, Value valid, Value rowChannel, Value time) {
          ifThen(b, loc, valid, [&](OpBuilder &, Location) {
            Value y =
                memref::LoadOp::create(b, loc, rowsInput, ValueRange{row, t});
            SmallVector<Value> at = {batch, rowChannel, time};
            if (args.skip)
              y = m.fma(m.load(args.skip, {rowChannel}), m.load(args.u, at), y);
            if (args.gate)
              y = m.mul(y, m.silu(m.load(args.gate, at)));
            m.store(y, args.y, at);
          });
        });
  }

  /// The state in the final-state buffer, one segment, B and C from global
  /// memory.
  void buildInMemory() {
    ifThen(b, loc, active, [&](OpBuilder &, Location) {
      forLoop(b, loc, m.index(0), args.stateSize, m.index(1),
              [&](OpBuilder &, Location, Value n) {
                Value initial = args.initialState ? m.load(args.initialState,
                                                           {batch, channel, n})
                                                  : m.f32(0.0);
                m.store(initial, args.finalState, {batch, channel, n});
              });
    });
    forLoop(b, loc, m.index(0), args.length, m.index(steps),
            [&](OpBuilder &, Location, Value start) {
              Value count = m.min(m.sub(args.length, start), steps);
              stageChunk(start, count);
              ifThen(b, loc, active, [&](OpBuilder &, Location) {
                runChunkInMemory(start, count);
              });
              writeChunk(start, count);
            });
  }

  void runChunkInMemory(Value start, Value count) {
    forLoop(
        b, loc, m.index(0), count, m.index(1),
        [&](OpBuilder &, Location, Value t) {
          Value delta =
              memref::LoadOp::create(b, loc, rowsDelta, ValueRange{thread, t});
          Value input =
              memref::LoadOp::create(b, loc, rowsInput, ValueRange{thread, t});
          Value time = m.add(start, t);
          SmallVector<Value> y = forLoop(
              b, loc, m.index(0), args.stateSize, m.index(1),
              ValueRange{m.f32(0.0)},
              [&](OpBuilder &, Location, Value n, ValueRange sum) {
                SmallVector<Value> state = {batch, channel, n};
                SmallVector<Value> bc = {batch, group, n, time};
                Value rate = m.mul(m.load(args.a, {channel, n}), m.f32(kLog2E));
                Value h = m.fma(m.exp2(m.mul(delta, rate)),
                                m.load(args.finalState, state),
                                m.mul(input, m.load(args.bMat, bc)));
                m.store(h, args.finalState, state);
                return SmallVector<Value>{
                    m.fma(m.load(args.cMat, bc), h, sum[0])};
              });
          memref::StoreOp::create(b, loc, y[0], rowsInput,
                                  ValueRange{thread, t});
        });
  }
};

/// The host-side sizes the launches are computed from.
struct ScanGrid {
  Value batch, channels, groups;
  /// Channel tiles per group, and blocks per segment of L.
  Value tiles, blocksPerSegment;
};

struct SelectiveScanToGpu : OpRewritePattern<SelectiveScanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SelectiveScanOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    KernelMath m(rewriter, loc);
    ScanOperands host;
    host.u = bufferOf(rewriter, loc, op.getU());
    host.delta = bufferOf(rewriter, loc, op.getDelta());
    host.a = bufferOf(rewriter, loc, op.getA());
    host.bMat = bufferOf(rewriter, loc, op.getB());
    host.cMat = bufferOf(rewriter, loc, op.getC());
    auto optional = [&](Value tensor) {
      return tensor ? bufferOf(rewriter, loc, tensor) : Value();
    };
    host.skip = optional(op.getD());
    host.gate = optional(op.getZ());
    host.deltaBias = optional(op.getDeltaBias());
    host.initialState = optional(op.getInitialState());

    SmallVector<Value> uDims = dimsOf(rewriter, loc, op.getU());
    ScanGrid grid;
    grid.batch = uDims[0];
    grid.channels = uDims[1];
    grid.groups = dimsOf(rewriter, loc, op.getB())[1];
    host.length = uDims[2];
    host.stateSize = dimsOf(rewriter, loc, op.getA())[1];
    host.groupSize = m.div(grid.channels, grid.groups);
    grid.tiles = m.ceilDiv(host.groupSize, kChannelsPerBlock);
    grid.blocksPerSegment =
        m.max(m.mul(m.mul(grid.tiles, grid.groups), grid.batch), 1);

    host.y = allocBufferOfSizes(rewriter, loc, op.getY().getType(), uDims);
    host.finalState =
        allocBufferOfSizes(rewriter, loc, op.getFinalState().getType(),
                           {grid.batch, grid.channels, host.stateSize});

    bool softplus = op.getDeltaSoftplus();
    int64_t staticN = op.getA().getType().getDimSize(1);
    if (ShapedType::isDynamic(staticN)) {
      dispatchOnStateSize(rewriter, loc, op, host, grid, softplus, 0);
    } else {
      int64_t capacity =
          staticN <=
                  kRegisterStateCapacities[std::size(kRegisterStateCapacities) -
                                           1]
              ? staticN
              : 0;
      launchScan(rewriter, loc, op, host, grid, {capacity, true}, softplus);
    }
    rewriter.replaceOp(op, {tensorOf(rewriter, loc, host.y),
                            tensorOf(rewriter, loc, host.finalState)});
    return success();
  }

private:
  /// A dynamic N runs the first register form whose capacity holds it
  /// (from `choice` on), else the state in memory.
  void dispatchOnStateSize(PatternRewriter &rewriter, Location loc,
                           SelectiveScanOp op, const ScanOperands &host,
                           const ScanGrid &grid, bool softplus,
                           size_t choice) const {
    if (choice == std::size(kRegisterStateCapacities)) {
      launchScan(rewriter, loc, op, host, grid, {0, false}, softplus);
      return;
    }
    KernelMath m(rewriter, loc);
    int64_t capacity = kRegisterStateCapacities[choice];
    auto ifOp = scf::IfOp::create(rewriter, loc, m.le(host.stateSize, capacity),
                                  /*withElse=*/true);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(ifOp.thenBlock());
    launchScan(rewriter, loc, op, host, grid, {capacity, false}, softplus);
    rewriter.setInsertionPointToStart(ifOp.elseBlock());
    dispatchOnStateSize(rewriter, loc, op, host, grid, softplus, choice + 1);
  }

  /// Chooses the segments and launches the kernels of one state layout.
  void launchScan(PatternRewriter &rewriter, Location loc, SelectiveScanOp op,
                  ScanOperands host, const ScanGrid &grid, StateLayout layout,
                  bool softplus) const {
    KernelMath m(rewriter, loc);
    int64_t steps = layout.chunkSteps();
    // Segments: about kTargetBlocks blocks (one segment when the channels
    // alone come close), whole chunks each, at least one (L may be 0). The
    // state in memory takes one.
    host.segmentCount = m.index(1);
    host.segmentLength = m.max(host.length, 1);
    if (layout.inRegisters()) {
      Value chunks = m.max(m.ceilDiv(host.length, steps), 1);
      Value wanted =
          m.min(m.max(m.div(m.index(kTargetBlocks), grid.blocksPerSegment), 1),
                chunks);
      host.segmentLength = m.mul(m.ceilDiv(chunks, wanted), steps);
      host.segmentCount = m.max(m.ceilDiv(host.length, host.segmentLength), 1);
      auto workspace = [&](ArrayRef<Value> sizes) {
        auto type = RankedTensorType::get(
            SmallVector<int64_t>(sizes.size(), ShapedType::kDynamic),
            rewriter.getF32Type());
        return allocBuffer(rewriter, loc, type, sizes);
      };
      host.segmentStates =
          workspace({grid.batch, grid.channels, host.segmentCount,
                     m.index(layout.capacity)});
      host.segmentDeltas =
          workspace({grid.batch, grid.channels, host.segmentCount});

      // The ends of all segments but the last.
      ScanOperands ends = host;
      ends.cMat = ends.skip = ends.gate = ends.initialState = ends.y =
          ends.finalState = Value();
      ends.gridSegments = m.sub(host.segmentCount, 1);
      launch(rewriter, loc, op, ends, layout, ScanPass::SegmentEnds, softplus,
             {grid.tiles, grid.groups, m.mul(grid.batch, ends.gridSegments)});
    }
    host.gridSegments = host.segmentCount;
    launch(rewriter, loc, op, host, layout, ScanPass::Outputs, softplus,
           {grid.tiles, grid.groups, m.mul(grid.batch, host.segmentCount)});
  }

  void launch(PatternRewriter &rewriter, Location loc, SelectiveScanOp op,
              ScanOperands host, StateLayout layout, ScanPass pass,
              bool softplus, std::array<Value, 3> grid) const {
    int64_t steps = layout.chunkSteps();
    Type f32 = rewriter.getF32Type();
    // Rows of T + 1: a thread reading its row at step t hits its own bank.
    SmallVector<Type> shared = {
        sharedMemRefType({kChannelsPerBlock, steps + 1}, f32),
        sharedMemRefType({kChannelsPerBlock, steps + 1}, f32)};
    if (layout.inRegisters()) {
      // B_t and C_t are read whole at each step: contiguous along N.
      shared.push_back(sharedMemRefType({steps, layout.capacity}, f32));
      if (pass == ScanPass::Outputs)
        shared.push_back(sharedMemRefType({steps, layout.capacity}, f32));
    }
    std::string name = "selective_scan";
    if (pass == ScanPass::SegmentEnds)
      name += "_segment_ends";
    name += layout.inRegisters() ? "_n" + std::to_string(layout.capacity)
                                 : "_n_in_memory";
    std::array<int64_t, 3> block = {kChannelsPerBlock, 1, 1};
    SmallVector<Value> values = host.values();
    gpu::GPUFuncOp kernel;
    {
      OpBuilder::InsertionGuard guard(rewriter);
      kernel = createKernel(rewriter, op, name, ValueRange(values).getTypes(),
                            shared, block);
      // Under .maxntid, ptxas aims at a register count of its own (80 for
      // 128 threads) and spilled the register state; without it, none.
      kernel.removeKnownBlockSizeAttr();
      ScanKernelBuilder(rewriter, loc, host.boundTo(kernel), layout, pass,
                        softplus, kernel.getWorkgroupAttributions())
          .build();
    }
    launchKernel(rewriter, loc, kernel, grid, block, 0, values);
  }
};
} // namespace

void gpu_lowering::populateScanToGpuPatterns(RewritePatternSet &patterns) {
  patterns.add<SelectiveScanToGpu>(patterns.getContext());
}
