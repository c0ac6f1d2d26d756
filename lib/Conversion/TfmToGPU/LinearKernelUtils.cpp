//===- LinearKernelUtils.cpp - device helpers of the linear kernels -------===//
#include "LinearKernels.h"

#include "../TfmToLinalg/LoweringUtils.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

int64_t LinearSpec::staticColumns() const {
  return cast<MemRefType>(outputType).getShape().back();
}

int64_t LinearSpec::staticDepth() const {
  return cast<MemRefType>(inputType).getShape().back();
}

SmallVector<Type> LinearSpec::argumentTypes(MLIRContext *ctx) const {
  SmallVector<Type> types = {inputType, weightType};
  if (hasBias())
    types.push_back(biasType);
  if (hasResidual())
    types.push_back(residualType);
  types.push_back(outputType);
  types.append(3, IndexType::get(ctx));
  return types;
}

LinearOperands LinearOperands::fromArguments(OpBuilder &b, Location loc,
                                             gpu::GPUFuncOp func,
                                             const LinearSpec &spec) {
  ValueRange args = func.getArguments();
  LinearOperands operands;
  operands.spec = &spec;
  unsigned next = 0;
  auto pointer = [&] { return basePointer(b, loc, args[next++], 1); };
  operands.input = pointer();
  operands.weight = pointer();
  if (spec.hasBias())
    operands.bias = pointer();
  if (spec.hasResidual())
    operands.residual = pointer();
  operands.output = pointer();
  operands.rows = toI32(b, loc, args[next++]);
  operands.columns = toI32(b, loc, args[next++]);
  operands.depth = toI32(b, loc, args[next++]);
  return operands;
}

LinearKernelBuilderBase::LinearKernelBuilderBase(OpBuilder &b, Location loc,
                                                 gpu::GPUFuncOp func,
                                                 const LinearSpec &spec)
    : b(b), loc(loc), spec(spec),
      operands(LinearOperands::fromArguments(b, loc, func, spec)) {}

Value LinearKernelBuilderBase::c32(int64_t value) {
  return i32Constant(b, loc, value);
}

Value LinearKernelBuilderBase::add(Value l, Value r) {
  return arith::AddIOp::create(b, loc, l, r);
}

Value LinearKernelBuilderBase::mul(Value l, Value r) {
  return arith::MulIOp::create(b, loc, l, r);
}

Value LinearKernelBuilderBase::div(Value l, int64_t r) {
  return arith::DivUIOp::create(b, loc, l, c32(r));
}

Value LinearKernelBuilderBase::rem(Value l, int64_t r) {
  return arith::RemUIOp::create(b, loc, l, c32(r));
}

Value LinearKernelBuilderBase::ult(Value l, Value r) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, l, r);
}

Value LinearKernelBuilderBase::orZero(Value condition, Value value) {
  return arith::SelectOp::create(b, loc, condition, value, c32(0));
}

Value LinearKernelBuilderBase::inDepth(Value rowExists, Value k) {
  return arith::AndIOp::create(b, loc, rowExists, ult(k, operands.depth));
}

Value LinearKernelBuilderBase::rowPointer(Value base, Type elementType,
                                          Value row) {
  Value start = arith::MulIOp::create(b, loc, toI64(b, loc, row),
                                      toI64(b, loc, operands.depth));
  return elementPointer(b, loc, base, elementType, start);
}

Value gpu_lowering::i32Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIntOp::create(b, loc, b.getI32Type(), value);
}

Value gpu_lowering::i64Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), value);
}

Value gpu_lowering::toI32(OpBuilder &b, Location loc, Value index) {
  return arith::IndexCastUIOp::create(b, loc, b.getI32Type(), index);
}

Value gpu_lowering::toI64(OpBuilder &b, Location loc, Value integer) {
  if (integer.getType().isIndex())
    return arith::IndexCastUIOp::create(b, loc, b.getI64Type(), integer);
  return arith::ExtUIOp::create(b, loc, b.getI64Type(), integer);
}

Value gpu_lowering::basePointer(OpBuilder &b, Location loc, Value memref,
                                unsigned addressSpace) {
  Value address =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  return LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext(), addressSpace),
      ValueRange{toI64(b, loc, address)});
}

Value gpu_lowering::sharedBasePointer(OpBuilder &b, Location loc,
                                      gpu::GPUFuncOp func) {
  func.setWorkgroupAttributionAttr(0, LLVM::LLVMDialect::getAlignAttrName(),
                                   b.getI64IntegerAttr(16));
  return basePointer(b, loc, func.getWorkgroupAttributions()[0], 3);
}

Value gpu_lowering::elementPointer(OpBuilder &b, Location loc, Value base,
                                   Type elementType, Value offset) {
  return LLVM::GEPOp::create(b, loc, base.getType(), elementType, base,
                             ValueRange{offset});
}

std::pair<Value, Value> gpu_lowering::weightRowOfTileRow(
    OpBuilder &b, Location loc, const LinearOperands &operands,
    Value firstColumn, Value tileRow, int64_t groupSize) {
  auto ult = [&](Value l, Value r) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, l, r);
  };
  if (!operands.spec->gated) {
    Value row = arith::AddIOp::create(b, loc, firstColumn, tileRow);
    return {row, ult(row, operands.columns)};
  }
  int64_t half = groupSize / 2;
  Value group =
      arith::DivUIOp::create(b, loc, tileRow, i32Constant(b, loc, groupSize));
  Value inGroup =
      arith::RemUIOp::create(b, loc, tileRow, i32Constant(b, loc, groupSize));
  Value isUp = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, inGroup,
                                     i32Constant(b, loc, half));
  Value columnInGroup =
      arith::RemUIOp::create(b, loc, inGroup, i32Constant(b, loc, half));
  Value column = arith::AddIOp::create(
      b, loc, firstColumn,
      arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(b, loc, group, i32Constant(b, loc, half)),
          columnInGroup));
  Value upOffset = arith::SelectOp::create(b, loc, isUp, operands.columns,
                                           i32Constant(b, loc, 0));
  return {arith::AddIOp::create(b, loc, column, upOffset),
          ult(column, operands.columns)};
}

/// `count` consecutive elements of `elementType` at `base` + `offset` (one
/// load, aligned to its size, of an input: invariant), widened to f32
/// scalars.
static SmallVector<Value> loadValues(OpBuilder &b, Location loc, Value base,
                                     Type elementType, Value offset,
                                     int64_t count) {
  auto vectorType = VectorType::get({count}, elementType);
  unsigned bytes = count * elementType.getIntOrFloatBitWidth() / 8;
  Value loaded = LLVM::LoadOp::create(
      b, loc, vectorType, elementPointer(b, loc, base, elementType, offset),
      bytes, /*isVolatile=*/false, /*isNonTemporal=*/false,
      /*isInvariant=*/true);
  SmallVector<Value> values;
  for (int64_t i = 0; i < count; ++i)
    values.push_back(convertFloat(
        b, loc,
        LLVM::ExtractElementOp::create(b, loc, loaded, i32Constant(b, loc, i)),
        b.getF32Type()));
  return values;
}

/// Stores the f32 scalars `values`, narrowed to `elementType`, as one
/// vector at `base` + `offset` (aligned to its size).
static void storeValues(OpBuilder &b, Location loc, ArrayRef<Value> values,
                        Value base, Type elementType, Value offset) {
  int64_t count = values.size();
  auto vectorType = VectorType::get({count}, elementType);
  Value packed = LLVM::PoisonOp::create(b, loc, vectorType);
  for (auto [i, value] : llvm::enumerate(values))
    packed = LLVM::InsertElementOp::create(
        b, loc, packed, convertFloat(b, loc, value, elementType),
        i32Constant(b, loc, i));
  unsigned bytes = count * elementType.getIntOrFloatBitWidth() / 8;
  LLVM::StoreOp::create(
      b, loc, packed, elementPointer(b, loc, base, elementType, offset), bytes);
}

static Type elementTypeOf(Type memref) {
  return cast<MemRefType>(memref).getElementType();
}

/// The epilogue of columns [column, column + acc.size()) of row `row`, all
/// in bounds, from their accumulators `acc` (and `up`). Scalar arithmetic:
/// the NVVM lowering has no vector math.
static void storeEpilogueInBounds(OpBuilder &b, Location loc,
                                  const LinearOperands &operands, Value row,
                                  Value column, ArrayRef<Value> acc,
                                  ArrayRef<Value> up) {
  const LinearSpec &spec = *operands.spec;
  int64_t count = acc.size();
  SmallVector<Value> values(acc), upValues(up);
  auto addInto = [&](SmallVector<Value> &into, ArrayRef<Value> other) {
    for (auto [x, y] : llvm::zip_equal(into, other))
      x = arith::AddFOp::create(b, loc, x, y);
  };
  Value column64 = toI64(b, loc, column);
  if (spec.hasBias()) {
    Type biasType = elementTypeOf(spec.biasType);
    addInto(values,
            loadValues(b, loc, operands.bias, biasType, column64, count));
    if (spec.gated) {
      Value upColumn = toI64(
          b, loc, arith::AddIOp::create(b, loc, column, operands.columns));
      addInto(upValues,
              loadValues(b, loc, operands.bias, biasType, upColumn, count));
    }
  }
  for (int64_t i = 0; i < count; ++i) {
    if (spec.act)
      values[i] = emitActivation(b, loc, *spec.act, values[i]);
    if (spec.gated)
      values[i] = arith::MulFOp::create(b, loc, values[i], upValues[i]);
  }
  Value offset = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, toI64(b, loc, row),
                            toI64(b, loc, operands.columns)),
      column64);
  if (spec.hasResidual())
    addInto(values,
            loadValues(b, loc, operands.residual,
                       elementTypeOf(spec.residualType), offset, count));
  storeValues(b, loc, values, operands.output, elementTypeOf(spec.outputType),
              offset);
}

/// Emits `body` under `scf.if condition`.
static void emitIf(OpBuilder &b, Location loc, Value condition,
                   function_ref<void()> body) {
  auto ifOp = scf::IfOp::create(b, loc, condition, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  body();
}

void gpu_lowering::storeEpilogue(OpBuilder &b, Location loc,
                                 const LinearOperands &operands, Value row,
                                 Value column, ArrayRef<Value> acc,
                                 ArrayRef<Value> up, bool wholeVectors) {
  auto ult = [&](Value l, Value r) -> Value {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, l, r);
  };
  Value rowInBounds = ult(row, operands.rows);
  if (wholeVectors) {
    Value inBounds = arith::AndIOp::create(b, loc, rowInBounds,
                                           ult(column, operands.columns));
    emitIf(b, loc, inBounds, [&] {
      storeEpilogueInBounds(b, loc, operands, row, column, acc, up);
    });
    return;
  }
  emitIf(b, loc, rowInBounds, [&] {
    for (size_t i = 0; i < acc.size(); ++i) {
      Value columnI =
          arith::AddIOp::create(b, loc, column, i32Constant(b, loc, i));
      emitIf(b, loc, ult(columnI, operands.columns), [&] {
        storeEpilogueInBounds(b, loc, operands, row, columnI, acc[i],
                              up.empty() ? ArrayRef<Value>() : up[i]);
      });
    }
  });
}
