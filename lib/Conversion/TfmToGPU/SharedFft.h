//===- SharedFft.h - in-place FFTs in a block's shared memory --*- C++ -*-===//
//
// The FFT engine of the CUDA kernels (tfm.rfft/irfft, and the Toeplitz
// products of tfm.linear_attention): power-of-two complex transforms in
// place in shared memory, shared by the block's threads, with a barrier
// between steps. Decimation in frequency takes natural order to
// bit-reversed order and decimation in time the reverse, so a convolution
// (forward, pointwise product, inverse) needs no permutation pass.
//
// Steps are radix 4 (two radix-2 stages per pass over shared memory: half
// the shared traffic of radix 2), with one radix-2 stage of unit twiddles
// when log2(n) is odd. Twiddles come from the SFU (sin/cos.approx of
// k·π/h, |error| ≤ 2^-20.9) rather than a table: a table costs two shared
// loads per butterfly and shared memory is what the transforms are bound
// by.
//
// A transform may be batched: `batch` signals interleaved, element
// (position p, signal s) at p·batch + s, so that consecutive threads touch
// consecutive words (the column transforms of the multi-block FFT). Length
// and batch are powers of two given as log2 values, constant or not.
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_LIB_CONVERSION_TFMTOGPU_SHAREDFFT_H
#define TFMC_LIB_CONVERSION_TFMTOGPU_SHAREDFFT_H

#include "SequenceKernelUtils.h"

#include <utility>

namespace mlir::tfm::gpu_lowering {

/// A complex f32 value as (re, im).
using Complex = std::pair<Value, Value>;

/// Complex arithmetic on (re, im) pairs.
Complex complexAdd(KernelMath &m, Complex x, Complex y);
Complex complexSub(KernelMath &m, Complex x, Complex y);
Complex complexMul(KernelMath &m, Complex x, Complex y);
Complex complexScale(KernelMath &m, Complex x, Value scale);
/// e^(i·angle), |angle| ≤ π.
Complex unitComplex(KernelMath &m, Value angle);
/// `index` (an index value) as f32.
Value indexToF32(OpBuilder &b, Location loc, Value index);
/// `index` with its low `logLength` bits reversed (0 when logLength is 0).
Value bitReversed(OpBuilder &b, Location loc, Value index, Value logLength);
/// e^(sign·2πi·(k mod n)/n) for n = 2^logN; k < 2^62. The angle is
/// reduced in integers first, to [−π, π).
Complex rootOfUnity(KernelMath &m, Value k, Value logN, int64_t sign);
/// ⌈log2(n)⌉ of an index value n ≥ 1, 64 − clz(n − 1) (host or kernel).
Value ceilLog2(KernelMath &m, Value n);

/// The block size of a SharedFft of `points` points: a thread per radix-4
/// butterfly, 32 to 512.
int64_t sharedFftThreads(int64_t points);

/// Picks a transform's form at run time, when its length is dynamic: the
/// first of `capacities` (ascending powers of two) that holds 2^logPoints
/// points gets `buildShared(capacity)`, in a chain of scf.if; a length none
/// holds gets `buildFallback()`.
void buildForCapacity(KernelMath &m, Value logPoints,
                      ArrayRef<int64_t> capacities,
                      function_ref<void(int64_t)> buildShared,
                      function_ref<void()> buildFallback);

/// Transforms of one block in shared memory (see the file comment).
class SharedFft {
public:
  /// `re`, `im`: shared memref<points x f32> views; `logLength`, `logBatch`:
  /// index values; `threads`: the block size.
  SharedFft(OpBuilder &b, Location loc, Value re, Value im, Value logLength,
            Value logBatch, int64_t threads);
  /// A transform of at most `capacity` points in the first 8·capacity
  /// bytes of the kernel's dynamic shared memory: re, then im.
  static SharedFft inDynamicShared(OpBuilder &b, Location loc, int64_t capacity,
                                   Value logLength, Value logBatch,
                                   int64_t threads);

  Value re, im;

  /// Element `i` (of the interleaved layout) as (re, im).
  Complex at(Value i);
  void set(Value i, Complex value);

  /// The unnormalized DFT of sign `sign` of every signal, natural order in,
  /// bit-reversed order out. Starts and ends with a barrier.
  void forward(int64_t sign);
  /// The same from bit-reversed order to natural order.
  void inverse(int64_t sign);

  /// The transform length and the number of points, length·batch.
  Value length();
  Value points();

private:
  OpBuilder &b;
  Location loc;
  KernelMath m;
  Value logLength, logBatch;
  int64_t threads;

  /// The four elements of radix-4 butterfly `p` over stages (s, s − 1), s
  /// odd or not, at positions base + {0, q, 2q, 3q}, q = 2^(s−1).
  void radix4(Value s, int64_t sign, bool decimationInTime);
  /// The radix-2 stage 0 (unit twiddles).
  void radix2();
  /// `body(p)` over the block's threads for p in [0, count).
  void forEach(Value count, function_ref<void(Value)> body);
  /// The element index of `position` of the butterfly's signal.
  Value element(Value position, Value signal);
};

} // namespace mlir::tfm::gpu_lowering

#endif // TFMC_LIB_CONVERSION_TFMTOGPU_SHAREDFFT_H
