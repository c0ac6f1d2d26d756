//===- LoweringUtils.cpp - helpers shared by the tfm lowerings ------------===//
#include "LoweringUtils.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tfm;

Value tfm::createEmpty(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                       Type elementType) {
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

Value tfm::createEmptyLike(OpBuilder &b, Location loc, Value like,
                           Type elementType) {
  return createEmpty(b, loc, tensor::getMixedSizes(b, loc, like), elementType);
}

Value tfm::createFilled(OpBuilder &b, Location loc,
                        ArrayRef<OpFoldResult> sizes, Value value) {
  Value empty = createEmpty(b, loc, sizes, value.getType());
  return linalg::FillOp::create(b, loc, value, empty).getResult(0);
}

Value tfm::buildParallelGeneric(OpBuilder &b, Location loc, Value init,
                                ValueRange inputs,
                                ArrayRef<AffineMap> inputMaps,
                                BodyBuilder body) {
  int64_t rank = cast<RankedTensorType>(init.getType()).getRank();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc,
                                body(nested, nestedLoc, args));
      });
  return generic.getResult(0);
}

AffineMap tfm::dropDimsMap(int64_t rank, ArrayRef<int64_t> dropped,
                           MLIRContext *ctx) {
  SmallVector<AffineExpr> exprs;
  for (int64_t dim = 0; dim < rank; ++dim)
    if (!llvm::is_contained(dropped, dim))
      exprs.push_back(getAffineDimExpr(dim, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

AffineMap tfm::singleDimMap(int64_t rank, int64_t dim, MLIRContext *ctx) {
  return AffineMap::get(rank, 0, getAffineDimExpr(dim, ctx));
}

Value tfm::buildReduction(OpBuilder &b, Location loc, Value input, Value init,
                          ArrayRef<int64_t> reducedDims, BodyBuilder combine) {
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 dropDimsMap(rank, reducedDims, ctx)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  for (int64_t dim : reducedDims)
    iterators[dim] = utils::IteratorType::reduction;
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{input}, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc,
                                combine(nested, nestedLoc, args));
      });
  return generic.getResult(0);
}

Value tfm::constantF32(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value tfm::constantIndex(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

ValueRange
tfm::buildFor(OpBuilder &b, Location loc, Value lb, Value ub, Value step,
              ValueRange inits,
              function_ref<SmallVector<Value>(OpBuilder &, Location, Value iv,
                                              ValueRange args)>
                  body) {
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, step, inits,
      [&](OpBuilder &nested, Location nestedLoc, Value iv, ValueRange args) {
        scf::YieldOp::create(nested, nestedLoc,
                             body(nested, nestedLoc, iv, args));
      });
  return loop.getResults();
}

/// An f32 constant of the type of `like`: a scalar, or a splat vector.
static Value constantLike(OpBuilder &b, Location loc, Value like,
                          double value) {
  auto vectorType = dyn_cast<VectorType>(like.getType());
  if (!vectorType)
    return constantF32(b, loc, value);
  return arith::ConstantOp::create(
      b, loc, SplatElementsAttr::get(vectorType, b.getF32FloatAttr(value)));
}

/// 1 / (1 + e^(-x)).
static Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Value one = constantLike(b, loc, x, 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

Value tfm::emitActivation(OpBuilder &b, Location loc, ActivationKind kind,
                          Value x) {
  auto c = [&](double v) { return constantLike(b, loc, x, v); };
  auto mul = [&](Value l, Value r) {
    return arith::MulFOp::create(b, loc, l, r);
  };
  auto add = [&](Value l, Value r) {
    return arith::AddFOp::create(b, loc, l, r);
  };
  switch (kind) {
  case ActivationKind::gelu_erf: {
    Value erf = math::ErfOp::create(b, loc, mul(x, c(M_SQRT1_2)));
    return mul(mul(c(0.5), x), add(c(1.0), erf));
  }
  case ActivationKind::gelu_tanh: {
    Value cube = mul(mul(x, x), x);
    Value inner = mul(c(std::sqrt(2.0 / M_PI)), add(x, mul(c(0.044715), cube)));
    Value tanh = math::TanhOp::create(b, loc, inner);
    return mul(mul(c(0.5), x), add(c(1.0), tanh));
  }
  case ActivationKind::silu:
    return mul(x, sigmoid(b, loc, x));
  case ActivationKind::relu:
    return arith::MaximumFOp::create(b, loc, x, c(0.0));
  case ActivationKind::elu: {
    Value positive =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(0.0));
    Value negative = math::ExpM1Op::create(b, loc, x);
    return arith::SelectOp::create(b, loc, positive, x, negative);
  }
  case ActivationKind::sigmoid:
    return sigmoid(b, loc, x);
  case ActivationKind::softplus: {
    // max(x, 0) + log1p(e^(-|x|)): no overflow for large |x|.
    Value negAbs =
        arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x));
    Value tail =
        math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, negAbs));
    return add(arith::MaximumFOp::create(b, loc, x, c(0.0)), tail);
  }
  }
  llvm_unreachable("unknown activation");
}

LogicalResult tfm::requireF32(Operation *op, PatternRewriter &rewriter) {
  auto isF32Tensor = [](Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    return !tensor || tensor.getElementType().isF32() ||
           tensor.getElementType().isInteger();
  };
  if (llvm::all_of(op->getOperandTypes(), isF32Tensor) &&
      llvm::all_of(op->getResultTypes(), isF32Tensor))
    return success();
  return rewriter.notifyMatchFailure(
      op, "the CPU lowering computes in f32; convert other element types "
          "first");
}

std::pair<Value, Value> tfm::visibleKeyInterval(OpBuilder &b, Location loc,
                                                MaskAttr mask, Value pBegin,
                                                Value pEnd, Value kvEnd) {
  Type type = pBegin.getType();
  auto c = [&](int64_t value) -> Value {
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
  };
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddIOp::create(b, loc, x, y);
  };
  auto sub = [&](Value x, Value y) -> Value {
    return arith::SubIOp::create(b, loc, x, y);
  };
  auto mul = [&](Value x, Value y) -> Value {
    return arith::MulIOp::create(b, loc, x, y);
  };
  auto min = [&](Value x, Value y) -> Value {
    return arith::MinSIOp::create(b, loc, x, y);
  };
  auto max = [&](Value x, Value y) -> Value {
    return arith::MaxSIOp::create(b, loc, x, y);
  };
  auto floorDiv = [&](Value x, Value y) -> Value {
    return arith::FloorDivSIOp::create(b, loc, x, y);
  };
  Value zero = c(0);
  switch (mask ? mask.getKind() : MaskKind::none) {
  case MaskKind::none:
    return {zero, kvEnd};
  case MaskKind::causal:
    return {zero, min(kvEnd, pEnd)};
  case MaskKind::window:
    return {max(zero, sub(pBegin, c(mask.getLeft()))),
            min(kvEnd, add(pEnd, c(mask.getRight())))};
  case MaskKind::prefix:
    return {zero, min(kvEnd, max(pEnd, c(mask.getSize())))};
  case MaskKind::block: {
    Value size = c(mask.getSize());
    Value first = mul(floorDiv(pBegin, size), size);
    Value last = floorDiv(sub(pEnd, c(1)), size);
    return {max(zero, first), min(kvEnd, mul(add(last, c(1)), size))};
  }
  }
  llvm_unreachable("unknown mask kind");
}

T5Buckets::T5Buckets(PosBiasAttr attr)
    : bidirectional(attr.getBidirectional()),
      perDirection(bidirectional ? attr.getBuckets() / 2 : attr.getBuckets()),
      exact(perDirection / 2) {
  // The reference gives a distance n >= exact the bucket
  // exact + int(log(n / exact) / log(maxd / exact) · (perDirection − exact))
  // in float64. That is monotone in n, so each bucket's first distance is
  // found here once and the code compares integers instead of taking logs
  // (which also keeps the boundaries identical to the float64 reference).
  int64_t maxDistance = attr.getMaxDistance();
  double logRange = std::log(static_cast<double>(maxDistance) / exact);
  auto logBucket = [&](int64_t n) {
    return exact +
           static_cast<int64_t>(std::log(static_cast<double>(n) / exact) /
                                logRange * (perDirection - exact));
  };
  for (int64_t bucket = exact + 1; bucket < perDirection; ++bucket) {
    // logBucket(lo) < bucket <= logBucket(hi); at maxDistance the formula
    // reaches the last bucket.
    int64_t lo = exact, hi = maxDistance;
    while (hi - lo > 1) {
      int64_t mid = lo + (hi - lo) / 2;
      (logBucket(mid) >= bucket ? hi : lo) = mid;
    }
    firstDistances.push_back(hi);
  }
}

Value T5Buckets::emit(OpBuilder &b, Location loc, Value rel) const {
  auto c = [&](int64_t value) -> Value {
    return arith::ConstantOp::create(b, loc,
                                     b.getIntegerAttr(rel.getType(), value));
  };
  Value zero = c(0);
  Value distance, base = zero;
  if (bidirectional) {
    distance = arith::MaxSIOp::create(b, loc, rel,
                                      arith::SubIOp::create(b, loc, zero, rel));
    Value after =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, rel, zero);
    base = arith::SelectOp::create(b, loc, after, c(perDirection), zero);
  } else {
    distance = arith::MaxSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, zero, rel), zero);
  }
  Value bucket = arith::MinSIOp::create(b, loc, distance, c(exact));
  for (int64_t first : firstDistances) {
    Value past = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                       distance, c(first));
    bucket = arith::AddIOp::create(
        b, loc, bucket, arith::SelectOp::create(b, loc, past, c(1), zero));
  }
  return arith::AddIOp::create(b, loc, base, bucket);
}
