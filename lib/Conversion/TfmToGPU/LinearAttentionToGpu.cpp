//===- LinearAttentionToGpu.cpp - tfm.linear_attention to CUDA kernels ----===//
//
// The sequence is cut into chunks of C rows; a block works on one chunk of
// one (batch, head). Values carry a last column of ones, so that every sum
// of value rows also sums the normalizer: with V' = [v, 1] (W = dv + 1
// columns), the numerator and denominator of
//   out_i = Σ_j w_ij (φq_i·φk_j) v_j / (Σ_j w_ij (φq_i·φk_j) + eps)
// are one row N_i = Σ_j w_ij (φq_i·φk_j) V'_j of W columns.
//
// - Without Toeplitz weights, φkᵀV' summarizes the keys ([m, W]):
//   1. each block sums its chunk's φkᵀV' into a workspace;
//   2. one thread per entry turns the chunk sums into exclusive prefix sums
//      along the chunks, and appends the total;
//   3. each block reads its chunk's prefix (causal) or the total, N_i =
//      φq_i·S, and, causally, adds its own chunk's masked score product.
//   Work is O(L·m·W) plus O(L·C·(m + W)) causally; every step is parallel.
// - With Toeplitz weights and impl direct, there is no summary: the block
//   walks every key chunk (those up to its own when causal), staging φk and
//   V' in shared memory and weighting the scores by c[h, L − 1 + j − i];
//   O(L²·(m + W)), computed directly in f32.
// - With Toeplitz weights and impl fft (or auto), the Toeplitz products go
//   through FFT convolutions: LinearAttentionFftToGpu.cpp.
//
// The op's `chunk` (the CPU's rows per chunk) does not change the result;
// the GPU picks its own chunk rows from the shared memory they need.
//
//===----------------------------------------------------------------------===//
#include "LinearAttentionGpu.h"
#include "SequenceKernelUtils.h"

#include <optional>

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

static constexpr int64_t kThreads = 256;
/// Rows per chunk, the first whose shared buffers fit kMaxSharedBytes.
static constexpr int64_t kChunkRows[] = {64, 32, 16};
static constexpr int64_t kMaxSharedBytes = 200 * 1024;

/// A row stride of at least `size` words that is odd, so that threads
/// reading a column of consecutive rows hit different banks.
static int64_t oddStride(int64_t size) { return size % 2 ? size : size + 1; }

namespace {
/// The static shapes of one lowering.
struct Geometry {
  int64_t features; // m
  int64_t valueDim; // dv
  int64_t rows;     // C
  int64_t columns() const { return valueDim + 1; }
  int64_t featureStride() const { return oddStride(features); }
  int64_t columnStride() const { return oddStride(columns()); }
  int64_t scoreStride() const { return oddStride(rows); }
  /// Q, K, V', the scores P, the sums N and the state S, in f32 words.
  int64_t sharedWords() const {
    return 2 * rows * featureStride() + 2 * rows * columnStride() +
           rows * scoreStride() + features * columnStride();
  }
  int64_t sharedBytes() const { return sharedWords() * 4; }
};

/// What the query kernel sums (see the file comment).
enum class StateTerm { None, Prefix, Total };
enum class KeyChunks { None, Own, All };

struct QueryKernelOptions {
  StateTerm state;
  KeyChunks keys;
  bool causal;
  bool toeplitz;
  double eps;
};

/// The block's shared buffers, views of the dynamic shared memory.
struct SharedChunk {
  Value queries, keys, values, scores, sums, state;

  SharedChunk(OpBuilder &b, Location loc, const Geometry &g) {
    Type f32 = b.getF32Type();
    int64_t offset = 0;
    auto next = [&](int64_t rows, int64_t stride) {
      Value view = dynamicSharedBuffer(b, loc, {rows, stride}, f32, offset);
      offset += rows * stride * 4;
      return view;
    };
    queries = next(g.rows, g.featureStride());
    keys = next(g.rows, g.featureStride());
    values = next(g.rows, g.columnStride());
    scores = next(g.rows, g.scoreStride());
    sums = next(g.rows, g.columnStride());
    state = next(g.features, g.columnStride());
  }
};

/// Kernel-side helpers shared by the three kernels. Operands are
/// [B, H, L, *] memrefs; the block's (batch, head) is blockIdx.y.
class ChunkKernelBuilder {
public:
  ChunkKernelBuilder(OpBuilder &b, Location loc, const Geometry &g,
                     Value anyOperand)
      : b(b), loc(loc), m(b, loc), g(g) {
    Value bh = blockId(b, loc, gpu::Dimension::y);
    Value heads = memref::DimOp::create(b, loc, anyOperand, 1);
    std::tie(batch, head) = m.divRemSmall(bh, heads);
    length = memref::DimOp::create(b, loc, anyOperand, 2);
  }

  OpBuilder &b;
  Location loc;
  KernelMath m;
  const Geometry &g;
  Value batch, head, length;

  void forEach(int64_t count, function_ref<void(Value)> body) {
    forEachInBlock(b, loc, count, kThreads,
                   [&](OpBuilder &, Location, Value i) { body(i); });
  }
  /// (row, column) over a [rows, columns] tile, consecutive threads along
  /// a row.
  void forEach2d(int64_t rows, int64_t columns,
                 function_ref<void(Value, Value)> body) {
    forEach(rows * columns,
            [&](Value i) { body(m.div(i, columns), m.rem(i, columns)); });
  }
  Value sharedAt(Value buffer, Value row, Value column) {
    return memref::LoadOp::create(b, loc, buffer, ValueRange{row, column});
  }
  void setShared(Value value, Value buffer, Value row, Value column) {
    memref::StoreOp::create(b, loc, value, buffer, ValueRange{row, column});
  }

  /// Copies rows [first, first + C) of `source` ([B, H, L, width]) into
  /// `buffer`, zeros past L; with `ones`, column `width` is 1 on rows that
  /// exist (V').
  void stageRows(Value source, Value buffer, Value first, int64_t width,
                 bool ones) {
    int64_t columns = ones ? width + 1 : width;
    forEach2d(g.rows, columns, [&](Value row, Value column) {
      Value time = m.add(first, row);
      Value exists = m.lt(time, length);
      Value value =
          m.load(source, {batch, head, m.select(exists, time, m.index(0)),
                          m.min(column, width - 1)});
      if (ones)
        value = m.select(m.lt(column, width), value, m.f32(1.0));
      setShared(m.orZero(exists, value), buffer, row, column);
    });
  }
};

/// Kernel 1: the chunk's φkᵀV' into workspace[bh, chunk, f·W + e].
static void buildKeySummary(OpBuilder &b, Location loc, const Geometry &g,
                            ValueRange args) {
  Value keys = args[0], values = args[1], workspace = args[2];
  ChunkKernelBuilder k(b, loc, g, keys);
  KernelMath &m = k.m;
  SharedChunk shared(b, loc, g);
  Value chunk = blockId(b, loc, gpu::Dimension::x);
  Value first = m.mul(chunk, g.rows);
  k.stageRows(keys, shared.keys, first, g.features, false);
  k.stageRows(values, shared.values, first, g.valueDim, true);
  barrier(b, loc);
  Value bh = blockId(b, loc, gpu::Dimension::y);
  k.forEach2d(g.features, g.columns(), [&](Value f, Value e) {
    Value sum = forLoop(b, loc, m.index(0), m.index(g.rows), m.index(1),
                        ValueRange{m.f32(0.0)},
                        [&](OpBuilder &, Location, Value j, ValueRange acc) {
                          return SmallVector<Value>{
                              m.fma(k.sharedAt(shared.keys, j, f),
                                    k.sharedAt(shared.values, j, e), acc[0])};
                        })[0];
    memref::StoreOp::create(
        b, loc, sum, workspace,
        ValueRange{bh, chunk, m.add(m.mul(f, g.columns()), e)});
  });
}

/// Kernel 2: exclusive prefix sums of the chunk summaries, the total in
/// slot `chunks`. A thread per entry (blockIdx.x·256 + threadIdx.x).
static void buildPrefixSums(OpBuilder &b, Location loc, const Geometry &g,
                            ValueRange args) {
  Value workspace = args[0], chunks = args[1];
  KernelMath m(b, loc);
  Value bh = blockId(b, loc, gpu::Dimension::y);
  Value entry = m.add(m.mul(blockId(b, loc, gpu::Dimension::x), kThreads),
                      threadId(b, loc, gpu::Dimension::x));
  ifThen(b, loc, m.lt(entry, g.features * g.columns()),
         [&](OpBuilder &, Location) {
           Value total = forLoop(
               b, loc, m.index(0), chunks, m.index(1), ValueRange{m.f32(0.0)},
               [&](OpBuilder &, Location, Value c, ValueRange running) {
                 SmallVector<Value> at = {bh, c, entry};
                 Value sum = memref::LoadOp::create(b, loc, workspace, at);
                 memref::StoreOp::create(b, loc, running[0], workspace, at);
                 return SmallVector<Value>{m.add(running[0], sum)};
               })[0];
           memref::StoreOp::create(b, loc, total, workspace,
                                   ValueRange{bh, chunks, entry});
         });
}

/// Kernel 3: the block's chunk of queries, its sums N and the output.
/// args: φq, φk, v, output, then the workspace (state terms), then the
/// coefficients (Toeplitz).
static void buildQueries(OpBuilder &b, Location loc, const Geometry &g,
                         const QueryKernelOptions &options, ValueRange args) {
  Value queries = args[0], keys = args[1], values = args[2], output = args[3];
  unsigned next = 4;
  Value workspace = options.state != StateTerm::None ? args[next++] : Value();
  Value coefficients = options.toeplitz ? args[next++] : Value();
  ChunkKernelBuilder k(b, loc, g, queries);
  KernelMath &m = k.m;
  SharedChunk shared(b, loc, g);
  Value chunk = blockId(b, loc, gpu::Dimension::x);
  Value first = m.mul(chunk, g.rows);
  k.stageRows(queries, shared.queries, first, g.features, false);

  // N = φq·S, or zeros.
  if (options.state != StateTerm::None) {
    // The prefix of the block's chunk, or the total in the last slot.
    Value slot = chunk;
    if (options.state == StateTerm::Total)
      slot = m.sub(memref::DimOp::create(b, loc, workspace, 1), 1);
    Value bh = blockId(b, loc, gpu::Dimension::y);
    k.forEach2d(g.features, g.columns(), [&](Value f, Value e) {
      Value value = memref::LoadOp::create(
          b, loc, workspace,
          ValueRange{bh, slot, m.add(m.mul(f, g.columns()), e)});
      k.setShared(value, shared.state, f, e);
    });
    barrier(b, loc);
  }
  k.forEach2d(g.rows, g.columns(), [&](Value i, Value e) {
    Value sum = m.f32(0.0);
    if (options.state != StateTerm::None)
      sum = forLoop(b, loc, m.index(0), m.index(g.features), m.index(1),
                    ValueRange{sum},
                    [&](OpBuilder &, Location, Value f, ValueRange acc) {
                      return SmallVector<Value>{
                          m.fma(k.sharedAt(shared.queries, i, f),
                                k.sharedAt(shared.state, f, e), acc[0])};
                    })[0];
    k.setShared(sum, shared.sums, i, e);
  });

  // N += Σ_j w_ij (φq_i·φk_j) V'_j over the key chunks; each thread owns
  // the same entries of N as above, so the additions need no barrier.
  auto addKeyChunk = [&](Value keyChunk) {
    Value keyFirst = m.mul(keyChunk, g.rows);
    barrier(b, loc); // the previous chunk's readers are done
    k.stageRows(keys, shared.keys, keyFirst, g.features, false);
    k.stageRows(values, shared.values, keyFirst, g.valueDim, true);
    barrier(b, loc);
    k.forEach2d(g.rows, g.rows, [&](Value i, Value j) {
      Value score =
          forLoop(b, loc, m.index(0), m.index(g.features), m.index(1),
                  ValueRange{m.f32(0.0)},
                  [&](OpBuilder &, Location, Value f, ValueRange acc) {
                    return SmallVector<Value>{
                        m.fma(k.sharedAt(shared.queries, i, f),
                              k.sharedAt(shared.keys, j, f), acc[0])};
                  })[0];
      Value query = m.add(first, i), key = m.add(keyFirst, j);
      if (options.toeplitz) {
        // c[h, L − 1 + key − query], clamped for rows past L (zeros).
        Value lastKey = m.sub(k.length, 1);
        Value inRange = m.both(m.lt(query, k.length), m.lt(key, k.length));
        Value tap = m.sub(m.add(lastKey, m.select(inRange, key, query)), query);
        score = m.mul(score, m.load(coefficients, {k.head, tap}));
      }
      if (options.causal)
        score = m.orZero(m.le(key, query), score);
      k.setShared(score, shared.scores, i, j);
    });
    barrier(b, loc);
    k.forEach2d(g.rows, g.columns(), [&](Value i, Value e) {
      Value sum = forLoop(b, loc, m.index(0), m.index(g.rows), m.index(1),
                          ValueRange{k.sharedAt(shared.sums, i, e)},
                          [&](OpBuilder &, Location, Value j, ValueRange acc) {
                            return SmallVector<Value>{
                                m.fma(k.sharedAt(shared.scores, i, j),
                                      k.sharedAt(shared.values, j, e), acc[0])};
                          })[0];
      k.setShared(sum, shared.sums, i, e);
    });
  };
  if (options.keys == KeyChunks::Own)
    addKeyChunk(chunk);
  if (options.keys == KeyChunks::All) {
    Value keyChunks =
        options.causal ? m.add(chunk, 1) : m.ceilDiv(k.length, g.rows);
    forLoop(
        b, loc, m.index(0), keyChunks, m.index(1),
        [&](OpBuilder &, Location, Value keyChunk) { addKeyChunk(keyChunk); });
  }

  // out_i = N_i[:dv] / (N_i[dv] + eps), rows that exist.
  barrier(b, loc);
  k.forEach2d(g.rows, g.valueDim, [&](Value i, Value e) {
    Value query = m.add(first, i);
    ifThen(b, loc, m.lt(query, k.length), [&](OpBuilder &, Location) {
      Value denominator = m.add(k.sharedAt(shared.sums, i, m.index(g.valueDim)),
                                m.f32(options.eps));
      m.store(m.div(k.sharedAt(shared.sums, i, e), denominator), output,
              {k.batch, k.head, query, e});
    });
  });
}

/// The geometry of the first chunk size whose shared buffers fit.
static std::optional<Geometry> chooseGeometry(int64_t features,
                                              int64_t valueDim) {
  for (int64_t rows : kChunkRows) {
    Geometry candidate{features, valueDim, rows};
    if (candidate.sharedBytes() <= kMaxSharedBytes)
      return candidate;
  }
  return std::nullopt;
}

/// Creates a kernel of kThreads threads whose body `body` builds, and
/// launches it on `grid` (x, y) with `args`.
static void launch(PatternRewriter &rewriter, Operation *op, StringRef name,
                   int64_t sharedBytes, std::array<Value, 2> grid,
                   ValueRange args,
                   function_ref<void(OpBuilder &, ValueRange)> body) {
  Location loc = op->getLoc();
  std::array<int64_t, 3> block = {kThreads, 1, 1};
  gpu::GPUFuncOp kernel;
  {
    OpBuilder::InsertionGuard guard(rewriter);
    kernel = createKernel(rewriter, op, name, args.getTypes(), {}, block);
    body(rewriter, kernel.getArguments());
  }
  launchKernel(rewriter, loc, kernel,
               {grid[0], grid[1], indexConstant(rewriter, loc, 1)}, block,
               sharedBytes, args);
}

/// Launches kernels 1 and 2 over `chunks` chunks of B·H = `bh` sequences;
/// returns the workspace [B·H, chunks + 1, m·W]: the exclusive prefix sums
/// of the chunk summaries, the total in slot `chunks`.
static Value buildChunkPrefixes(PatternRewriter &rewriter, Operation *op,
                                const Geometry &g, Value keys, Value values,
                                Value bh, Value chunks) {
  Location loc = op->getLoc();
  KernelMath m(rewriter, loc);
  Value workspace = allocBuffer(
      rewriter, loc,
      RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic,
                             g.features * g.columns()},
                            rewriter.getF32Type()),
      {bh, m.add(chunks, 1)});
  launch(
      rewriter, op, "linear_attention_key_summary", g.sharedBytes(),
      {chunks, bh}, {keys, values, workspace},
      [&](OpBuilder &b, ValueRange args) { buildKeySummary(b, loc, g, args); });
  launch(rewriter, op, "linear_attention_prefix_sums", 0,
         {m.index(llvm::divideCeil(g.features * g.columns(), kThreads)), bh},
         {workspace, chunks}, [&](OpBuilder &b, ValueRange args) {
           buildPrefixSums(b, loc, g, args);
         });
  return workspace;
}

struct LinearAttentionToGpu : OpRewritePattern<LinearAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t features = op.getQueryFeatures().getType().getDimSize(3);
    int64_t valueDim = op.getValue().getType().getDimSize(3);
    if (ShapedType::isDynamic(features) || ShapedType::isDynamic(valueDim))
      return rewriter.notifyMatchFailure(
          op, "expected static feature and value dims");
    bool toeplitz = bool(op.getToeplitz());
    if (toeplitz && op.getImpl() != LinearAttentionImpl::direct)
      return lowerLinearAttentionViaFft(rewriter, op);
    std::optional<Geometry> geometry = chooseGeometry(features, valueDim);
    if (!geometry)
      return rewriter.notifyMatchFailure(
          op, "feature and value dims too large for a chunk in shared memory");
    const Geometry &g = *geometry;

    KernelMath m(rewriter, loc);
    bool causal = op.getCausal();
    SmallVector<Value> dims = dimsOf(rewriter, loc, op.getQueryFeatures());
    Value bh = m.mul(dims[0], dims[1]);
    Value chunks = m.ceilDiv(dims[2], g.rows);
    Value output = allocBufferOfSizes(
        rewriter, loc, cast<RankedTensorType>(op.getType()), dims);
    Value queries = bufferOf(rewriter, loc, op.getQueryFeatures());
    Value keys = bufferOf(rewriter, loc, op.getKeyFeatures());
    Value values = bufferOf(rewriter, loc, op.getValue());

    QueryKernelOptions options{StateTerm::None, KeyChunks::All, causal,
                               toeplitz, op.getEps().convertToDouble()};
    SmallVector<Value> queryArgs = {queries, keys, values, output};
    if (toeplitz) {
      queryArgs.push_back(bufferOf(rewriter, loc, op.getToeplitz()));
    } else {
      // The chunk summaries, then their prefix sums and total.
      Value workspace =
          buildChunkPrefixes(rewriter, op, g, keys, values, bh, chunks);
      options.state = causal ? StateTerm::Prefix : StateTerm::Total;
      options.keys = causal ? KeyChunks::Own : KeyChunks::None;
      queryArgs.push_back(workspace);
    }
    launch(rewriter, op, "linear_attention", g.sharedBytes(), {chunks, bh},
           queryArgs, [&](OpBuilder &b, ValueRange args) {
             buildQueries(b, loc, g, options, args);
           });
    rewriter.replaceOp(op, tensorOf(rewriter, loc, output));
    return success();
  }
};
} // namespace

KeyTotals gpu_lowering::buildKeyTotals(PatternRewriter &rewriter, Operation *op,
                                       Value keys, Value values,
                                       int64_t features, int64_t valueDim) {
  Location loc = op->getLoc();
  KernelMath m(rewriter, loc);
  // Summaries of 16-row chunks need the least shared memory; the FFT
  // lowering accepts any feature and value dims.
  Geometry g{features, valueDim, kChunkRows[std::size(kChunkRows) - 1]};
  Value bh = m.mul(memref::DimOp::create(rewriter, loc, keys, 0),
                   memref::DimOp::create(rewriter, loc, keys, 1));
  Value chunks =
      m.ceilDiv(memref::DimOp::create(rewriter, loc, keys, 2), g.rows);
  return {buildChunkPrefixes(rewriter, op, g, keys, values, bh, chunks),
          chunks};
}

void gpu_lowering::populateLinearAttentionToGpuPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LinearAttentionToGpu>(patterns.getContext());
}
