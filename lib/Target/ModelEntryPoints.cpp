//===- ModelEntryPoints.cpp - the C API of a compiled model ---------------===//
#include "tfmc/Target/ModelEntryPoints.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/IR/IRBuilder.h"

using namespace mlir;
using namespace mlir::tfm;

/// Size of the thread-local buffer behind tfm_last_error; the same buffer
/// the entry points of plain .mlir functions write.
static constexpr unsigned kErrorBufferSize = 512;

std::vector<WeightSpec> ModelSignature::storedSpecs() const {
  std::vector<WeightSpec> specs;
  for (const ModelWeight &weight : weights) {
    if (!weight.stack) {
      specs.push_back(weight.stored);
      continue;
    }
    auto [head, tail] = llvm::StringRef(weight.stored.name).split('*');
    for (int64_t i = 0; i < weight.stack; ++i)
      specs.push_back(
          {(head + llvm::Twine(i) + tail).str(), weight.stored.shape});
  }
  return specs;
}

//===----------------------------------------------------------------------===//
// Analysis
//===----------------------------------------------------------------------===//

FailureOr<ModelSignature> tfm::analyzeModel(ModuleOp module,
                                            llvm::StringRef name,
                                            llvm::StringRef entry) {
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func)
    return module.emitError() << "a model needs a function @" << entry;
  ModelSignature signature;
  signature.name = name.str();
  signature.entry = entry.str();

  auto tokens = func.getNumArguments()
                    ? dyn_cast<RankedTensorType>(func.getArgument(0).getType())
                    : RankedTensorType();
  if (!tokens || tokens.getRank() != 2 || tokens.getDimSize(0) != 1 ||
      !tokens.isDynamicDim(1) || !tokens.getElementType().isSignlessInteger(32))
    return func.emitError() << "@" << entry
                            << " must take the token ids as tensor<1x?xi32> "
                               "first";
  auto results = func.getFunctionType().getResults();
  auto output = results.size() == 1
                    ? dyn_cast<RankedTensorType>(results.front())
                    : RankedTensorType();
  if (!output || output.getRank() != 3 || output.getDimSize(0) != 1 ||
      !output.isDynamicDim(1) || output.isDynamicDim(2) ||
      !output.getElementType().isF32())
    return func.emitError()
           << "@" << entry << " must return one tensor<1x?xNxf32>";
  signature.outputSize = output.getDimSize(2);

  for (unsigned i = 1; i < func.getNumArguments(); ++i) {
    auto weightName = func.getArgAttrOfType<StringAttr>(i, "tfm.weight");
    auto type = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
    if (!weightName || !type || !type.hasStaticShape() ||
        !isa<Float32Type, BFloat16Type, Float16Type>(type.getElementType()))
      return func.emitError()
             << "argument " << i << " of @" << entry
             << " is not an f32, bf16 or f16 weight of static shape marked "
                "tfm.weight (run tfm-weights-to-arguments)";
    Type storage = type.getElementType();
    if (i == 1)
      signature.storage = storage.isF32()    ? WeightStorage::F32
                          : storage.isBF16() ? WeightStorage::BF16
                                             : WeightStorage::F16;
    ModelWeight weight;
    weight.stored.name = weightName.str();
    llvm::ArrayRef<int64_t> shape = type.getShape();
    if (func.getArgAttr(i, "tfm.stacked")) {
      if (type.getRank() < 1 || !weightName.getValue().contains('*'))
        return func.emitError() << "stacked weight '" << weightName.getValue()
                                << "' needs a leading dim and a '*' in its "
                                   "name";
      weight.stack = shape.front();
      shape = shape.drop_front();
    }
    weight.stored.shape.assign(shape.begin(), shape.end());
    weight.transposed = static_cast<bool>(func.getArgAttr(i, "tfm.transposed"));
    if (weight.transposed) {
      if (shape.size() != 2)
        return func.emitError() << "weight '" << weightName.getValue()
                                << "' is stored transposed but not 2-D";
      std::swap(weight.stored.shape[0], weight.stored.shape[1]);
    }
    signature.weights.push_back(std::move(weight));
  }

  auto vocab = module->getAttrOfType<IntegerAttr>(kVocabSizeAttr);
  if (!vocab || vocab.getInt() < 1)
    return module.emitError() << "a model module needs a positive "
                              << kVocabSizeAttr << " attribute";
  signature.vocabSize = vocab.getInt();
  if (auto positions = module->getAttrOfType<IntegerAttr>(kMaxPositionsAttr))
    signature.maxPositions = positions.getInt();
  if (auto kind = module->getAttrOfType<StringAttr>(kOutputAttr))
    signature.outputsLogits = kind.getValue() != "hidden_states";
  if (auto arch = module->getAttrOfType<StringAttr>(kArchitectureAttr))
    signature.architecture = arch.str();
  return signature;
}

//===----------------------------------------------------------------------===//
// Code generation
//===----------------------------------------------------------------------===//

namespace {
/// Builds the model's C API into an llvm::Module.
class ModelApiBuilder {
public:
  ModelApiBuilder(llvm::Module &module, const ModelSignature &signature,
                  bool cuda)
      : module(module), ctx(module.getContext()), signature(signature),
        cuda(cuda), b(ctx) {}

  LogicalResult build(llvm::Function *impl, bool program, Location loc,
                      const SafetensorsFile *embedded);

private:
  llvm::GlobalVariable *errorBuffer();
  llvm::Constant *string(llvm::StringRef text, const llvm::Twine &name);
  llvm::GlobalVariable *buildDescriptor(const SafetensorsFile *embedded);
  /// The weights, each as read-only data in the layout the model reads.
  llvm::Constant *embedWeights(const SafetensorsFile &file);
  llvm::Function *declare(llvm::StringRef name, llvm::Type *result,
                          llvm::ArrayRef<llvm::Type *> params);
  llvm::Function *define(llvm::StringRef suffix, llvm::Type *result,
                         llvm::ArrayRef<llvm::Type *> params);
  /// (allocated, aligned, offset, sizes..., strides...) of a row-major
  /// buffer, as the lowered function takes each memref.
  void appendMemref(SmallVectorImpl<llvm::Value *> &args, llvm::Value *pointer,
                    llvm::ArrayRef<llvm::Value *> sizes);
  /// The element count of weight `index` as the model reads it (stacked).
  int64_t weightElements(size_t index) const;
  /// CUDA: copies every weight of `model` to the GPU once, at create;
  /// on failure destroys the model and returns 1 from create.
  void uploadWeights(llvm::Function *create, llvm::Value *model);
  /// CUDA: frees the GPU copies of the weights of `model`.
  void freeDeviceWeights(llvm::Value *model);
  /// Returns 1 from the current function when `status` is non-zero.
  void returnIfFailed(llvm::Function *function, llvm::Value *status);
  llvm::Value *runtimeCall(llvm::StringRef name, llvm::Type *result,
                           llvm::ArrayRef<llvm::Value *> args);

  llvm::Module &module;
  llvm::LLVMContext &ctx;
  const ModelSignature &signature;
  bool cuda;
  llvm::IRBuilder<> b;
};
} // namespace

llvm::GlobalVariable *ModelApiBuilder::errorBuffer() {
  if (auto *existing = module.getGlobalVariable("tfm_error_buffer"))
    return existing;
  auto *type = llvm::ArrayType::get(b.getInt8Ty(), kErrorBufferSize);
  auto *buffer = new llvm::GlobalVariable(
      module, type, /*isConstant=*/false, llvm::GlobalValue::WeakODRLinkage,
      llvm::ConstantAggregateZero::get(type), "tfm_error_buffer", nullptr,
      llvm::GlobalValue::GeneralDynamicTLSModel);
  // const char *tfm_last_error(void): the buffer of the calling thread. Weak
  // so that several compiled objects can be linked into one program.
  auto *getter = llvm::Function::Create(
      llvm::FunctionType::get(b.getPtrTy(), false),
      llvm::GlobalValue::WeakODRLinkage, "tfm_last_error", module);
  llvm::IRBuilder<> body(llvm::BasicBlock::Create(ctx, "entry", getter));
  body.CreateRet(body.CreateThreadLocalAddress(buffer));
  return buffer;
}

llvm::Constant *ModelApiBuilder::string(llvm::StringRef text,
                                        const llvm::Twine &name) {
  auto *init = llvm::ConstantDataArray::getString(ctx, text);
  return new llvm::GlobalVariable(module, init->getType(), /*isConstant=*/true,
                                  llvm::GlobalValue::PrivateLinkage, init,
                                  name);
}

/// Weight `weight` as the model reads it: converted to f32, transposed when
/// stored transposed, its tensors stacked when stacked.
static std::vector<float> weightData(const SafetensorsFile &file,
                                     const ModelWeight &weight,
                                     llvm::ArrayRef<WeightSpec> tensors) {
  std::vector<float> values;
  for (const WeightSpec &spec : tensors) {
    std::vector<float> tensor = file.toF32(*file.lookup(spec.name));
    if (weight.transposed) {
      int64_t rows = spec.shape[0], cols = spec.shape[1];
      std::vector<float> transposed(tensor.size());
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
          transposed[c * rows + r] = tensor[r * cols + c];
      tensor = std::move(transposed);
    }
    values.insert(values.end(), tensor.begin(), tensor.end());
  }
  return values;
}

llvm::Constant *ModelApiBuilder::embedWeights(const SafetensorsFile &file) {
  std::vector<llvm::Constant *> pointers;
  std::vector<WeightSpec> tensors = signature.storedSpecs();
  auto tensorIt = tensors.begin();
  for (auto [index, weight] : llvm::enumerate(signature.weights)) {
    size_t count = std::max<int64_t>(weight.stack, 1);
    std::vector<float> values =
        weightData(file, weight, llvm::ArrayRef(&*tensorIt, count));
    tensorIt += count;
    auto *init = llvm::ConstantDataArray::get(ctx, llvm::ArrayRef(values));
    auto *global =
        new llvm::GlobalVariable(module, init->getType(), /*isConstant=*/true,
                                 llvm::GlobalValue::PrivateLinkage, init,
                                 "tfm.weight.data." + llvm::Twine(index));
    global->setAlignment(llvm::Align(64));
    pointers.push_back(global);
  }
  auto *type = llvm::ArrayType::get(b.getPtrTy(), pointers.size());
  return new llvm::GlobalVariable(
      module, type, /*isConstant=*/true, llvm::GlobalValue::PrivateLinkage,
      llvm::ConstantArray::get(type, pointers), "tfm.weight.embedded");
}

/// The tfm_rt_model_desc of lib/Runtime/Model.c: name, weight table (each
/// {name, rank, shape, transposed, stack}), vocabulary and output sizes,
/// maximum positions, random seed, embedded weights.
llvm::GlobalVariable *
ModelApiBuilder::buildDescriptor(const SafetensorsFile *embedded) {
  auto *i64 = b.getInt64Ty();
  auto *ptr = b.getPtrTy();
  auto *specType = llvm::StructType::get(ctx, {ptr, i64, ptr, i64, i64});
  std::vector<llvm::Constant *> specs;
  for (auto [index, weight] : llvm::enumerate(signature.weights)) {
    const std::vector<int64_t> &shape = weight.stored.shape;
    auto *shapeInit = llvm::ConstantDataArray::get(
        ctx,
        llvm::ArrayRef<uint64_t>(
            reinterpret_cast<const uint64_t *>(shape.data()), shape.size()));
    auto *shapeGlobal = new llvm::GlobalVariable(
        module, shapeInit->getType(), /*isConstant=*/true,
        llvm::GlobalValue::PrivateLinkage, shapeInit,
        "tfm.weight.shape." + llvm::Twine(index));
    specs.push_back(llvm::ConstantStruct::get(
        specType,
        {string(weight.stored.name, "tfm.weight.name." + llvm::Twine(index)),
         b.getInt64(shape.size()), shapeGlobal, b.getInt64(weight.transposed),
         b.getInt64(weight.stack)}));
  }
  auto *tableType = llvm::ArrayType::get(specType, specs.size());
  auto *table = new llvm::GlobalVariable(
      module, tableType, /*isConstant=*/true, llvm::GlobalValue::PrivateLinkage,
      llvm::ConstantArray::get(tableType, specs), "tfm.weight.table");
  auto *descType =
      llvm::StructType::get(ctx, {ptr, ptr, i64, i64, i64, i64, i64, ptr});
  return new llvm::GlobalVariable(
      module, descType, /*isConstant=*/true, llvm::GlobalValue::PrivateLinkage,
      llvm::ConstantStruct::get(
          descType,
          {string(signature.name, "tfm.model.name"), table,
           b.getInt64(specs.size()), b.getInt64(signature.vocabSize),
           b.getInt64(signature.outputSize), b.getInt64(signature.maxPositions),
           b.getInt64(signature.randomSeed),
           embedded ? embedWeights(*embedded)
                    : llvm::ConstantPointerNull::get(ptr)}),
      "tfm.model.desc");
}

llvm::Function *ModelApiBuilder::declare(llvm::StringRef name,
                                         llvm::Type *result,
                                         llvm::ArrayRef<llvm::Type *> params) {
  return llvm::cast<llvm::Function>(
      module
          .getOrInsertFunction(name,
                               llvm::FunctionType::get(result, params, false))
          .getCallee());
}

llvm::Function *ModelApiBuilder::define(llvm::StringRef suffix,
                                        llvm::Type *result,
                                        llvm::ArrayRef<llvm::Type *> params) {
  auto *function =
      llvm::Function::Create(llvm::FunctionType::get(result, params, false),
                             llvm::GlobalValue::ExternalLinkage,
                             signature.name + "_" + suffix, module);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", function));
  return function;
}

void ModelApiBuilder::appendMemref(SmallVectorImpl<llvm::Value *> &args,
                                   llvm::Value *pointer,
                                   llvm::ArrayRef<llvm::Value *> sizes) {
  SmallVector<llvm::Value *> strides(sizes.size());
  llvm::Value *stride = b.getInt64(1);
  for (int64_t d = sizes.size() - 1; d >= 0; --d) {
    strides[d] = stride;
    stride = b.CreateMul(stride, sizes[d]);
  }
  args.append({pointer, pointer, b.getInt64(0)});
  args.append(sizes.begin(), sizes.end());
  args.append(strides.begin(), strides.end());
}

int64_t ModelApiBuilder::weightElements(size_t index) const {
  const ModelWeight &weight = signature.weights[index];
  int64_t count = std::max<int64_t>(weight.stack, 1);
  for (int64_t size : weight.stored.shape)
    count *= size;
  return count;
}

llvm::Value *ModelApiBuilder::runtimeCall(llvm::StringRef name,
                                          llvm::Type *result,
                                          llvm::ArrayRef<llvm::Value *> args) {
  SmallVector<llvm::Type *> types;
  for (llvm::Value *arg : args)
    types.push_back(arg->getType());
  return b.CreateCall(declare(name, result, types), args);
}

void ModelApiBuilder::returnIfFailed(llvm::Function *function,
                                     llvm::Value *status) {
  auto *fail = llvm::BasicBlock::Create(ctx, "failed", function);
  auto *next = llvm::BasicBlock::Create(ctx, "ok", function);
  b.CreateCondBr(b.CreateICmpNE(status, b.getInt32(0)), fail, next);
  b.SetInsertPoint(fail);
  b.CreateRet(b.getInt32(1));
  b.SetInsertPoint(next);
}

void ModelApiBuilder::freeDeviceWeights(llvm::Value *model) {
  auto *ptr = b.getPtrTy();
  llvm::Value *device =
      runtimeCall("tfm_rt_model_device_weights", ptr, {model});
  for (size_t i = 0; i < signature.weights.size(); ++i)
    runtimeCall(
        "tfm_cuda_free", b.getVoidTy(),
        {b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, device, i))});
}

void ModelApiBuilder::uploadWeights(llvm::Function *create,
                                    llvm::Value *model) {
  auto *ptr = b.getPtrTy();
  auto *i32 = b.getInt32Ty();
  llvm::Value *out = create->getArg(1);
  auto *fail = llvm::BasicBlock::Create(ctx, "upload_failed", create);
  auto *uploaded = llvm::BasicBlock::Create(ctx, "uploaded", create);
  llvm::Value *begun = runtimeCall("tfm_cuda_begin", i32, {});
  auto *copy = llvm::BasicBlock::Create(ctx, "upload", create);
  b.CreateCondBr(b.CreateICmpNE(begun, b.getInt32(0)), fail, copy);
  b.SetInsertPoint(copy);
  llvm::Value *host = runtimeCall("tfm_rt_model_weights", ptr, {model});
  llvm::Value *device =
      runtimeCall("tfm_rt_model_device_weights", ptr, {model});
  // After a failed copy the runtime makes the rest no-ops (NULL results).
  // The loader gives f32; bf16/f16 storage is narrowed on the way.
  for (size_t i = 0; i < signature.weights.size(); ++i) {
    llvm::Value *data =
        b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, host, i));
    llvm::Value *count = b.getInt64(weightElements(i));
    llvm::Value *copy =
        signature.storage == WeightStorage::F32
            ? runtimeCall("tfm_cuda_upload", ptr,
                          {data, b.CreateMul(count, b.getInt64(4))})
            : runtimeCall(
                  "tfm_cuda_upload_narrowed", ptr,
                  {data, count,
                   b.getInt32(signature.storage == WeightStorage::BF16)});
    b.CreateStore(copy, b.CreateConstInBoundsGEP1_64(ptr, device, i));
  }
  llvm::Value *finished = runtimeCall("tfm_cuda_finish", i32, {});
  b.CreateCondBr(b.CreateICmpNE(finished, b.getInt32(0)), fail, uploaded);
  b.SetInsertPoint(fail);
  freeDeviceWeights(model);
  runtimeCall("tfm_rt_model_destroy", b.getVoidTy(), {model});
  b.CreateStore(llvm::ConstantPointerNull::get(ptr), out);
  b.CreateRet(b.getInt32(1));
  b.SetInsertPoint(uploaded);
  b.CreateRet(b.getInt32(0));
}

LogicalResult ModelApiBuilder::build(llvm::Function *impl, bool program,
                                     Location loc,
                                     const SafetensorsFile *embedded) {
  auto *i32 = b.getInt32Ty();
  auto *i64 = b.getInt64Ty();
  auto *ptr = b.getPtrTy();
  llvm::GlobalVariable *desc = buildDescriptor(embedded);
  llvm::GlobalVariable *buffer = errorBuffer();
  llvm::Value *bufferSize = b.getInt64(kErrorBufferSize);

  // int NAME_create(const char *weights_path, tfm_model **out)
  llvm::Function *create = define("create", i32, {ptr, ptr});
  llvm::Value *created = b.CreateCall(
      declare("tfm_rt_model_create", i32, {ptr, ptr, ptr, ptr, i64}),
      {desc, create->getArg(0), create->getArg(1),
       b.CreateThreadLocalAddress(buffer), bufferSize});
  if (cuda) {
    returnIfFailed(create, created);
    uploadWeights(create, b.CreateLoad(ptr, create->getArg(1)));
  } else {
    b.CreateRet(created);
  }

  // void NAME_destroy(tfm_model *m)
  llvm::Function *destroy = define("destroy", b.getVoidTy(), {ptr});
  if (cuda) {
    auto *release = llvm::BasicBlock::Create(ctx, "release", destroy);
    auto *done = llvm::BasicBlock::Create(ctx, "done", destroy);
    b.CreateCondBr(b.CreateIsNull(destroy->getArg(0)), done, release);
    b.SetInsertPoint(release);
    freeDeviceWeights(destroy->getArg(0));
    b.CreateBr(done);
    b.SetInsertPoint(done);
  }
  b.CreateCall(declare("tfm_rt_model_destroy", b.getVoidTy(), {ptr}),
               {destroy->getArg(0)});
  b.CreateRetVoid();

  // int NAME_forward(tfm_model *m, const int32_t *tokens, int64_t batch,
  //                  int64_t seq, float *out)
  llvm::Function *forward = define("forward", i32, {ptr, ptr, i64, i64, ptr});
  llvm::Value *model = forward->getArg(0), *tokens = forward->getArg(1),
              *batch = forward->getArg(2), *seq = forward->getArg(3),
              *out = forward->getArg(4);
  llvm::Value *status =
      b.CreateCall(declare("tfm_rt_check_forward", i32,
                           {ptr, ptr, ptr, i64, i64, ptr, ptr, i64}),
                   {desc, model, tokens, batch, seq, out,
                    b.CreateThreadLocalAddress(buffer), bufferSize});
  auto *fail = llvm::BasicBlock::Create(ctx, "fail", forward);
  auto *run = llvm::BasicBlock::Create(ctx, "run", forward);
  b.CreateCondBr(b.CreateICmpNE(status, b.getInt32(0)), fail, run);
  b.SetInsertPoint(fail);
  b.CreateRet(status);
  b.SetInsertPoint(run);
  llvm::Value *weights =
      cuda ? runtimeCall("tfm_rt_model_device_weights", ptr, {model})
           : b.CreateCall(declare("tfm_rt_model_weights", ptr, {ptr}), {model});
  // CUDA: the tokens and the output travel through device buffers.
  llvm::Value *hostOut = out;
  llvm::Value *outBytes = nullptr;
  if (cuda) {
    returnIfFailed(forward, runtimeCall("tfm_cuda_begin", i32, {}));
    llvm::Value *count = b.CreateMul(batch, seq);
    tokens = runtimeCall("tfm_cuda_upload", ptr,
                         {tokens, b.CreateMul(count, b.getInt64(4))});
    outBytes = b.CreateMul(count, b.getInt64(4 * signature.outputSize));
    out = runtimeCall("tfm_cuda_alloc", ptr, {outBytes});
  }

  // for (row = 0; row < batch; ++row): the lowered function on one sequence.
  llvm::BasicBlock *entryBlock = b.GetInsertBlock();
  auto *loop = llvm::BasicBlock::Create(ctx, "row", forward);
  auto *done = llvm::BasicBlock::Create(ctx, "done", forward);
  b.CreateBr(loop);
  b.SetInsertPoint(loop);
  llvm::PHINode *row = b.CreatePHI(i64, 2, "row");
  row->addIncoming(b.getInt64(0), entryBlock);
  llvm::Value *outputSize = b.getInt64(signature.outputSize);
  llvm::Value *rowTokens =
      b.CreateInBoundsGEP(b.getInt32Ty(), tokens, b.CreateMul(row, seq));
  llvm::Value *rowOut = b.CreateInBoundsGEP(
      b.getFloatTy(), out, b.CreateMul(b.CreateMul(row, seq), outputSize));
  SmallVector<llvm::Value *> args;
  appendMemref(args, rowTokens, {b.getInt64(1), seq});
  for (auto [index, weight] : llvm::enumerate(signature.weights)) {
    llvm::Value *data =
        b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, weights, index));
    SmallVector<llvm::Value *> sizes;
    for (int64_t size : weight.stored.shape)
      sizes.push_back(b.getInt64(size));
    if (weight.transposed)
      std::swap(sizes[0], sizes[1]);
    if (weight.stack)
      sizes.insert(sizes.begin(), b.getInt64(weight.stack));
    appendMemref(args, data, sizes);
  }
  appendMemref(args, rowOut, {b.getInt64(1), seq, outputSize});
  if (impl->getFunctionType()->getNumParams() != args.size())
    return emitError(loc) << "internal error: lowered function '"
                          << signature.entry << "' takes "
                          << impl->getFunctionType()->getNumParams()
                          << " parameters, the model's forward passes "
                          << args.size();
  b.CreateCall(impl, args);
  llvm::Value *next = b.CreateAdd(row, b.getInt64(1));
  row->addIncoming(next, b.GetInsertBlock());
  b.CreateCondBr(b.CreateICmpSLT(next, batch), loop, done);
  b.SetInsertPoint(done);
  if (cuda) {
    runtimeCall("tfm_cuda_download", i32, {hostOut, out, outBytes});
    runtimeCall("tfm_cuda_free", b.getVoidTy(), {tokens});
    runtimeCall("tfm_cuda_free", b.getVoidTy(), {out});
    returnIfFailed(forward, runtimeCall("tfm_cuda_finish", i32, {}));
  }
  b.CreateRet(b.getInt32(0));

  // NAME_program: the descriptor programs run the model through
  // (lib/Runtime/Program.h), also `tfm_rt_program` in an executable.
  auto *type =
      llvm::StructType::get(ctx, {ptr, ptr, ptr, ptr, ptr, i64, i64, i64});
  auto *descriptor = new llvm::GlobalVariable(
      module, type, /*isConstant=*/true, llvm::GlobalValue::ExternalLinkage,
      llvm::ConstantStruct::get(
          type, {string(signature.name, "tfm.program.name"), create, forward,
                 destroy, module.getFunction("tfm_last_error"),
                 b.getInt64(signature.outputSize),
                 b.getInt64(signature.outputsLogits),
                 b.getInt64(signature.randomSeed >= 0 || embedded)}),
      signature.name + "_program");
  if (program)
    llvm::GlobalAlias::create("tfm_rt_program", descriptor);
  return success();
}

LogicalResult tfm::emitModelEntryPoints(llvm::Module &module,
                                        const ModelSignature &signature,
                                        bool program, Location loc,
                                        const SafetensorsFile *embedded,
                                        bool cuda) {
  llvm::Function *impl = module.getFunction(signature.entry);
  if (!impl)
    return emitError(loc) << "internal error: no lowered function '"
                          << signature.entry << "'";
  impl->setName(signature.name + "." + signature.entry + ".impl");
  impl->setLinkage(llvm::GlobalValue::InternalLinkage);
  return ModelApiBuilder(module, signature, cuda)
      .build(impl, program, loc, embedded);
}

//===----------------------------------------------------------------------===//
// Header
//===----------------------------------------------------------------------===//

std::string tfm::renderModelHeader(llvm::StringRef guard,
                                   const ModelSignature &sig) {
  std::string text;
  llvm::raw_string_ostream os(text);
  std::string upper = llvm::StringRef(sig.name).upper();
  std::string output = sig.outputsLogits ? "logits" : "hidden states";
  os << "/* Generated by tfmc: the C API of the model '" << sig.name << "'"
     << (sig.architecture.empty() ? "" : " (" + sig.architecture + ")")
     << ".\n"
        " *\n"
        " * Every function returns 0, or non-zero with a message from\n"
        " * tfm_last_error() (per thread); nothing is written on failure. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "/* Token ids lie in [0, " << upper << "_VOCAB_SIZE); forward writes "
     << output << " of " << upper << "_OUTPUT_SIZE floats per token";
  if (sig.maxPositions)
    os << ";\n * a sequence holds at most " << upper << "_MAX_POSITIONS tokens";
  os << ". */\n"
     << "#define " << upper << "_VOCAB_SIZE " << sig.vocabSize << "\n"
     << "#define " << upper << "_OUTPUT_SIZE " << sig.outputSize << "\n";
  if (sig.maxPositions)
    os << "#define " << upper << "_MAX_POSITIONS " << sig.maxPositions << "\n";
  os << "\n/* The loaded model: its weights, shared by concurrent forward "
        "calls. */\n"
        "typedef struct tfm_model tfm_model;\n\n"
        "/* Maps the safetensors file at weights_path and checks it holds\n"
        " * exactly the model's "
     << sig.storedSpecs().size()
     << " weights with the expected shapes (F32, F16 or\n"
        " * BF16; converted to f32)."
     << (sig.embedded ? " A NULL path uses the weights compiled into the\n"
                        " * object (--embed-weights)."
         : sig.randomSeed >= 0 ? " A NULL path gives seeded random weights\n * "
                                 "(--random-weights " +
                                     std::to_string(sig.randomSeed) + ")."
                               : "")
     << " */\nint " << sig.name
     << "_create(const char *weights_path, tfm_model **out);\n\n"
        "/* tokens: [batch, seq] ids; out: [batch, seq, "
     << upper << "_OUTPUT_SIZE] " << output
     << ",\n * row-major, caller-allocated. Positions start at 0 in each "
        "row. */\n"
        "int "
     << sig.name
     << "_forward(tfm_model *m, const int32_t *tokens, int64_t batch,\n"
        "    int64_t seq, float *out);\n\n"
        "void "
     << sig.name
     << "_destroy(tfm_model *m);\n\n"
        "/* The last error of the calling thread (\"\" after a success). */\n"
        "const char *tfm_last_error(void);\n"
     << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return text;
}
