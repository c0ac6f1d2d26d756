//===- PointwiseToGpu.cpp - activations, embeddings, feature maps to CUDA -===//
//
// Activations and the relu / elu+1 feature maps are elementwise kernels
// (one thread per 16-byte run, PointwiseKernels.h). The embedding gather
// copies table rows run by run. Performer's random features are a small
// GEMM with an exponential epilogue: each thread owns one feature for a
// tile of rows, so each projection row is read once per tile and the input
// rows are broadcast across the warp. Norms and rope have files of their
// own (NormToGpu.cpp, RopeToGpu.cpp).
//
//===----------------------------------------------------------------------===//
#include "../TfmToLinalg/LoweringUtils.h"
#include "PointwiseKernels.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

namespace {
struct ActivationToGpu : OpRewritePattern<ActivationOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ActivationOp op,
                                PatternRewriter &rewriter) const override {
    ActivationKind kind = op.getKind();
    std::string name = "activation_" + stringifyActivationKind(kind).str() +
                       "_" + typeSuffix(op.getType().getElementType());
    replaceWithElementwiseKernel(
        rewriter, op, name, op.getInput(), {},
        [&](OpBuilder &b, Location loc, ValueRange runs, Value, ValueRange) {
          return mapElements(b, loc, runs.front(), [&](Value x) {
            return emitActivation(b, loc, kind, x);
          });
        });
    return success();
  }
};

struct EmbeddingToGpu : OpRewritePattern<EmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;

  static constexpr int64_t kBlock = 256;

  /// out[t, :] = table[clamp(ids[t], 0, V - 1), :], one thread per run of a
  /// row. The clamp keeps a bad id from reading outside the table, as on the
  /// CPU (model entry points reject such ids before running).
  LogicalResult matchAndRewrite(EmbeddingOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type elementType = resultType.getElementType();
    int64_t features = op.getTable().getType().getDimSize(1);
    int64_t width = runWidth(elementType, {features});

    SmallVector<Value> dims = dimsOf(rewriter, loc, op.getIds());
    Value featureCount = dimsOf(rewriter, loc, op.getTable())[1];
    dims.push_back(featureCount);
    Value output = allocBufferOfSizes(rewriter, loc, resultType, dims);
    OpFoldResult tokens = productOf(rewriter, loc, ArrayRef(dims).drop_back());
    Value table = bufferOf(rewriter, loc, op.getTable());
    Value ids = contiguousView(rewriter, loc,
                               bufferOf(rewriter, loc, op.getIds()), tokens);
    Value rows = contiguousView(rewriter, loc, output,
                                {tokens, getAsOpFoldResult(featureCount)});
    SmallVector<Value> args = {table, ids, rows};

    std::array<int64_t, 3> block = {kBlock, 1, 1};
    gpu::GPUFuncOp kernel;
    {
      OpBuilder::InsertionGuard guard(rewriter);
      kernel =
          createKernel(rewriter, op, "embedding_" + typeSuffix(elementType),
                       TypeRange(ValueRange(args)), {}, block);
      OpBuilder &b = rewriter;
      Value tableArg = kernel.getArgument(0), idsArg = kernel.getArgument(1),
            rowsArg = kernel.getArgument(2);
      Value runsPerRow = arith::DivUIOp::create(
          b, loc, memref::DimOp::create(b, loc, tableArg, 1),
          indexConstant(b, loc, width));
      Value thread = globalThreadId(b, loc, kBlock);
      Value inBounds = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::ult, thread,
          arith::MulIOp::create(
              b, loc, memref::DimOp::create(b, loc, idsArg, 0), runsPerRow));
      auto ifInBounds = scf::IfOp::create(b, loc, inBounds, false);
      b.setInsertionPointToStart(ifInBounds.thenBlock());
      Value token = arith::DivUIOp::create(b, loc, thread, runsPerRow);
      Value column = arith::MulIOp::create(
          b, loc, arith::RemUIOp::create(b, loc, thread, runsPerRow),
          indexConstant(b, loc, width));
      Value id = arith::IndexCastOp::create(
          b, loc, b.getIndexType(),
          memref::LoadOp::create(b, loc, idsArg, token));
      Value lastId = arith::SubIOp::create(
          b, loc, memref::DimOp::create(b, loc, tableArg, 0),
          indexConstant(b, loc, 1));
      id = arith::MinSIOp::create(
          b, loc, arith::MaxSIOp::create(b, loc, id, indexConstant(b, loc, 0)),
          lastId);
      emitRunAccessVariants(
          b, loc, {tableArg, rowsArg}, width, elementType,
          [&](bool vectorized) {
            Value run =
                loadRun(b, loc, tableArg, {id, column}, width, vectorized);
            storeRun(b, loc, run, rowsArg, {token, column}, vectorized);
          });
    }
    Value runs = arith::MulIOp::create(
        rewriter, loc, getValueOrCreateConstantIndexOp(rewriter, loc, tokens),
        arith::DivUIOp::create(rewriter, loc, featureCount,
                               indexConstant(rewriter, loc, width)));
    Value one = indexConstant(rewriter, loc, 1);
    launchKernel(rewriter, loc, kernel,
                 {gridFor(rewriter, loc, runs, kBlock), one, one}, block, 0,
                 args);
    rewriter.replaceOp(op, tensorOf(rewriter, loc, output));
    return success();
  }
};

struct FeatureMapToGpu : OpRewritePattern<FeatureMapOp> {
  using OpRewritePattern::OpRewritePattern;

  /// Performer: threads of a block own consecutive features, each for
  /// kRowTile rows at once.
  static constexpr int64_t kFeatureBlock = 128;
  static constexpr int64_t kRowTile = 8;

  LogicalResult matchAndRewrite(FeatureMapOp op,
                                PatternRewriter &rewriter) const override {
    std::string suffix = typeSuffix(op.getType().getElementType());
    switch (op.getKind()) {
    case FeatureMapKind::relu:
      replaceWithElementwiseKernel(
          rewriter, op, "feature_map_relu_" + suffix, op.getInput(), {},
          [](OpBuilder &b, Location loc, ValueRange runs, Value, ValueRange) {
            return emitActivation(b, loc, ActivationKind::relu, runs.front());
          });
      return success();
    case FeatureMapKind::elu_plus_one:
      replaceWithElementwiseKernel(
          rewriter, op, "feature_map_elu_plus_one_" + suffix, op.getInput(), {},
          [](OpBuilder &b, Location loc, ValueRange runs, Value, ValueRange) {
            return mapElements(b, loc, runs.front(), [&](Value x) {
              return arith::AddFOp::create(
                         b, loc, emitActivation(b, loc, ActivationKind::elu, x),
                         f32Constant(b, loc, 1.0))
                  .getResult();
            });
          });
      return success();
    case FeatureMapKind::performer:
      rewritePerformer(op, rewriter);
      return success();
    }
    llvm_unreachable("unknown feature map");
  }

private:
  /// exp(W·x − ‖x‖²/2)/√m for x `[..., d]` and W `[m, d]`.
  static void rewritePerformer(FeatureMapOp op, PatternRewriter &rewriter) {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type elementType = resultType.getElementType();
    RankedTensorType projectionType = op.getProjection().getType();
    int64_t depth = op.getInput().getType().getShape().back();
    if (ShapedType::isDynamic(depth))
      depth = projectionType.getDimSize(1);
    int64_t width = runWidth(elementType, {depth});
    int64_t features = projectionType.getDimSize(0);

    SmallVector<Value> inputDims = dimsOf(rewriter, loc, op.getInput());
    Value featureCount = dimsOf(rewriter, loc, op.getProjection())[0];
    SmallVector<Value> outputDims(inputDims);
    outputDims.back() = featureCount;
    Value output = allocBufferOfSizes(rewriter, loc, resultType, outputDims);
    OpFoldResult rows =
        productOf(rewriter, loc, ArrayRef(inputDims).drop_back());
    Value input =
        contiguousView(rewriter, loc, bufferOf(rewriter, loc, op.getInput()),
                       {rows, getAsOpFoldResult(inputDims.back())});
    Value projection = bufferOf(rewriter, loc, op.getProjection());
    Value outputRows = contiguousView(rewriter, loc, output,
                                      {rows, getAsOpFoldResult(featureCount)});
    SmallVector<Value> args = {input, projection, outputRows};

    std::array<int64_t, 3> block = {kFeatureBlock, 1, 1};
    gpu::GPUFuncOp kernel;
    {
      OpBuilder::InsertionGuard guard(rewriter);
      kernel = createKernel(rewriter, op,
                            "feature_map_performer_" + typeSuffix(elementType),
                            TypeRange(ValueRange(args)), {}, block);
      buildPerformerKernel(rewriter, loc, kernel, width, features);
    }
    Value one = indexConstant(rewriter, loc, 1);
    launchKernel(rewriter, loc, kernel,
                 {gridFor(rewriter, loc,
                          getValueOrCreateConstantIndexOp(rewriter, loc, rows),
                          kRowTile),
                  gridFor(rewriter, loc, featureCount, kFeatureBlock), one},
                 block, 0, args);
    rewriter.replaceOp(op, tensorOf(rewriter, loc, output));
  }

  /// acc + Σ a[e]·b[e] as a chain of FMAs.
  static Value dotAccumulate(OpBuilder &b, Location loc, Value acc, Value lhs,
                             Value rhs) {
    int64_t width = cast<VectorType>(lhs.getType()).getNumElements();
    for (int64_t e = 0; e < width; ++e)
      acc =
          math::FmaOp::create(b, loc, vector::ExtractOp::create(b, loc, lhs, e),
                              vector::ExtractOp::create(b, loc, rhs, e), acc);
    return acc;
  }

  static void buildPerformerKernel(OpBuilder &b, Location loc,
                                   gpu::GPUFuncOp kernel, int64_t width,
                                   int64_t staticFeatures) {
    Value input = kernel.getArgument(0), projection = kernel.getArgument(1),
          output = kernel.getArgument(2);
    Type elementType = cast<MemRefType>(input.getType()).getElementType();
    Value rowCount = memref::DimOp::create(b, loc, input, 0);
    Value depth = memref::DimOp::create(b, loc, input, 1);
    Value featureCount = memref::DimOp::create(b, loc, projection, 0);
    Value feature = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, blockId(b, loc, gpu::Dimension::y),
                              indexConstant(b, loc, kFeatureBlock)),
        threadId(b, loc, gpu::Dimension::x));
    Value firstRow =
        arith::MulIOp::create(b, loc, blockId(b, loc, gpu::Dimension::x),
                              indexConstant(b, loc, kRowTile));
    Value active = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, feature,
                              featureCount),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, firstRow,
                              rowCount));
    auto ifActive = scf::IfOp::create(b, loc, active, false);
    b.setInsertionPointToStart(ifActive.thenBlock());

    // Rows past the end of the last tile read the last row (in bounds) and
    // store nothing.
    Value lastRow =
        arith::SubIOp::create(b, loc, rowCount, indexConstant(b, loc, 1));
    SmallVector<Value> tileRows;
    for (int64_t r = 0; r < kRowTile; ++r)
      tileRows.push_back(arith::MinUIOp::create(
          b, loc,
          arith::AddIOp::create(b, loc, firstRow, indexConstant(b, loc, r)),
          lastRow));
    Value invSqrtFeatures =
        ShapedType::isDynamic(staticFeatures)
            ? Value(math::RsqrtOp::create(
                  b, loc,
                  arith::UIToFPOp::create(
                      b, loc, b.getF32Type(),
                      arith::IndexCastUIOp::create(b, loc, b.getI64Type(),
                                                   featureCount))))
            : f32Constant(b, loc, 1.0 / std::sqrt(double(staticFeatures)));

    emitRunAccessVariants(
        b, loc, {input, projection}, width, elementType, [&](bool vectorized) {
          // Iteration values: the projections, then the squared norms.
          SmallVector<Value> init(2 * kRowTile, f32Constant(b, loc, 0.0));
          auto loop = scf::ForOp::create(
              b, loc, indexConstant(b, loc, 0), depth,
              indexConstant(b, loc, width), init,
              [&](OpBuilder &nb, Location nl, Value k, ValueRange sums) {
                Value weights = loadRun(nb, nl, projection, {feature, k}, width,
                                        vectorized);
                SmallVector<Value> next;
                SmallVector<Value> norms;
                for (int64_t r = 0; r < kRowTile; ++r) {
                  Value x = loadRun(nb, nl, input, {tileRows[r], k}, width,
                                    vectorized);
                  next.push_back(dotAccumulate(nb, nl, sums[r], x, weights));
                  norms.push_back(
                      dotAccumulate(nb, nl, sums[kRowTile + r], x, x));
                }
                next.append(norms);
                scf::YieldOp::create(nb, nl, next);
              });
          Value half = f32Constant(b, loc, 0.5);
          for (int64_t r = 0; r < kRowTile; ++r) {
            Value row = arith::AddIOp::create(b, loc, firstRow,
                                              indexConstant(b, loc, r));
            Value rowInBounds = arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::ult, row, rowCount);
            auto ifRow = scf::IfOp::create(b, loc, rowInBounds, false);
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPointToStart(ifRow.thenBlock());
            Value exponent = arith::SubFOp::create(
                b, loc, loop.getResult(r),
                arith::MulFOp::create(b, loc, loop.getResult(kRowTile + r),
                                      half));
            Value mapped = arith::MulFOp::create(
                b, loc, math::ExpOp::create(b, loc, exponent), invSqrtFeatures);
            storeF32(b, loc, mapped, output, {row, feature});
          }
        });
  }
};
} // namespace

void gpu_lowering::populatePointwiseToGpuPatterns(RewritePatternSet &patterns) {
  patterns.add<ActivationToGpu, EmbeddingToGpu, FeatureMapToGpu>(
      patterns.getContext());
  populateNormToGpuPatterns(patterns);
  populateRopeToGpuPatterns(patterns);
}
