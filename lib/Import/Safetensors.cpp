//===- Safetensors.cpp - reading and checking safetensors files -----------===//
#include "tfmc/Import/Safetensors.h"
#include "ConfigReader.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tfm;

static unsigned dtypeBytes(WeightDType dtype) {
  return dtype == WeightDType::F32 ? 4 : 2;
}

std::string tfm::formatShape(llvm::ArrayRef<int64_t> shape) {
  return "[" +
         llvm::join(llvm::map_range(
                        shape, [](int64_t d) { return std::to_string(d); }),
                    ", ") +
         "]";
}

/// Reads a JSON array of non-negative integers.
static std::optional<std::vector<uint64_t>>
readUnsignedArray(const llvm::json::Value *value) {
  const llvm::json::Array *array = value ? value->getAsArray() : nullptr;
  if (!array)
    return std::nullopt;
  std::vector<uint64_t> numbers;
  for (const llvm::json::Value &element : *array) {
    std::optional<uint64_t> number = element.getAsUINT64();
    if (!number || *number > uint64_t(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    numbers.push_back(*number);
  }
  return numbers;
}

llvm::Expected<SafetensorsFile> SafetensorsFile::open(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return llvm::createStringError(llvm::formatv(
        "weights '{0}': cannot open: {1}", path, buffer.getError().message()));
  SafetensorsFile file(std::move(*buffer));
  if (llvm::Error error = file.parseHeader())
    return llvm::createStringError(llvm::formatv(
        "weights '{0}': {1}", path, llvm::toString(std::move(error))));
  return std::move(file);
}

llvm::Error SafetensorsFile::parseHeader() {
  llvm::StringRef bytes = buffer->getBuffer();
  if (bytes.size() < 8)
    return llvm::createStringError(llvm::formatv(
        "the file is {0} bytes, too short for the 8-byte header length",
        bytes.size()));
  uint64_t headerSize = llvm::support::endian::read64le(bytes.data());
  if (headerSize > bytes.size() - 8)
    return llvm::createStringError(llvm::formatv(
        "header length {0} is larger than the file ({1} bytes after the "
        "length field): truncated or not a safetensors file",
        headerSize, bytes.size() - 8));
  dataStart = 8 + headerSize;
  uint64_t dataSize = bytes.size() - dataStart;

  llvm::Expected<llvm::json::Value> header =
      llvm::json::parse(bytes.substr(8, headerSize));
  if (!header)
    return llvm::createStringError("header is not valid JSON: " +
                                   llvm::toString(header.takeError()));
  const llvm::json::Object *tensors = header->getAsObject();
  if (!tensors)
    return llvm::createStringError("header is " + describeJson(*header).str() +
                                   ", expected a JSON object of tensors");

  for (const auto &[key, value] : *tensors) {
    if (key == "__metadata__")
      continue;
    std::string where = llvm::formatv("tensor '{0}'", key.str()).str();
    auto fail = [&](const llvm::Twine &what) {
      return llvm::createStringError(where + ": " + what);
    };
    const llvm::json::Object *fields = value.getAsObject();
    if (!fields)
      return fail("expected an object with dtype, shape and data_offsets, "
                  "got " +
                  describeJson(value));
    SafetensorsTensor tensor;
    tensor.name = key.str();

    std::optional<llvm::StringRef> dtype = fields->getString("dtype");
    if (!dtype)
      return fail("'dtype' is missing or not a string");
    if (*dtype == "F32")
      tensor.dtype = WeightDType::F32;
    else if (*dtype == "F16")
      tensor.dtype = WeightDType::F16;
    else if (*dtype == "BF16")
      tensor.dtype = WeightDType::BF16;
    else
      return fail("dtype '" + *dtype +
                  "' is not supported; expected F32, F16 or BF16");

    std::optional<std::vector<uint64_t>> shape =
        readUnsignedArray(fields->get("shape"));
    if (!shape)
      return fail("'shape' is missing or not an array of non-negative "
                  "integers");
    std::optional<std::vector<uint64_t>> offsets =
        readUnsignedArray(fields->get("data_offsets"));
    if (!offsets || offsets->size() != 2)
      return fail("'data_offsets' is missing or not two non-negative "
                  "integers");
    tensor.begin = (*offsets)[0];
    tensor.end = (*offsets)[1];
    if (tensor.begin > tensor.end || tensor.end > dataSize)
      return fail(llvm::formatv("data_offsets [{0}, {1}] lie outside the data "
                                "section, which is {2} bytes",
                                tensor.begin, tensor.end, dataSize));

    // Byte count of the shape, refusing sizes that overflow.
    uint64_t expectedBytes = dtypeBytes(tensor.dtype);
    bool overflow = false;
    for (uint64_t size : *shape) {
      tensor.shape.push_back(static_cast<int64_t>(size));
      overflow |= __builtin_mul_overflow(expectedBytes, size, &expectedBytes);
    }
    if (overflow || expectedBytes != tensor.end - tensor.begin)
      return fail(llvm::formatv(
          "shape {0} of {1} takes {2} bytes, but data_offsets [{3}, {4}] "
          "span {5}",
          formatShape(tensor.shape), *dtype,
          overflow ? std::string("too many") : std::to_string(expectedBytes),
          tensor.begin, tensor.end, tensor.end - tensor.begin));
    entries.push_back(std::move(tensor));
  }

  // No two tensors may share bytes.
  std::vector<const SafetensorsTensor *> byOffset;
  for (const SafetensorsTensor &tensor : entries)
    byOffset.push_back(&tensor);
  llvm::sort(byOffset,
             [](const SafetensorsTensor *a, const SafetensorsTensor *b) {
               return std::tie(a->begin, a->end) < std::tie(b->begin, b->end);
             });
  for (size_t i = 1; i < byOffset.size(); ++i) {
    const SafetensorsTensor &prev = *byOffset[i - 1], &next = *byOffset[i];
    if (next.begin < prev.end)
      return llvm::createStringError(llvm::formatv(
          "tensors '{0}' (bytes [{1}, {2})) and '{3}' (bytes [{4}, {5})) "
          "overlap",
          prev.name, prev.begin, prev.end, next.name, next.begin, next.end));
  }
  llvm::sort(entries,
             [](const SafetensorsTensor &a, const SafetensorsTensor &b) {
               return a.name < b.name;
             });
  return llvm::Error::success();
}

const SafetensorsTensor *SafetensorsFile::lookup(llvm::StringRef name) const {
  auto it = llvm::partition_point(
      entries, [&](const SafetensorsTensor &t) { return t.name < name; });
  return it != entries.end() && it->name == name ? &*it : nullptr;
}

llvm::ArrayRef<char>
SafetensorsFile::data(const SafetensorsTensor &tensor) const {
  return llvm::ArrayRef<char>(buffer->getBufferStart() + dataStart +
                                  tensor.begin,
                              tensor.end - tensor.begin);
}

/// IEEE half to float, exactly.
static float halfToFloat(uint16_t half) {
  uint32_t sign = uint32_t(half & 0x8000) << 16;
  uint32_t exponent = (half >> 10) & 0x1F, mantissa = half & 0x3FF;
  if (exponent == 0) // zero or subnormal: mantissa · 2^-24
    return (sign ? -1.0f : 1.0f) * std::ldexp(float(mantissa), -24);
  uint32_t bits = exponent == 0x1F
                      ? sign | 0x7F800000u | (mantissa << 13)
                      : sign | ((exponent + 112) << 23) | (mantissa << 13);
  return llvm::bit_cast<float>(bits);
}

std::vector<float>
SafetensorsFile::toF32(const SafetensorsTensor &tensor) const {
  llvm::ArrayRef<char> bytes = data(tensor);
  std::vector<float> values(bytes.size() / dtypeBytes(tensor.dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    if (tensor.dtype == WeightDType::F32) {
      values[i] = llvm::bit_cast<float>(
          llvm::support::endian::read32le(bytes.data() + 4 * i));
      continue;
    }
    uint16_t bits = llvm::support::endian::read16le(bytes.data() + 2 * i);
    values[i] = tensor.dtype == WeightDType::F16
                    ? halfToFloat(bits)
                    : llvm::bit_cast<float>(uint32_t(bits) << 16);
  }
  return values;
}

llvm::Error tfm::checkWeights(const SafetensorsFile &file,
                              llvm::ArrayRef<WeightSpec> specs) {
  auto fail = [&](const llvm::Twine &what) {
    return llvm::createStringError("weights '" + file.path() + "': " + what);
  };
  llvm::StringSet<> expected;
  for (const WeightSpec &spec : specs) {
    expected.insert(spec.name);
    const SafetensorsTensor *tensor = file.lookup(spec.name);
    if (!tensor)
      return fail(llvm::formatv("missing tensor '{0}' (the model expects "
                                "shape {1})",
                                spec.name, formatShape(spec.shape)));
    if (tensor->shape != spec.shape)
      return fail(llvm::formatv("tensor '{0}' has shape {1}, the model "
                                "expects {2}",
                                spec.name, formatShape(tensor->shape),
                                formatShape(spec.shape)));
  }
  for (const SafetensorsTensor &tensor : file.tensors())
    if (!expected.contains(tensor.name))
      return fail(llvm::formatv("unexpected tensor '{0}': the model has no "
                                "weight of that name",
                                tensor.name));
  return llvm::Error::success();
}
