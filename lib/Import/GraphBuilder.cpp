//===- GraphBuilder.cpp - building a model's tfm IR -----------------------===//
#include "GraphBuilder.h"

#include "tfmc/Target/ModelEntryPoints.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::tfm;

GraphBuilder::GraphBuilder(MLIRContext &context, llvm::StringRef file,
                           Type storageType)
    : loc(FileLineColLoc::get(&context, file, 0, 0)), b(&context),
      storageType(storageType) {
  context.loadDialect<TfmDialect, func::FuncDialect, arith::ArithDialect,
                      linalg::LinalgDialect, math::MathDialect, scf::SCFDialect,
                      tensor::TensorDialect>();
  moduleOp = ModuleOp::create(loc);
  b.setInsertionPointToEnd(moduleOp->getBody());
}

RankedTensorType GraphBuilder::tensorType(llvm::ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, storageType);
}

/// `value` as the float type `to` (extf, truncf or itself).
static Value castFloat(OpBuilder &b, Location loc, Value value, Type to) {
  return convertScalarToDtype(b, loc, value, to, /*isUnsignedCast=*/false);
}

Value GraphBuilder::beginForward() {
  auto tokens =
      RankedTensorType::get({1, ShapedType::kDynamic}, b.getI32Type());
  forward =
      func::FuncOp::create(b, loc, "forward", b.getFunctionType({tokens}, {}));
  b.setInsertionPointToStart(forward.addEntryBlock());
  return forward.getArgument(0);
}

void GraphBuilder::endForward(Value output, llvm::StringRef architecture,
                              int64_t vocabSize, int64_t maxPositions,
                              bool logits) {
  // The C API returns f32 whatever the storage.
  if (!storageType.isF32()) {
    auto type = cast<RankedTensorType>(output.getType());
    Value init = tensor::EmptyOp::create(b, loc, sizes(output), b.getF32Type());
    output =
        linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, ValueRange{output},
            ValueRange{init},
            SmallVector<AffineMap>(2, b.getMultiDimIdentityMap(type.getRank())),
            SmallVector<utils::IteratorType>(type.getRank(),
                                             utils::IteratorType::parallel),
            [&](OpBuilder &nb, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  nb, l, castFloat(nb, l, args[0], nb.getF32Type()));
            })
            .getResult(0);
  }
  func::ReturnOp::create(b, loc, output);
  forward.setFunctionType(
      b.getFunctionType(forward.getArgumentTypes(), {output.getType()}));
  ModuleOp module = *moduleOp;
  module->setAttr(kArchitectureAttr, b.getStringAttr(architecture));
  module->setAttr(kVocabSizeAttr, b.getI64IntegerAttr(vocabSize));
  if (maxPositions)
    module->setAttr(kMaxPositionsAttr, b.getI64IntegerAttr(maxPositions));
  module->setAttr(kOutputAttr,
                  b.getStringAttr(logits ? "logits" : "hidden_states"));
}

Value GraphBuilder::weight(llvm::StringRef name, llvm::ArrayRef<int64_t> shape,
                           bool transposed) {
  auto op = WeightOp::create(b, loc, tensorType(shape), name);
  if (transposed)
    op->setAttr("tfm.transposed", b.getUnitAttr());
  return op;
}

Value GraphBuilder::indexConstant(int64_t value) {
  Value &constant = constants[value];
  if (!constant) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&forward.getBody().front());
    constant = arith::ConstantIndexOp::create(b, loc, value);
  }
  return constant;
}

Value GraphBuilder::dim(Value value, int64_t index) {
  Value &size = dims[{value, index}];
  if (!size) {
    // Right after `value`, so that the size dominates all its later uses.
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfterValue(value);
    size = tensor::DimOp::create(b, loc, value, indexConstant(index));
  }
  return size;
}

SmallVector<OpFoldResult> GraphBuilder::sizes(Value x) {
  SmallVector<OpFoldResult> result;
  auto type = cast<RankedTensorType>(x.getType());
  for (int64_t d = 0; d < type.getRank(); ++d)
    result.push_back(type.isDynamicDim(d) ? OpFoldResult(dim(x, d))
                                          : b.getIndexAttr(type.getDimSize(d)));
  return result;
}

Value GraphBuilder::emptyLike(Value x, llvm::ArrayRef<int64_t> permutation) {
  SmallVector<OpFoldResult> from = sizes(x), to;
  if (permutation.empty())
    to = from;
  for (int64_t d : permutation)
    to.push_back(from[d]);
  return tensor::EmptyOp::create(b, loc, to, storageType);
}

Value GraphBuilder::embedding(Value table, Value ids) {
  return EmbeddingOp::create(b, loc, table, ids);
}

Value GraphBuilder::linear(Value x, Value weight, Value bias,
                           std::optional<ActivationKind> act) {
  ActivationKindAttr actAttr =
      act ? ActivationKindAttr::get(b.getContext(), *act) : nullptr;
  return LinearOp::create(b, loc, x, weight, bias, /*residual=*/Value(),
                          actAttr, /*gated=*/UnitAttr());
}

Value GraphBuilder::norm(NormKind kind, Value x, Value scale, Value shift,
                         double eps) {
  return NormOp::create(b, loc, kind, x, scale, shift, llvm::APFloat(eps));
}

Value GraphBuilder::activation(ActivationKind kind, Value x) {
  return ActivationOp::create(b, loc, kind, x);
}

Value GraphBuilder::add(Value lhs, Value rhs) {
  return arith::AddFOp::create(b, loc, lhs, rhs);
}

Value GraphBuilder::mul(Value lhs, Value rhs) {
  return arith::MulFOp::create(b, loc, lhs, rhs);
}

/// An elementwise linalg.generic over `like`'s shape whose inputs are
/// broadcast along their leading dims.
static Value
elementwise(OpBuilder &b, Location loc, Value like,
            llvm::ArrayRef<Value> inputs, Value init,
            function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  int64_t rank = cast<RankedTensorType>(like.getType()).getRank();
  SmallVector<AffineMap> maps;
  for (Value input : inputs) {
    int64_t inputRank = cast<RankedTensorType>(input.getType()).getRank();
    SmallVector<AffineExpr> dims;
    for (int64_t d = rank - inputRank; d < rank; ++d)
      dims.push_back(b.getAffineDimExpr(d));
    maps.push_back(AffineMap::get(rank, 0, dims, b.getContext()));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nested, Location l, ValueRange args) {
        // Arithmetic in f32 whatever the storage type.
        SmallVector<Value> wide;
        for (Value arg : args.drop_back())
          wide.push_back(castFloat(nested, l, arg, nested.getF32Type()));
        Value result = body(nested, l, wide);
        linalg::YieldOp::create(
            nested, l, castFloat(nested, l, result, args.back().getType()));
      });
  return generic.getResult(0);
}

Value GraphBuilder::negate(Value x) {
  return elementwise(b, loc, x, {x}, emptyLike(x),
                     [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                       return arith::NegFOp::create(nb, l, args[0]);
                     });
}

Value GraphBuilder::scale(Value x, double factor) {
  return elementwise(b, loc, x, {x}, emptyLike(x),
                     [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                       Value constant = arith::ConstantOp::create(
                           nb, l,
                           nb.getF32FloatAttr(static_cast<float>(factor)));
                       return arith::MulFOp::create(nb, l, args[0], constant);
                     });
}

Value GraphBuilder::exp(Value x) {
  return elementwise(b, loc, x, {x}, emptyLike(x),
                     [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                       return math::ExpOp::create(nb, l, args[0]);
                     });
}

Value GraphBuilder::addBroadcast(Value x, llvm::ArrayRef<Value> terms) {
  SmallVector<Value> inputs = {x};
  inputs.append(terms.begin(), terms.end());
  return elementwise(b, loc, x, inputs, emptyLike(x),
                     [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                       Value sum = args[0];
                       for (Value term : args.drop_front())
                         sum = arith::AddFOp::create(nb, l, sum, term);
                       return sum;
                     });
}

Value GraphBuilder::positions(Value x) {
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<OpFoldResult>{dim(x, 1)}, b.getI32Type());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init},
      ArrayRef<AffineMap>{b.getMultiDimIdentityMap(1)},
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
      [](OpBuilder &nb, Location l, ValueRange) {
        Value index = linalg::IndexOp::create(nb, l, 0);
        linalg::YieldOp::create(nb, l,
                                ValueRange{arith::IndexCastOp::create(
                                    nb, l, nb.getI32Type(), index)});
      });
  return generic.getResult(0);
}

Value GraphBuilder::row(Value table, int64_t row) {
  auto type = cast<RankedTensorType>(table.getType());
  return tensor::ExtractSliceOp::create(
      b, loc, tensorType({type.getDimSize(1)}), table,
      ArrayRef<OpFoldResult>{b.getIndexAttr(row), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1),
                             b.getIndexAttr(type.getDimSize(1))},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
}

Value GraphBuilder::sliceLast(Value x, int64_t offset, int64_t size) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)),
      strides(rank, b.getIndexAttr(1)), extents = sizes(x);
  offsets.back() = b.getIndexAttr(offset);
  extents.back() = b.getIndexAttr(size);
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = size;
  return tensor::ExtractSliceOp::create(b, loc, tensorType(shape), x, offsets,
                                        extents, strides);
}

Value GraphBuilder::transpose(Value x, llvm::ArrayRef<int64_t> permutation) {
  Value init = emptyLike(x, permutation);
  return linalg::TransposeOp::create(b, loc, x, init, permutation)
      ->getResult(0);
}

Value GraphBuilder::splitHeads(Value x, int64_t heads, int64_t headDim) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> shape = sizes(x);
  shape.back() = b.getIndexAttr(heads);
  shape.push_back(b.getIndexAttr(headDim));
  auto expandedType =
      tensorType({type.getDimSize(0), type.getDimSize(1), heads, headDim});
  Value expanded = tensor::ExpandShapeOp::create(
      b, loc, expandedType, x, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}},
      shape);
  return transpose(expanded, {0, 2, 1, 3});
}

Value GraphBuilder::mergeHeads(Value x) {
  Value tokensFirst = transpose(x, {0, 2, 1, 3});
  return tensor::CollapseShapeOp::create(
      b, loc, tokensFirst, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
}

Value GraphBuilder::swapLastTwo(Value x) { return transpose(x, {0, 2, 1}); }

Value GraphBuilder::collapse(Value x,
                             llvm::ArrayRef<ReassociationIndices> groups) {
  return tensor::CollapseShapeOp::create(b, loc, x, groups);
}

Value GraphBuilder::scanGroup(Value x) {
  Value channelsFirst = swapLastTwo(x);
  auto type = cast<RankedTensorType>(channelsFirst.getType());
  SmallVector<OpFoldResult> shape = sizes(channelsFirst);
  shape.insert(shape.begin() + 1, b.getIndexAttr(1));
  return tensor::ExpandShapeOp::create(
      b, loc,
      tensorType(
          {type.getDimSize(0), 1, type.getDimSize(1), type.getDimSize(2)}),
      channelsFirst, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}}, shape);
}

Value GraphBuilder::attention(Value q, Value k, Value v, double scale,
                              MaskAttr mask, PosBiasAttr posBias, Value bias,
                              Value mult) {
  return AttentionOp::create(b, loc, q, k, v, bias, mult, /*kv_len=*/Value(),
                             /*q_offset=*/Value(),
                             llvm::APFloat(static_cast<float>(scale)), mask,
                             posBias)
      .getOutput();
}

Value GraphBuilder::rope(Value x, Value positions, double base) {
  return RopeOp::create(b, loc, RopeStyle::half, x, positions,
                        llvm::APFloat(base), /*rotary_dim=*/IntegerAttr());
}

MaskAttr GraphBuilder::causalMask() {
  return MaskAttr::get(b.getContext(), MaskKind::causal, 0, 0, 0);
}

MaskAttr GraphBuilder::slidingWindowMask(int64_t window) {
  return MaskAttr::get(b.getContext(), MaskKind::window, window - 1, 0, 0);
}

Value GraphBuilder::ropeWithFrequencies(
    Value x, Value positions, llvm::ArrayRef<double> inverseFrequencies) {
  int64_t half = inverseFrequencies.size(), width = 2 * half;
  // Channel c and its partner (c + d/2) mod d rotate by the same angle.
  SmallVector<float> frequencies;
  for (int64_t c = 0; c < width; ++c)
    frequencies.push_back(inverseFrequencies[c % half]);
  Value frequency = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get({width}, b.getF32Type()),
                             ArrayRef(frequencies)));

  // cos(angle) and ±sin(angle), [seq, d]: with rotate_half, channel c gets
  // x[c]·cos − x[c + d/2]·sin for c < d/2 and x[c]·cos + x[c − d/2]·sin
  // after.
  Value table = tensor::EmptyOp::create(
      b, loc, ArrayRef<OpFoldResult>{dim(positions, 0), b.getIndexAttr(width)},
      b.getF32Type());
  AffineExpr d0 = b.getAffineDimExpr(0), d1 = b.getAffineDimExpr(1);
  auto tables = linalg::GenericOp::create(
      b, loc, TypeRange{table.getType(), table.getType()},
      ValueRange{positions, frequency}, ValueRange{table, table},
      ArrayRef<AffineMap>{AffineMap::get(2, 0, {d0}, b.getContext()),
                          AffineMap::get(2, 0, {d1}, b.getContext()),
                          b.getMultiDimIdentityMap(2),
                          b.getMultiDimIdentityMap(2)},
      SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value position =
            arith::SIToFPOp::create(nb, l, nb.getF32Type(), args[0]);
        Value angle = arith::MulFOp::create(nb, l, position, args[1]);
        Value sin = math::SinOp::create(nb, l, angle);
        Value firstHalf = arith::CmpIOp::create(
            nb, l, arith::CmpIPredicate::ult, linalg::IndexOp::create(nb, l, 1),
            arith::ConstantIndexOp::create(nb, l, half));
        Value signedSin = arith::SelectOp::create(
            nb, l, firstHalf, arith::NegFOp::create(nb, l, sin), sin);
        linalg::YieldOp::create(
            nb, l, ValueRange{math::CosOp::create(nb, l, angle), signedSin});
      });

  AffineMap table4 = AffineMap::get(
      4, 0, {b.getAffineDimExpr(2), b.getAffineDimExpr(3)}, b.getContext());
  auto rotated = linalg::GenericOp::create(
      b, loc, TypeRange{x.getType()},
      ValueRange{x, tables.getResult(0), tables.getResult(1)},
      ValueRange{emptyLike(x)},
      ArrayRef<AffineMap>{b.getMultiDimIdentityMap(4), table4, table4,
                          b.getMultiDimIdentityMap(4)},
      SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        SmallVector<Value> partner;
        for (int64_t d = 0; d < 3; ++d)
          partner.push_back(linalg::IndexOp::create(nb, l, d));
        Value channel =
            arith::AddIOp::create(nb, l, linalg::IndexOp::create(nb, l, 3),
                                  arith::ConstantIndexOp::create(nb, l, half));
        partner.push_back(arith::RemUIOp::create(
            nb, l, channel, arith::ConstantIndexOp::create(nb, l, width)));
        Type f32 = nb.getF32Type();
        Value other =
            castFloat(nb, l, tensor::ExtractOp::create(nb, l, x, partner), f32);
        Value sum = arith::AddFOp::create(
            nb, l,
            arith::MulFOp::create(nb, l, castFloat(nb, l, args[0], f32),
                                  args[1]),
            arith::MulFOp::create(nb, l, other, args[2]));
        linalg::YieldOp::create(nb, l,
                                castFloat(nb, l, sum, args[3].getType()));
      });
  return rotated.getResult(0);
}

//===----------------------------------------------------------------------===//
// LayerLoop
//===----------------------------------------------------------------------===//

LayerLoop::LayerLoop(GraphBuilder &graph, int64_t count, llvm::StringRef prefix,
                     ValueRange carried)
    : graph(graph), count(count), prefix(prefix.str()) {
  OpBuilder &b = graph.b;
  loop = scf::ForOp::create(b, graph.loc, graph.indexConstant(0),
                            graph.indexConstant(count), graph.indexConstant(1),
                            carried);
  b.setInsertionPointToStart(loop.getBody());
}

Value LayerLoop::weight(llvm::StringRef suffix, llvm::ArrayRef<int64_t> shape,
                        bool transposed) {
  OpBuilder &b = graph.b;
  SmallVector<int64_t> stackedShape = {count};
  stackedShape.append(shape.begin(), shape.end());
  Value stacked;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop);
    stacked =
        graph.weight(prefix + "*." + suffix.str(), stackedShape, transposed);
    stacked.getDefiningOp()->setAttr("tfm.stacked", b.getUnitAttr());
  }
  int64_t rank = stackedShape.size();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)),
      strides(rank, b.getIndexAttr(1)), sizes = {b.getIndexAttr(1)};
  offsets.front() = loop.getInductionVar();
  for (int64_t size : shape)
    sizes.push_back(b.getIndexAttr(size));
  return tensor::ExtractSliceOp::create(b, graph.loc, graph.tensorType(shape),
                                        stacked, offsets, sizes, strides);
}

Value LayerLoop::dense(Value x, llvm::StringRef name, int64_t out, int64_t in,
                       bool bias, std::optional<ActivationKind> act,
                       bool transposed) {
  Value w = weight((name + ".weight").str(), {out, in}, transposed);
  Value b = bias ? weight((name + ".bias").str(), {out}) : Value();
  return graph.linear(x, w, b, act);
}

Value LayerLoop::norm(NormKind kind, Value x, llvm::StringRef name,
                      int64_t width, double eps) {
  Value scale = weight((name + ".weight").str(), {width});
  Value shift = kind == NormKind::layer
                    ? weight((name + ".bias").str(), {width})
                    : Value();
  return graph.norm(kind, x, scale, shift, eps);
}

ValueRange LayerLoop::finish(ValueRange next) {
  // Each layer writes its output over its input: bufferization wants the
  // values a loop carries to stay in one buffer.
  SmallVector<Value> yielded;
  for (auto [value, carried] : llvm::zip(next, loop.getRegionIterArgs()))
    yielded.push_back(linalg::CopyOp::create(graph.b, graph.loc, value, carried)
                          .getResult(0));
  scf::YieldOp::create(graph.b, graph.loc, yielded);
  graph.b.setInsertionPointAfter(loop);
  return loop.getResults();
}
