//===- ShapeContract.cpp - relations between dims of tfm values -----------===//
#include "ShapeContract.h"

#include "tfm/IR/TfmDialect.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tfm;

static int64_t rankOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getRank();
}

int64_t ShapeContract::nodeFor(Value value, int64_t dim) {
  auto [it, inserted] = nodes.try_emplace({value, dim}, parent.size());
  if (inserted) {
    parent.push_back({it->second, 1, 0});
    nodeKeys.push_back({value, dim});
  }
  return it->second;
}

ShapeContract::Member ShapeContract::findNode(int64_t node) {
  Member up = parent[node];
  if (up.node == node)
    return {node, 1, 0};
  Member root = findNode(up.node);
  // node = s·p + o and p = s'·root + o'  =>  node = s·s'·root + s·o' + o.
  Member direct{root.node, up.scale * root.scale,
                up.scale * root.offset + up.offset};
  parent[node] = direct;
  return direct;
}

ShapeContract::Member ShapeContract::find(Value value, int64_t dim) {
  return findNode(nodeFor(value, dim));
}

void ShapeContract::relate(Value a, int64_t i, Value b, int64_t j,
                           int64_t scale, int64_t offset) {
  if (!a || !b)
    return;
  Member ra = find(a, i), rb = find(b, j);
  if (ra.node == rb.node)
    return;
  // sa·Ra + oa = scale·(sb·Rb + ob) + offset; keep the relation integral by
  // hanging whichever root has a unit coefficient below the other.
  int64_t coefficient = scale * rb.scale;
  int64_t constant = scale * rb.offset + offset;
  if (ra.scale == 1)
    parent[ra.node] = {rb.node, coefficient, constant - ra.offset};
  else if (coefficient == 1)
    parent[rb.node] = {ra.node, ra.scale, ra.offset - constant};
}

void ShapeContract::relateAll(Value a, Value b) {
  if (!a || !b)
    return;
  for (int64_t d = 0, e = std::min(rankOf(a), rankOf(b)); d < e; ++d)
    relate(a, d, b, d);
}

std::optional<int64_t> ShapeContract::staticRootSize(int64_t root) {
  for (auto [node, key] : llvm::enumerate(nodeKeys)) {
    int64_t size = cast<RankedTensorType>(key.first.getType())
                       .getDimSize(key.second);
    if (ShapedType::isDynamic(size))
      continue;
    Member m = findNode(node);
    if (m.node == root && (size - m.offset) % m.scale == 0)
      return (size - m.offset) / m.scale;
  }
  return std::nullopt;
}

/// A (possibly negative) axis attribute as a dim index; I64Attr getters
/// return the value as uint64_t.
static int64_t normalizedAxis(uint64_t attribute, int64_t rank) {
  auto axis = static_cast<int64_t>(attribute);
  return axis < 0 ? axis + rank : axis;
}

/// Relates dims [0, count) of `a` and `b`.
static void relateLeading(ShapeContract &c, Value a, Value b, int64_t count) {
  for (int64_t d = 0; d < count; ++d)
    c.relate(a, d, b, d);
}

/// Relates every dim of `a` and `b` but the FFT axis `axisAttribute`: the
/// FFT changes its length.
static void relateAllButAxis(ShapeContract &c, Value a, Value b,
                             uint64_t axisAttribute) {
  int64_t rank = rankOf(b);
  int64_t axis = normalizedAxis(axisAttribute, rank);
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      c.relate(a, d, b, d);
}

void ShapeContract::addRelations(Operation *op) {
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](NormOp norm) {
        relateAll(norm.getResult(), norm.getInput());
        int64_t axis = norm.getNormalizedAxis();
        relate(norm.getScale(), 0, norm.getInput(), axis);
        relate(norm.getShift(), 0, norm.getInput(), axis);
      })
      .Case([&](ActivationOp act) {
        relateAll(act.getResult(), act.getInput());
      })
      .Case([&](RopeOp rope) {
        relateAll(rope.getResult(), rope.getInput());
        Value positions = rope.getPositions();
        relate(positions, rankOf(positions) - 1, rope.getInput(), 2);
        if (rankOf(positions) == 2)
          relate(positions, 0, rope.getInput(), 0);
      })
      .Case([&](EmbeddingOp embedding) {
        int64_t rank = rankOf(embedding.getIds());
        relateLeading(*this, embedding.getResult(), embedding.getIds(), rank);
        relate(embedding.getResult(), rank, embedding.getTable(), 1);
      })
      .Case([&](LinearOp linear) {
        int64_t last = rankOf(linear.getInput()) - 1;
        relateLeading(*this, linear.getResult(), linear.getInput(), last);
        relate(linear.getInput(), last, linear.getWeight(), 1);
        relate(linear.getBias(), 0, linear.getWeight(), 0);
        relateAll(linear.getResidual(), linear.getResult());
        if (linear.getGated())
          relate(linear.getWeight(), 0, linear.getResult(), last, 2);
        else
          relate(linear.getResult(), last, linear.getWeight(), 0);
      })
      .Case([&](AttentionOp attn) {
        Value q = attn.getQuery(), k = attn.getKey(), v = attn.getValue();
        relate(k, 0, q, 0);
        relate(v, 0, q, 0);
        requireMultiple(q, 1, k, 1,
                        "query heads (%lld) must be a multiple of key/value "
                        "heads (%lld)");
        relate(v, 1, k, 1);
        relate(k, 3, q, 3);
        relate(v, 2, k, 2);
        relateLeading(*this, attn.getOutput(), q, 3);
        relate(attn.getOutput(), 3, v, 3);
        if (Value lse = attn.getLse())
          relateLeading(*this, lse, q, 3);
        relate(attn.getKvLen(), 0, q, 0);
        relate(attn.getMult(), 1, q, 1);
        if (Value bias = attn.getBias()) {
          if (attn.getPosBiasKind() == PosBiasKind::t5) {
            relate(bias, 1, q, 1);
          } else {
            auto shape = cast<RankedTensorType>(bias.getType()).getShape();
            // Broadcast dims (static 1) relate to nothing.
            for (int64_t d = 0; d < 2; ++d)
              if (shape[d] != 1)
                relate(bias, d, q, d);
            relate(bias, 2, q, 2);
            relate(bias, 3, k, 2);
          }
        }
      })
      .Case([&](FeatureMapOp map) {
        int64_t last = rankOf(map.getInput()) - 1;
        relateLeading(*this, map.getResult(), map.getInput(), last);
        if (Value projection = map.getProjection()) {
          relate(projection, 1, map.getInput(), last);
          relate(map.getResult(), last, projection, 0);
        } else {
          relate(map.getResult(), last, map.getInput(), last);
        }
      })
      .Case([&](LinearAttentionOp attn) {
        Value q = attn.getQueryFeatures();
        relateAll(attn.getKeyFeatures(), q);
        relateLeading(*this, attn.getValue(), q, 3);
        relateLeading(*this, attn.getResult(), q, 3);
        relate(attn.getResult(), 3, attn.getValue(), 3);
        relate(attn.getToeplitz(), 0, q, 1);
        relate(attn.getToeplitz(), 1, q, 2, 2, -1);
      })
      .Case([&](DwConvOp conv) {
        Value x = conv.getInput();
        relateLeading(*this, conv.getResult(), x, 2);
        relate(conv.getWeight(), 0, x, 1);
        relate(conv.getBias(), 0, x, 1);
        auto weight = conv.getWeight().getType();
        for (int64_t i = 0; i < conv.getSpatialRank(); ++i) {
          int64_t taps = weight.getDimSize(1 + i);
          if (conv.getStrideAt(i) != 1 || ShapedType::isDynamic(taps))
            continue;
          // Stride 1: out = L + pad_lo + pad_hi − extent, which is L for
          // every padding but `full` (L + extent).
          int64_t extent = (taps - 1) * conv.getDilationAt(i);
          int64_t grow = conv.getPadding() == ConvPadding::full ? extent : 0;
          relate(conv.getResult(), 2 + i, x, 2 + i, 1, grow);
        }
      })
      .Case([&](RfftOp fft) {
        relateAllButAxis(*this, fft.getReal(), fft.getInput(), fft.getAxis());
        relateAll(fft.getImag(), fft.getReal());
      })
      .Case([&](IrfftOp fft) {
        relateAllButAxis(*this, fft.getResult(), fft.getReal(), fft.getAxis());
        relateAll(fft.getImag(), fft.getReal());
      })
      .Case([&](SelectiveScanOp scan) {
        Value u = scan.getU();
        relateAll(scan.getDelta(), u);
        relateAll(scan.getY(), u);
        relateAll(scan.getZ(), u);
        relate(scan.getA(), 0, u, 1);
        relate(scan.getB(), 0, u, 0);
        relate(scan.getB(), 2, scan.getA(), 1);
        relate(scan.getB(), 3, u, 2);
        requireMultiple(u, 1, scan.getB(), 1,
                        "channels (%lld) must be a multiple of B/C groups "
                        "(%lld)");
        relateAll(scan.getC(), scan.getB());
        relate(scan.getD(), 0, u, 1);
        relate(scan.getDeltaBias(), 0, u, 1);
        relateLeading(*this, scan.getFinalState(), u, 2);
        relate(scan.getFinalState(), 2, scan.getA(), 1);
        relateAll(scan.getInitialState(), scan.getFinalState());
      })
      .Default([&](Operation *other) {
        // Elementwise ops on tensors (residual adds, products) keep shapes.
        if (!other->hasTrait<OpTrait::Elementwise>() &&
            !other->hasTrait<OpTrait::SameOperandsAndResultShape>())
          return;
        for (Value result : other->getResults())
          for (Value operand : other->getOperands())
            if (isa<RankedTensorType>(operand.getType()) &&
                isa<RankedTensorType>(result.getType()))
              relateAll(result, operand);
      });
}
