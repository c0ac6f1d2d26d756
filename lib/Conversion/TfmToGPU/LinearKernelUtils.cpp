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

LinearOperands LinearOperands::fromArguments(DeviceMath &m, gpu::GPUFuncOp func,
                                             const LinearSpec &spec) {
  ValueRange args = func.getArguments();
  LinearOperands operands;
  operands.spec = &spec;
  unsigned next = 0;
  auto pointer = [&] { return globalPointer(m, args[next++]); };
  operands.input = pointer();
  operands.weight = pointer();
  if (spec.hasBias())
    operands.bias = pointer();
  if (spec.hasResidual())
    operands.residual = pointer();
  operands.output = pointer();
  operands.rows = m.toI32(args[next++]);
  operands.columns = m.toI32(args[next++]);
  operands.depth = m.toI32(args[next++]);
  return operands;
}

LinearKernelBuilderBase::LinearKernelBuilderBase(OpBuilder &b, Location loc,
                                                 gpu::GPUFuncOp func,
                                                 const LinearSpec &spec)
    : b(b), loc(loc), m(b, loc, IntegerSign::Unsigned), spec(spec),
      operands(LinearOperands::fromArguments(m, func, spec)) {}

Value LinearKernelBuilderBase::inDepth(Value rowExists, Value k) {
  return m.both(rowExists, m.lt(k, operands.depth));
}

Value LinearKernelBuilderBase::rowPointer(Value base, Type elementType,
                                          Value row) {
  Value start = m.mul(m.toI64(row), m.toI64(operands.depth));
  return offsetPointer(m, base, elementType, start);
}

Value gpu_lowering::sharedBasePointer(DeviceMath &m, gpu::GPUFuncOp func) {
  func.setWorkgroupAttributionAttr(0, LLVM::LLVMDialect::getAlignAttrName(),
                                   m.b.getI64IntegerAttr(16));
  return sharedPointer(m, func.getWorkgroupAttributions()[0]);
}

std::pair<Value, Value>
gpu_lowering::weightRowOfTileRow(DeviceMath &m, const LinearOperands &operands,
                                 Value firstColumn, Value tileRow,
                                 int64_t groupSize) {
  if (!operands.spec->gated) {
    Value row = m.add(firstColumn, tileRow);
    return {row, m.lt(row, operands.columns)};
  }
  int64_t half = groupSize / 2;
  Value group = m.div(tileRow, groupSize);
  Value inGroup = m.rem(tileRow, groupSize);
  Value isUp = m.ge(inGroup, m.i32(half));
  Value columnInGroup = m.rem(inGroup, half);
  Value column =
      m.add(firstColumn, m.add(m.mul(group, m.i32(half)), columnInGroup));
  Value upOffset = m.orZero(isUp, operands.columns);
  return {m.add(column, upOffset), m.lt(column, operands.columns)};
}

/// `count` consecutive elements of `elementType` at `base` + `offset` (one
/// load, aligned to its size, of an input: invariant), widened to f32
/// scalars.
static SmallVector<Value> loadValues(DeviceMath &m, Value base,
                                     Type elementType, Value offset,
                                     int64_t count) {
  auto vectorType = VectorType::get({count}, elementType);
  unsigned bytes = count * elementType.getIntOrFloatBitWidth() / 8;
  Value loaded = LLVM::LoadOp::create(
      m.b, m.loc, vectorType, offsetPointer(m, base, elementType, offset),
      bytes, /*isVolatile=*/false, /*isNonTemporal=*/false,
      /*isInvariant=*/true);
  SmallVector<Value> values;
  for (int64_t i = 0; i < count; ++i)
    values.push_back(convertFloat(
        m.b, m.loc,
        LLVM::ExtractElementOp::create(m.b, m.loc, loaded, m.i32(i)),
        m.b.getF32Type()));
  return values;
}

/// Stores the f32 scalars `values`, narrowed to `elementType`, as one
/// vector at `base` + `offset` (aligned to its size).
static void storeValues(DeviceMath &m, ArrayRef<Value> values, Value base,
                        Type elementType, Value offset) {
  int64_t count = values.size();
  auto vectorType = VectorType::get({count}, elementType);
  Value packed = LLVM::PoisonOp::create(m.b, m.loc, vectorType);
  for (auto [i, value] : llvm::enumerate(values))
    packed = LLVM::InsertElementOp::create(
        m.b, m.loc, packed, convertFloat(m.b, m.loc, value, elementType),
        m.i32(i));
  unsigned bytes = count * elementType.getIntOrFloatBitWidth() / 8;
  LLVM::StoreOp::create(m.b, m.loc, packed,
                        offsetPointer(m, base, elementType, offset), bytes);
}

static Type elementTypeOf(Type memref) {
  return cast<MemRefType>(memref).getElementType();
}

/// The epilogue of columns [column, column + acc.size()) of row `row`, all
/// in bounds, from their accumulators `acc` (and `up`). Scalar arithmetic:
/// the NVVM lowering has no vector math.
static void storeEpilogueInBounds(DeviceMath &m, const LinearOperands &operands,
                                  Value row, Value column, ArrayRef<Value> acc,
                                  ArrayRef<Value> up) {
  const LinearSpec &spec = *operands.spec;
  int64_t count = acc.size();
  SmallVector<Value> values(acc), upValues(up);
  auto addInto = [&](SmallVector<Value> &into, ArrayRef<Value> other) {
    for (auto [x, y] : llvm::zip_equal(into, other))
      x = m.fadd(x, y);
  };
  Value column64 = m.toI64(column);
  if (spec.hasBias()) {
    Type biasType = elementTypeOf(spec.biasType);
    addInto(values, loadValues(m, operands.bias, biasType, column64, count));
    if (spec.gated) {
      Value upColumn = m.toI64(m.add(column, operands.columns));
      addInto(upValues,
              loadValues(m, operands.bias, biasType, upColumn, count));
    }
  }
  for (int64_t i = 0; i < count; ++i) {
    if (spec.act)
      values[i] = emitActivation(m.b, m.loc, *spec.act, values[i]);
    if (spec.gated)
      values[i] = m.fmul(values[i], upValues[i]);
  }
  Value offset =
      m.add(m.mul(m.toI64(row), m.toI64(operands.columns)), column64);
  if (spec.hasResidual())
    addInto(values,
            loadValues(m, operands.residual, elementTypeOf(spec.residualType),
                       offset, count));
  storeValues(m, values, operands.output, elementTypeOf(spec.outputType),
              offset);
}

void gpu_lowering::storeEpilogue(DeviceMath &m, const LinearOperands &operands,
                                 Value row, Value column, ArrayRef<Value> acc,
                                 ArrayRef<Value> up, bool wholeVectors) {
  Value rowInBounds = m.lt(row, operands.rows);
  if (wholeVectors) {
    Value inBounds = m.both(rowInBounds, m.lt(column, operands.columns));
    ifThen(m.b, m.loc, inBounds, [&](OpBuilder &, Location) {
      storeEpilogueInBounds(m, operands, row, column, acc, up);
    });
    return;
  }
  ifThen(m.b, m.loc, rowInBounds, [&](OpBuilder &, Location) {
    for (size_t i = 0; i < acc.size(); ++i) {
      Value columnI = m.add(column, m.i32(i));
      ifThen(m.b, m.loc, m.lt(columnI, operands.columns),
             [&](OpBuilder &, Location) {
               storeEpilogueInBounds(m, operands, row, columnI, acc[i],
                                     up.empty() ? ArrayRef<Value>() : up[i]);
             });
    }
  });
}
