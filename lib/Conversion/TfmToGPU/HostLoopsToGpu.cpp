//===- HostLoopsToGpu.cpp - the tfm-host-loops-to-gpu pass ----------------===//
#include "GpuLoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::tfm {
#define GEN_PASS_DEF_TFMHOSTLOOPSTOGPU
#include "tfmc/Conversion/Passes.h.inc"
} // namespace mlir::tfm

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

/// Threads per block of the launched loops.
static constexpr int64_t kBlockSize = 256;

/// Replaces the outermost parallel loop `loop` by a gpu.launch over its
/// linearized iterations.
static void launchParallelLoop(RewriterBase &rewriter, scf::ParallelOp loop) {
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  // Trip counts, innermost last; their product is the thread count.
  SmallVector<Value> tripCounts;
  Value total = indexConstant(rewriter, loc, 1);
  for (auto [lb, ub, step] : llvm::zip(loop.getLowerBound(),
                                       loop.getUpperBound(), loop.getStep())) {
    Value span = arith::SubIOp::create(rewriter, loc, ub, lb);
    Value count = arith::CeilDivUIOp::create(rewriter, loc, span, step);
    tripCounts.push_back(count);
    total = arith::MulIOp::create(rewriter, loc, total, count);
  }
  Value one = indexConstant(rewriter, loc, 1);
  Value grid = ceilDiv(rewriter, loc, total, kBlockSize);
  auto launch = gpu::LaunchOp::create(rewriter, loc, grid, one, one,
                                      indexConstant(rewriter, loc, kBlockSize),
                                      one, one);
  Block &body = launch.getBody().front();
  rewriter.setInsertionPointToStart(&body);
  Value linear = arith::AddIOp::create(
      rewriter, loc,
      arith::MulIOp::create(rewriter, loc, launch.getBlockIds().x,
                            indexConstant(rewriter, loc, kBlockSize)),
      launch.getThreadIds().x);
  Value inRange = arith::CmpIOp::create(
      rewriter, loc, arith::CmpIPredicate::ult, linear, total);
  auto guard = scf::IfOp::create(rewriter, loc, inRange, /*withElse=*/false);
  gpu::TerminatorOp::create(rewriter, loc);

  rewriter.setInsertionPointToStart(guard.thenBlock());
  IRMapping mapping;
  Value rest = linear;
  for (int64_t d = loop.getNumLoops() - 1; d >= 0; --d) {
    Value index = arith::RemUIOp::create(rewriter, loc, rest, tripCounts[d]);
    rest = arith::DivUIOp::create(rewriter, loc, rest, tripCounts[d]);
    Value iv = arith::AddIOp::create(
        rewriter, loc, loop.getLowerBound()[d],
        arith::MulIOp::create(rewriter, loc, index, loop.getStep()[d]));
    mapping.map(loop.getInductionVars()[d], iv);
  }
  for (Operation &op : loop.getBody()->without_terminator())
    rewriter.clone(op, mapping);
  rewriter.eraseOp(loop);
}

namespace {
struct TfmHostLoopsToGpuPass
    : tfm::impl::TfmHostLoopsToGpuBase<TfmHostLoopsToGpuPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      // Copies into caller-owned buffers are element loops like any other.
      func.walk([&](memref::CopyOp copy) {
        rewriter.setInsertionPoint(copy);
        rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                    copy.getTarget());
      });
      SmallVector<linalg::LinalgOp> linalgOps;
      func.walk([&](linalg::LinalgOp op) { linalgOps.push_back(op); });
      for (linalg::LinalgOp op : linalgOps) {
        rewriter.setInsertionPoint(op);
        if (failed(linalg::linalgOpToParallelLoops(rewriter, op))) {
          op->emitError("cannot turn this op into GPU loops");
          return signalPassFailure();
        }
        rewriter.eraseOp(op);
      }
      SmallVector<scf::ParallelOp> outermost;
      func.walk([&](scf::ParallelOp loop) {
        if (!loop->getParentOfType<scf::ParallelOp>())
          outermost.push_back(loop);
      });
      for (scf::ParallelOp loop : outermost)
        launchParallelLoop(rewriter, loop);
    }
  }
};
} // namespace
