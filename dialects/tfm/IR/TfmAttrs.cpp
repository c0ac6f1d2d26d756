//===- TfmAttrs.cpp - attributes of the tfm dialect -----------------------===//
//
// Custom syntax and invariants of #tfm.mask and #tfm.pos_bias.
//
//===----------------------------------------------------------------------===//
#include "tfm/IR/TfmDialect.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tfm;

#define GET_ATTRDEF_CLASSES
#include "tfm/TfmAttrs.cpp.inc"

void TfmDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "tfm/TfmAttrs.cpp.inc"
      >();
}

/// Parses a keyword naming a case of `EnumT` through its generated
/// `symbolizeEnum`, reporting the valid spellings otherwise.
template <typename EnumT>
static FailureOr<EnumT> parseEnumKeyword(AsmParser &parser, StringRef what) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return failure();
  std::optional<EnumT> value = symbolizeEnum<EnumT>(keyword);
  if (!value)
    return parser.emitError(loc) << "unknown " << what << " '" << keyword << "'";
  return *value;
}

//===----------------------------------------------------------------------===//
// MaskAttr
//===----------------------------------------------------------------------===//

Attribute MaskAttr::parse(AsmParser &parser, Type) {
  if (parser.parseLess())
    return {};
  FailureOr<MaskKind> kind = parseEnumKeyword<MaskKind>(parser, "mask kind");
  if (failed(kind))
    return {};
  int64_t left = 0, right = 0, size = 0;
  switch (*kind) {
  case MaskKind::window:
    if (parser.parseInteger(left) || parser.parseComma() ||
        parser.parseInteger(right))
      return {};
    break;
  case MaskKind::prefix:
  case MaskKind::block:
    if (parser.parseInteger(size))
      return {};
    break;
  case MaskKind::none:
  case MaskKind::causal:
    break;
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<MaskAttr>(parser.getContext(), *kind, left, right,
                                     size);
}

void MaskAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyMaskKind(getKind());
  switch (getKind()) {
  case MaskKind::window:
    printer << " " << getLeft() << ", " << getRight();
    break;
  case MaskKind::prefix:
  case MaskKind::block:
    printer << " " << getSize();
    break;
  case MaskKind::none:
  case MaskKind::causal:
    break;
  }
  printer << ">";
}

LogicalResult MaskAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               MaskKind kind, int64_t left, int64_t right,
                               int64_t size) {
  if (kind != MaskKind::window && (left != 0 || right != 0))
    return emitError() << "only a window mask has left/right bounds";
  if (left < 0 || right < 0)
    return emitError() << "expected non-negative window bounds, got " << left
                       << " and " << right;
  bool sized = kind == MaskKind::prefix || kind == MaskKind::block;
  if (!sized && size != 0)
    return emitError() << "only prefix and block masks have a size";
  if (kind == MaskKind::prefix && size < 0)
    return emitError() << "expected a non-negative prefix length, got "
                       << size;
  if (kind == MaskKind::block && size <= 0)
    return emitError() << "expected a positive block size, got " << size;
  return success();
}

//===----------------------------------------------------------------------===//
// PosBiasAttr
//===----------------------------------------------------------------------===//

Attribute PosBiasAttr::parse(AsmParser &parser, Type) {
  if (parser.parseLess())
    return {};
  FailureOr<PosBiasKind> kind =
      parseEnumKeyword<PosBiasKind>(parser, "positional bias kind");
  if (failed(kind))
    return {};
  int64_t buckets = 0, maxDistance = 0;
  bool bidirectional = true;
  if (*kind == PosBiasKind::t5) {
    StringRef direction;
    SMLoc directionLoc;
    if (parser.parseKeyword("buckets") || parser.parseInteger(buckets) ||
        parser.parseComma() || parser.parseKeyword("max_distance") ||
        parser.parseInteger(maxDistance) || parser.parseComma() ||
        (directionLoc = parser.getCurrentLocation(),
         parser.parseKeyword(&direction)))
      return {};
    if (direction != "bidirectional" && direction != "unidirectional") {
      parser.emitError(directionLoc)
          << "expected 'bidirectional' or 'unidirectional', got '"
          << direction << "'";
      return {};
    }
    bidirectional = direction == "bidirectional";
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<PosBiasAttr>(parser.getContext(), *kind, buckets,
                                        maxDistance, bidirectional);
}

void PosBiasAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyPosBiasKind(getKind());
  if (getKind() == PosBiasKind::t5)
    printer << " buckets " << getBuckets() << ", max_distance "
            << getMaxDistance() << ", "
            << (getBidirectional() ? "bidirectional" : "unidirectional");
  printer << ">";
}

LogicalResult
PosBiasAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                    PosBiasKind kind, int64_t buckets, int64_t maxDistance,
                    bool bidirectional) {
  if (kind != PosBiasKind::t5)
    return success();
  // Each direction gets buckets/2 (bidirectional); half of those are exact
  // distances and the log-spaced rest must span up to max_distance.
  int64_t perDirection = bidirectional ? buckets / 2 : buckets;
  int64_t exact = perDirection / 2;
  if (exact < 1)
    return emitError() << "expected at least " << (bidirectional ? 4 : 2)
                       << " t5 buckets, got " << buckets;
  if (maxDistance <= exact)
    return emitError() << "expected t5 max_distance greater than " << exact
                       << " (the exact-distance buckets), got " << maxDistance;
  return success();
}
