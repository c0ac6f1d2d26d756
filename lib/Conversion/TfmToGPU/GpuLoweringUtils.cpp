//===- GpuLoweringUtils.cpp - helpers shared by the tfm -> GPU lowerings --===//
#include "GpuLoweringUtils.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
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
