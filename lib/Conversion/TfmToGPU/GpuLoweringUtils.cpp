//===- GpuLoweringUtils.cpp - helpers shared by the tfm -> GPU lowerings --===//
#include "GpuLoweringUtils.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

/// The kernels of a module live in one gpu.module of this name.
static constexpr StringLiteral kKernelModuleName = "tfm_kernels";

static gpu::GPUModuleOp getOrCreateKernelModule(OpBuilder &b, ModuleOp module) {
  if (auto existing = module.lookupSymbol<gpu::GPUModuleOp>(kKernelModuleName))
    return existing;
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  b.getUnitAttr());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  return gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModuleName);
}

gpu::GPUFuncOp gpu_lowering::createKernel(OpBuilder &b, Operation *anchor,
                                          StringRef baseName,
                                          TypeRange argTypes,
                                          TypeRange workgroupBuffers,
                                          std::array<int64_t, 3> blockSize) {
  auto module = anchor->getParentOfType<ModuleOp>();
  gpu::GPUModuleOp kernels = getOrCreateKernelModule(b, module);
  b.setInsertionPointToEnd(kernels.getBody());
  auto func =
      gpu::GPUFuncOp::create(b, anchor->getLoc(), baseName,
                             b.getFunctionType(argTypes, {}), workgroupBuffers);
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(
      {int32_t(blockSize[0]), int32_t(blockSize[1]), int32_t(blockSize[2])}));
  SymbolTable(kernels).insert(func); // renames on a clash
  Block &body = func.getBody().front();
  b.setInsertionPointToEnd(&body);
  auto ret = gpu::ReturnOp::create(b, anchor->getLoc());
  b.setInsertionPoint(ret);
  return func;
}

MemRefType gpu_lowering::sharedMemRefType(ArrayRef<int64_t> shape,
                                          Type elementType) {
  auto space = gpu::AddressSpaceAttr::get(elementType.getContext(),
                                          gpu::AddressSpace::Workgroup);
  return MemRefType::get(shape, elementType, MemRefLayoutAttrInterface(),
                         space);
}

Value gpu_lowering::dynamicSharedBuffer(OpBuilder &b, Location loc,
                                        ArrayRef<int64_t> shape,
                                        Type elementType, int64_t byteOffset) {
  auto bytesType = sharedMemRefType({ShapedType::kDynamic}, b.getI8Type());
  Value bytes = gpu::DynamicSharedMemoryOp::create(b, loc, bytesType);
  return memref::ViewOp::create(b, loc, sharedMemRefType(shape, elementType),
                                bytes, indexConstant(b, loc, byteOffset),
                                ValueRange{});
}

Value gpu_lowering::bufferOf(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto memref = MemRefType::get(type.getShape(), type.getElementType());
  return bufferization::ToBufferOp::create(b, loc, memref, tensor,
                                           /*read_only=*/true);
}

Value gpu_lowering::allocBuffer(OpBuilder &b, Location loc,
                                RankedTensorType type,
                                ValueRange dynamicSizes) {
  auto memref = MemRefType::get(type.getShape(), type.getElementType());
  // 16-byte alignment lets kernels use vector loads on rows whose size is a
  // multiple of 16 bytes.
  return memref::AllocOp::create(b, loc, memref, dynamicSizes,
                                 b.getI64IntegerAttr(16));
}

Value gpu_lowering::allocBufferOfSizes(OpBuilder &b, Location loc,
                                       RankedTensorType type,
                                       ArrayRef<Value> dims) {
  SmallVector<Value> dynamicSizes;
  for (auto [dim, size] : llvm::enumerate(dims))
    if (type.isDynamicDim(dim))
      dynamicSizes.push_back(size);
  return allocBuffer(b, loc, type, dynamicSizes);
}

Value gpu_lowering::tensorOf(OpBuilder &b, Location loc, Value buffer) {
  auto memref = cast<MemRefType>(buffer.getType());
  auto tensor =
      RankedTensorType::get(memref.getShape(), memref.getElementType());
  return bufferization::ToTensorOp::create(b, loc, tensor, buffer,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

SmallVector<Value> gpu_lowering::dimsOf(OpBuilder &b, Location loc,
                                        Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> dims;
  for (int64_t d = 0; d < type.getRank(); ++d)
    dims.push_back(type.isDynamicDim(d)
                       ? Value(tensor::DimOp::create(b, loc, tensor, d))
                       : indexConstant(b, loc, type.getDimSize(d)));
  return dims;
}

void gpu_lowering::launchKernel(OpBuilder &b, Location loc,
                                gpu::GPUFuncOp kernel,
                                std::array<Value, 3> grid,
                                std::array<int64_t, 3> blockSize,
                                int64_t dynamicSharedBytes, ValueRange args) {
  auto module = kernel->getParentOfType<gpu::GPUModuleOp>();
  auto symbol = SymbolRefAttr::get(
      module.getNameAttr(), {FlatSymbolRefAttr::get(kernel.getNameAttr())});
  KernelLaunchOp::create(b, loc, symbol, grid[0], grid[1], grid[2],
                         b.getDenseI64ArrayAttr(blockSize),
                         b.getI64IntegerAttr(dynamicSharedBytes), args);
}

void gpu_lowering::lowerKernelLaunch(RewriterBase &rewriter,
                                     KernelLaunchOp launch) {
  Location loc = launch.getLoc();
  rewriter.setInsertionPoint(launch);
  auto kernel = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
      launch, launch.getKernel());
  ArrayRef<int64_t> block = launch.getBlock();
  gpu::KernelDim3 gridDim{launch.getGridX(), launch.getGridY(),
                          launch.getGridZ()};
  gpu::KernelDim3 blockDim{indexConstant(rewriter, loc, block[0]),
                           indexConstant(rewriter, loc, block[1]),
                           indexConstant(rewriter, loc, block[2])};
  Value shared =
      launch.getSharedBytes()
          ? Value(arith::ConstantIntOp::create(
                rewriter, loc, rewriter.getI32Type(), launch.getSharedBytes()))
          : Value();
  gpu::LaunchFuncOp::create(rewriter, loc, kernel, gridDim, blockDim, shared,
                            launch.getArgs());
  rewriter.eraseOp(launch);
}

Value gpu_lowering::ceilDiv(OpBuilder &b, Location loc, Value a,
                            int64_t divisor) {
  return arith::CeilDivUIOp::create(b, loc, a, indexConstant(b, loc, divisor));
}

Value gpu_lowering::indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value gpu_lowering::f32Constant(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value gpu_lowering::threadId(OpBuilder &b, Location loc, gpu::Dimension dim) {
  return gpu::ThreadIdOp::create(b, loc, dim);
}

Value gpu_lowering::blockId(OpBuilder &b, Location loc, gpu::Dimension dim) {
  return gpu::BlockIdOp::create(b, loc, dim);
}

Value gpu_lowering::convertFloat(OpBuilder &b, Location loc, Value value,
                                 Type elementType) {
  Type from = getElementTypeOrSelf(value.getType());
  if (from == elementType)
    return value;
  Type to = elementType;
  if (auto vector = dyn_cast<VectorType>(value.getType()))
    to = VectorType::get(vector.getShape(), elementType);
  if (from.getIntOrFloatBitWidth() < elementType.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, loc, to, value);
  return arith::TruncFOp::create(b, loc, to, value);
}

Value gpu_lowering::loadF32(OpBuilder &b, Location loc, Value memref,
                            ValueRange indices) {
  Value element = memref::LoadOp::create(b, loc, memref, indices);
  return convertFloat(b, loc, element, b.getF32Type());
}

void gpu_lowering::storeF32(OpBuilder &b, Location loc, Value value,
                            Value memref, ValueRange indices) {
  Type elementType = cast<MemRefType>(memref.getType()).getElementType();
  memref::StoreOp::create(b, loc, convertFloat(b, loc, value, elementType),
                          memref, indices);
}

static Value combine(OpBuilder &b, Location loc, Value x, Value y,
                     ReduceKind kind) {
  if (kind == ReduceKind::Sum)
    return arith::AddFOp::create(b, loc, x, y);
  return arith::MaximumFOp::create(b, loc, x, y);
}

Value gpu_lowering::warpAllReduce(OpBuilder &b, Location loc, Value value,
                                  ReduceKind kind) {
  Value width = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 32);
  for (int offset = 16; offset >= 1; offset /= 2) {
    Value laneOffset =
        arith::ConstantIntOp::create(b, loc, b.getI32Type(), offset);
    Value other = gpu::ShuffleOp::create(b, loc, value, laneOffset, width,
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    value = combine(b, loc, value, other, kind);
  }
  return value;
}

Value gpu_lowering::blockAllReduce(OpBuilder &b, Location loc, Value value,
                                   ReduceKind kind, Value scratch,
                                   int64_t numWarps) {
  Value warpValue = warpAllReduce(b, loc, value, kind);
  if (numWarps == 1)
    return warpValue;
  Value tid = threadId(b, loc, gpu::Dimension::x);
  Value c32 = indexConstant(b, loc, 32);
  Value warp = arith::DivUIOp::create(b, loc, tid, c32);
  Value lane = arith::RemUIOp::create(b, loc, tid, c32);
  // Lane 0 of each warp publishes its partial; every thread then reduces
  // the numWarps partials itself (numWarps is small).
  barrier(b, loc); // the scratch may still be read by a previous reduction
  Value isLeader = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                                         indexConstant(b, loc, 0));
  auto ifLeader = scf::IfOp::create(b, loc, isLeader, /*withElse=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifLeader.thenBlock());
    memref::StoreOp::create(b, loc, warpValue, scratch, ValueRange{warp});
  }
  barrier(b, loc);
  Value total = memref::LoadOp::create(b, loc, scratch,
                                       ValueRange{indexConstant(b, loc, 0)});
  for (int64_t w = 1; w < numWarps; ++w)
    total = combine(b, loc, total,
                    memref::LoadOp::create(
                        b, loc, scratch, ValueRange{indexConstant(b, loc, w)}),
                    kind);
  return total;
}

void gpu_lowering::barrier(OpBuilder &b, Location loc) {
  gpu::BarrierOp::create(b, loc);
}

void gpu_lowering::ifThen(OpBuilder &b, Location loc, Value condition,
                          function_ref<void(OpBuilder &, Location)> body) {
  auto ifOp = scf::IfOp::create(b, loc, condition, /*withElse=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  body(b, loc);
}

//===----------------------------------------------------------------------===//
// DeviceMath
//===----------------------------------------------------------------------===//

Value DeviceMath::i32(int64_t value) {
  return arith::ConstantIntOp::create(b, loc, b.getI32Type(), value);
}
Value DeviceMath::i64(int64_t value) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), value);
}
Value DeviceMath::f32(double value) { return f32Constant(b, loc, value); }

/// The constant `value` of `x`'s type.
static Value constantLike(OpBuilder &b, Location loc, Value x, int64_t value) {
  return arith::ConstantOp::create(b, loc,
                                   b.getIntegerAttr(x.getType(), value));
}

Value DeviceMath::add(Value x, Value y) {
  return arith::AddIOp::create(b, loc, x, y);
}
Value DeviceMath::sub(Value x, Value y) {
  return arith::SubIOp::create(b, loc, x, y);
}
Value DeviceMath::mul(Value x, Value y) {
  return arith::MulIOp::create(b, loc, x, y);
}
Value DeviceMath::div(Value x, Value y) {
  return arith::DivUIOp::create(b, loc, x, y);
}
Value DeviceMath::rem(Value x, Value y) {
  return arith::RemUIOp::create(b, loc, x, y);
}
Value DeviceMath::div(Value x, int64_t y) {
  return div(x, constantLike(b, loc, x, y));
}
Value DeviceMath::rem(Value x, int64_t y) {
  return rem(x, constantLike(b, loc, x, y));
}
Value DeviceMath::ceilDiv(Value x, Value y) {
  return bySign<arith::CeilDivSIOp, arith::CeilDivUIOp>(x, y);
}
Value DeviceMath::floorDiv(Value x, Value y) {
  return bySign<arith::FloorDivSIOp, arith::DivUIOp>(x, y);
}
Value DeviceMath::min(Value x, Value y) {
  return bySign<arith::MinSIOp, arith::MinUIOp>(x, y);
}
Value DeviceMath::max(Value x, Value y) {
  return bySign<arith::MaxSIOp, arith::MaxUIOp>(x, y);
}
Value DeviceMath::cmp(arith::CmpIPredicate predicate, Value x, Value y) {
  return arith::CmpIOp::create(b, loc, predicate, x, y);
}
Value DeviceMath::lt(Value x, Value y) {
  return cmp(isSigned() ? arith::CmpIPredicate::slt : arith::CmpIPredicate::ult,
             x, y);
}
Value DeviceMath::ge(Value x, Value y) {
  return cmp(isSigned() ? arith::CmpIPredicate::sge : arith::CmpIPredicate::uge,
             x, y);
}
Value DeviceMath::both(Value x, Value y) {
  return arith::AndIOp::create(b, loc, x, y);
}
Value DeviceMath::select(Value condition, Value x, Value y) {
  return arith::SelectOp::create(b, loc, condition, x, y);
}
Value DeviceMath::orZero(Value condition, Value x) {
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(x.getType()));
  return select(condition, x, zero);
}

Value DeviceMath::toI32(Value index) {
  return bySign<arith::IndexCastOp, arith::IndexCastUIOp>(b.getI32Type(),
                                                          index);
}
Value DeviceMath::toI64(Value integer) {
  Type i64 = b.getI64Type();
  if (integer.getType().isIndex())
    return bySign<arith::IndexCastOp, arith::IndexCastUIOp>(i64, integer);
  return bySign<arith::ExtSIOp, arith::ExtUIOp>(i64, integer);
}
Value DeviceMath::toIndex(Value i32) {
  return bySign<arith::IndexCastOp, arith::IndexCastUIOp>(b.getIndexType(),
                                                          i32);
}
Value DeviceMath::toF32(Value integer) {
  return bySign<arith::SIToFPOp, arith::UIToFPOp>(b.getF32Type(), integer);
}

Value DeviceMath::fadd(Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}
Value DeviceMath::fsub(Value x, Value y) {
  return arith::SubFOp::create(b, loc, x, y);
}
Value DeviceMath::fmul(Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}
Value DeviceMath::fma(Value x, Value y, Value z) {
  return LLVM::FMAOp::create(b, loc, x, y, z);
}
Value DeviceMath::fmax(Value x, Value y) {
  // llvm.maxnum is max.f32 (arith.maxnumf would become a libdevice call).
  return LLVM::MaxNumOp::create(b, loc, x, y);
}
Value DeviceMath::fcmp(arith::CmpFPredicate predicate, Value x, Value y) {
  return arith::CmpFOp::create(b, loc, predicate, x, y);
}
/// The NVVM intrinsic `name` of one f32 operand (convert-gpu-to-nvvm would
/// turn llvm.exp2 and friends into libdevice calls, which need the SDK).
static Value unaryIntrinsic(OpBuilder &b, Location loc, StringRef name,
                            Value x) {
  return LLVM::CallIntrinsicOp::create(b, loc, b.getF32Type(),
                                       b.getStringAttr(name), ValueRange{x})
      .getResult(0);
}
Value DeviceMath::exp2(Value x) {
  return unaryIntrinsic(b, loc, "llvm.nvvm.ex2.approx.f32", x);
}
Value DeviceMath::log2(Value x) {
  return unaryIntrinsic(b, loc, "llvm.nvvm.lg2.approx.f", x);
}

Value DeviceMath::shuffleXor(Value x, int64_t mask) {
  return gpu::ShuffleOp::create(b, loc, x, i32(mask), i32(32),
                                gpu::ShuffleMode::XOR)
      .getShuffleResult();
}
Value DeviceMath::quadMax(Value x) {
  x = fmax(x, shuffleXor(x, 1));
  return fmax(x, shuffleXor(x, 2));
}
Value DeviceMath::quadSum(Value x) {
  x = fadd(x, shuffleXor(x, 1));
  return fadd(x, shuffleXor(x, 2));
}

Value DeviceMath::threadIdx() {
  return toI32(threadId(b, loc, gpu::Dimension::x));
}
Value DeviceMath::blockIdx(gpu::Dimension dim) {
  return toI32(blockId(b, loc, dim));
}
Value DeviceMath::dim(Value memref, int64_t dim) {
  return toI32(memref::DimOp::create(b, loc, memref, dim));
}

static Value pointerOf(DeviceMath &m, Value memref, unsigned addressSpace) {
  Value address =
      memref::ExtractAlignedPointerAsIndexOp::create(m.b, m.loc, memref);
  return LLVM::IntToPtrOp::create(
      m.b, m.loc, LLVM::LLVMPointerType::get(m.b.getContext(), addressSpace),
      m.toI64(address));
}

Value gpu_lowering::globalPointer(DeviceMath &m, Value memref) {
  // Device allocations are in the global window, where generic and global
  // addresses coincide.
  return pointerOf(m, memref, /*addressSpace=*/1);
}

Value gpu_lowering::sharedPointer(DeviceMath &m, Value memref) {
  return pointerOf(m, memref, /*addressSpace=*/3);
}

Value gpu_lowering::offsetPointer(DeviceMath &m, Value pointer,
                                  Type elementType, Value offset) {
  return LLVM::GEPOp::create(m.b, m.loc, pointer.getType(), elementType,
                             pointer, ValueRange{offset});
}
