//===- Safetensors.h - reading and checking safetensors files ---*- C++ -*-===//
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of
// JSON mapping each tensor name to {"dtype", "shape", "data_offsets"}, then
// the data section the offsets index. tfmc reads it at compile time to check
// a model's weights (names, shapes, dtypes) before any code is generated; the
// runtime (lib/Runtime/Model.c) repeats the same checks at load time.
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_IMPORT_SAFETENSORS_H
#define TFMC_IMPORT_SAFETENSORS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::tfm {

/// The element types tfmc reads; f16 and bf16 are converted to f32 on load.
enum class WeightDType { F32, F16, BF16 };

/// One tensor of a safetensors header.
struct SafetensorsTensor {
  std::string name;
  WeightDType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0; ///< byte offsets into the data section
  uint64_t end = 0;
};

/// A safetensors file, memory-mapped, whose header has been validated: the
/// JSON is well formed, every dtype is F32, F16 or BF16, every shape has
/// non-negative sizes whose byte count matches the tensor's offsets, the
/// offsets lie inside the data section and no two tensors overlap.
class SafetensorsFile {
public:
  /// Maps and validates `path`; errors name the file and the tensor.
  static llvm::Expected<SafetensorsFile> open(llvm::StringRef path);

  /// The tensors, sorted by name.
  llvm::ArrayRef<SafetensorsTensor> tensors() const { return entries; }
  /// The tensor called `name`, or null.
  const SafetensorsTensor *lookup(llvm::StringRef name) const;
  /// The raw bytes of `tensor`.
  llvm::ArrayRef<char> data(const SafetensorsTensor &tensor) const;
  /// The values of `tensor`, row-major, converted to f32.
  std::vector<float> toF32(const SafetensorsTensor &tensor) const;
  llvm::StringRef path() const { return buffer->getBufferIdentifier(); }

private:
  SafetensorsFile(std::unique_ptr<llvm::MemoryBuffer> buffer)
      : buffer(std::move(buffer)) {}
  llvm::Error parseHeader();

  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::vector<SafetensorsTensor> entries;
  uint64_t dataStart = 0;
};

/// A weight a compiled model reads, with its shape as the file stores it.
struct WeightSpec {
  std::string name;
  std::vector<int64_t> shape;
};

/// Checks that `file` holds exactly the weights in `specs`: no missing,
/// extra or misshapen tensor. The error names the tensor and says what was
/// expected.
llvm::Error checkWeights(const SafetensorsFile &file,
                         llvm::ArrayRef<WeightSpec> specs);

/// "[2, 3]".
std::string formatShape(llvm::ArrayRef<int64_t> shape);

} // namespace mlir::tfm

#endif // TFMC_IMPORT_SAFETENSORS_H
