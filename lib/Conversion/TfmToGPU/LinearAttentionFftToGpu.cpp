//===- LinearAttentionFftToGpu.cpp - Toeplitz products through FFTs -------===//
//
// tfm.linear_attention with Toeplitz coefficients c ([H, 2L − 1]) and impl
// fft on CUDA, kernelized attention with relative positions (OPS.md B2):
//
//   N_i[e] = Σ_f φq_i[f] · Σ_j c[L − 1 + j − i] · φk_j[f] · V'_j[e],
//   out_i  = N_i[:dv] / (N_i[dv] + eps),        V' = [v, 1], W = dv + 1,
//
// each of the m·W channels φk[·, f]·V'[·, e] convolved with the head's
// reversed coefficients through FFTs of length M = 2^⌈log2(2L − 1)⌉ (the
// outputs L − 1 .. 2L − 2 of the linear convolution; longer ones wrap onto
// nothing read).
//
// Two real channels share one complex FFT: features 2p and 2p + 1 of column
// e are x = φk[·, 2p]·V'[·, e] + i·φk[·, 2p + 1]·V'[·, e]. The coefficients
// are real, so the product's real and imaginary parts are the two channels'
// convolutions, and φq_i[2p]·Re + φq_i[2p + 1]·Im is the pair's share of
// N_i[e]. Each head's coefficient spectrum, scaled by 1/M, is computed once.
//
// - M ≤ 16384 (L ≤ 8192): a block per (column e, batch·head) loops over the
//   ⌈m/2⌉ pairs in shared memory: signal, forward FFT, product with the
//   spectrum, inverse FFT, and φq's contraction accumulated in registers;
//   its column of N is written once at the end.
// - M > 16384: the four-step FFT, M = M1·M2 with M1 = 16384, through a
//   workspace in global memory: (1) a block per K = 16384/M2 columns of a
//   signal transforms them (length M2, stride M1 in time), (2) a block per
//   row of M1 points multiplies by e^(−2πi·n1·k2/M), transforms, multiplies
//   by the spectrum, transforms back and multiplies by the conjugate
//   twiddle, (3) a block per K columns of a (column e, batch·head) group
//   transforms the columns of each of its pairs back and accumulates φq's
//   contraction in registers, writing its part of N once. The workspace
//   holds a tile of G whole groups (G·⌈m/2⌉·M complex f32): as many as fit
//   kWorkspaceBytes (1 GiB), at least one; the host loops over the tiles.
// - causal: c[L − 1 + j − i] = 0 for j > i (a one-sided spectrum), and, as
//   on the CPU, the channels are centered first, x = μ + (x − μ) with μ the
//   channel's mean over L: the mean's share, S_i·φq_i·μ with the scan
//   S_i = Σ_{d ≤ i} c[L − 1 − d], is exact, and the FFT carries only the
//   residual, whose rounding error no longer swamps the early rows' few
//   terms.
// A last kernel divides (and adds the causal mean's share).
//
// The channel loads run along L: φq and φk are first copied by feature,
// [B·H, m, L] f32, so that a warp's loads of one feature coalesce (read
// down a [.., L, m] column, each 4 bytes cost a 32-byte sector; 27% of the
// time at L = 4k went to that and to one-at-a-time loads, now issued
// kUnroll per thread). Nothing of size L·m·dv exists: besides the spectra
// (H·M complex), N (B·H·L·W f32) and the features by feature (2·B·H·L·m
// f32), only the four-step tile. A dynamic L picks its form at run
// time: shared-memory kernels of 1024, 8192 or 16384 points, or four steps.
//
//===----------------------------------------------------------------------===//
#include "LinearAttentionGpu.h"
#include "SharedFft.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <optional>

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

/// The longest transform in one block's shared memory (128 KiB), and M1.
static constexpr int64_t kBlockPoints = 16384;
static constexpr int64_t kLogBlockPoints = 14;
static constexpr int64_t kMaxThreads = 512;
/// The shared-memory kernels a dynamic L chooses from, in points.
static constexpr int64_t kSharedCapacities[] = {1024, 8192, kBlockPoints};
/// The four-step workspace of one tile of groups.
static constexpr int64_t kWorkspaceBytes = int64_t(1) << 30;
/// CUDA's limit on grid.y.
static constexpr int64_t kMaxGridY = 65535;
static constexpr int64_t kSmallThreads = 256;

/// Items per thread per round of forEachUnrolled.
static constexpr int64_t kUnroll = 4;

/// `body(i, inside)` for i in [0, count) over the block's `threads` threads,
/// kUnroll items per thread per round so that their global loads are in
/// flight together; `inside` is false past `count`, where the body clamps
/// its indices and stores nothing. (A loop item per round would wait for
/// each load before the next.)
static void forEachUnrolled(OpBuilder &b, Location loc, Value count,
                            int64_t threads,
                            function_ref<void(Value, Value)> body) {
  KernelMath m(b, loc);
  forLoop(b, loc, threadId(b, loc, gpu::Dimension::x), count,
          m.index(threads * kUnroll), [&](OpBuilder &, Location, Value first) {
            for (int64_t u = 0; u < kUnroll; ++u) {
              Value i = m.add(first, u * threads);
              body(i, m.lt(i, count));
            }
          });
}

namespace {
/// The static shape of one lowering.
struct Problem {
  int64_t features; // m
  int64_t valueDim; // dv
  bool causal;
  double eps;
  /// Log2 of M when L is static.
  std::optional<int64_t> logPoints;

  int64_t columns() const { return valueDim + 1; }
  int64_t pairs() const { return (features + 1) / 2; }
};

/// The block's (batch, head) and column of a group g = bh·W + e.
struct Group {
  Value bh, batch, head, column;

  Group(KernelMath &m, const Problem &p, Value group, Value heads) {
    std::tie(bh, column) = m.divRemSmall(group, m.index(p.columns()));
    std::tie(batch, head) = m.divRemSmall(bh, heads);
  }
};

/// Kernel-side views of one group's channels (see the file comment).
class GroupChannels {
public:
  GroupChannels(OpBuilder &b, Location loc, const Problem &p, Value length,
                const Group &group, Value totals = {}, Value slot = {})
      : m(b, loc), p(p), length(length), group(group), totals(totals),
        slot(slot) {}

  /// V'[t, e], 0 for t ≥ L.
  Value value(Value values, Value t) {
    Value inside = m.lt(t, length);
    Value row = m.select(inside, t, m.index(0));
    Value isValue = m.lt(group.column, p.valueDim);
    Value column = m.select(isValue, group.column, m.index(0));
    Value x = m.load(values, {group.batch, group.head, row, column});
    return m.orZero(inside, m.select(isValue, x, m.f32(1.0)));
  }

  /// The pair's channel means (causal centering), else zeros.
  Complex means(Value pair) {
    if (!p.causal)
      return {m.f32(0.0), m.f32(0.0)};
    Value scale = m.div(m.f32(1.0), indexToF32(m.b, m.loc, length));
    auto mean = [&](Value feature) {
      Value entry = m.add(m.mul(feature, p.columns()), group.column);
      Value total = memref::LoadOp::create(m.b, m.loc, totals,
                                           ValueRange{group.bh, slot, entry});
      return m.mul(total, scale);
    };
    Value first = m.shl(pair, 1);
    return {mean(first),
            orZeroPastFeatures(first, [&](Value f) { return mean(f); })};
  }

  /// The pair's signal at t, given V'[t, e] (`valueAt`) and its means;
  /// `keys` by feature ([B·H, m, L]).
  Complex signal(Value keys, Value t, Value pair, Value valueAt, Complex mu) {
    Value inside = m.lt(t, length);
    Value row = m.select(inside, t, m.index(0));
    auto channel = [&](Value feature, Value mean) {
      Value key = m.load(keys, {group.bh, feature, row});
      return m.orZero(inside, m.sub(m.mul(key, valueAt), mean));
    };
    Value first = m.shl(pair, 1);
    return {channel(first, mu.first), orZeroPastFeatures(first, [&](Value f) {
              return channel(f, mu.second);
            })};
  }

  /// φq_i[2p]·y.re + φq_i[2p + 1]·y.im, for a row i < L; `queries` by
  /// feature ([B·H, m, L]).
  Value contract(Value queries, Value i, Value pair, Complex y) {
    Value first = m.shl(pair, 1);
    auto query = [&](Value feature) {
      return m.load(queries, {group.bh, feature, i});
    };
    Value second = orZeroPastFeatures(
        first, [&](Value f) { return m.mul(query(f), y.second); });
    return m.fma(query(first), y.first, second);
  }

private:
  KernelMath m;
  const Problem &p;
  Value length;
  const Group &group;
  Value totals, slot;

  /// `value(first + 1)`, or 0 where the pair's second feature is past m
  /// (odd m).
  Value orZeroPastFeatures(Value first, function_ref<Value(Value)> value) {
    Value second = m.add(first, 1);
    if (p.features % 2 == 0)
      return value(second);
    Value inside = m.lt(second, p.features);
    return m.orZero(inside,
                    value(m.select(inside, second, m.index(p.features - 1))));
  }
};

/// Everything one lowering builds: the buffers, then a form per transform
/// length, then the division.
class FftLowering {
public:
  FftLowering(PatternRewriter &rewriter, LinearAttentionOp op,
              const Problem &problem)
      : rewriter(rewriter), op(op), loc(op.getLoc()), p(problem),
        m(rewriter, loc) {}

  LogicalResult build();

private:
  PatternRewriter &rewriter;
  LinearAttentionOp op;
  Location loc;
  const Problem &p;
  KernelMath m;

  Value queries, keys, values, coefficients, output;
  /// φq and φk by feature, [B·H, m, L] f32: channel loads along L coalesce.
  Value queriesByFeature, keysByFeature;
  Value batch, heads, length, bh, logPoints;
  /// The coefficient spectra [H, 2, M] (re, im), N [B, H, L, W].
  Value spectrum, sums;
  /// Causal: the key totals and the scan S [H, L].
  KeyTotals totals;
  Value weights;

  void launch(StringRef name, int64_t threads, int64_t sharedBytes,
              std::array<Value, 2> grid, ValueRange args,
              function_ref<void(OpBuilder &, ValueRange)> body);
  /// log2 M inside a kernel: the constant, or the kernel argument.
  Value kernelLogPoints(Value argument) {
    return p.logPoints ? m.index(*p.logPoints) : argument;
  }
  /// The causal extras' kernel arguments.
  SmallVector<Value> causalArgs() {
    if (!p.causal)
      return {};
    return {totals.buffer, totals.slot};
  }

  void buildTranspose();
  void buildCausalWeights();
  void buildShared(int64_t capacity);
  void buildFourStep();
  void buildNormalize();
};
} // namespace

void FftLowering::launch(StringRef name, int64_t threads, int64_t sharedBytes,
                         std::array<Value, 2> grid, ValueRange args,
                         function_ref<void(OpBuilder &, ValueRange)> body) {
  std::array<int64_t, 3> block = {threads, 1, 1};
  gpu::GPUFuncOp kernel;
  {
    OpBuilder::InsertionGuard guard(rewriter);
    kernel = createKernel(rewriter, op, name, args.getTypes(), {}, block);
    body(rewriter, kernel.getArguments());
  }
  launchKernel(rewriter, loc, kernel, {grid[0], grid[1], m.index(1)}, block,
               sharedBytes, args);
}

/// The reversed coefficient signal of head h: tap u is c[h, 2L − 2 − u];
/// causally only keys j ≤ i, u ≥ L − 1.
static Value reversedCoefficient(KernelMath &m, const Problem &p,
                                 Value coefficients, Value head, Value length,
                                 Value u) {
  Value taps = m.sub(m.shl(length, 1), 1);
  Value valid = m.lt(u, taps);
  if (p.causal)
    valid = m.both(valid, m.le(m.sub(length, 1), u));
  Value tap = m.select(valid, m.sub(m.sub(taps, 1), u), m.index(0));
  return m.orZero(valid, m.load(coefficients, {head, tap}));
}

/// φq and φk by feature, [B·H, m, L] f32 (16-bit storage widened): a
/// thread per row reads its m features (consecutive threads, consecutive
/// rows) and writes each L apart.
void FftLowering::buildTranspose() {
  launch("toeplitz_transpose_features", kSmallThreads, 0,
         {m.ceilDiv(length, kSmallThreads), bh},
         {queries, keys, queriesByFeature, keysByFeature},
         [&](OpBuilder &b, ValueRange args) {
           KernelMath k(b, loc);
           Value t =
               k.add(k.mul(blockId(b, loc, gpu::Dimension::x), kSmallThreads),
                     threadId(b, loc, gpu::Dimension::x));
           Value seq = blockId(b, loc, gpu::Dimension::y);
           auto [batchIndex, head] =
               k.divRemSmall(seq, memref::DimOp::create(b, loc, args[0], 1));
           ifThen(b, loc, k.lt(t, memref::DimOp::create(b, loc, args[0], 2)),
                  [&](OpBuilder &, Location) {
                    forLoop(b, loc, k.index(0), k.index(p.features), k.index(1),
                            [&](OpBuilder &, Location, Value f) {
                              for (int64_t x = 0; x < 2; ++x)
                                k.store(
                                    k.load(args[x], {batchIndex, head, t, f}),
                                    args[2 + x], {seq, f, t});
                            });
                  });
         });
}

/// S[h, i] = Σ_{d ≤ i} c[h, L − 1 − d]: a block per head, each thread a
/// segment of rows (its total, the block's exclusive prefix of the
/// totals in shared memory, then its running sums).
void FftLowering::buildCausalWeights() {
  launch("toeplitz_causal_weights", kSmallThreads, kSmallThreads * 4,
         {heads, m.index(1)}, {coefficients, weights},
         [&](OpBuilder &b, ValueRange args) {
           KernelMath k(b, loc);
           Value c = args[0], out = args[1];
           Value head = blockId(b, loc, gpu::Dimension::x);
           Value n = memref::DimOp::create(b, loc, out, 1);
           Value tid = threadId(b, loc, gpu::Dimension::x);
           Value segment = k.ceilDiv(n, kSmallThreads);
           Value first = k.min(k.mul(tid, segment), n);
           Value last = k.min(k.add(first, segment), n);
           auto tap = [&](Value d) {
             return k.load(c, {head, k.sub(k.sub(n, 1), d)});
           };
           auto sumFrom = [&](Value start, bool write) {
             return forLoop(
                 b, loc, first, last, k.index(1), ValueRange{start},
                 [&](OpBuilder &, Location, Value d, ValueRange running) {
                   Value sum = k.add(running[0], tap(d));
                   if (write)
                     k.store(sum, out, {head, d});
                   return SmallVector<Value>{sum};
                 })[0];
           };
           Value partials =
               dynamicSharedBuffer(b, loc, {kSmallThreads}, b.getF32Type(), 0);
           memref::StoreOp::create(b, loc, sumFrom(k.f32(0.0), false), partials,
                                   tid);
           barrier(b, loc);
           Value prefix = forLoop(
               b, loc, k.index(0), tid, k.index(1), ValueRange{k.f32(0.0)},
               [&](OpBuilder &, Location, Value t, ValueRange acc) {
                 return SmallVector<Value>{k.add(
                     acc[0], memref::LoadOp::create(b, loc, partials, t))};
               })[0];
           sumFrom(prefix, true);
         });
}

/// The shared-memory form for M ≤ `capacity` points (see the file
/// comment).
void FftLowering::buildShared(int64_t capacity) {
  int64_t threads = sharedFftThreads(capacity);
  // The signal (re, im), then the main kernel's rows: N's column and V'.
  int64_t rowCapacity = std::max<int64_t>(capacity / 2, 1);
  int64_t signalBytes = 2 * capacity * 4;
  int64_t sharedBytes = signalBytes + 2 * rowCapacity * 4;
  auto sharedSignal = [&](OpBuilder &b, Value logM) {
    return SharedFft::inDynamicShared(b, loc, capacity, logM,
                                      indexConstant(b, loc, 0), threads);
  };

  // The spectrum of each head's reversed coefficients, scaled by 1/M.
  launch(
      "toeplitz_spectrum", threads, signalBytes, {heads, m.index(1)},
      {coefficients, spectrum, logPoints}, [&](OpBuilder &b, ValueRange args) {
        KernelMath k(b, loc);
        Value logM = kernelLogPoints(args[2]);
        SharedFft fft = sharedSignal(b, logM);
        Value head = blockId(b, loc, gpu::Dimension::x);
        Value n = k.div(k.add(memref::DimOp::create(b, loc, args[0], 1), 1), 2);
        Value points = fft.points();
        forEachInBlock(
            b, loc, points, threads, [&](OpBuilder &, Location, Value u) {
              fft.set(u, {reversedCoefficient(k, p, args[0], head, n, u),
                          k.f32(0.0)});
            });
        fft.forward(-1);
        Value scale = k.div(k.f32(1.0), indexToF32(b, loc, points));
        forEachInBlock(b, loc, points, threads,
                       [&](OpBuilder &, Location, Value j) {
                         Complex y = complexScale(k, fft.at(j), scale);
                         k.store(y.first, args[1], {head, k.index(0), j});
                         k.store(y.second, args[1], {head, k.index(1), j});
                       });
      });

  // A block per (column e, batch·head): N's column e, summed in shared
  // memory (each thread its own rows: registers would spill).
  SmallVector<Value> args = {queriesByFeature, keysByFeature, values,
                             spectrum,         sums,          logPoints};
  llvm::append_range(args, causalArgs());
  launch(
      "toeplitz_attention_fft", threads, sharedBytes,
      {m.index(p.columns()), bh}, args, [&](OpBuilder &b, ValueRange args) {
        KernelMath k(b, loc);
        Value fq = args[0], fk = args[1], v = args[2], spec = args[3],
              out = args[4];
        Value logM = kernelLogPoints(args[5]);
        Value n = memref::DimOp::create(b, loc, fq, 2);
        Value heads = memref::DimOp::create(b, loc, v, 1);
        Group group(
            k, p,
            k.add(k.mul(blockId(b, loc, gpu::Dimension::y), p.columns()),
                  blockId(b, loc, gpu::Dimension::x)),
            heads);
        GroupChannels channels(b, loc, p, n, group,
                               p.causal ? args[6] : Value(),
                               p.causal ? args[7] : Value());
        SharedFft fft = sharedSignal(b, logM);
        Type f32 = b.getF32Type();
        Value rowSums =
            dynamicSharedBuffer(b, loc, {rowCapacity}, f32, signalBytes);
        Value columnValues = dynamicSharedBuffer(b, loc, {rowCapacity}, f32,
                                                 signalBytes + rowCapacity * 4);
        auto forEachRow = [&](function_ref<void(Value)> body) {
          forEachInBlock(b, loc, n, threads,
                         [&](OpBuilder &, Location, Value i) { body(i); });
        };
        forEachRow([&](Value i) {
          memref::StoreOp::create(b, loc, k.f32(0.0), rowSums, i);
          memref::StoreOp::create(b, loc, channels.value(v, i), columnValues,
                                  i);
        });
        Value points = fft.points();
        forLoop(
            b, loc, k.index(0), k.index(p.pairs()), k.index(1),
            [&](OpBuilder &, Location, Value pair) {
              barrier(b, loc); // the previous pair's rows are read
              Complex mu = channels.means(pair);
              forEachUnrolled(
                  b, loc, points, threads, [&](Value t, Value inside) {
                    Value row = k.select(k.lt(t, n), t, k.index(0));
                    Value valueAt =
                        memref::LoadOp::create(b, loc, columnValues, row);
                    Complex x = channels.signal(fk, t, pair, valueAt, mu);
                    ifThen(b, loc, inside,
                           [&](OpBuilder &, Location) { fft.set(t, x); });
                  });
              fft.forward(-1);
              forEachUnrolled(
                  b, loc, points, threads, [&](Value j, Value inside) {
                    Value at = k.select(inside, j, k.index(0));
                    Complex c = {k.load(spec, {group.head, k.index(0), at}),
                                 k.load(spec, {group.head, k.index(1), at})};
                    Complex y = complexMul(k, fft.at(at), c);
                    ifThen(b, loc, inside,
                           [&](OpBuilder &, Location) { fft.set(j, y); });
                  });
              fft.inverse(+1);
              forEachUnrolled(b, loc, n, threads, [&](Value i, Value inside) {
                Value row = k.select(inside, i, k.index(0));
                Complex y = fft.at(k.add(k.sub(n, 1), row));
                Value sum = k.add(memref::LoadOp::create(b, loc, rowSums, row),
                                  channels.contract(fq, row, pair, y));
                ifThen(b, loc, inside, [&](OpBuilder &, Location) {
                  memref::StoreOp::create(b, loc, sum, rowSums, i);
                });
              });
            });
        forEachRow([&](Value i) {
          k.store(memref::LoadOp::create(b, loc, rowSums, i), out,
                  {group.batch, group.head, i, group.column});
        });
      });
}

namespace {
/// The four-step geometry inside a kernel: M = M1·M2, M1 = 16384, a block
/// of K = 16384/M2 columns; time t = n1 + M1·n2.
struct FourStep {
  KernelMath &m;
  Value logM, logRows, logColumns;

  FourStep(KernelMath &m, Value logM)
      : m(m), logM(logM), logRows(m.sub(logM, kLogBlockPoints)),
        logColumns(m.sub(m.index(2 * kLogBlockPoints), logM)) {}

  /// Element `idx` of a column block (row-major [M2, K]): its row (the
  /// position along n2) and its column n1.
  std::pair<Value, Value> rowAndColumn(Value idx) {
    Value row = m.shr(idx, logColumns);
    Value column =
        m.bitOr(m.shl(blockId(m.b, m.loc, gpu::Dimension::x), logColumns),
                m.bitAnd(idx, m.lowBits(logColumns)));
    return {row, column};
  }
  /// The offset of (row, n1) in a signal of the workspace: row·M1 + n1.
  Value offset(Value row, Value column) {
    return m.bitOr(m.shl(row, kLogBlockPoints), column);
  }
};
} // namespace

/// Loads signal `signal` of `work` ([S, 2, M]) at `offset`; stores.
static Complex loadComplex(KernelMath &m, Value work, Value signal,
                           Value offset) {
  return {m.load(work, {signal, m.index(0), offset}),
          m.load(work, {signal, m.index(1), offset})};
}
static void storeComplex(KernelMath &m, Complex value, Value work, Value signal,
                         Value offset) {
  m.store(value.first, work, {signal, m.index(0), offset});
  m.store(value.second, work, {signal, m.index(1), offset});
}

void FftLowering::buildFourStep() {
  int64_t threads = kMaxThreads;
  int64_t sharedBytes = 2 * kBlockPoints * 4;
  auto blockSignal = [&](OpBuilder &b, Value logLength, Value logBatch) {
    return SharedFft::inDynamicShared(b, loc, kBlockPoints, logLength, logBatch,
                                      threads);
  };
  auto forEachPoint = [&](OpBuilder &b, function_ref<void(Value)> body) {
    forEachInBlock(b, loc, kBlockPoints, threads,
                   [&](OpBuilder &, Location, Value i) { body(i); });
  };
  Value rows = m.pow2(m.sub(logPoints, kLogBlockPoints));

  // Step 1: column transforms of the signals into `work[signal]`. `body`
  // sets up the block's signal and calls its last argument with the
  // signal's value at time t.
  using SignalLoad = function_ref<Complex(Value)>;
  auto columns = [&](StringRef name, Value work, Value signals,
                     SmallVector<Value> args,
                     function_ref<void(OpBuilder &, ValueRange, Value signal,
                                       function_ref<void(SignalLoad)>)>
                         body) {
    args.push_back(work);
    args.push_back(logPoints);
    launch(name, threads, sharedBytes, {rows, signals}, args,
           [&](OpBuilder &b, ValueRange kernelArgs) {
             KernelMath k(b, loc);
             FourStep steps(k, kernelLogPoints(kernelArgs.back()));
             Value out = kernelArgs[kernelArgs.size() - 2];
             Value signal = blockId(b, loc, gpu::Dimension::y);
             body(b, kernelArgs, signal, [&](SignalLoad load) {
               SharedFft fft = blockSignal(b, steps.logRows, steps.logColumns);
               forEachPoint(b, [&](Value idx) {
                 auto [row, column] = steps.rowAndColumn(idx);
                 fft.set(idx, load(steps.offset(row, column)));
               });
               fft.forward(-1);
               forEachPoint(b, [&](Value idx) {
                 auto [row, column] = steps.rowAndColumn(idx);
                 storeComplex(k, fft.at(idx), out, signal,
                              steps.offset(row, column));
               });
             });
           });
  };

  // Step 2: a row (x) of each signal (y). With `head(signal)` null, the
  // spectrum itself: twiddle, transform, scale by 1/M.
  auto rowsOf =
      [&](StringRef name, Value signals, SmallVector<Value> args,
          function_ref<Value(KernelMath &, ValueRange, Value)> headOf) {
        launch(
            name, threads, sharedBytes, {rows, signals}, args,
            [&](OpBuilder &b, ValueRange kernelArgs) {
              KernelMath k(b, loc);
              Value work = kernelArgs[0];
              FourStep steps(k, kernelLogPoints(kernelArgs[1]));
              Value row = blockId(b, loc, gpu::Dimension::x);
              Value signal = blockId(b, loc, gpu::Dimension::y);
              Value frequency = bitReversed(b, loc, row, steps.logRows);
              SharedFft fft =
                  blockSignal(b, k.index(kLogBlockPoints), k.index(0));
              auto twiddle = [&](Value n1, int64_t sign) {
                return rootOfUnity(k, k.mul(n1, frequency), steps.logM, sign);
              };
              forEachPoint(b, [&](Value n1) {
                Complex x = loadComplex(k, work, signal, steps.offset(row, n1));
                fft.set(n1, complexMul(k, x, twiddle(n1, -1)));
              });
              fft.forward(-1);
              if (!headOf) {
                Value scale =
                    k.div(k.f32(1.0), indexToF32(b, loc, k.pow2(steps.logM)));
                forEachPoint(b, [&](Value j) {
                  storeComplex(k, complexScale(k, fft.at(j), scale), work,
                               signal, steps.offset(row, j));
                });
                return;
              }
              Value spec = kernelArgs[2];
              Value head = headOf(k, kernelArgs, signal);
              forEachPoint(b, [&](Value j) {
                Complex c = loadComplex(k, spec, head, steps.offset(row, j));
                fft.set(j, complexMul(k, fft.at(j), c));
              });
              fft.inverse(+1);
              forEachPoint(b, [&](Value n1) {
                storeComplex(k, complexMul(k, fft.at(n1), twiddle(n1, +1)),
                             work, signal, steps.offset(row, n1));
              });
            });
      };

  // The spectra, in place in `spectrum`.
  columns(
      "toeplitz_spectrum_columns", spectrum, heads, {coefficients},
      [&](OpBuilder &b, ValueRange args, Value head,
          function_ref<void(SignalLoad)> transform) {
        KernelMath k(b, loc);
        Value c = args[0];
        Value n = k.div(k.add(memref::DimOp::create(b, loc, c, 1), 1), 2);
        transform([&](Value t) {
          return Complex{reversedCoefficient(k, p, c, head, n, t), k.f32(0.0)};
        });
      });
  rowsOf("toeplitz_spectrum_rows", heads, {spectrum, logPoints}, nullptr);

  // Tiles of G groups.
  int64_t pairs = p.pairs();
  Value groups = m.mul(bh, p.columns());
  Value perGroupBytes = m.shl(m.index(8 * pairs), logPoints);
  Value tile = m.max(m.min(m.div(m.index(kWorkspaceBytes), perGroupBytes),
                           m.index(kMaxGridY / pairs)),
                     m.index(1));
  tile = m.min(tile, groups);
  Value work = allocBuffer(
      rewriter, loc,
      RankedTensorType::get({ShapedType::kDynamic, 2, ShapedType::kDynamic},
                            rewriter.getF32Type()),
      {m.mul(tile, pairs), m.pow2(logPoints)});
  forLoop(
      rewriter, loc, m.index(0), groups, tile,
      [&](OpBuilder &, Location, Value firstGroup) {
        Value count = m.min(tile, m.sub(groups, firstGroup));
        Value signals = m.mul(count, pairs);
        // Signal s of the tile: group firstGroup + s / P, pair s % P.
        SmallVector<Value> args = {keysByFeature, values, firstGroup};
        llvm::append_range(args, causalArgs());
        columns(
            "toeplitz_columns", work, signals, args,
            [&](OpBuilder &b, ValueRange kernelArgs, Value signal,
                function_ref<void(SignalLoad)> transform) {
              KernelMath k(b, loc);
              Value fk = kernelArgs[0], v = kernelArgs[1];
              auto [local, pair] = k.divRemSmall(signal, k.index(pairs));
              Group group(k, p, k.add(kernelArgs[2], local),
                          memref::DimOp::create(b, loc, v, 1));
              GroupChannels channels(b, loc, p,
                                     memref::DimOp::create(b, loc, fk, 2),
                                     group, p.causal ? kernelArgs[3] : Value(),
                                     p.causal ? kernelArgs[4] : Value());
              Complex mu = channels.means(pair);
              transform([&](Value t) {
                return channels.signal(fk, t, pair, channels.value(v, t), mu);
              });
            });
        rowsOf("toeplitz_rows", signals,
               {work, logPoints, spectrum, firstGroup, heads},
               [&](KernelMath &k, ValueRange kernelArgs, Value signal) {
                 Value group =
                     k.add(kernelArgs[3], k.div(signal, k.index(pairs)));
                 Value bhIndex = k.div(group, k.index(p.columns()));
                 return k.rem(bhIndex, kernelArgs[4]);
               });
        // Step 3: a block per K columns of a group, its N summed in
        // shared memory.
        launch(
            "toeplitz_accumulate", threads, 3 * kBlockPoints * 4, {rows, count},
            {queriesByFeature, work, sums, logPoints, firstGroup},
            [&](OpBuilder &b, ValueRange kernelArgs) {
              KernelMath k(b, loc);
              Value fq = kernelArgs[0], workspace = kernelArgs[1],
                    out = kernelArgs[2];
              FourStep steps(k, kernelLogPoints(kernelArgs[3]));
              Value local = blockId(b, loc, gpu::Dimension::y);
              Value n = memref::DimOp::create(b, loc, fq, 2);
              Group group(k, p, k.add(kernelArgs[4], local),
                          memref::DimOp::create(b, loc, out, 1));
              GroupChannels channels(b, loc, p, n, group);
              SharedFft fft = blockSignal(b, steps.logRows, steps.logColumns);
              Value pointSums = dynamicSharedBuffer(
                  b, loc, {kBlockPoints}, b.getF32Type(), sharedBytes);
              // Point idx: time t = n1 + M1·n2, row i = t − (L − 1),
              // in [0, L) or not.
              Value points = k.index(kBlockPoints);
              auto rowOf = [&](Value idx) {
                auto [row, column] = steps.rowAndColumn(idx);
                return k.sub(steps.offset(row, column), k.sub(n, 1));
              };
              auto forEachRow = [&](function_ref<void(Value, Value)> body) {
                forEachInBlock(
                    b, loc, points, threads,
                    [&](OpBuilder &, Location, Value idx) {
                      Value i = rowOf(idx);
                      ifThen(b, loc, k.lt(i, n),
                             [&](OpBuilder &, Location) { body(idx, i); });
                    });
              };
              forEachRow([&](Value idx, Value) {
                memref::StoreOp::create(b, loc, k.f32(0.0), pointSums, idx);
              });
              forLoop(
                  b, loc, k.index(0), k.index(pairs), k.index(1),
                  [&](OpBuilder &, Location, Value pair) {
                    barrier(b, loc);
                    Value signal = k.add(k.mul(local, pairs), pair);
                    // Rounds of forEachUnrolled, not fully unrolled: the
                    // invariant offsets would be hoisted out of the pair
                    // loop and spill.
                    forEachUnrolled(
                        b, loc, points, threads, [&](Value idx, Value) {
                          auto [row, column] = steps.rowAndColumn(idx);
                          Complex x = loadComplex(k, workspace, signal,
                                                  steps.offset(row, column));
                          fft.set(idx, x);
                        });
                    fft.inverse(+1);
                    forEachUnrolled(
                        b, loc, points, threads, [&](Value idx, Value) {
                          Value i = rowOf(idx);
                          Value inside = k.lt(i, n);
                          Value row = k.select(inside, i, k.index(0));
                          Value sum = k.add(
                              memref::LoadOp::create(b, loc, pointSums, idx),
                              channels.contract(fq, row, pair, fft.at(idx)));
                          ifThen(b, loc, inside, [&](OpBuilder &, Location) {
                            memref::StoreOp::create(b, loc, sum, pointSums,
                                                    idx);
                          });
                        });
                  });
              forEachRow([&](Value idx, Value i) {
                k.store(memref::LoadOp::create(b, loc, pointSums, idx), out,
                        {group.batch, group.head, i, group.column});
              });
            });
      });
}

/// out = N[:dv] / (N[dv] + eps); causally N plus the mean's share
/// S_i/L·φq_i·Σ_t φk_tᵀV'_t, a thread per row.
void FftLowering::buildNormalize() {
  if (!p.causal) {
    Value elements = m.mul(length, p.valueDim);
    launch("toeplitz_normalize", kSmallThreads, 0,
           {m.ceilDiv(elements, kSmallThreads), bh}, {sums, output},
           [&](OpBuilder &b, ValueRange args) {
             KernelMath k(b, loc);
             Value in = args[0], out = args[1];
             Value idx =
                 k.add(k.mul(blockId(b, loc, gpu::Dimension::x), kSmallThreads),
                       threadId(b, loc, gpu::Dimension::x));
             auto [seq, position] =
                 k.divRemSmall(blockId(b, loc, gpu::Dimension::y),
                               memref::DimOp::create(b, loc, in, 1));
             Value i = k.div(idx, p.valueDim), e = k.rem(idx, p.valueDim);
             ifThen(b, loc, k.lt(i, memref::DimOp::create(b, loc, in, 2)),
                    [&](OpBuilder &, Location) {
                      Value den = k.add(
                          k.load(in, {seq, position, i, k.index(p.valueDim)}),
                          k.f32(p.eps));
                      k.store(k.div(k.load(in, {seq, position, i, e}), den),
                              out, {seq, position, i, e});
                    });
           });
    return;
  }
  launch(
      "toeplitz_normalize_causal", kSmallThreads, 0,
      {m.ceilDiv(length, kSmallThreads), bh},
      {sums, output, queriesByFeature, totals.buffer, totals.slot, weights},
      [&](OpBuilder &b, ValueRange args) {
        KernelMath k(b, loc);
        Value in = args[0], out = args[1], fq = args[2], tot = args[3],
              slot = args[4], w = args[5];
        Value i =
            k.add(k.mul(blockId(b, loc, gpu::Dimension::x), kSmallThreads),
                  threadId(b, loc, gpu::Dimension::x));
        Value seq = blockId(b, loc, gpu::Dimension::y);
        auto [batchIndex, head] =
            k.divRemSmall(seq, memref::DimOp::create(b, loc, in, 1));
        Value n = memref::DimOp::create(b, loc, in, 2);
        ifThen(b, loc, k.lt(i, n), [&](OpBuilder &, Location) {
          Value weight = k.div(k.load(w, {head, i}), indexToF32(b, loc, n));
          auto meanShare = [&](Value e) {
            Value dot = forLoop(
                b, loc, k.index(0), k.index(p.features), k.index(1),
                ValueRange{k.f32(0.0)},
                [&](OpBuilder &, Location, Value f, ValueRange acc) {
                  Value total = memref::LoadOp::create(
                      b, loc, tot,
                      ValueRange{seq, slot, k.add(k.mul(f, p.columns()), e)});
                  return SmallVector<Value>{
                      k.fma(k.load(fq, {seq, f, i}), total, acc[0])};
                })[0];
            return k.mul(weight, dot);
          };
          auto sum = [&](Value e) {
            return k.add(k.load(in, {batchIndex, head, i, e}), meanShare(e));
          };
          Value den = k.add(sum(k.index(p.valueDim)), k.f32(p.eps));
          forLoop(b, loc, k.index(0), k.index(p.valueDim), k.index(1),
                  [&](OpBuilder &, Location, Value e) {
                    k.store(k.div(sum(e), den), out, {batchIndex, head, i, e});
                  });
        });
      });
}

LogicalResult FftLowering::build() {
  queries = bufferOf(rewriter, loc, op.getQueryFeatures());
  keys = bufferOf(rewriter, loc, op.getKeyFeatures());
  values = bufferOf(rewriter, loc, op.getValue());
  coefficients = bufferOf(rewriter, loc, op.getToeplitz());
  SmallVector<Value> dims = dimsOf(rewriter, loc, op.getQueryFeatures());
  batch = dims[0];
  heads = dims[1];
  length = dims[2];
  bh = m.mul(batch, heads);
  if (p.logPoints) {
    logPoints = m.index(*p.logPoints);
  } else {
    // ⌈log2(2L − 1)⌉, 0 for L ≤ 1.
    Value bits = ceilLog2(m, m.sub(m.shl(length, 1), 1));
    logPoints = m.select(m.le(length, m.index(1)), m.index(0), bits);
  }

  auto type = cast<RankedTensorType>(op.getType());
  auto shape = type.getShape();
  SmallVector<Value> dynamicSizes;
  for (auto [i, size] : llvm::enumerate(shape))
    if (ShapedType::isDynamic(size))
      dynamicSizes.push_back(dims[i]);
  output = allocBuffer(rewriter, loc, type, dynamicSizes);
  Type f32 = rewriter.getF32Type();
  sums = allocBuffer(
      rewriter, loc,
      RankedTensorType::get({shape[0], shape[1], shape[2], p.columns()}, f32),
      dynamicSizes);
  int64_t staticPoints =
      p.logPoints ? int64_t(1) << *p.logPoints : ShapedType::kDynamic;
  SmallVector<Value> spectrumSizes;
  if (ShapedType::isDynamic(shape[1]))
    spectrumSizes.push_back(heads);
  if (!p.logPoints)
    spectrumSizes.push_back(m.pow2(logPoints));
  spectrum = allocBuffer(
      rewriter, loc, RankedTensorType::get({shape[1], 2, staticPoints}, f32),
      spectrumSizes);
  // [B·H, m, L]: 2·B·H·L·m f32, the size of φq and φk.
  SmallVector<Value> byFeatureSizes;
  int64_t sequences = ShapedType::kDynamic;
  if (ShapedType::isDynamic(shape[0]) || ShapedType::isDynamic(shape[1]))
    byFeatureSizes.push_back(bh);
  else
    sequences = shape[0] * shape[1];
  if (ShapedType::isDynamic(shape[2]))
    byFeatureSizes.push_back(length);
  auto byFeature =
      RankedTensorType::get({sequences, p.features, shape[2]}, f32);
  queriesByFeature = allocBuffer(rewriter, loc, byFeature, byFeatureSizes);
  keysByFeature = allocBuffer(rewriter, loc, byFeature, byFeatureSizes);
  buildTranspose();
  if (p.causal) {
    totals = buildKeyTotals(rewriter, op, keys, values, p.features, p.valueDim);
    SmallVector<Value> weightSizes;
    if (ShapedType::isDynamic(shape[1]))
      weightSizes.push_back(heads);
    if (ShapedType::isDynamic(shape[2]))
      weightSizes.push_back(length);
    weights = allocBuffer(rewriter, loc,
                          RankedTensorType::get({shape[1], shape[2]}, f32),
                          weightSizes);
    buildCausalWeights();
  }

  if (p.logPoints) {
    if (*p.logPoints <= kLogBlockPoints)
      buildShared(int64_t(1) << *p.logPoints);
    else
      buildFourStep();
  } else {
    // The first shared capacity that holds M, else four steps.
    buildForCapacity(
        m, logPoints, kSharedCapacities,
        [&](int64_t capacity) { buildShared(capacity); },
        [&] { buildFourStep(); });
  }
  buildNormalize();
  rewriter.replaceOp(op, tensorOf(rewriter, loc, output));
  return success();
}

LogicalResult
gpu_lowering::lowerLinearAttentionViaFft(PatternRewriter &rewriter,
                                         LinearAttentionOp op) {
  auto queryType = op.getQueryFeatures().getType();
  Problem problem{queryType.getDimSize(3),
                  op.getValue().getType().getDimSize(3), op.getCausal(),
                  op.getEps().convertToDouble(), std::nullopt};
  int64_t length = queryType.getDimSize(2);
  if (!ShapedType::isDynamic(length)) {
    problem.logPoints =
        llvm::Log2_64_Ceil(std::max<int64_t>(2 * length - 1, 1));
    // Four steps of at most 16384 points each way.
    if (*problem.logPoints > 2 * kLogBlockPoints)
      return rewriter.notifyMatchFailure(
          op, "expected at most 2^27 tokens for the FFT form");
  }
  return FftLowering(rewriter, op, problem).build();
}
