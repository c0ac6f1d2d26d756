//===- HostLoopsToGpu.cpp - the tfm-host-loops-to-gpu pass ----------------===//
#include "GpuLoweringUtils.h"
#include "tfmc/Conversion/TfmToLinalg.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::tfm {
#define GEN_PASS_DEF_TFMHOSTLOOPSTOGPU
#include "tfmc/Conversion/Passes.h.inc"
} // namespace mlir::tfm

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

/// Threads per block of the launched loops.
static constexpr int64_t kBlockSize = 256;

/// Replaces the outermost parallel loop `loop` by the launch of a kernel
/// (in the module's tfm_kernels) running its linearized iterations, one per
/// thread. Values the loop uses from above become kernel arguments, except
/// constants, which are cloned in.
static void launchParallelLoop(RewriterBase &rewriter, scf::ParallelOp loop) {
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  // Trip counts, innermost last; their product is the thread count.
  SmallVector<Value> tripCounts;
  Value total = indexConstant(rewriter, loc, 1);
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    // Folded, so that static trip counts stay constants (divisions by
    // constants in the kernel).
    Value span = rewriter.createOrFold<arith::SubIOp>(loc, ub, lb);
    Value count = rewriter.createOrFold<arith::CeilDivUIOp>(loc, span, step);
    tripCounts.push_back(count);
    total = rewriter.createOrFold<arith::MulIOp>(loc, total, count);
  }
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(loop->getRegions(), captured);
  for (Value bound :
       llvm::concat<Value>(loop.getLowerBound(), loop.getStep(), tripCounts))
    captured.insert(bound);
  captured.insert(total);
  SmallVector<Value> arguments;
  SmallVector<Operation *> constants;
  for (Value value : captured) {
    Operation *def = value.getDefiningOp();
    if (def && def->hasTrait<OpTrait::ConstantLike>())
      constants.push_back(def);
    else
      arguments.push_back(value);
  }

  OpBuilder::InsertionGuard guard(rewriter);
  Operation *func = loop->getParentOfType<FunctionOpInterface>();
  std::string name = (cast<SymbolOpInterface>(func).getName() + "_loop").str();
  gpu::GPUFuncOp kernel =
      createKernel(rewriter, loop, name, ValueRange(arguments).getTypes(), {},
                   {kBlockSize, 1, 1});
  IRMapping mapping;
  for (Operation *constant : constants)
    rewriter.clone(*constant, mapping);
  mapping.map(arguments, kernel.getArguments());
  Value linear = arith::AddIOp::create(
      rewriter, loc,
      arith::MulIOp::create(rewriter, loc,
                            blockId(rewriter, loc, gpu::Dimension::x),
                            indexConstant(rewriter, loc, kBlockSize)),
      threadId(rewriter, loc, gpu::Dimension::x));
  Value inRange = arith::CmpIOp::create(
      rewriter, loc, arith::CmpIPredicate::ult, linear, mapping.lookup(total));
  auto ifInRange = scf::IfOp::create(rewriter, loc, inRange,
                                     /*withElse=*/false);
  rewriter.setInsertionPointToStart(ifInRange.thenBlock());
  Value rest = linear;
  for (int64_t d = loop.getNumLoops() - 1; d >= 0; --d) {
    Value count = mapping.lookup(tripCounts[d]);
    Value index = arith::RemUIOp::create(rewriter, loc, rest, count);
    rest = arith::DivUIOp::create(rewriter, loc, rest, count);
    Value iv = arith::AddIOp::create(
        rewriter, loc, mapping.lookup(loop.getLowerBound()[d]),
        arith::MulIOp::create(rewriter, loc, index,
                              mapping.lookup(loop.getStep()[d])));
    mapping.map(loop.getInductionVars()[d], iv);
  }
  for (Operation &op : loop.getBody()->without_terminator())
    rewriter.clone(op, mapping);

  rewriter.setInsertionPoint(loop);
  Value one = indexConstant(rewriter, loc, 1);
  launchKernel(rewriter, loc, kernel,
               {ceilDiv(rewriter, loc, total, kBlockSize), one, one},
               {kBlockSize, 1, 1}, /*dynamicSharedBytes=*/0, arguments);
  rewriter.eraseOp(loop);
}

/// Bufferization computes a dynamically shaped result into a fresh buffer
/// and copies it into the caller's (out-parameter): a whole extra pass over
/// device memory. When the fresh buffer's only other fate is to be freed,
/// the kernels write the caller's buffer directly.
static void elideResultCopy(RewriterBase &rewriter, memref::CopyOp copy) {
  auto target = dyn_cast<BlockArgument>(copy.getTarget());
  auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
  if (!target || !alloc || !target.hasOneUse() ||
      target.getType() != alloc.getType() ||
      !isa<FunctionOpInterface>(target.getOwner()->getParentOp()))
    return;
  SmallVector<Operation *> deallocs;
  for (Operation *user : alloc->getUsers()) {
    if (isa<memref::DeallocOp>(user))
      deallocs.push_back(user);
    // Ownership-tracking deallocation or a buffer leaving the region: the
    // fresh buffer's lifetime is not this simple.
    else if (isa<bufferization::DeallocOp, RegionBranchTerminatorOpInterface,
                 func::ReturnOp>(user))
      return;
  }
  for (Operation *dealloc : deallocs)
    rewriter.eraseOp(dealloc);
  rewriter.eraseOp(copy);
  rewriter.replaceOp(alloc, target);
}

namespace {
struct TfmHostLoopsToGpuPass
    : tfm::impl::TfmHostLoopsToGpuBase<TfmHostLoopsToGpuPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      SmallVector<memref::CopyOp> copies;
      func.walk([&](memref::CopyOp copy) { copies.push_back(copy); });
      for (memref::CopyOp copy : copies)
        elideResultCopy(rewriter, copy);
      // Remaining copies are element loops like any other.
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
      // Deallocation is placed: launches become gpu.launch_func.
      SmallVector<KernelLaunchOp> launches;
      func.walk([&](KernelLaunchOp launch) { launches.push_back(launch); });
      for (KernelLaunchOp launch : launches)
        lowerKernelLaunch(rewriter, launch);
    }
  }
};
} // namespace
