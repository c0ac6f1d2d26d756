//===- TfmOps.cpp - verifiers and shape inference of tfm ops --------------===//
//
// Shape inference computes result types from operand ranks only and fails
// only when a rank (or an FFT length) makes the result shape meaningless;
// every consistency check (sizes, dtypes, attributes) lives in the verifiers,
// whose messages name the operand and say what was expected and what was
// found.
//
//===----------------------------------------------------------------------===//
#include "tfm/IR/TfmDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::tfm;

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

static RankedTensorType tensorTypeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// True when two sizes can be equal at run time (either is dynamic).
static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static std::string formatSize(int64_t size) {
  return ShapedType::isDynamic(size) ? "?" : std::to_string(size);
}

/// Checks `value` has rank `rank`.
static LogicalResult expectRank(Operation *op, Value value, StringRef name,
                                int64_t rank, StringRef layout) {
  int64_t actual = tensorTypeOf(value).getRank();
  if (actual == rank)
    return success();
  return op->emitOpError() << "expected " << name << " of rank " << rank
                           << " (" << layout << "), got rank " << actual;
}

/// Checks dim `dim` of `value` can equal `expected`; `what` names the size.
static LogicalResult expectDim(Operation *op, Value value, StringRef name,
                               int64_t dim, int64_t expected, StringRef what) {
  int64_t actual = tensorTypeOf(value).getDimSize(dim);
  if (compatible(actual, expected))
    return success();
  return op->emitOpError() << "expected " << name << " dim " << dim << " ("
                           << what << ") to be " << formatSize(expected)
                           << ", got " << formatSize(actual);
}

/// Checks an operand, when present, can have shape `shape`; `layout` says
/// what its dims are.
static LogicalResult expectShape(Operation *op, Value value, StringRef name,
                                 ArrayRef<int64_t> shape, StringRef layout) {
  if (!value)
    return success();
  auto type = tensorTypeOf(value);
  if (type.getRank() == static_cast<int64_t>(shape.size()) &&
      llvm::all_of(llvm::zip_equal(type.getShape(), shape), [](auto sizes) {
        return compatible(std::get<0>(sizes), std::get<1>(sizes));
      }))
    return success();
  InFlightDiagnostic error = op->emitOpError()
                             << "expected " << name << " of shape [";
  llvm::interleaveComma(shape, error,
                        [&](int64_t size) { error << formatSize(size); });
  return error << "] (" << layout << "), got " << type;
}

/// Checks all present float operands share the element type of the first.
static LogicalResult expectSameElementType(Operation *op,
                                           ArrayRef<Value> values,
                                           ArrayRef<StringRef> names) {
  Type expected = tensorTypeOf(values.front()).getElementType();
  for (auto [value, name] : llvm::zip(values, names)) {
    if (!value)
      continue;
    Type actual = tensorTypeOf(value).getElementType();
    if (actual != expected)
      return op->emitOpError()
             << "expected " << name << " to have element type " << expected
             << " (that of " << names.front() << "), got " << actual;
  }
  return success();
}

/// Normalizes a possibly negative `axis` for `rank`; nullopt when out of range.
static std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank)
    return std::nullopt;
  return normalized;
}

static LogicalResult axisError(Operation *op, int64_t axis, int64_t rank) {
  return op->emitOpError() << "expected axis in [" << -rank << ", " << rank
                           << "), got " << axis;
}

/// normalizeAxis for the shape inference of op `opName`, reporting an axis
/// out of range at `loc`.
static std::optional<int64_t> inferAxis(std::optional<Location> loc,
                                        StringRef opName, int64_t axis,
                                        int64_t rank) {
  std::optional<int64_t> normalized = normalizeAxis(axis, rank);
  if (!normalized)
    (void)emitOptionalError(loc, "'", opName, "' op expected axis in [", -rank,
                            ", ", rank, "), got ", axis);
  return normalized;
}

/// The adaptor `inferReturnTypes` should have been given. While an op is
/// parsed, its properties hold neither the attributes written in its
/// `attr-dict` (they are still in the attribute dictionary,
/// llvm/llvm-project#193284) nor the defaults of default-valued attributes,
/// whose adaptor getters then dereference null; this fills in both.
template <typename OpT>
static typename OpT::Adaptor completeProperties(MLIRContext *context,
                                                typename OpT::Adaptor adaptor) {
  typename OpT::Properties properties = adaptor.getProperties();
  DictionaryAttr attributes = adaptor.getAttributes();
  if (attributes)
    for (NamedAttribute attribute : attributes)
      OpT::setInherentAttr(properties, attribute.getName().getValue(),
                           attribute.getValue());
  OpT::populateDefaultProperties(
      OperationName(OpT::getOperationName(), context), properties);
  return typename OpT::Adaptor(adaptor.getOperands(), attributes, properties);
}

//===----------------------------------------------------------------------===//
// WeightOp
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  if (getName().empty())
    return emitOpError("expected a non-empty weight name");
  if (!getResult().getType().hasStaticShape())
    return emitOpError() << "expected a static shape for weight '"
                         << getName() << "', got " << getResult().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// EmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  auto table = cast<RankedTensorType>(adaptor.getTable().getType());
  auto ids = cast<RankedTensorType>(adaptor.getIds().getType());
  if (table.getRank() != 2)
    return emitOptionalError(loc, "'tfm.embedding' op expected table of rank 2 "
                                  "([vocab, dim]), got rank ",
                             table.getRank());
  SmallVector<int64_t> shape(ids.getShape());
  shape.push_back(table.getDimSize(1));
  types.push_back(RankedTensorType::get(shape, table.getElementType()));
  return success();
}

LogicalResult EmbeddingOp::verify() { return success(); }

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  adaptor = completeProperties<LinearOp>(context, adaptor);
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  auto weight = cast<RankedTensorType>(adaptor.getWeight().getType());
  if (input.getRank() < 1 || weight.getRank() != 2)
    return emitOptionalError(loc, "'tfm.linear' op expected input of rank >= 1 "
                                  "and weight of rank 2 ([N, K]), got ranks ",
                             input.getRank(), " and ", weight.getRank());
  int64_t outFeatures = weight.getDimSize(0);
  if (adaptor.getGated() && !ShapedType::isDynamic(outFeatures))
    outFeatures /= 2;
  SmallVector<int64_t> shape(input.getShape());
  shape.back() = outFeatures;
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult LinearOp::verify() {
  auto input = getInput().getType();
  auto weight = getWeight().getType();
  if (!compatible(input.getShape().back(), weight.getDimSize(1)))
    return emitOpError() << "expected input features ("
                         << formatSize(input.getShape().back())
                         << ") to match weight dim 1 ("
                         << formatSize(weight.getDimSize(1)) << ")";
  int64_t rows = weight.getDimSize(0);
  if (getGated()) {
    if (!getAct())
      return emitOpError("expected an activation on a gated linear (the gate "
                         "of a GLU)");
    if (!ShapedType::isDynamic(rows) && rows % 2 != 0)
      return emitOpError() << "expected an even number of weight rows for a "
                              "gated linear ([gate; up]), got "
                           << rows;
  }
  if (failed(expectShape(*this, getBias(), "bias", {rows}, "weight rows")))
    return failure();
  if (getResidual() && getResidual().getType() != getResult().getType())
    return emitOpError() << "expected residual of type "
                         << getResult().getType() << ", got "
                         << getResidual().getType();
  return expectSameElementType(*this,
                               {getInput(), getWeight(), getBias(),
                                getResidual()},
                               {"input", "weight", "bias", "residual"});
}

//===----------------------------------------------------------------------===//
// NormOp
//===----------------------------------------------------------------------===//

LogicalResult NormOp::verify() {
  int64_t rank = getInput().getType().getRank();
  auto axis = static_cast<int64_t>(getAxis());
  if (!normalizeAxis(axis, rank))
    return axisError(*this, axis, rank);
  if (getKind() != NormKind::affine && !(getEps().convertToDouble() > 0.0))
    return emitOpError() << "expected a positive eps, got "
                         << getEps().convertToDouble();
  if (getKind() == NormKind::affine && !getScale())
    return emitOpError("expected a scale operand for an affine norm");
  int64_t channels = getInput().getType().getDimSize(getNormalizedAxis());
  if (failed(expectShape(*this, getScale(), "scale", {channels},
                         "the normalized axis")) ||
      failed(expectShape(*this, getShift(), "shift", {channels},
                         "the normalized axis")))
    return failure();
  return expectSameElementType(*this, {getInput(), getScale(), getShift()},
                               {"input", "scale", "shift"});
}

//===----------------------------------------------------------------------===//
// RopeOp
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::verify() {
  if (failed(expectRank(*this, getInput(), "input", 4, "[B, H, L, d]")))
    return failure();
  auto input = getInput().getType();
  int64_t headDim = input.getDimSize(3);
  int64_t rotary = getRotaryDimOrHeadDim();
  if (ShapedType::isDynamic(headDim))
    return emitOpError("expected a static head dim");
  if (rotary <= 0 || rotary > headDim || rotary % 2 != 0)
    return emitOpError() << "expected rotary_dim to be even and in [2, "
                         << headDim << "] (the head dim), got " << rotary;
  if (!(getBase().convertToDouble() > 0.0))
    return emitOpError() << "expected a positive base, got "
                         << getBase().convertToDouble();
  auto positions = getPositions().getType();
  int64_t seqDim = positions.getRank() - 1;
  if (positions.getRank() != 1 && positions.getRank() != 2)
    return emitOpError() << "expected positions of shape [L] or [B, L], got "
                         << positions;
  if (failed(expectDim(*this, getPositions(), "positions", seqDim,
                       input.getDimSize(2), "sequence length")))
    return failure();
  if (seqDim == 1)
    return expectDim(*this, getPositions(), "positions", 0,
                     input.getDimSize(0), "batch");
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *context,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  adaptor = completeProperties<AttentionOp>(context, adaptor);
  auto query = cast<RankedTensorType>(adaptor.getQuery().getType());
  auto value = cast<RankedTensorType>(adaptor.getValue().getType());
  if (query.getRank() != 4 || value.getRank() != 4)
    return emitOptionalError(loc, "'tfm.attention' op expected query and value "
                                  "of rank 4 ([B, H, L, d]), got ranks ",
                             query.getRank(), " and ", value.getRank());
  ArrayRef<int64_t> q = query.getShape();
  types.push_back(RankedTensorType::get({q[0], q[1], q[2], value.getDimSize(3)},
                                        query.getElementType()));
  if (adaptor.getReturnLse())
    types.push_back(
        RankedTensorType::get({q[0], q[1], q[2]}, Float32Type::get(context)));
  return success();
}

LogicalResult AttentionOp::verify() {
  if (failed(expectRank(*this, getKey(), "key", 4, "[B, Hk, Lk, d]")))
    return failure();
  auto q = getQuery().getType().getShape();
  auto k = getKey().getType().getShape();
  auto v = getValue().getType().getShape();
  if (!compatible(q[0], k[0]) || !compatible(q[0], v[0]))
    return emitOpError() << "expected query, key and value to have the same "
                            "batch size, got "
                         << formatSize(q[0]) << ", " << formatSize(k[0])
                         << " and " << formatSize(v[0]);
  if (!compatible(k[1], v[1]))
    return emitOpError() << "expected key and value to have the same number of "
                            "heads, got "
                         << formatSize(k[1]) << " and " << formatSize(v[1]);
  if (!ShapedType::isDynamic(q[1]) && !ShapedType::isDynamic(k[1]) &&
      (k[1] == 0 || q[1] % k[1] != 0))
    return emitOpError() << "expected query heads (" << q[1]
                         << ") to be a multiple of key/value heads (" << k[1]
                         << ")";
  if (!compatible(q[3], k[3]))
    return emitOpError() << "expected query and key to have the same head dim, "
                            "got "
                         << formatSize(q[3]) << " and " << formatSize(k[3]);
  if (!compatible(k[2], v[2]))
    return emitOpError() << "expected key and value to have the same sequence "
                            "length, got "
                         << formatSize(k[2]) << " and " << formatSize(v[2]);
  if (!std::isfinite(getScale().convertToFloat()))
    return emitOpError("expected a finite scale");

  PosBiasKind posBias = getPosBiasKind();
  bool needsBias = posBias == PosBiasKind::t5 ||
                   posBias == PosBiasKind::explicit_bias;
  if (needsBias && !getBias())
    return emitOpError() << "expected a bias operand with pos_bias <"
                         << stringifyPosBiasKind(posBias) << ">";
  if (!needsBias && getBias())
    return emitOpError() << "unexpected bias operand: it needs pos_bias <t5 "
                            "...> or <explicit>, got <"
                         << stringifyPosBiasKind(posBias) << ">";
  if (posBias == PosBiasKind::t5 &&
      failed(expectShape(*this, getBias(), "bias table",
                         {getPosBias()->getBuckets(), q[1]},
                         "[buckets, query heads]")))
    return failure();
  if (posBias == PosBiasKind::explicit_bias) {
    auto bias = tensorTypeOf(getBias());
    auto b = bias.getShape();
    if (bias.getRank() != 4 || (b[0] != 1 && !compatible(b[0], q[0])) ||
        (b[1] != 1 && !compatible(b[1], q[1])) || !compatible(b[2], q[2]) ||
        !compatible(b[3], k[2]))
      return emitOpError() << "expected explicit bias of shape [1|B, 1|H, Lq, "
                              "Lk] = [1|"
                           << formatSize(q[0]) << ", 1|" << formatSize(q[1])
                           << ", " << formatSize(q[2]) << ", "
                           << formatSize(k[2]) << "], got " << bias;
  }
  if (getMult()) {
    if (posBias != PosBiasKind::t5)
      return emitOpError("expected pos_bias <t5 ...> with a mult operand "
                         "(URPE shares the T5 buckets)");
    if (failed(expectShape(*this, getMult(), "mult table",
                           {getPosBias()->getBuckets(), q[1]},
                           "[buckets, query heads]")))
      return failure();
  }
  if (failed(expectShape(*this, getKvLen(), "kv_len", {q[0]}, "the batch")))
    return failure();
  return expectSameElementType(
      *this, {getQuery(), getKey(), getValue(), getBias(), getMult()},
      {"query", "key", "value", "bias", "mult"});
}

//===----------------------------------------------------------------------===//
// FeatureMapOp
//===----------------------------------------------------------------------===//

LogicalResult FeatureMapOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  if (input.getRank() < 1)
    return emitOptionalError(loc, "'tfm.feature_map' op expected an input of "
                                  "rank >= 1");
  SmallVector<int64_t> shape(input.getShape());
  if (Value projection = adaptor.getProjection()) {
    auto type = cast<RankedTensorType>(projection.getType());
    if (type.getRank() != 2)
      return emitOptionalError(loc, "'tfm.feature_map' op expected projection "
                                    "of rank 2 ([m, d]), got rank ",
                               type.getRank());
    shape.back() = type.getDimSize(0);
  }
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult FeatureMapOp::verify() {
  bool performer = getKind() == FeatureMapKind::performer;
  if (performer != static_cast<bool>(getProjection()))
    return emitOpError() << (performer ? "expected" : "unexpected")
                         << " a projection operand for feature map '"
                         << stringifyFeatureMapKind(getKind()) << "'";
  if (performer &&
      failed(expectDim(*this, getProjection(), "projection", 1,
                       getInput().getType().getShape().back(),
                       "input features")))
    return failure();
  return expectSameElementType(*this, {getInput(), getProjection()},
                               {"input", "projection"});
}

//===----------------------------------------------------------------------===//
// LinearAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult LinearAttentionOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  auto query = cast<RankedTensorType>(adaptor.getQueryFeatures().getType());
  auto value = cast<RankedTensorType>(adaptor.getValue().getType());
  if (query.getRank() != 4 || value.getRank() != 4)
    return emitOptionalError(loc, "'tfm.linear_attention' op expected query "
                                  "features and value of rank 4 ([B, H, L, "
                                  "m|dv]), got ranks ",
                             query.getRank(), " and ", value.getRank());
  ArrayRef<int64_t> q = query.getShape();
  types.push_back(RankedTensorType::get({q[0], q[1], q[2], value.getDimSize(3)},
                                        value.getElementType()));
  return success();
}

LogicalResult LinearAttentionOp::verify() {
  if (failed(expectRank(*this, getKeyFeatures(), "key features", 4,
                        "[B, H, L, m]")))
    return failure();
  auto q = getQueryFeatures().getType().getShape();
  auto k = getKeyFeatures().getType().getShape();
  for (int64_t dim = 0; dim < 4; ++dim)
    if (!compatible(q[dim], k[dim]))
      return emitOpError() << "expected query and key features of the same "
                              "shape, got "
                           << getQueryFeatures().getType() << " and "
                           << getKeyFeatures().getType();
  static constexpr StringRef dimNames[] = {"batch", "heads", "length"};
  for (int64_t dim = 0; dim < 3; ++dim)
    if (failed(expectDim(*this, getValue(), "value", dim, q[dim],
                         dimNames[dim])))
      return failure();
  if (getEps().convertToDouble() < 0.0)
    return emitOpError() << "expected a non-negative eps, got "
                         << getEps().convertToDouble();
  if (getChunk() && static_cast<int64_t>(*getChunk()) <= 0)
    return emitOpError() << "expected a positive chunk, got "
                         << static_cast<int64_t>(*getChunk());
  LinearAttentionImpl impl = getImpl();
  if (getToeplitz()) {
    int64_t taps = ShapedType::isDynamic(q[2]) ? ShapedType::kDynamic
                                               : 2 * q[2] - 1;
    if (failed(expectShape(*this, getToeplitz(), "toeplitz coefficients",
                           {q[1], taps}, "[H, 2L - 1]")))
      return failure();
    if (impl == LinearAttentionImpl::chunked)
      return emitOpError("expected impl 'fft', 'direct' or 'auto' with "
                         "toeplitz coefficients, got 'chunked'");
  } else if (impl == LinearAttentionImpl::fft) {
    return emitOpError("expected toeplitz coefficients with impl 'fft'");
  }
  return expectSameElementType(*this,
                               {getValue(), getQueryFeatures(),
                                getKeyFeatures(), getToeplitz()},
                               {"value", "query features", "key features",
                                "toeplitz"});
}

//===----------------------------------------------------------------------===//
// DwConvOp
//===----------------------------------------------------------------------===//

/// Padding before and after a spatial dim of effective kernel extent `extent`.
static std::pair<int64_t, int64_t> convPadding(ConvPadding padding,
                                               int64_t extent) {
  switch (padding) {
  case ConvPadding::zero:
  case ConvPadding::circular:
    return {extent / 2, extent - extent / 2};
  case ConvPadding::causal:
    return {extent, 0};
  case ConvPadding::full:
    return {extent, extent};
  }
  llvm_unreachable("unknown padding");
}

LogicalResult DwConvOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  adaptor = completeProperties<DwConvOp>(context, adaptor);
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  auto weight = cast<RankedTensorType>(adaptor.getWeight().getType());
  int64_t spatialRank = weight.getRank() - 1;
  if (spatialRank < 1 || spatialRank > 2 ||
      input.getRank() != spatialRank + 2)
    return emitOptionalError(
        loc, "'tfm.dwconv' op expected input [B, C, L] with weight [C, k], or "
             "input [B, C, H, W] with weight [C, kh, kw], got ranks ",
        input.getRank(), " and ", weight.getRank());
  SmallVector<int64_t> shape(input.getShape());
  for (int64_t i = 0; i < spatialRank; ++i) {
    auto at = [&](std::optional<ArrayRef<int64_t>> values) -> int64_t {
      return values && static_cast<int64_t>(values->size()) == spatialRank
                 ? (*values)[i]
                 : 1;
    };
    int64_t stride = std::max<int64_t>(at(adaptor.getStride()), 1);
    int64_t dilation = at(adaptor.getDilation());
    int64_t size = input.getDimSize(2 + i);
    int64_t taps = weight.getDimSize(1 + i);
    if (ShapedType::isDynamic(size) || ShapedType::isDynamic(taps)) {
      shape[2 + i] = ShapedType::kDynamic;
      continue;
    }
    int64_t extent = (taps - 1) * dilation;
    auto [lo, hi] = convPadding(adaptor.getPadding(), extent);
    shape[2 + i] =
        llvm::divideFloorSigned(size + lo + hi - extent - 1, stride) + 1;
  }
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult DwConvOp::verify() {
  int64_t rank = getSpatialRank();
  if (failed(expectDim(*this, getWeight(), "weight", 0,
                       getInput().getType().getDimSize(1), "channels")) ||
      failed(expectShape(*this, getBias(), "bias",
                         {getInput().getType().getDimSize(1)}, "channels")))
    return failure();
  for (auto [name, values] : {std::pair{"stride", getStride()},
                              std::pair{"dilation", getDilation()}}) {
    if (!values)
      continue;
    if (static_cast<int64_t>(values->size()) != rank)
      return emitOpError() << "expected " << rank << " " << name
                           << " value(s), one per spatial dim, got "
                           << values->size();
    for (int64_t value : *values)
      if (value <= 0)
        return emitOpError() << "expected positive " << name << ", got "
                             << value;
  }
  if (getPadding() == ConvPadding::causal && rank != 1)
    return emitOpError("expected rank 1 for causal padding");
  if (getImpl() == ConvImpl::fft)
    for (int64_t i = 0; i < rank; ++i)
      if (getStrideAt(i) != 1)
        return emitOpError("expected stride 1 with impl 'fft'");
  for (int64_t size : getResult().getType().getShape().drop_front(2))
    if (!ShapedType::isDynamic(size) && size <= 0)
      return emitOpError() << "expected a positive output length, got " << size
                           << " (from an empty input)";
  return expectSameElementType(*this, {getInput(), getWeight(), getBias()},
                               {"input", "weight", "bias"});
}

//===----------------------------------------------------------------------===//
// RfftOp / IrfftOp
//===----------------------------------------------------------------------===//

LogicalResult RfftOp::inferReturnTypes(MLIRContext *context,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  adaptor = completeProperties<RfftOp>(context, adaptor);
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  std::optional<int64_t> axis = inferAxis(loc, getOperationName(),
                                          adaptor.getAxis(), input.getRank());
  if (!axis)
    return failure();
  int64_t n = adaptor.getN() ? static_cast<int64_t>(*adaptor.getN())
                             : input.getDimSize(*axis);
  if (!ShapedType::isDynamic(n) && n <= 0)
    return emitOptionalError(loc, "'tfm.rfft' op expected a positive n, got ",
                             n);
  SmallVector<int64_t> shape(input.getShape());
  shape[*axis] = ShapedType::isDynamic(n) ? n : n / 2 + 1;
  auto type = RankedTensorType::get(shape, input.getElementType());
  types.append({type, type});
  return success();
}

LogicalResult RfftOp::verify() {
  auto input = getInput().getType();
  int64_t axis = *normalizeAxis(getAxis(), input.getRank());
  if (!getN() && input.isDynamicDim(axis))
    return emitOpError("expected an explicit n for a dynamic axis");
  return success();
}

LogicalResult IrfftOp::inferReturnTypes(MLIRContext *context,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  adaptor = completeProperties<IrfftOp>(context, adaptor);
  auto real = cast<RankedTensorType>(adaptor.getReal().getType());
  std::optional<int64_t> axis = inferAxis(loc, getOperationName(),
                                          adaptor.getAxis(), real.getRank());
  if (!axis)
    return failure();
  if (!adaptor.getProperties().n)
    return emitOptionalError(loc, "'tfm.irfft' op requires attribute 'n'");
  auto n = static_cast<int64_t>(adaptor.getN());
  if (n <= 0)
    return emitOptionalError(loc, "'tfm.irfft' op expected a positive n, got ",
                             n);
  SmallVector<int64_t> shape(real.getShape());
  shape[*axis] = n;
  types.push_back(RankedTensorType::get(shape, real.getElementType()));
  return success();
}

LogicalResult IrfftOp::verify() {
  auto n = static_cast<int64_t>(getN());
  int64_t axis = *normalizeAxis(getAxis(), getReal().getType().getRank());
  return expectDim(*this, getReal(), "real", axis, n / 2 + 1,
                   "n / 2 + 1 frequencies");
}

//===----------------------------------------------------------------------===//
// SelectiveScanOp
//===----------------------------------------------------------------------===//

LogicalResult SelectiveScanOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  auto u = cast<RankedTensorType>(adaptor.getU().getType());
  auto a = cast<RankedTensorType>(adaptor.getA().getType());
  if (u.getRank() != 3 || a.getRank() != 2)
    return emitOptionalError(loc, "'tfm.selective_scan' op expected u of rank "
                                  "3 ([B, D, L]) and A of rank 2 ([D, N]), "
                                  "got ranks ",
                             u.getRank(), " and ", a.getRank());
  types.push_back(u);
  types.push_back(RankedTensorType::get(
      {u.getDimSize(0), u.getDimSize(1), a.getDimSize(1)},
      Float32Type::get(context)));
  return success();
}

LogicalResult SelectiveScanOp::verify() {
  auto u = getU().getType().getShape();
  int64_t batch = u[0], channels = u[1], length = u[2];
  int64_t state = getA().getType().getDimSize(1);
  if (failed(expectDim(*this, getA(), "A", 0, channels, "channels")) ||
      failed(expectRank(*this, getB(), "B", 4, "[B, G, N, L]")) ||
      failed(expectDim(*this, getB(), "B", 0, batch, "batch")) ||
      failed(expectDim(*this, getB(), "B", 2, state, "state size")) ||
      failed(expectDim(*this, getB(), "B", 3, length, "length")))
    return failure();
  int64_t groups = getB().getType().getDimSize(1);
  if (!ShapedType::isDynamic(groups) && !ShapedType::isDynamic(channels) &&
      (groups <= 0 || channels % groups != 0))
    return emitOpError() << "expected B/C groups (" << groups
                         << ") to divide the channels (" << channels << ")";
  if (failed(expectShape(*this, getD(), "D", {channels}, "channels")) ||
      failed(expectShape(*this, getDeltaBias(), "delta_bias", {channels},
                         "channels")))
    return failure();
  if (getZ() && getZ().getType() != getU().getType())
    return emitOpError() << "expected z of type " << getU().getType()
                         << " (that of u), got " << getZ().getType();
  if (getInitialState() &&
      getInitialState().getType() != getFinalState().getType())
    return emitOpError() << "expected initial_state of type "
                         << getFinalState().getType() << " ([B, D, N], f32), "
                         << "got " << getInitialState().getType();
  return expectSameElementType(
      *this, {getU(), getA(), getB(), getD(), getZ(), getDeltaBias()},
      {"u", "A", "B", "D", "z", "delta_bias"});
}

ConvGeometry DwConvOp::getGeometryAt(unsigned i) {
  ConvGeometry dim;
  dim.taps = getWeight().getType().getDimSize(1 + i);
  dim.stride = getStrideAt(i);
  dim.dilation = getDilationAt(i);
  std::tie(dim.padLow, dim.padHigh) = convPadding(getPadding(), dim.extent());
  return dim;
}

//===----------------------------------------------------------------------===//
// KernelLaunchOp
//===----------------------------------------------------------------------===//

LogicalResult KernelLaunchOp::verify() {
  if (getBlock().size() != 3 ||
      llvm::any_of(getBlock(), [](int64_t size) { return size < 1; }))
    return emitOpError("expects a block of three positive sizes, got [")
           << getBlock() << "]";
  if (getSharedBytes() < 0)
    return emitOpError("expects non-negative shared_bytes, got ")
           << getSharedBytes();
  return success();
}

void KernelLaunchOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &operand : getArgsMutable()) {
    if (!isa<BaseMemRefType>(operand.get().getType()))
      continue;
    effects.emplace_back(MemoryEffects::Read::get(), &operand);
    effects.emplace_back(MemoryEffects::Write::get(), &operand);
  }
}

#define GET_OP_CLASSES
#include "tfm/TfmOps.cpp.inc"
