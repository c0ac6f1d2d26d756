//===- SharedFft.cpp - in-place FFTs in a block's shared memory -----------===//
#include "SharedFft.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::tfm;
using namespace mlir::tfm::gpu_lowering;

Complex gpu_lowering::complexAdd(KernelMath &m, Complex x, Complex y) {
  return {m.add(x.first, y.first), m.add(x.second, y.second)};
}

Complex gpu_lowering::complexSub(KernelMath &m, Complex x, Complex y) {
  return {m.sub(x.first, y.first), m.sub(x.second, y.second)};
}

Complex gpu_lowering::complexMul(KernelMath &m, Complex x, Complex y) {
  return {m.sub(m.mul(x.first, y.first), m.mul(x.second, y.second)),
          m.fma(x.first, y.second, m.mul(x.second, y.first))};
}

Complex gpu_lowering::complexScale(KernelMath &m, Complex x, Value scale) {
  return {m.mul(x.first, scale), m.mul(x.second, scale)};
}

Complex gpu_lowering::unitComplex(KernelMath &m, Value angle) {
  return {m.cos(angle), m.sin(angle)};
}

Value gpu_lowering::indexToF32(OpBuilder &b, Location loc, Value index) {
  Value wide = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), index);
  return arith::UIToFPOp::create(b, loc, b.getF32Type(), wide);
}

Value gpu_lowering::bitReversed(OpBuilder &b, Location loc, Value index,
                                Value logLength) {
  KernelMath m(b, loc);
  Type i32 = b.getI32Type();
  auto narrow = [&](Value v) {
    return arith::IndexCastUIOp::create(b, loc, i32, v).getResult();
  };
  Value reversed = LLVM::BitReverseOp::create(b, loc, i32, narrow(index));
  // A shift by 32 would be poison: length 1 has the one index 0.
  Value shift = narrow(m.sub(m.index(32), logLength));
  Value shifted = arith::ShRUIOp::create(b, loc, reversed, shift);
  Value result =
      arith::IndexCastUIOp::create(b, loc, b.getIndexType(), shifted);
  return m.select(m.eq(logLength, 0), m.index(0), result);
}

Complex gpu_lowering::rootOfUnity(KernelMath &m, Value k, Value logN,
                                  int64_t sign) {
  Value n = m.pow2(logN);
  Value r = m.bitAnd(k, m.sub(n, 1));
  Value rf = indexToF32(m.b, m.loc, r);
  Value nf = indexToF32(m.b, m.loc, n);
  // r ≥ n/2 turns by r − n instead: the angle stays in [−π, π).
  Value turn = m.select(m.lt(r, m.shr(n, 1)), rf, m.sub(rf, nf));
  Value angle = m.mul(turn, m.div(m.f32(sign * 2.0 * M_PI), nf));
  return unitComplex(m, angle);
}

Value gpu_lowering::ceilLog2(KernelMath &m, Value n) {
  Type i64 = m.b.getI64Type();
  Value below = arith::IndexCastUIOp::create(m.b, m.loc, i64, m.sub(n, 1));
  Value zeros = math::CountLeadingZerosOp::create(m.b, m.loc, below);
  Value bits = arith::SubIOp::create(
      m.b, m.loc, arith::ConstantIntOp::create(m.b, m.loc, i64, 64), zeros);
  return arith::IndexCastUIOp::create(m.b, m.loc, m.b.getIndexType(), bits);
}

int64_t gpu_lowering::sharedFftThreads(int64_t points) {
  return std::clamp<int64_t>(points / 4, 32, 512);
}

void gpu_lowering::buildForCapacity(KernelMath &m, Value logPoints,
                                    ArrayRef<int64_t> capacities,
                                    function_ref<void(int64_t)> buildShared,
                                    function_ref<void()> buildFallback) {
  if (capacities.empty())
    return buildFallback();
  int64_t capacity = capacities.front();
  auto ifOp = scf::IfOp::create(
      m.b, m.loc, m.le(logPoints, m.index(llvm::Log2_64(capacity))),
      /*withElse=*/true);
  OpBuilder::InsertionGuard guard(m.b);
  m.b.setInsertionPointToStart(ifOp.thenBlock());
  buildShared(capacity);
  m.b.setInsertionPointToStart(ifOp.elseBlock());
  buildForCapacity(m, logPoints, capacities.drop_front(), buildShared,
                   buildFallback);
}

SharedFft::SharedFft(OpBuilder &b, Location loc, Value re, Value im,
                     Value logLength, Value logBatch, int64_t threads)
    : re(re), im(im), b(b), loc(loc), m(b, loc), logLength(logLength),
      logBatch(logBatch), threads(threads) {}

SharedFft SharedFft::inDynamicShared(OpBuilder &b, Location loc,
                                     int64_t capacity, Value logLength,
                                     Value logBatch, int64_t threads) {
  Type f32 = b.getF32Type();
  Value re = dynamicSharedBuffer(b, loc, {capacity}, f32, 0);
  Value im = dynamicSharedBuffer(b, loc, {capacity}, f32, capacity * 4);
  return SharedFft(b, loc, re, im, logLength, logBatch, threads);
}

Complex SharedFft::at(Value i) {
  return {memref::LoadOp::create(b, loc, re, i),
          memref::LoadOp::create(b, loc, im, i)};
}

void SharedFft::set(Value i, Complex value) {
  memref::StoreOp::create(b, loc, value.first, re, i);
  memref::StoreOp::create(b, loc, value.second, im, i);
}

Value SharedFft::length() { return m.pow2(logLength); }

Value SharedFft::points() { return m.shl(length(), logBatch); }

void SharedFft::forEach(Value count, function_ref<void(Value)> body) {
  forEachInBlock(b, loc, count, threads,
                 [&](OpBuilder &, Location, Value p) { body(p); });
}

Value SharedFft::element(Value position, Value signal) {
  return m.bitOr(m.shl(position, logBatch), signal);
}

void SharedFft::radix4(Value s, int64_t sign, bool decimationInTime) {
  Value quarter = m.pow2(m.sub(s, 1)); // q; the half-width h is 2q
  Value half = m.shl(quarter, 1);
  Value scale = m.div(m.f32(sign * M_PI), indexToF32(b, loc, half));
  forEach(m.shr(points(), 2), [&](Value p) {
    Value signal = m.bitAnd(p, m.lowBits(logBatch));
    Value r = m.shr(p, logBatch);
    Value k = m.bitAnd(r, m.sub(quarter, 1));
    Value base = m.bitOr(m.shl(m.shr(r, m.sub(s, 1)), m.add(s, 1)), k);
    SmallVector<Value> index;
    SmallVector<Complex> a;
    for (int64_t j = 0; j < 4; ++j) {
      index.push_back(element(m.add(base, m.mul(quarter, j)), signal));
      a.push_back(at(index.back()));
    }
    // w = W_2h^k = e^(sign·πi·k/h); W_2h^(k+q) = w·(sign·i); W_h^k = w².
    Complex w = unitComplex(m, m.mul(indexToF32(b, loc, k), scale));
    Complex w1 =
        sign < 0 ? Complex{w.second, arith::NegFOp::create(b, loc, w.first)}
                 : Complex{arith::NegFOp::create(b, loc, w.second), w.first};
    Complex w2 = complexMul(m, w, w);
    Complex c[4];
    if (!decimationInTime) {
      // Stage s on (0, 2q) and (q, 3q), then stage s − 1 on (0, q), (2q, 3q).
      Complex b0 = complexAdd(m, a[0], a[2]);
      Complex b2 = complexMul(m, complexSub(m, a[0], a[2]), w);
      Complex b1 = complexAdd(m, a[1], a[3]);
      Complex b3 = complexMul(m, complexSub(m, a[1], a[3]), w1);
      c[0] = complexAdd(m, b0, b1);
      c[1] = complexMul(m, complexSub(m, b0, b1), w2);
      c[2] = complexAdd(m, b2, b3);
      c[3] = complexMul(m, complexSub(m, b2, b3), w2);
    } else {
      // The reverse: stage s − 1, then stage s.
      Complex t = complexMul(m, w2, a[1]);
      Complex b0 = complexAdd(m, a[0], t), b1 = complexSub(m, a[0], t);
      t = complexMul(m, w2, a[3]);
      Complex b2 = complexAdd(m, a[2], t), b3 = complexSub(m, a[2], t);
      t = complexMul(m, w, b2);
      c[0] = complexAdd(m, b0, t);
      c[2] = complexSub(m, b0, t);
      t = complexMul(m, w1, b3);
      c[1] = complexAdd(m, b1, t);
      c[3] = complexSub(m, b1, t);
    }
    for (int64_t j = 0; j < 4; ++j)
      set(index[j], c[j]);
  });
}

void SharedFft::radix2() {
  forEach(m.shr(points(), 1), [&](Value p) {
    Value signal = m.bitAnd(p, m.lowBits(logBatch));
    Value first = m.shl(m.shr(p, logBatch), 1);
    Value i0 = element(first, signal), i1 = element(m.add(first, 1), signal);
    Complex x = at(i0), y = at(i1);
    set(i0, complexAdd(m, x, y));
    set(i1, complexSub(m, x, y));
  });
}

void SharedFft::forward(int64_t sign) {
  barrier(b, loc);
  Value pairs = m.shr(logLength, 1);
  forLoop(b, loc, m.index(0), pairs, m.index(1),
          [&](OpBuilder &, Location, Value j) {
            radix4(m.sub(m.sub(logLength, 1), m.shl(j, 1)), sign, false);
            barrier(b, loc);
          });
  ifThen(b, loc, m.eq(m.bitAnd(logLength, 1), 1), [&](OpBuilder &, Location) {
    radix2();
    barrier(b, loc);
  });
}

void SharedFft::inverse(int64_t sign) {
  barrier(b, loc);
  Value odd = m.bitAnd(logLength, 1);
  ifThen(b, loc, m.eq(odd, 1), [&](OpBuilder &, Location) {
    radix2();
    barrier(b, loc);
  });
  forLoop(b, loc, m.index(0), m.shr(logLength, 1), m.index(1),
          [&](OpBuilder &, Location, Value j) {
            radix4(m.add(m.add(odd, 1), m.shl(j, 1)), sign, true);
            barrier(b, loc);
          });
}
