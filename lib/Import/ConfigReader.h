//===- ConfigReader.h - typed, path-aware reads of JSON model files -*- C++
//-*-===//
//
// Importers read their fields through a ConfigReader, which remembers the
// first problem as "FILE: $.json.path: what was expected, what was found" so
// that an importer reads every field in straight-line code and checks for
// failure once.
//
//===----------------------------------------------------------------------===//
#ifndef TFMC_LIB_IMPORT_CONFIGREADER_H
#define TFMC_LIB_IMPORT_CONFIGREADER_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <memory>
#include <optional>
#include <string>

namespace mlir::tfm {

class ConfigReader {
public:
  /// Reads the JSON object `root` of `file`.
  ConfigReader(const llvm::json::Object &root, llvm::StringRef file);

  /// A required integer >= `min`.
  int64_t integer(llvm::StringRef key, int64_t min = 1);
  /// An optional integer >= `min` (absent or null: `fallback`).
  int64_t integer(llvm::StringRef key, int64_t fallback, int64_t min);
  /// An optional number > 0 (absent or null: `fallback`).
  double positive(llvm::StringRef key, double fallback);
  /// A required number > 0.
  double positive(llvm::StringRef key);
  bool boolean(llvm::StringRef key, bool fallback);
  /// An optional string (absent or null: `fallback`).
  std::string string(llvm::StringRef key, llvm::StringRef fallback);
  /// Whether `key` is present and not null.
  bool has(llvm::StringRef key) const;
  /// Whether `key` holds a string.
  bool isString(llvm::StringRef key) const;
  /// The object at `key`, or nullopt when absent or null.
  std::optional<ConfigReader> object(llvm::StringRef key);

  /// Records a problem with `key` (or with this object when empty); only the
  /// first problem is kept.
  void fail(llvm::StringRef key, const llvm::Twine &message);
  /// "$.a.b" for key "b" of the object at "$.a".
  std::string path(llvm::StringRef key) const;

  bool failed() const { return !error->empty(); }
  /// The first problem, or success.
  llvm::Error takeError() const;

private:
  ConfigReader(const llvm::json::Object &root, std::string file,
               std::string prefix, std::shared_ptr<std::string> error)
      : root(&root), file(std::move(file)), prefix(std::move(prefix)),
        error(std::move(error)) {}
  /// The value at `key`, or null when absent or JSON null.
  const llvm::json::Value *lookup(llvm::StringRef key) const;
  void mistyped(llvm::StringRef key, llvm::StringRef expected,
                const llvm::json::Value &found);

  const llvm::json::Object *root;
  std::string file;
  std::string prefix; ///< "$" or "$.a.b"
  std::shared_ptr<std::string> error;
};

/// What a JSON value is, for messages ("a string").
llvm::StringRef describeJson(const llvm::json::Value &value);

} // namespace mlir::tfm

#endif // TFMC_LIB_IMPORT_CONFIGREADER_H
