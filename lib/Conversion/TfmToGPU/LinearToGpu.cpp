//===- LinearToGpu.cpp - tfm.linear to CUDA kernels -----------------------===//
//
// tfm.linear becomes one launch of a GEMM kernel with the epilogue fused
// (LinearKernels.h): x's leading dims fold into M (the kernel indexes the
// row-major buffers directly, so no reshape is needed), the grid covers the
// output [M, N] in the kernel's tiles. With 16-bit storage the host picks,
// by M at run time, the weight-streaming kernel (M <= 16) or the
// tensor-core one.
//
//===----------------------------------------------------------------------===//
#include "LinearKernels.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

static bool isTensorCoreType(Type type) {
  return type.isBF16() || type.isF16();
}

static MemRefType memrefOf(Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  return MemRefType::get(type.getShape(), type.getElementType());
}

namespace {
struct LinearToGpu : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Value bias = op.getBias(), residual = op.getResidual();
    LinearSpec spec;
    spec.inputType = memrefOf(op.getInput());
    spec.weightType = memrefOf(op.getWeight());
    spec.biasType = bias ? memrefOf(bias) : MemRefType();
    spec.residualType = residual ? memrefOf(residual) : MemRefType();
    spec.outputType = memrefOf(op.getResult());
    spec.act = op.getAct();
    spec.gated = op.getGated();

    SmallVector<Value> inputDims = dimsOf(rewriter, loc, op.getInput());
    Value rows = indexConstant(rewriter, loc, 1);
    for (Value dim : ArrayRef<Value>(inputDims).drop_back())
      rows = arith::MulIOp::create(rewriter, loc, rows, dim);
    Value depth = inputDims.back();
    Value columns = dimsOf(rewriter, loc, op.getWeight()).front();
    if (spec.gated)
      columns = arith::DivUIOp::create(rewriter, loc, columns,
                                       indexConstant(rewriter, loc, 2));

    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < resultType.getRank(); ++d)
      if (resultType.isDynamicDim(d))
        dynamicSizes.push_back(d + 1 < resultType.getRank() ? inputDims[d]
                                                            : columns);
    Value output = allocBuffer(rewriter, loc, resultType, dynamicSizes);
    SmallVector<Value> args = {bufferOf(rewriter, loc, op.getInput()),
                               bufferOf(rewriter, loc, op.getWeight())};
    if (bias)
      args.push_back(bufferOf(rewriter, loc, bias));
    if (residual)
      args.push_back(bufferOf(rewriter, loc, residual));
    args.append({output, rows, columns, depth});
    auto launch = [&](const LinearKernel &kernel) {
      std::array<Value, 3> grid = {
          ceilDiv(rewriter, loc, columns, kernel.columnsPerBlock),
          ceilDiv(rewriter, loc, rows, kernel.rowsPerBlock),
          indexConstant(rewriter, loc, 1)};
      launchKernel(rewriter, loc, kernel.func, grid, kernel.blockSize,
                   kernel.dynamicSharedBytes, args);
    };
    // The verifier guarantees that all operands share one element type.
    if (!isTensorCoreType(op.getInput().getType().getElementType())) {
      launch(buildSimtLinearKernel(rewriter, op, spec));
    } else if (!gemvApplies(spec)) {
      launch(buildMmaLinearKernel(rewriter, op, spec));
    } else {
      // Few rows (decoding) stream the weight; more use tensor cores.
      Value few =
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ule, rows,
                                indexConstant(rewriter, loc, kGemvMaxRows));
      auto ifFew = scf::IfOp::create(rewriter, loc, few, /*withElse=*/true);
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(ifFew.thenBlock());
      launch(buildGemvLinearKernel(rewriter, op, spec));
      rewriter.setInsertionPointToStart(ifFew.elseBlock());
      launch(buildMmaLinearKernel(rewriter, op, spec));
    }
    rewriter.replaceOp(op, tensorOf(rewriter, loc, output));
    return success();
  }
};
} // namespace

void gpu_lowering::populateLinearToGpuPatterns(RewritePatternSet &patterns) {
  patterns.add<LinearToGpu>(patterns.getContext());
}
