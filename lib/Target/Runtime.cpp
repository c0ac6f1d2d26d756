//===- Runtime.cpp - linking the runtime into generated code --------------===//
#include "tfmc/Target/Runtime.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/Linker/Linker.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;
using namespace mlir;
using namespace mlir::tfm;

static constexpr llvm::StringLiteral kLaunchPrefix = "__tfm_launch_";
static constexpr llvm::StringLiteral kParallelFor = "tfm_rt_parallel_for";

static const unsigned char kThreadPoolBitcode[] = {
#include "ThreadPoolBitcode.inc"
};
static const unsigned char kModelBitcode[] = {
#include "ModelBitcode.inc"
};
static const unsigned char kProgramBitcode[] = {
#include "ProgramBitcode.inc"
};
static const unsigned char kCudaRuntimeBitcode[] = {
#include "CudaRuntimeBitcode.inc"
};
static const unsigned char kMainBitcode[] = {
#include "MainBitcode.inc"
};

/// `void <body>.trampoline(ptr context, i64 begin, i64 end)`: loads the
/// captured values from the context struct and calls the body.
static llvm::Function *createTrampoline(llvm::Function *body,
                                        llvm::StructType *contextType) {
  llvm::Module &module = *body->getParent();
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  auto *type = llvm::FunctionType::get(
      b.getVoidTy(), {b.getPtrTy(), b.getInt64Ty(), b.getInt64Ty()}, false);
  auto *trampoline = llvm::Function::Create(
      type, llvm::GlobalValue::InternalLinkage, body->getName() + ".trampoline",
      module);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", trampoline));
  SmallVector<llvm::Value *> args = {trampoline->getArg(1),
                                     trampoline->getArg(2)};
  for (unsigned i = 0, e = contextType->getNumElements(); i < e; ++i)
    args.push_back(b.CreateLoad(contextType->getElementType(i),
                                b.CreateStructGEP(contextType,
                                                  trampoline->getArg(0), i)));
  b.CreateCall(body, args);
  b.CreateRetVoid();
  return trampoline;
}

llvm::Error tfm::lowerParallelLaunches(llvm::Module &module) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  llvm::FunctionCallee parallelFor = module.getOrInsertFunction(
      kParallelFor, b.getVoidTy(), b.getPtrTy(), b.getPtrTy(), b.getInt64Ty());
  SmallVector<llvm::Function *> launches;
  for (llvm::Function &function : module)
    if (function.getName().starts_with(kLaunchPrefix))
      launches.push_back(&function);
  for (llvm::Function *launch : launches) {
    StringRef bodyName = launch->getName().drop_front(kLaunchPrefix.size());
    llvm::Function *body = module.getFunction(bodyName);
    if (!body)
      return llvm::createStringError("no outlined body '" + bodyName.str() +
                                     "' for a parallel launch");
    // The context holds every launch argument after the iteration count.
    SmallVector<llvm::Type *> fields(
        llvm::drop_begin(launch->getFunctionType()->params()));
    auto *contextType = llvm::StructType::get(ctx, fields);
    llvm::Function *trampoline = createTrampoline(body, contextType);
    for (llvm::User *user : llvm::make_early_inc_range(launch->users())) {
      auto *call = llvm::dyn_cast<llvm::CallInst>(user);
      if (!call)
        return llvm::createStringError("unexpected use of a parallel launch");
      // The context lives in the caller's entry block (one per launch).
      llvm::Function *caller = call->getFunction();
      b.SetInsertPoint(&*caller->getEntryBlock().getFirstInsertionPt());
      llvm::Value *context = b.CreateAlloca(contextType);
      b.SetInsertPoint(call);
      for (unsigned i = 0; i < fields.size(); ++i)
        b.CreateStore(call->getArgOperand(i + 1),
                      b.CreateStructGEP(contextType, context, i));
      b.CreateCall(parallelFor, {trampoline, context, call->getArgOperand(0)});
      call->eraseFromParent();
    }
    launch->eraseFromParent();
    body->setLinkage(llvm::GlobalValue::InternalLinkage);
  }
  if (auto *declaration = module.getFunction(kParallelFor))
    if (declaration->use_empty())
      declaration->eraseFromParent();
  return llvm::Error::success();
}

/// Links one embedded runtime module into `module`: with `onlyNeeded`, just
/// the definitions `module` references (transitively). Linked definitions
/// become internal to this object, except those named in `keepExternal`.
static llvm::Error linkBitcode(llvm::Module &module,
                               llvm::ArrayRef<unsigned char> bitcode,
                               llvm::StringRef name, bool onlyNeeded,
                               llvm::ArrayRef<llvm::StringRef> keepExternal) {
  auto buffer = llvm::MemoryBuffer::getMemBuffer(
      StringRef(reinterpret_cast<const char *>(bitcode.data()),
                bitcode.size()),
      name, /*RequiresNullTerminator=*/false);
  auto runtime = llvm::parseBitcodeFile(*buffer, module.getContext());
  if (!runtime)
    return runtime.takeError();
  (*runtime)->setTargetTriple(module.getTargetTriple());
  (*runtime)->setDataLayout(module.getDataLayout());
  llvm::StringSet<> runtimeSymbols;
  for (llvm::GlobalValue &value : (*runtime)->global_values())
    if (!value.isDeclaration() && !llvm::is_contained(keepExternal,
                                                      value.getName()))
      runtimeSymbols.insert(value.getName());
  unsigned flags = onlyNeeded ? llvm::Linker::Flags::LinkOnlyNeeded
                              : llvm::Linker::Flags::None;
  if (llvm::Linker::linkModules(module, std::move(*runtime), flags))
    return llvm::createStringError("linking the runtime's " + name.str() +
                                   " failed");
  for (llvm::GlobalValue &value : module.global_values())
    if (!value.isDeclaration() && runtimeSymbols.contains(value.getName()))
      value.setLinkage(llvm::GlobalValue::InternalLinkage);
  return llvm::Error::success();
}

llvm::Error tfm::linkRuntime(llvm::Module &module) {
  if (llvm::Error error = linkBitcode(module, kThreadPoolBitcode,
                                      "ThreadPool.bc", /*onlyNeeded=*/true, {}))
    return error;
  if (llvm::Error error = linkBitcode(module, kModelBitcode, "Model.bc",
                                      /*onlyNeeded=*/true, {}))
    return error;
  return linkBitcode(module, kCudaRuntimeBitcode, "CudaRuntime.bc",
                     /*onlyNeeded=*/true, {});
}

llvm::Error tfm::linkProgramMain(llvm::Module &module) {
  if (llvm::Error error = linkBitcode(module, kMainBitcode, "Main.bc",
                                      /*onlyNeeded=*/false, {"main"}))
    return error;
  return linkBitcode(module, kProgramBitcode, "Program.bc",
                     /*onlyNeeded=*/true, {});
}
