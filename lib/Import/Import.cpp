//===- Import.cpp - model files to tfm IR ---------------------------------===//
#include "Importers.h"

#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace mlir::tfm;

ActivationKind tfm::readActivation(ConfigReader &config, llvm::StringRef key,
                                   llvm::StringRef fallback) {
  std::string name = config.string(key, fallback);
  // gelu_new, gelu_pytorch_tanh and gelu_fast are all the tanh form.
  std::optional<ActivationKind> kind =
      llvm::StringSwitch<std::optional<ActivationKind>>(name)
          .Cases({"silu", "swish"}, ActivationKind::silu)
          .Case("gelu", ActivationKind::gelu_erf)
          .Cases({"gelu_new", "gelu_pytorch_tanh", "gelu_fast"},
                 ActivationKind::gelu_tanh)
          .Case("relu", ActivationKind::relu)
          .Case("sigmoid", ActivationKind::sigmoid)
          .Default(std::nullopt);
  if (kind)
    return *kind;
  config.fail(key, "activation \"" + name +
                       "\" is not supported; expected silu, swish, gelu, "
                       "gelu_new, gelu_pytorch_tanh, gelu_fast, relu or "
                       "sigmoid");
  return ActivationKind::silu;
}

void tfm::requireFlag(ConfigReader &config, llvm::StringRef key,
                      bool expected) {
  if (config.boolean(key, expected) != expected)
    config.fail(key, llvm::formatv("{0} is not supported", !expected));
}

int64_t tfm::splitWidthIntoHeads(ConfigReader &config, llvm::StringRef headsKey,
                                 int64_t heads, llvm::StringRef widthKey,
                                 int64_t width) {
  if (config.failed())
    return 0;
  if (width % heads != 0) {
    config.fail(headsKey, llvm::formatv("{0} heads do not divide {1} {2}",
                                        heads, widthKey, width));
    return 0;
  }
  return width / heads;
}

int64_t tfm::readHeadDim(ConfigReader &config, const HeadKeys &keys,
                         int64_t heads, int64_t kvHeads, int64_t width) {
  int64_t headDim =
      config.has("head_dim")
          ? config.integer("head_dim")
          : splitWidthIntoHeads(config, keys.heads, heads, keys.width, width);
  if (heads % kvHeads != 0)
    config.fail(keys.kvHeads,
                llvm::formatv("{0} key/value heads do not divide {1} {2}",
                              kvHeads, keys.heads, heads));
  return headDim;
}

static constexpr llvm::StringLiteral kArchitectures =
    "LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, "
    "GPT2LMHeadModel, BertModel, MambaForCausalLM";

/// Builds the model `config` describes, choosing the importer by
/// `architectures[0]`.
static void importHuggingFace(const llvm::json::Object &root,
                              ConfigReader &config, GraphBuilder &graph,
                              const ImportOptions &options) {
  const llvm::json::Value *list = root.get("architectures");
  const llvm::json::Array *array = list ? list->getAsArray() : nullptr;
  if (!list) {
    config.fail("architectures",
                "missing; expected a list of model classes such as "
                "[\"LlamaForCausalLM\"]");
    return;
  }
  std::optional<llvm::StringRef> name =
      array && !array->empty() ? (*array)[0].getAsString() : std::nullopt;
  if (!name) {
    config.fail("architectures",
                "expected a non-empty list of model class names, got " +
                    describeJson(*list));
    return;
  }
  if (*name == "LlamaForCausalLM" || *name == "MistralForCausalLM" ||
      *name == "Qwen2ForCausalLM")
    importLlamaFamily(config, graph, *name);
  else if (*name == "GPT2LMHeadModel")
    importGpt2(config, graph);
  else if (*name == "BertModel")
    importBert(config, graph, options);
  else if (*name == "MambaForCausalLM")
    importMamba(config, graph);
  else
    config.fail("architectures[0]", "unknown architecture \"" + *name +
                                        "\"; supported: " + kArchitectures);
}

llvm::Expected<OwningOpRef<ModuleOp>>
tfm::importModel(MLIRContext &context, llvm::StringRef path,
                 const ImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return llvm::createStringError(
        llvm::formatv("cannot open model file '{0}': {1}", path,
                      buffer.getError().message()));
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
  if (!json)
    return llvm::createStringError(llvm::formatv(
        "{0}: not valid JSON: {1}", path, llvm::toString(json.takeError())));
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return llvm::createStringError(llvm::formatv(
        "{0}: $: expected a JSON object, got {1}", path, describeJson(*json)));

  ConfigReader config(*root, path);
  GraphBuilder graph(context, path,
                     options.storageType ? options.storageType
                                         : Float32Type::get(&context));
  if (!config.has("format")) {
    importHuggingFace(*root, config, graph, options);
  } else if (std::string format = config.string("format", "");
             format == "tfm-model") {
    importTfmModel(config, graph);
  } else if (!config.failed()) {
    config.fail("format", "unknown format \"" + format +
                              "\"; expected \"tfm-model\", or a Hugging "
                              "Face config without \"format\"");
  }
  if (config.failed())
    return config.takeError();
  OwningOpRef<ModuleOp> module = graph.takeModule();
  if (failed(verify(*module)))
    return llvm::createStringError(llvm::formatv(
        "{0}: internal error: the imported IR does not verify", path));
  return std::move(module);
}
