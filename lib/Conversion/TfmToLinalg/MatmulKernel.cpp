//===- MatmulKernel.cpp - cache-blocked, register-tiled matmul ------------===//
#include "MatmulKernel.h"
#include "LoweringUtils.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::tfm;

/// Packs into panels [ceil(N/NR), K, NR]: element (p, k, j) is source column
/// n = p·NR + j at depth k, read through `read(n, k)`, or 0 past N.
static Value pack(OpBuilder &b, Location loc, Value source, bool transposed,
                  const MatmulTiles &tiles) {
  int64_t nDim = transposed ? 0 : 1, kDim = transposed ? 1 : 0;
  Value n = tensor::DimOp::create(b, loc, source, nDim);
  Value k = tensor::DimOp::create(b, loc, source, kDim);
  Value nr = constantIndex(b, loc, tiles.nr);
  Value panels = arith::CeilDivUIOp::create(b, loc, n, nr);
  Value init = createEmpty(b, loc, {panels, k, b.getIndexAttr(tiles.nr)},
                           b.getF32Type());
  return buildParallelGeneric(
      b, loc, init, {}, {}, [&](OpBuilder &nb, Location l, ValueRange) {
        Value p = linalg::IndexOp::create(nb, l, 0);
        Value depth = linalg::IndexOp::create(nb, l, 1);
        Value j = linalg::IndexOp::create(nb, l, 2);
        Value column = arith::AddIOp::create(
            nb, l, arith::MulIOp::create(nb, l, p, nr), j);
        Value inside = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult,
                                             column, n);
        // Clamp so the read stays in bounds; the select drops its value.
        Value last = arith::SubIOp::create(nb, l, n, constantIndex(nb, l, 1));
        Value safe = arith::MinUIOp::create(nb, l, column, last);
        SmallVector<Value> indices = transposed ? SmallVector<Value>{safe, depth}
                                                : SmallVector<Value>{depth, safe};
        Value value = tensor::ExtractOp::create(nb, l, source, indices);
        return arith::SelectOp::create(nb, l, inside, value,
                                       constantF32(nb, l, 0.0))
            .getResult();
      });
}

Value tfm::packTransposedB(OpBuilder &b, Location loc, Value weight,
                           const MatmulTiles &tiles) {
  return pack(b, loc, weight, /*transposed=*/true, tiles);
}

Value tfm::packB(OpBuilder &b, Location loc, Value rhs,
                 const MatmulTiles &tiles) {
  return pack(b, loc, rhs, /*transposed=*/false, tiles);
}

namespace {
/// Emits the loop nest; each method returns the updated C tensor.
class MatmulEmitter {
public:
  MatmulEmitter(OpBuilder &b, Location loc, Value lhs, Value packed,
                const MatmulTiles &tiles, MatmulEpilogue epilogue)
      : b(b), loc(loc), lhs(lhs), packed(packed), tiles(tiles),
        epilogue(epilogue) {
    m = tensor::DimOp::create(b, loc, lhs, 0);
    k = tensor::DimOp::create(b, loc, lhs, 1);
    panels = tensor::DimOp::create(b, loc, packed, 0);
  }

  Value emit(Value acc);

private:
  /// Rows [rowBegin, rowEnd) of C (and of `a`) in steps of `rows`, over
  /// the K range [kBegin, kEnd).
  Value emitRowBlocks(Value a, Value acc, Value rowBegin, Value rowEnd,
                      int64_t rows, Value kBegin, Value kEnd);
  /// One micro-kernel: `rows` × NR of C at (row, panel).
  Value emitMicroKernel(Value a, Value acc, Value row, Value panel,
                        int64_t rows, Value kBegin, Value kEnd);
  /// All K blocks over rows [rowBegin, rowEnd) of `a` and C.
  Value emitKBlocks(Value a, Value acc, Value rowBegin, Value rowEnd,
                    int64_t rows);

  Value idx(int64_t v) { return constantIndex(b, loc, v); }

  OpBuilder &b;
  Location loc;
  Value lhs, packed;
  const MatmulTiles &tiles;
  MatmulEpilogue epilogue;
  Value m, k, panels;
  /// Offset of the current block's rows in C (the epilogue gets C rows).
  Value rowOffset;
};
} // namespace

Value MatmulEmitter::emitMicroKernel(Value a, Value acc, Value row,
                                     Value panel, int64_t rows, Value kBegin,
                                     Value kEnd) {
  auto rowType = VectorType::get({tiles.nr}, b.getF32Type());
  Value zero = constantF32(b, loc, 0.0);
  Value column = arith::MulIOp::create(b, loc, panel, idx(tiles.nr));
  // C rows: in bounds along M (full row blocks), masked along N (the last
  // panel may be partial).
  SmallVector<Value> accumulators;
  for (int64_t r = 0; r < rows; ++r) {
    Value rowIndex = arith::AddIOp::create(b, loc, row, idx(r));
    accumulators.push_back(vector::TransferReadOp::create(
        b, loc, rowType, acc, ValueRange{rowIndex, column}, zero,
        ArrayRef<bool>{false}));
  }
  auto kLoop = scf::ForOp::create(
      b, loc, kBegin, kEnd, idx(1), accumulators,
      [&](OpBuilder &nb, Location l, Value depth, ValueRange rowsIn) {
        Value bVector = vector::TransferReadOp::create(
            nb, l, rowType, packed, ValueRange{panel, depth, constantIndex(nb, l, 0)},
            constantF32(nb, l, 0.0), ArrayRef<bool>{true});
        SmallVector<Value> rowsOut;
        for (int64_t r = 0; r < rows; ++r) {
          Value rowIndex = arith::AddIOp::create(nb, l, row, constantIndex(nb, l, r));
          Value element =
              tensor::ExtractOp::create(nb, l, a, ValueRange{rowIndex, depth});
          Value broadcast = vector::BroadcastOp::create(nb, l, rowType, element);
          rowsOut.push_back(
              vector::FMAOp::create(nb, l, broadcast, bVector, rowsIn[r]));
        }
        scf::YieldOp::create(nb, l, rowsOut);
      });
  // After the last K block the epilogue runs on the accumulators.
  SmallVector<Value> finished(kLoop.getResults());
  if (epilogue) {
    Value last = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, kEnd, k);
    auto ifLast = scf::IfOp::create(
        b, loc, last,
        [&](OpBuilder &tb, Location tl) {
          SmallVector<Value> rowsOut;
          for (int64_t r = 0; r < rows; ++r) {
            Value cRow = arith::AddIOp::create(
                tb, tl, arith::AddIOp::create(tb, tl, rowOffset, row),
                constantIndex(tb, tl, r));
            rowsOut.push_back(epilogue(tb, tl, finished[r], cRow, column));
          }
          scf::YieldOp::create(tb, tl, rowsOut);
        },
        [&](OpBuilder &eb, Location el) {
          scf::YieldOp::create(eb, el, finished);
        });
    finished.assign(ifLast.getResults().begin(), ifLast.getResults().end());
  }
  for (int64_t r = 0; r < rows; ++r) {
    Value rowIndex = arith::AddIOp::create(b, loc, row, idx(r));
    acc = vector::TransferWriteOp::create(b, loc, finished[r], acc,
                                          ValueRange{rowIndex, column},
                                          ArrayRef<bool>{false})
              .getResult();
  }
  return acc;
}

Value MatmulEmitter::emitRowBlocks(Value a, Value acc, Value rowBegin,
                                   Value rowEnd, int64_t rows, Value kBegin,
                                   Value kEnd) {
  // Panels outside, row blocks inside: a KC×NR slice of the B panel stays
  // in L1 while the row blocks of the (L2-resident) A block stream past.
  auto panelLoop = scf::ForOp::create(
      b, loc, idx(0), panels, idx(1), acc,
      [&](OpBuilder &pb, Location pl, Value panel, ValueRange panelIn) {
        auto rowLoop = scf::ForOp::create(
            pb, pl, rowBegin, rowEnd, constantIndex(pb, pl, rows), panelIn,
            [&](OpBuilder &rb, Location rl, Value row, ValueRange rowIn) {
              OpBuilder::InsertionGuard guard(b);
              b.setInsertionPoint(rb.getInsertionBlock(),
                                  rb.getInsertionPoint());
              Value updated = emitMicroKernel(a, rowIn[0], row, panel, rows,
                                              kBegin, kEnd);
              scf::YieldOp::create(rb, rl, updated);
            });
        scf::YieldOp::create(pb, pl, rowLoop.getResult(0));
      });
  return panelLoop.getResult(0);
}

Value MatmulEmitter::emitKBlocks(Value a, Value acc, Value rowBegin,
                                 Value rowEnd, int64_t rows) {
  auto kLoop = scf::ForOp::create(
      b, loc, idx(0), k, idx(tiles.kc), acc,
      [&](OpBuilder &kb, Location kl, Value kBegin, ValueRange kIn) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(kb.getInsertionBlock(), kb.getInsertionPoint());
        Value kEnd = arith::MinUIOp::create(
            b, loc, arith::AddIOp::create(b, loc, kBegin, idx(tiles.kc)), k);
        Value updated =
            emitRowBlocks(a, kIn[0], rowBegin, rowEnd, rows, kBegin, kEnd);
        scf::YieldOp::create(b, loc, updated);
      });
  return kLoop.getResult(0);
}

Value MatmulEmitter::emit(Value acc) {
  // Full micro-kernel row blocks are split into M blocks of MC rows that run
  // in parallel (each writes its own rows of C); the last M % MR rows go one
  // at a time afterwards.
  Value remainder = arith::RemUIOp::create(b, loc, m, idx(tiles.mr));
  Value fullRows = arith::SubIOp::create(b, loc, m, remainder);
  Value n = tensor::DimOp::create(b, loc, acc, 1);
  Value blocks = arith::CeilDivUIOp::create(b, loc, fullRows, idx(tiles.mc));
  auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{blocks},
                                      ValueRange{acc}, std::nullopt);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forall.getBody());
    Value mBegin = arith::MulIOp::create(b, loc, forall.getInductionVar(0),
                                         idx(tiles.mc));
    Value mLength = arith::MinUIOp::create(
        b, loc, idx(tiles.mc), arith::SubIOp::create(b, loc, fullRows, mBegin));
    SmallVector<OpFoldResult> offsets = {mBegin, b.getIndexAttr(0)};
    SmallVector<OpFoldResult> strides = {b.getIndexAttr(1), b.getIndexAttr(1)};
    Value aBlock = tensor::ExtractSliceOp::create(
        b, loc, lhs, offsets, ArrayRef<OpFoldResult>{mLength, k}, strides);
    SmallVector<OpFoldResult> cSizes = {mLength, n};
    Value cBlock = tensor::ExtractSliceOp::create(
        b, loc, forall.getRegionIterArgs()[0], offsets, cSizes, strides);
    rowOffset = mBegin;
    Value updated = emitKBlocks(aBlock, cBlock, idx(0), mLength, tiles.mr);
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, updated,
                                          forall.getRegionIterArgs()[0],
                                          offsets, cSizes, strides);
  }
  rowOffset = idx(0);
  return emitKBlocks(lhs, forall.getResult(0), fullRows, m, 1);
}

Value tfm::emitPackedMatmul(OpBuilder &b, Location loc, Value lhs,
                            Value packed, Value acc, const MatmulTiles &tiles,
                            MatmulEpilogue epilogue) {
  return MatmulEmitter(b, loc, lhs, packed, tiles, epilogue).emit(acc);
}
