//===- OutlineParallelLoops.cpp - parallel loops to runtime launches ------===//
#include "tfmc/Conversion/TfmToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::tfm {
#define GEN_PASS_DEF_TFMOUTLINEPARALLELLOOPS
#include "tfmc/Conversion/Passes.h.inc"
} // namespace mlir::tfm

using namespace mlir;

/// The prefix of launch declarations; tfmc's ParallelLaunch lowering
/// recognizes it.
static constexpr llvm::StringLiteral kLaunchPrefix = "__tfm_launch_";

/// Outlines `loop` of `func` into `@<func>_parallel<index>`.
static void outline(scf::ParallelOp loop, func::FuncOp func, unsigned index,
                    SymbolTable &symbols) {
  Location loc = loop.getLoc();
  MLIRContext *ctx = loop.getContext();
  llvm::SetVector<Value> captures;
  getUsedValuesDefinedAbove(loop.getRegion(), captures);

  Value lowerBound = loop.getLowerBound()[0];
  Value step = loop.getStep()[0];
  Type indexType = IndexType::get(ctx);
  SmallVector<Type> bodyTypes = {indexType, indexType, indexType, indexType};
  for (Value capture : captures)
    bodyTypes.push_back(capture.getType());

  // The body: iterations [first, last) of the loop.
  OpBuilder moduleBuilder(func);
  std::string name = (func.getSymName() + "_parallel" + Twine(index)).str();
  auto body = func::FuncOp::create(moduleBuilder, loc, name,
                                   FunctionType::get(ctx, bodyTypes, {}));
  body.setPrivate();
  symbols.insert(body);
  Block *entry = body.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto iterations = scf::ForOp::create(b, loc, entry->getArgument(0),
                                       entry->getArgument(1), one);
  func::ReturnOp::create(b, loc);
  b.setInsertionPointToStart(iterations.getBody());
  Value scaled = arith::MulIOp::create(b, loc, iterations.getInductionVar(),
                                       entry->getArgument(3));
  Value iv = arith::AddIOp::create(b, loc, entry->getArgument(2), scaled);
  IRMapping mapping;
  mapping.map(loop.getInductionVars()[0], iv);
  for (auto [capture, arg] :
       llvm::zip(captures, entry->getArguments().drop_front(4)))
    mapping.map(capture, arg);
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);

  // The launch: count iterations, then hand everything to the runtime.
  // (count, lb, step, captures): the body's types without `first`.
  SmallVector<Type> launchTypes(bodyTypes.begin() + 1, bodyTypes.end());
  auto launch = func::FuncOp::create(
      moduleBuilder, loc, (kLaunchPrefix + name).str(),
      FunctionType::get(ctx, launchTypes, {}));
  launch.setPrivate();
  symbols.insert(launch);

  b.setInsertionPoint(loop);
  Value span =
      arith::SubIOp::create(b, loc, loop.getUpperBound()[0], lowerBound);
  Value count = arith::CeilDivUIOp::create(b, loc, span, step);
  SmallVector<Value> operands = {count, lowerBound, step};
  operands.append(captures.begin(), captures.end());
  func::CallOp::create(b, loc, launch, operands);
  loop.erase();
}

namespace {
struct TfmOutlineParallelLoopsPass
    : tfm::impl::TfmOutlineParallelLoopsBase<TfmOutlineParallelLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      SmallVector<scf::ParallelOp> loops;
      func.walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
        if (loop.getNumLoops() == 1 && loop.getNumReductions() == 0)
          loops.push_back(loop);
        // Nested parallel loops run inside their outlined parent.
        return WalkResult::skip();
      });
      for (auto [index, loop] : llvm::enumerate(loops))
        outline(loop, func, index, symbols);
    }
  }
};
} // namespace
