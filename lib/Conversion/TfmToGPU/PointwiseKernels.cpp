//===- PointwiseKernels.cpp - building blocks of the pointwise kernels ----===//
#include "PointwiseKernels.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

/// Threads per block of the elementwise kernels.
static constexpr int64_t kElementwiseBlock = 256;

/// Bytes of one vector access at most (ld.global.v4.b32).
static constexpr int64_t kMaxAccessBytes = 16;

static int64_t elementBytes(Type elementType) {
  return elementType.getIntOrFloatBitWidth() / 8;
}

OpFoldResult gpu_lowering::productOf(OpBuilder &b, Location loc,
                                     ValueRange dims) {
  int64_t staticProduct = 1;
  Value dynamicProduct;
  for (Value dim : dims) {
    if (std::optional<int64_t> size = getConstantIntValue(dim)) {
      staticProduct *= *size;
      continue;
    }
    dynamicProduct =
        dynamicProduct
            ? Value(arith::MulIOp::create(b, loc, dynamicProduct, dim))
            : dim;
  }
  if (!dynamicProduct)
    return b.getIndexAttr(staticProduct);
  if (staticProduct != 1)
    dynamicProduct = arith::MulIOp::create(
        b, loc, dynamicProduct, indexConstant(b, loc, staticProduct));
  return dynamicProduct;
}

Value gpu_lowering::contiguousView(OpBuilder &b, Location loc, Value buffer,
                                   ArrayRef<OpFoldResult> sizes) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<int64_t> shape;
  for (OpFoldResult size : sizes)
    shape.push_back(getConstantIntValue(size).value_or(ShapedType::kDynamic));
  // Row-major strides: static exactly where the identity layout of `shape`
  // has them static (no dynamic size to their right), as the op requires.
  SmallVector<OpFoldResult> strides(sizes.size());
  for (int64_t dim = static_cast<int64_t>(sizes.size()) - 1; dim >= 0; --dim)
    strides[dim] = productOf(
        b, loc,
        getValueOrCreateConstantIndexOp(b, loc, sizes.drop_front(dim + 1)));
  auto viewType = MemRefType::get(shape, type.getElementType());
  return memref::ReinterpretCastOp::create(b, loc, viewType, buffer,
                                           b.getIndexAttr(0), sizes, strides);
}

Value gpu_lowering::gridFor(OpBuilder &b, Location loc, Value count,
                            int64_t perBlock) {
  return arith::MaxUIOp::create(b, loc, ceilDiv(b, loc, count, perBlock),
                                indexConstant(b, loc, 1));
}

std::string gpu_lowering::typeSuffix(Type elementType) {
  std::string name;
  llvm::raw_string_ostream os(name);
  elementType.print(os);
  return name;
}

int64_t gpu_lowering::maxRunWidth(Type elementType) {
  return kMaxAccessBytes / elementBytes(elementType);
}

int64_t gpu_lowering::runWidth(Type elementType, ArrayRef<int64_t> sizes) {
  int64_t width = maxRunWidth(elementType);
  for (int64_t size : sizes) {
    if (ShapedType::isDynamic(size))
      return 1;
    while (size % width != 0)
      width /= 2;
  }
  return width;
}

Value gpu_lowering::globalThreadId(OpBuilder &b, Location loc,
                                   int64_t blockSize) {
  Value block =
      arith::MulIOp::create(b, loc, blockId(b, loc, gpu::Dimension::x),
                            indexConstant(b, loc, blockSize));
  return arith::AddIOp::create(b, loc, block,
                               threadId(b, loc, gpu::Dimension::x));
}

/// i1: the aligned base pointers of all `buffers` are multiples of `bytes`
/// (a power of two).
static Value basesAligned(OpBuilder &b, Location loc, ValueRange buffers,
                          int64_t bytes) {
  Value bits;
  for (Value buffer : buffers) {
    Value pointer =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
    bits = bits ? Value(arith::OrIOp::create(b, loc, bits, pointer)) : pointer;
  }
  Value misalignment =
      arith::AndIOp::create(b, loc, bits, indexConstant(b, loc, bytes - 1));
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, misalignment,
                               indexConstant(b, loc, 0));
}

void gpu_lowering::emitRunAccessVariants(
    OpBuilder &b, Location loc, ValueRange buffers, int64_t width,
    Type elementType, function_ref<void(bool vectorized)> emit,
    Value alsoRequired) {
  if (width == 1) {
    emit(false);
    return;
  }
  Value aligned =
      basesAligned(b, loc, buffers, width * elementBytes(elementType));
  if (alsoRequired)
    aligned = arith::AndIOp::create(b, loc, aligned, alsoRequired);
  auto ifAligned = scf::IfOp::create(b, loc, aligned, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifAligned.thenBlock());
  emit(true);
  b.setInsertionPointToStart(ifAligned.elseBlock());
  emit(false);
}

/// The indices of element `offset` of the run starting at `indices`.
static SmallVector<Value> runElementIndices(OpBuilder &b, Location loc,
                                            ValueRange indices,
                                            int64_t offset) {
  SmallVector<Value> shifted(indices);
  if (offset != 0)
    shifted.back() = arith::AddIOp::create(b, loc, shifted.back(),
                                           indexConstant(b, loc, offset));
  return shifted;
}

Value gpu_lowering::loadRun(OpBuilder &b, Location loc, Value buffer,
                            ValueRange indices, int64_t width,
                            bool vectorized) {
  Type elementType = cast<MemRefType>(buffer.getType()).getElementType();
  auto f32Run = VectorType::get({width}, b.getF32Type());
  if (vectorized) {
    auto storedRun = VectorType::get({width}, elementType);
    Value run = vector::LoadOp::create(
        b, loc, storedRun, buffer, indices, /*nontemporal=*/false,
        llvm::MaybeAlign(width * elementBytes(elementType)));
    return convertFloat(b, loc, run, b.getF32Type());
  }
  SmallVector<Value> elements;
  for (int64_t offset = 0; offset < width; ++offset)
    elements.push_back(
        loadF32(b, loc, buffer, runElementIndices(b, loc, indices, offset)));
  return vector::FromElementsOp::create(b, loc, f32Run, elements);
}

void gpu_lowering::storeRun(OpBuilder &b, Location loc, Value run, Value buffer,
                            ValueRange indices, bool vectorized) {
  Type elementType = cast<MemRefType>(buffer.getType()).getElementType();
  int64_t width = cast<VectorType>(run.getType()).getNumElements();
  if (vectorized) {
    vector::StoreOp::create(
        b, loc, convertFloat(b, loc, run, elementType), buffer, indices,
        /*nontemporal=*/false,
        llvm::MaybeAlign(width * elementBytes(elementType)));
    return;
  }
  for (int64_t offset = 0; offset < width; ++offset)
    storeF32(b, loc, vector::ExtractOp::create(b, loc, run, offset), buffer,
             runElementIndices(b, loc, indices, offset));
}

Value gpu_lowering::sumOf(OpBuilder &b, Location loc, Value run) {
  return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, run);
}

Value gpu_lowering::splat(OpBuilder &b, Location loc, Value value,
                          int64_t width) {
  return vector::BroadcastOp::create(
      b, loc, VectorType::get({width}, b.getF32Type()), value);
}

Value gpu_lowering::mapElements(OpBuilder &b, Location loc, Value run,
                                function_ref<Value(Value)> fn) {
  auto type = cast<VectorType>(run.getType());
  SmallVector<Value> elements;
  for (int64_t e = 0; e < type.getNumElements(); ++e)
    elements.push_back(fn(vector::ExtractOp::create(b, loc, run, e)));
  return vector::FromElementsOp::create(b, loc, type, elements);
}

void gpu_lowering::replaceWithElementwiseKernel(PatternRewriter &rewriter,
                                                Operation *op, StringRef name,
                                                ValueRange inputs,
                                                ValueRange extraArgs,
                                                RunBody body) {
  Location loc = op->getLoc();
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  Type elementType = resultType.getElementType();
  // The result has the inputs' shape; its sizes come from an input (the
  // result itself is being replaced).
  SmallVector<Value> dims = dimsOf(rewriter, loc, inputs.front());
  Value output = allocBufferOfSizes(rewriter, loc, resultType, dims);
  OpFoldResult count = productOf(rewriter, loc, dims);

  SmallVector<Value> args;
  for (Value input : inputs)
    args.push_back(
        contiguousView(rewriter, loc, bufferOf(rewriter, loc, input), count));
  args.push_back(contiguousView(rewriter, loc, output, count));
  args.append(extraArgs.begin(), extraArgs.end());

  int64_t width = maxRunWidth(elementType);
  std::array<int64_t, 3> block = {kElementwiseBlock, 1, 1};
  gpu::GPUFuncOp kernel;
  {
    OpBuilder::InsertionGuard guard(rewriter);
    kernel = createKernel(rewriter, op, name, TypeRange(ValueRange(args)), {},
                          block);
    OpBuilder &b = rewriter;
    ValueRange kernelArgs = kernel.getArguments();
    ValueRange flatInputs = kernelArgs.take_front(inputs.size());
    Value flatOutput = kernelArgs[inputs.size()];
    ValueRange kernelExtraArgs = kernelArgs.drop_front(inputs.size() + 1);

    Value size = memref::DimOp::create(b, loc, flatOutput, 0);
    Value first =
        arith::MulIOp::create(b, loc, globalThreadId(b, loc, kElementwiseBlock),
                              indexConstant(b, loc, width));
    Value runEnd =
        arith::AddIOp::create(b, loc, first, indexConstant(b, loc, width));
    Value inBounds =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, runEnd, size);
    SmallVector<Value> buffers(flatInputs);
    buffers.push_back(flatOutput);
    Value aligned =
        basesAligned(b, loc, buffers, width * elementBytes(elementType));
    Value wholeRun = arith::AndIOp::create(b, loc, inBounds, aligned);

    auto emitRun = [&](Value start, int64_t runWidth, bool vectorized) {
      SmallVector<Value> runs;
      for (Value input : flatInputs)
        runs.push_back(loadRun(b, loc, input, start, runWidth, vectorized));
      Value result = body(b, loc, runs, start, kernelExtraArgs);
      storeRun(b, loc, result, flatOutput, start, vectorized);
    };
    auto ifWhole = scf::IfOp::create(b, loc, wholeRun, /*withElseRegion=*/true);
    b.setInsertionPointToStart(ifWhole.thenBlock());
    emitRun(first, width, /*vectorized=*/true);
    // The ragged end of the data, or unaligned buffers: element by element.
    b.setInsertionPointToStart(ifWhole.elseBlock());
    Value last = arith::MinUIOp::create(b, loc, runEnd, size);
    scf::ForOp::create(
        b, loc, first, last, indexConstant(b, loc, 1), ValueRange{},
        [&](OpBuilder &nested, Location nestedLoc, Value index, ValueRange) {
          emitRun(index, 1, /*vectorized=*/false);
          scf::YieldOp::create(nested, nestedLoc);
        });
  }
  Value grid = gridFor(rewriter, loc,
                       getValueOrCreateConstantIndexOp(rewriter, loc, count),
                       kElementwiseBlock * width);
  Value one = indexConstant(rewriter, loc, 1);
  launchKernel(rewriter, loc, kernel, {grid, one, one}, block,
               /*dynamicSharedBytes=*/0, args);
  rewriter.replaceOp(op, tensorOf(rewriter, loc, output));
}
