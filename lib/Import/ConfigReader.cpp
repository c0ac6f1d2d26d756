//===- ConfigReader.cpp - typed, path-aware reads of JSON model files -----===//
#include "ConfigReader.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::tfm;

llvm::StringRef tfm::describeJson(const llvm::json::Value &value) {
  switch (value.kind()) {
  case llvm::json::Value::Null:
    return "null";
  case llvm::json::Value::Boolean:
    return "a boolean";
  case llvm::json::Value::Number:
    return "a number";
  case llvm::json::Value::String:
    return "a string";
  case llvm::json::Value::Array:
    return "an array";
  case llvm::json::Value::Object:
    return "an object";
  }
  llvm_unreachable("unknown JSON kind");
}

ConfigReader::ConfigReader(const llvm::json::Object &root, llvm::StringRef file)
    : root(&root), file(file.str()), prefix("$"),
      error(std::make_shared<std::string>()) {}

std::string ConfigReader::path(llvm::StringRef key) const {
  return key.empty() ? prefix : prefix + "." + key.str();
}

void ConfigReader::fail(llvm::StringRef key, const llvm::Twine &message) {
  if (error->empty())
    *error = file + ": " + path(key) + ": " + message.str();
}

llvm::Error ConfigReader::takeError() const {
  if (error->empty())
    return llvm::Error::success();
  return llvm::createStringError(*error);
}

const llvm::json::Value *ConfigReader::lookup(llvm::StringRef key) const {
  const llvm::json::Value *value = root->get(key);
  return value && value->kind() != llvm::json::Value::Null ? value : nullptr;
}

bool ConfigReader::has(llvm::StringRef key) const { return lookup(key); }

bool ConfigReader::isString(llvm::StringRef key) const {
  const llvm::json::Value *value = lookup(key);
  return value && value->getAsString();
}

void ConfigReader::mistyped(llvm::StringRef key, llvm::StringRef expected,
                            const llvm::json::Value &found) {
  std::string shown;
  if (found.kind() == llvm::json::Value::Number ||
      found.kind() == llvm::json::Value::Boolean)
    shown = " " + llvm::formatv("{0}", found).str();
  fail(key, "expected " + expected + ", got " + describeJson(found) + shown);
}

int64_t ConfigReader::integer(llvm::StringRef key, int64_t min) {
  if (!lookup(key)) {
    fail(key, llvm::formatv("missing; expected an integer >= {0}", min));
    return min;
  }
  return integer(key, min, min);
}

int64_t ConfigReader::integer(llvm::StringRef key, int64_t fallback,
                              int64_t min) {
  const llvm::json::Value *value = lookup(key);
  if (!value)
    return fallback;
  std::optional<int64_t> number = value->getAsInteger();
  if (!number || *number < min) {
    mistyped(key, llvm::formatv("an integer >= {0}", min).str(), *value);
    return fallback;
  }
  return *number;
}

double ConfigReader::positive(llvm::StringRef key) {
  if (!lookup(key)) {
    fail(key, "missing; expected a positive number");
    return 1.0;
  }
  return positive(key, 1.0);
}

double ConfigReader::positive(llvm::StringRef key, double fallback) {
  const llvm::json::Value *value = lookup(key);
  if (!value)
    return fallback;
  std::optional<double> number = value->getAsNumber();
  if (!number || !(*number > 0)) {
    mistyped(key, "a positive number", *value);
    return fallback;
  }
  return *number;
}

bool ConfigReader::boolean(llvm::StringRef key, bool fallback) {
  const llvm::json::Value *value = lookup(key);
  if (!value)
    return fallback;
  std::optional<bool> flag = value->getAsBoolean();
  if (!flag) {
    mistyped(key, "true or false", *value);
    return fallback;
  }
  return *flag;
}

std::string ConfigReader::string(llvm::StringRef key,
                                 llvm::StringRef fallback) {
  const llvm::json::Value *value = lookup(key);
  if (!value)
    return fallback.str();
  std::optional<llvm::StringRef> text = value->getAsString();
  if (!text) {
    mistyped(key, "a string", *value);
    return fallback.str();
  }
  return text->str();
}

std::optional<ConfigReader> ConfigReader::object(llvm::StringRef key) {
  const llvm::json::Value *value = lookup(key);
  if (!value)
    return std::nullopt;
  const llvm::json::Object *object = value->getAsObject();
  if (!object) {
    mistyped(key, "an object", *value);
    return std::nullopt;
  }
  return ConfigReader(*object, file, path(key), error);
}
