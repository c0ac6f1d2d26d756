//===- EntryPoints.cpp - C entry points of compiled functions -------------===//
#include "tfmc/Target/EntryPoints.h"
#include "ShapeContract.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::tfm;

//===----------------------------------------------------------------------===//
// Analysis
//===----------------------------------------------------------------------===//

static std::optional<std::string> cTypeOf(Type elementType) {
  if (elementType.isF32())
    return "float";
  // bf16 and f16 travel as their bits; C has no portable type for them.
  if (elementType.isBF16() || elementType.isF16())
    return "uint16_t";
  if (elementType.isSignlessInteger(32))
    return "int32_t";
  if (elementType.isSignlessInteger(64))
    return "int64_t";
  return std::nullopt;
}

namespace {
/// Assigns dense class ids to union-find roots.
struct ClassTable {
  ShapeContract &contract;
  llvm::DenseMap<int64_t, unsigned> ids;
  std::vector<EntryClass> classes;

  DimRelation relation(Value value, int64_t dim) {
    ShapeContract::Member member = contract.find(value, dim);
    auto [it, inserted] = ids.try_emplace(member.node, classes.size());
    if (inserted)
      classes.push_back({contract.staticRootSize(member.node)});
    return {it->second, member.scale, member.offset};
  }
};
} // namespace

static FailureOr<EntryParameter> describeParameter(Value value,
                                                   std::string name,
                                                   ClassTable &table,
                                                   Operation *where) {
  EntryParameter param;
  param.name = std::move(name);
  if (value.getType().isIndex()) {
    param.isIndex = true;
    param.cType = "int64_t";
    return param;
  }
  auto tensor = dyn_cast<RankedTensorType>(value.getType());
  std::optional<std::string> cType =
      tensor ? cTypeOf(tensor.getElementType()) : std::nullopt;
  if (!cType)
    return where->emitError() << "entry points pass ranked tensors of f32, "
                                 "bf16, f16, i32 or i64, or index scalars; "
                              << param.name << " has type " << value.getType();
  param.cType = *cType;
  param.elementBytes = tensor.getElementTypeBitWidth() / 8;
  param.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  for (int64_t d = 0; d < tensor.getRank(); ++d)
    param.dims.push_back(table.relation(value, d));
  return param;
}

FailureOr<std::vector<EntrySignature>>
tfm::analyzeEntryPoints(ModuleOp module) {
  std::vector<EntrySignature> signatures;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isPrivate() || func.isExternal())
      continue;
    ShapeContract contract;
    func.walk([&](Operation *op) { contract.addRelations(op); });
    ClassTable table{contract, {}, {}};
    EntrySignature signature;
    signature.name = func.getSymName().str();
    for (BlockArgument arg : func.getArguments()) {
      FailureOr<EntryParameter> param = describeParameter(
          arg, "arg" + std::to_string(arg.getArgNumber()), table, func);
      if (failed(param))
        return failure();
      signature.arguments.push_back(std::move(*param));
    }
    // Classes reachable from the arguments: result dims must fall in one.
    llvm::DenseSet<unsigned> argumentClasses;
    for (const EntryParameter &param : signature.arguments)
      for (const DimRelation &dim : param.dims)
        argumentClasses.insert(dim.classId);
    auto returnOp = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    for (auto [index, value] : llvm::enumerate(returnOp.getOperands())) {
      FailureOr<EntryParameter> param = describeParameter(
          value, "result" + std::to_string(index), table, func);
      if (failed(param))
        return failure();
      if (param->isIndex)
        return func.emitError() << "entry points return tensors; result "
                                << index << " is an index";
      for (auto [d, dim] : llvm::enumerate(param->dims))
        if (!table.classes[dim.classId].staticSize &&
            !argumentClasses.contains(dim.classId))
          return func.emitError()
                 << "cannot relate dim " << d << " of result " << index
                 << " to the arguments' dims, so the entry point could not "
                    "check the caller's buffer; give it a static size";
      signature.results.push_back(std::move(*param));
    }
    // Divisibility between sizes the arguments determine.
    for (const ShapeContract::Multiple &multiple : contract.getMultiples()) {
      DimRelation dividend =
          table.relation(multiple.dividend, multiple.dividendDim);
      DimRelation divisor =
          table.relation(multiple.divisor, multiple.divisorDim);
      auto known = [&](const DimRelation &rel) {
        return table.classes[rel.classId].staticSize ||
               argumentClasses.contains(rel.classId);
      };
      if (known(dividend) && known(divisor))
        signature.multiples.push_back({dividend, divisor, multiple.what});
    }
    signature.classes = std::move(table.classes);
    signatures.push_back(std::move(signature));
  }
  return signatures;
}

//===----------------------------------------------------------------------===//
// Code generation
//===----------------------------------------------------------------------===//

static constexpr unsigned kErrorBufferSize = 512;

namespace {
/// Builds one entry point into an llvm::Module.
class EntryBuilder {
public:
  EntryBuilder(llvm::Module &module, const EntrySignature &signature,
               EntryKind kind)
      : module(module), ctx(module.getContext()), signature(signature),
        kind(kind), builder(ctx) {}

  LogicalResult build(llvm::Function *impl, Location loc);

private:
  /// A dimension argument of the entry and the parameter it belongs to.
  struct DimSlot {
    const EntryParameter *param;
    unsigned dim;
    llvm::Value *value;
  };

  llvm::GlobalVariable *errorBuffer();
  llvm::FunctionCallee snprintfFn();
  /// Branches to a block reporting `format` (printf-style, with `values`)
  /// when `failed` is true, continuing in a fresh block otherwise.
  void failIf(llvm::Value *failed, const std::string &format,
              ArrayRef<llvm::Value *> values = {});
  std::string describeClassSource(unsigned classId);
  /// Returns 1 from the entry when the runtime call `status` is non-zero
  /// (the runtime has written the message).
  void returnIfFailed(llvm::Value *status);
  llvm::FunctionCallee runtimeFn(StringRef name, llvm::Type *result,
                                 ArrayRef<llvm::Type *> params);
  /// Calls `impl` on the data `pointers` (one per parameter, the index
  /// values for index parameters) with the entry's dims.
  void callImpl(llvm::Function *impl, ArrayRef<llvm::Value *> pointers);
  /// The size in bytes of a tensor parameter whose dims start at `slot`.
  llvm::Value *byteSize(const EntryParameter &param,
                        std::vector<DimSlot>::const_iterator slot);
  /// CUDA, host pointers: copies the arguments to fresh device buffers,
  /// runs, copies the results back, frees.
  void callWithTransfers(llvm::Function *impl,
                         ArrayRef<llvm::Value *> pointers);

  llvm::Module &module;
  llvm::LLVMContext &ctx;
  const EntrySignature &signature;
  EntryKind kind;
  llvm::IRBuilder<> builder;
  llvm::Function *entry = nullptr;
  std::vector<DimSlot> slots;
  std::vector<llvm::Value *> roots; // per class, the root size
};
} // namespace

llvm::GlobalVariable *EntryBuilder::errorBuffer() {
  if (auto *existing = module.getGlobalVariable("tfm_error_buffer"))
    return existing;
  auto *type = llvm::ArrayType::get(builder.getInt8Ty(), kErrorBufferSize);
  auto *buffer = new llvm::GlobalVariable(
      module, type, /*isConstant=*/false, llvm::GlobalValue::WeakODRLinkage,
      llvm::ConstantAggregateZero::get(type), "tfm_error_buffer", nullptr,
      llvm::GlobalValue::GeneralDynamicTLSModel);
  // const char *tfm_last_error(void): the buffer of the calling thread.
  auto *getter = llvm::Function::Create(
      llvm::FunctionType::get(builder.getPtrTy(), false),
      llvm::GlobalValue::WeakODRLinkage, "tfm_last_error", module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", getter));
  b.CreateRet(b.CreateThreadLocalAddress(buffer));
  return buffer;
}

llvm::FunctionCallee EntryBuilder::snprintfFn() {
  return module.getOrInsertFunction(
      "snprintf",
      llvm::FunctionType::get(
          builder.getInt32Ty(),
          {builder.getPtrTy(), builder.getInt64Ty(), builder.getPtrTy()},
          /*isVarArg=*/true));
}

void EntryBuilder::failIf(llvm::Value *failed, const std::string &format,
                          ArrayRef<llvm::Value *> values) {
  auto *fail = llvm::BasicBlock::Create(ctx, "fail", entry);
  auto *next = llvm::BasicBlock::Create(ctx, "check", entry);
  builder.CreateCondBr(failed, fail, next);
  builder.SetInsertPoint(fail);
  llvm::Value *buffer = builder.CreateThreadLocalAddress(errorBuffer());
  SmallVector<llvm::Value *> args = {
      buffer, builder.getInt64(kErrorBufferSize),
      builder.CreateGlobalString(signature.name + ": " + format)};
  args.append(values.begin(), values.end());
  builder.CreateCall(snprintfFn(), args);
  builder.CreateRet(builder.getInt32(1));
  builder.SetInsertPoint(next);
}

void EntryBuilder::returnIfFailed(llvm::Value *status) {
  auto *fail = llvm::BasicBlock::Create(ctx, "runtime_failed", entry);
  auto *next = llvm::BasicBlock::Create(ctx, "runtime_ok", entry);
  builder.CreateCondBr(builder.CreateICmpNE(status, builder.getInt32(0)), fail,
                       next);
  builder.SetInsertPoint(fail);
  builder.CreateRet(builder.getInt32(1));
  builder.SetInsertPoint(next);
}

llvm::FunctionCallee EntryBuilder::runtimeFn(StringRef name, llvm::Type *result,
                                             ArrayRef<llvm::Type *> params) {
  return module.getOrInsertFunction(
      name, llvm::FunctionType::get(result, params, false));
}

std::string EntryBuilder::describeClassSource(unsigned classId) {
  if (signature.classes[classId].staticSize)
    return "as the function's types fix it";
  for (const DimSlot &slot : slots)
    if (slot.param->dims[slot.dim].classId == classId)
      return llvm::formatv("to match {0} dim {1}", slot.param->name, slot.dim);
  return "";
}

LogicalResult EntryBuilder::build(llvm::Function *impl, Location loc) {
  // Signature: per parameter, a pointer and its dims (or an int64 index).
  auto *i64 = builder.getInt64Ty();
  auto *ptr = builder.getPtrTy();
  SmallVector<llvm::Type *> paramTypes;
  auto params = llvm::concat<const EntryParameter>(signature.arguments,
                                                   signature.results);
  for (const EntryParameter &param : params) {
    if (param.isIndex) {
      paramTypes.push_back(i64);
      continue;
    }
    paramTypes.push_back(ptr);
    paramTypes.append(param.shape.size(), i64);
  }
  entry = llvm::Function::Create(
      llvm::FunctionType::get(builder.getInt32Ty(), paramTypes, false),
      llvm::GlobalValue::ExternalLinkage, signature.name, module);
  builder.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", entry));
  builder.CreateStore(builder.getInt8(0),
                      builder.CreateThreadLocalAddress(errorBuffer()));

  // Collect the pointer and dim arguments.
  std::vector<llvm::Value *> pointers;
  auto argIt = entry->arg_begin();
  for (const EntryParameter &param : params) {
    pointers.push_back(&*argIt++);
    for (unsigned d = 0; d < param.shape.size(); ++d)
      slots.push_back({&param, d, &*argIt++});
  }

  // Each class's root size: its static size, or derived from the first
  // dimension argument in it.
  roots.assign(signature.classes.size(), nullptr);
  for (auto [id, cls] : llvm::enumerate(signature.classes))
    if (cls.staticSize)
      roots[id] = builder.getInt64(*cls.staticSize);
  for (const DimSlot &slot : slots) {
    const DimRelation &rel = slot.param->dims[slot.dim];
    if (!roots[rel.classId])
      roots[rel.classId] = builder.CreateSDiv(
          builder.CreateSub(slot.value, builder.getInt64(rel.offset)),
          builder.getInt64(rel.scale));
  }

  // Checks: non-null pointers, positive dims, dims agreeing with the types
  // and with each other.
  unsigned pointerIndex = 0;
  for (const EntryParameter &param : params) {
    llvm::Value *pointer = pointers[pointerIndex++];
    if (param.isIndex)
      continue;
    failIf(builder.CreateIsNull(pointer), param.name + " is a null pointer");
  }
  for (const DimSlot &slot : slots) {
    std::string where =
        llvm::formatv("{0} dim {1}", slot.param->name, slot.dim).str();
    failIf(builder.CreateICmpSLT(slot.value, builder.getInt64(1)),
           where + " is %lld, expected a positive size", {slot.value});
    const DimRelation &rel = slot.param->dims[slot.dim];
    llvm::Value *expected = builder.CreateAdd(
        builder.CreateMul(roots[rel.classId], builder.getInt64(rel.scale)),
        builder.getInt64(rel.offset));
    failIf(builder.CreateICmpNE(slot.value, expected),
           where + " is %lld, expected %lld " +
               describeClassSource(rel.classId),
           {slot.value, expected});
  }

  for (const EntryMultiple &multiple : signature.multiples) {
    auto size = [&](const DimRelation &rel) {
      return builder.CreateAdd(
          builder.CreateMul(roots[rel.classId], builder.getInt64(rel.scale)),
          builder.getInt64(rel.offset));
    };
    llvm::Value *dividend = size(multiple.dividend);
    llvm::Value *divisor = size(multiple.divisor);
    // Sizes are positive here (checked above), so srem is safe.
    failIf(builder.CreateICmpNE(builder.CreateSRem(dividend, divisor),
                                builder.getInt64(0)),
           multiple.what, {dividend, divisor});
  }

  unsigned expectedParams = 0;
  for (const EntryParameter &param : params)
    expectedParams += param.isIndex ? 1 : 3 + 2 * param.shape.size();
  if (impl->getFunctionType()->getNumParams() != expectedParams)
    return emitError(loc) << "internal error: lowered function '"
                          << signature.name << "' takes "
                          << impl->getFunctionType()->getNumParams()
                          << " parameters, the entry point passes "
                          << expectedParams;
  switch (kind) {
  case EntryKind::Host:
    callImpl(impl, pointers);
    break;
  case EntryKind::CudaDevice: {
    // Stream-ordered: returns once the work is enqueued (see the header).
    auto *i32 = builder.getInt32Ty();
    returnIfFailed(builder.CreateCall(runtimeFn("tfm_cuda_begin", i32, {})));
    callImpl(impl, pointers);
    returnIfFailed(builder.CreateCall(runtimeFn("tfm_cuda_enqueued", i32, {})));
    break;
  }
  case EntryKind::CudaHost:
    callWithTransfers(impl, pointers);
    break;
  }
  builder.CreateRet(builder.getInt32(0));
  return success();
}

void EntryBuilder::callImpl(llvm::Function *impl,
                            ArrayRef<llvm::Value *> pointers) {
  // Each memref expands to (allocated, aligned, offset, sizes...,
  // strides...) of a row-major buffer.
  SmallVector<llvm::Value *> callArgs;
  auto slotIt = slots.begin();
  auto params = llvm::concat<const EntryParameter>(signature.arguments,
                                                   signature.results);
  for (auto [param, pointer] : llvm::zip(params, pointers)) {
    if (param.isIndex) {
      callArgs.push_back(pointer);
      continue;
    }
    SmallVector<llvm::Value *> sizes;
    for (unsigned d = 0; d < param.shape.size(); ++d)
      sizes.push_back((slotIt++)->value);
    SmallVector<llvm::Value *> strides(sizes.size());
    llvm::Value *stride = builder.getInt64(1);
    for (int64_t d = sizes.size() - 1; d >= 0; --d) {
      strides[d] = stride;
      stride = builder.CreateMul(stride, sizes[d]);
    }
    callArgs.append({pointer, pointer, builder.getInt64(0)});
    callArgs.append(sizes.begin(), sizes.end());
    callArgs.append(strides.begin(), strides.end());
  }
  builder.CreateCall(impl, callArgs);
}

llvm::Value *EntryBuilder::byteSize(const EntryParameter &param,
                                    std::vector<DimSlot>::const_iterator slot) {
  llvm::Value *bytes = builder.getInt64(param.elementBytes);
  for (unsigned d = 0; d < param.shape.size(); ++d)
    bytes = builder.CreateMul(bytes, (slot++)->value);
  return bytes;
}

void EntryBuilder::callWithTransfers(llvm::Function *impl,
                                     ArrayRef<llvm::Value *> pointers) {
  auto *i32 = builder.getInt32Ty();
  auto *i64 = builder.getInt64Ty();
  auto *ptr = builder.getPtrTy();
  returnIfFailed(builder.CreateCall(runtimeFn("tfm_cuda_begin", i32, {})));
  // After a failed transfer the runtime turns the rest of the call into
  // no-ops, so the sequence below runs straight through and frees
  // everything; tfm_cuda_finish reports the first error.
  SmallVector<llvm::Value *> devicePointers;
  SmallVector<llvm::Value *> byteSizes;
  auto slotIt = slots.cbegin();
  unsigned index = 0;
  for (const EntryParameter &param : llvm::concat<const EntryParameter>(
           signature.arguments, signature.results)) {
    llvm::Value *pointer = pointers[index];
    bool isResult = index++ >= signature.arguments.size();
    if (param.isIndex) {
      devicePointers.push_back(pointer);
      byteSizes.push_back(nullptr);
      continue;
    }
    llvm::Value *bytes = byteSize(param, slotIt);
    slotIt += param.shape.size();
    byteSizes.push_back(bytes);
    devicePointers.push_back(
        isResult
            ? builder.CreateCall(runtimeFn("tfm_cuda_alloc", ptr, {i64}),
                                 {bytes})
            : builder.CreateCall(runtimeFn("tfm_cuda_upload", ptr, {ptr, i64}),
                                 {pointer, bytes}));
  }
  callImpl(impl, devicePointers);
  for (unsigned i = signature.arguments.size(); i < pointers.size(); ++i)
    builder.CreateCall(runtimeFn("tfm_cuda_download", i32, {ptr, ptr, i64}),
                       {pointers[i], devicePointers[i], byteSizes[i]});
  for (auto [device, bytes] : llvm::zip(devicePointers, byteSizes))
    if (bytes)
      builder.CreateCall(runtimeFn("tfm_cuda_free", builder.getVoidTy(), {ptr}),
                         {device});
  returnIfFailed(builder.CreateCall(runtimeFn("tfm_cuda_finish", i32, {})));
}

/// `int tfm_cuda_synchronize(void)`: waits for all work on the GPU; 1 with
/// the driver's message if any of it (or an earlier call's) failed.
static void emitCudaSynchronize(llvm::Module &module) {
  if (module.getFunction("tfm_cuda_synchronize"))
    return;
  llvm::IRBuilder<> b(module.getContext());
  auto *type = llvm::FunctionType::get(b.getInt32Ty(), false);
  auto *synchronize = llvm::Function::Create(
      type, llvm::GlobalValue::WeakODRLinkage, "tfm_cuda_synchronize", module);
  auto *entry =
      llvm::BasicBlock::Create(module.getContext(), "entry", synchronize);
  auto *wait =
      llvm::BasicBlock::Create(module.getContext(), "wait", synchronize);
  auto *fail =
      llvm::BasicBlock::Create(module.getContext(), "fail", synchronize);
  b.SetInsertPoint(entry);
  llvm::Value *begun =
      b.CreateCall(module.getOrInsertFunction("tfm_cuda_begin", type));
  b.CreateCondBr(b.CreateICmpNE(begun, b.getInt32(0)), fail, wait);
  b.SetInsertPoint(fail);
  b.CreateRet(b.getInt32(1));
  b.SetInsertPoint(wait);
  b.CreateRet(
      b.CreateCall(module.getOrInsertFunction("tfm_cuda_finish", type)));
}

LogicalResult
tfm::emitEntryPoints(llvm::Module &module,
                     const std::vector<EntrySignature> &signatures,
                     Location loc, EntryMemory memory) {
  for (const EntrySignature &signature : signatures) {
    llvm::Function *impl = module.getFunction(signature.name);
    if (!impl)
      return emitError(loc) << "internal error: no lowered function '"
                            << signature.name << "'";
    impl->setName(signature.name + ".impl");
    impl->setLinkage(llvm::GlobalValue::InternalLinkage);
    if (memory == EntryMemory::Host) {
      if (failed(EntryBuilder(module, signature, EntryKind::Host)
                     .build(impl, loc)))
        return failure();
      continue;
    }
    if (failed(EntryBuilder(module, signature, EntryKind::CudaHost)
                   .build(impl, loc)))
      return failure();
    EntrySignature onDevice = signature;
    onDevice.name += "_device";
    if (failed(EntryBuilder(module, onDevice, EntryKind::CudaDevice)
                   .build(impl, loc)))
      return failure();
  }
  // (With an entry point, so that the error buffer it uses is defined.)
  if (memory == EntryMemory::Cuda && !signatures.empty())
    emitCudaSynchronize(module);
  return success();
}

//===----------------------------------------------------------------------===//
// Header
//===----------------------------------------------------------------------===//

static std::string describeShape(const EntryParameter &param,
                                 const EntrySignature &signature) {
  SmallVector<std::string> dims;
  for (auto [size, rel] : llvm::zip(param.shape, param.dims)) {
    if (!ShapedType::isDynamic(size)) {
      dims.push_back(std::to_string(size));
      continue;
    }
    std::string symbol = "n" + std::to_string(rel.classId);
    if (rel.scale != 1)
      symbol = std::to_string(rel.scale) + "*" + symbol;
    if (rel.offset != 0)
      symbol += (rel.offset > 0 ? "+" : "") + std::to_string(rel.offset);
    dims.push_back(symbol);
  }
  return "[" + llvm::join(dims, ", ") + "]";
}

std::string tfm::renderHeader(llvm::StringRef guard,
                              const std::vector<EntrySignature> &signatures,
                              EntryMemory memory) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "/* Generated by tfmc. Entry points of the compiled functions.\n"
        " *\n"
        " * Every tensor parameter is a pointer to row-major contiguous data\n"
        " * followed by all its dimensions; results are caller-allocated\n"
        " * buffers. Shapes below name dynamic sizes n0, n1, ...: equal names\n"
        " * must be equal. A call returns 0, or non-zero with a message from\n"
        " * tfm_last_error() when a pointer is null or a dimension disagrees\n"
        " * with the function's types or the other arguments; nothing is\n"
        " * written then. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "/* The last error of the calling thread (\"\" after a success). */\n"
     << "const char *tfm_last_error(void);\n";
  if (memory == EntryMemory::Cuda)
    os << "\n/* CUDA: NAME takes host pointers and copies through device\n"
          " * memory; it returns after the GPU has finished. NAME_device\n"
          " * takes device pointers (the primary context of device 0) and\n"
          " * is stream-ordered: it checks the shapes, enqueues its work on\n"
          " * the legacy default stream (PyTorch's default stream) and\n"
          " * returns without waiting: synchronize (tfm_cuda_synchronize(),\n"
          " * torch.cuda.synchronize()) before reading its results on the\n"
          " * host. Errors in enqueuing return non-zero at once; a kernel\n"
          " * fault surfaces as a non-zero return of the next call or of\n"
          " * tfm_cuda_synchronize(). Messages come from tfm_last_error().\n"
          " * uint16_t tensors hold bf16 or f16 bits. */\n"
       << "\n/* Waits for all work on the GPU; non-zero, with the driver's\n"
          " * message, if any of it failed. */\n"
       << "int tfm_cuda_synchronize(void);\n";
  for (const EntrySignature &sig : signatures) {
    os << "\n/* " << sig.name << "\n";
    auto document = [&](const EntryParameter &param, StringRef role) {
      os << " *   " << param.name << " (" << role << "): "
         << (param.isIndex ? std::string("int64_t index")
                           : param.cType + " " + describeShape(param, sig))
         << "\n";
    };
    for (const EntryParameter &param : sig.arguments)
      document(param, "in");
    for (const EntryParameter &param : sig.results)
      document(param, "out");
    os << " */\nint " << sig.name << "(";
    // One line per parameter: its pointer and its dims.
    SmallVector<std::string> params;
    auto declare = [&](const EntryParameter &param, bool isConst) {
      if (param.isIndex) {
        params.push_back("int64_t " + param.name);
        return;
      }
      std::string line =
          (isConst ? "const " : "") + param.cType + " *" + param.name;
      for (unsigned d = 0; d < param.shape.size(); ++d)
        line += ", int64_t " + param.name + "_d" + std::to_string(d);
      params.push_back(line);
    };
    for (const EntryParameter &param : sig.arguments)
      declare(param, true);
    for (const EntryParameter &param : sig.results)
      declare(param, false);
    os << llvm::join(params, ",\n    ") << ");\n";
    if (memory == EntryMemory::Cuda)
      os << "int " << sig.name << "_device(" << llvm::join(params, ",\n    ")
         << ");\n";
  }
  os << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return text;
}
