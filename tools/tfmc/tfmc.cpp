//===- tfmc.cpp - the tfm compiler driver ---------------------------------===//
//
// Parses tfm IR, or imports a model file (a Hugging Face config.json) whose
// weights come from safetensors at load time; runs the CPU pipeline up to
// the stage `--emit` names, and writes that stage: IR text, LLVM IR,
// assembly, an object file with its C header, a shared library, or (for
// models) an executable.
//
//===----------------------------------------------------------------------===//
#include "IrDump.h"

#include "tfm/IR/TfmDialect.h"
#include "tfmc/Import/Import.h"
#include "tfmc/Pipelines/Pipelines.h"
#include "tfmc/Target/EntryPoints.h"
#include "tfmc/Target/ModelEntryPoints.h"
#include "tfmc/Target/ObjectEmitter.h"
#include "tfmc/Target/Runtime.h"
#include "tfmc/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <map>
#include <set>

using namespace mlir;

namespace {

enum class Emit {
  Import,
  Tfm,
  Linalg,
  Gpu,
  Ptx,
  LLVMMlir,
  LLVMIR,
  Asm,
  Obj,
  So,
  Exe
};

enum class Target { Cpu, Cuda };

struct Options {
  std::string input;
  std::string output;
  std::string header;
  Emit emit = Emit::Obj;
  unsigned optLevel = 3;
  bool printIrAfterAll = false;
  std::vector<std::string> printIrBefore;
  std::vector<std::string> printIrAfter;
  std::string dumpIrDir;
  bool timing = false;
  tfm::CodegenOptions codegen;
  Target target = Target::Cpu;
  std::string gpuArch = "sm_90";
  // Models only.
  std::string dtype; ///< storage: f32, bf16, f16; empty: the target's default
  std::string weights;
  bool embedWeights = false;
  std::optional<int64_t> randomSeed;
  std::string name;
};

/// Prints one error line and returns the driver's failure exit code.
int fail(const std::string &message) {
  fmt::print(stderr, "tfmc: error: {}\n", message);
  return 1;
}

/// Writes the file `path` ("-": stdout) through `write`, which returns an
/// exit code; the file is kept only when that is 0.
int writeOutputFile(llvm::StringRef path,
                    llvm::function_ref<int(llvm::raw_pwrite_stream &)> write) {
  std::string errorMessage;
  auto out = openOutputFile(path, &errorMessage);
  if (!out)
    return fail(errorMessage);
  if (int status = write(out->os()))
    return status;
  out->keep();
  return 0;
}

bool emitsText(Emit emit) {
  return emit == Emit::Import || emit == Emit::Tfm || emit == Emit::Linalg ||
         emit == Emit::Gpu || emit == Emit::Ptx || emit == Emit::LLVMMlir ||
         emit == Emit::LLVMIR || emit == Emit::Asm;
}

/// Model files are JSON; everything else is tfm IR.
bool isModelFile(llvm::StringRef path) {
  return llvm::sys::path::extension(path) == ".json";
}

/// A C identifier made of `text`: other characters become '_'.
std::string identifierFrom(llvm::StringRef text) {
  std::string id;
  for (char c : text)
    id += llvm::isAlnum(c) ? c : '_';
  if (id.empty() || llvm::isDigit(id.front()))
    id = "model_" + id;
  return id;
}

/// The C prefix of a model's API: --name, else the output's stem, else the
/// directory holding the model file (MODEL/config.json -> MODEL).
std::string modelName(const Options &options) {
  if (!options.name.empty())
    return options.name;
  if (!options.output.empty() && options.output != "-")
    return identifierFrom(llvm::sys::path::stem(options.output));
  llvm::SmallString<128> directory(options.input);
  llvm::sys::fs::make_absolute(directory);
  return identifierFrom(
      llvm::sys::path::filename(llvm::sys::path::parent_path(directory)));
}

std::string defaultOutput(const Options &options) {
  if (emitsText(options.emit))
    return "-";
  llvm::SmallString<128> path(isModelFile(options.input)
                                  ? llvm::StringRef(modelName(options))
                                  : llvm::sys::path::filename(options.input));
  if (options.emit != Emit::Exe)
    llvm::sys::path::replace_extension(path,
                                       options.emit == Emit::So ? "so" : "o");
  return std::string(path);
}

/// Every pass argument of `pm`, nested pipelines included, read from its
/// textual form ("builtin.module(canonicalize{...},func.func(cse))"): the
/// nesting adaptors are not public API.
void collectPassArguments(OpPassManager &pm, std::set<std::string> &names) {
  std::string text;
  llvm::raw_string_ostream os(text);
  pm.printAsTextualPipeline(os);
  std::string token;
  int optionDepth = 0;
  for (char c : text) {
    bool separator = c == '(' || c == ')' || c == ',' || c == '{';
    // Skip the anchors of nested pipelines (`any`, `builtin.module`, ...).
    if (optionDepth == 0 && separator && !token.empty()) {
      if (token != "any" && !llvm::StringRef(token).contains('.'))
        names.insert(token);
      token.clear();
    }
    if (c == '{')
      ++optionDepth;
    else if (c == '}')
      --optionDepth;
    else if (optionDepth == 0 && !separator &&
             !std::isspace(static_cast<unsigned char>(c)))
      token += c;
  }
}

/// Fails with the list of passes when a --print-ir-* flag names none.
bool checkPassNames(const std::vector<std::string> &requested,
                    const std::set<std::string> &known, const char *flag) {
  for (const std::string &name : requested) {
    if (known.count(name))
      continue;
    std::string list;
    for (const std::string &pass : known)
      if (!pass.empty())
        list += (list.empty() ? "" : ", ") + pass;
    fail(fmt::format("{}: no pass '{}' in this pipeline; it runs: {}", flag,
                     name, list));
    return false;
  }
  return true;
}

/// Links an object into a shared library or an executable with the system
/// C compiler driver.
bool linkObject(llvm::StringRef object, llvm::StringRef output, bool shared) {
  llvm::ErrorOr<std::string> cc = llvm::sys::findProgramByName("cc");
  if (!cc) {
    fail("no C compiler driver ('cc') on PATH to link the output; "
         "use --emit=obj and link it yourself");
    return false;
  }
  std::string objectPath = object.str(), outputPath = output.str();
  llvm::SmallVector<llvm::StringRef> args = {
      *cc, "-o", outputPath, objectPath, "-lm", "-lpthread", "-ldl"};
  if (shared)
    args.insert(args.begin() + 1, "-shared");
  std::string message;
  if (llvm::sys::ExecuteAndWait(*cc, args, std::nullopt, {}, 0, 0, &message) !=
      0) {
    fail(fmt::format("linking '{}' failed{}{}", outputPath,
                     message.empty() ? "" : ": ", message));
    return false;
  }
  return true;
}

/// Imports the model file into `module`, and unless only the import is
/// wanted, turns its weights into arguments of @forward and checks them
/// against --weights (opened into `weights`). Returns the model's C API.
FailureOr<tfm::ModelSignature>
loadModel(MLIRContext &context, const Options &options,
          OwningOpRef<ModuleOp> &module,
          std::optional<tfm::SafetensorsFile> &weights) {
  if (!options.weights.empty()) {
    auto file = tfm::SafetensorsFile::open(options.weights);
    if (!file) {
      fail(llvm::toString(file.takeError()));
      return failure();
    }
    weights = std::move(*file);
  }
  tfm::ImportOptions importOptions;
  importOptions.weights = weights ? &*weights : nullptr;
  // CUDA stores bf16 by default (tensor cores); the CPU computes in f32.
  std::string dtype = !options.dtype.empty()           ? options.dtype
                      : options.target == Target::Cuda ? "bf16"
                                                       : "f32";
  Builder types(&context);
  importOptions.storageType = dtype == "bf16"  ? Type(types.getBF16Type())
                              : dtype == "f16" ? Type(types.getF16Type())
                                               : Type(types.getF32Type());
  auto imported = tfm::importModel(context, options.input, importOptions);
  if (!imported) {
    fail(llvm::toString(imported.takeError()));
    return failure();
  }
  module = std::move(*imported);
  if (options.emit == Emit::Import)
    return tfm::ModelSignature();

  PassManager pm(&context);
  pm.addPass(tfm::createTfmWeightsToArguments());
  if (failed(pm.run(*module)))
    return failure();
  auto signature = tfm::analyzeModel(*module, modelName(options));
  if (failed(signature))
    return failure();
  if (weights)
    if (llvm::Error error =
            tfm::checkWeights(*weights, signature->storedSpecs())) {
      fail(llvm::toString(std::move(error)));
      return failure();
    }
  signature->randomSeed = options.randomSeed.value_or(-1);
  signature->embedded = options.embedWeights;
  return signature;
}

/// Flags that only make sense for one kind of input.
bool checkInputKind(const Options &options, bool model) {
  if (model) {
    if (!options.name.empty() && options.name != identifierFrom(options.name))
      return !fail("--name: '" + options.name + "' is not a C identifier");
    if (options.embedWeights && options.weights.empty())
      return !fail("--embed-weights needs the checkpoint: --weights FILE");
    if (options.target == Target::Cpu && !options.dtype.empty() &&
        options.dtype != "f32")
      return !fail("--dtype=" + options.dtype +
                   ": the CPU target computes and stores f32; bf16 and f16 "
                   "storage are for --target=cuda");
    return true;
  }
  const char *modelFlag = options.emit == Emit::Import ? "--emit=import"
                          : options.emit == Emit::Exe  ? "--emit=exe"
                          : !options.weights.empty()   ? "--weights"
                          : options.embedWeights       ? "--embed-weights"
                          : options.randomSeed         ? "--random-weights"
                          : !options.name.empty()      ? "--name"
                          : !options.dtype.empty()     ? "--dtype"
                                                       : nullptr;
  if (modelFlag)
    return !fail(fmt::format("{} applies to model files (config.json); '{}' "
                             "is tfm IR",
                             modelFlag, options.input));
  return true;
}

/// Stages and flags that belong to one target.
bool checkTarget(const Options &options) {
  bool cuda = options.target == Target::Cuda;
  if (!cuda && (options.emit == Emit::Gpu || options.emit == Emit::Ptx))
    return !fail(fmt::format("--emit={} needs --target=cuda",
                             options.emit == Emit::Gpu ? "gpu" : "ptx"));
  if (cuda && options.emit == Emit::Linalg)
    return !fail("--emit=linalg is a CPU stage; with --target=cuda, "
                 "--emit=gpu shows the kernels and their launches");
  return true;
}

/// Writes the PTX of every kernel module (gpu.binary) of `module`.
bool writePtx(ModuleOp module, llvm::raw_ostream &os) {
  bool any = false;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute attr : binary.getObjectsAttr()) {
      auto object = cast<gpu::ObjectAttr>(attr);
      os << "// PTX of the kernels in gpu.binary @" << binary.getName() << "\n"
         << object.getObject().getValue();
      any = true;
    }
  });
  return any;
}

int compile(const Options &options) {
  DialectRegistry registry;
  registry.insert<tfm::TfmDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  tfm::registerCudaTarget(registry);
  MLIRContext context(registry);
  context.disableMultithreading(); // IR printing needs a sequential pipeline.
  context.printOpOnDiagnostic(false); // the source location says enough

  std::string errorMessage;
  bool isModel = isModelFile(options.input);
  if (!checkInputKind(options, isModel) || !checkTarget(options))
    return 1;
  OwningOpRef<ModuleOp> module;
  std::optional<tfm::ModelSignature> model;
  std::optional<tfm::SafetensorsFile> weights;
  auto sourceMgr = std::make_shared<llvm::SourceMgr>();
  SourceMgrDiagnosticHandler diagnostics(*sourceMgr, &context);
  if (isModel) {
    FailureOr<tfm::ModelSignature> loaded =
        loadModel(context, options, module, weights);
    if (failed(loaded))
      return 1;
    model = std::move(*loaded);
  } else {
    auto file = openInputFile(options.input, &errorMessage);
    if (!file)
      return fail(errorMessage);
    sourceMgr->AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module)
      return 1;
  }

  bool needsMachineCode =
      !(options.emit == Emit::Import || options.emit == Emit::Tfm ||
        options.emit == Emit::Linalg || options.emit == Emit::Gpu ||
        options.emit == Emit::Ptx);
  std::vector<tfm::EntrySignature> signatures;
  if (needsMachineCode && !model) {
    WalkResult weights = module->walk([](tfm::WeightOp weight) {
      weight.emitError() << "weight '" << weight.getName()
                         << "' has no value: code generation for .mlir "
                            "inputs takes parameters as function arguments";
      return WalkResult::interrupt();
    });
    if (weights.wasInterrupted())
      return 1;
    auto analyzed = tfm::analyzeEntryPoints(*module);
    if (failed(analyzed))
      return 1;
    signatures = std::move(*analyzed);
  }

  std::string outputPath =
      options.output.empty() ? defaultOutput(options) : options.output;
  auto printModule = [&](llvm::raw_ostream &os) {
    module->print(os);
    return 0;
  };
  if (options.emit == Emit::Import)
    return writeOutputFile(outputPath, printModule);

  PassManager pm(&context);
  bool cuda = options.target == Target::Cuda;
  if (cuda) {
    tfm::CudaOptions cudaOptions;
    cudaOptions.chip = options.gpuArch;
    tfm::CudaStage stage = options.emit == Emit::Tfm   ? tfm::CudaStage::Tfm
                           : options.emit == Emit::Gpu ? tfm::CudaStage::Gpu
                           : options.emit == Emit::Ptx ? tfm::CudaStage::Ptx
                                                       : tfm::CudaStage::LLVM;
    tfm::buildCudaPipeline(pm, cudaOptions, stage);
  } else {
    tfm::CpuStage stage = options.emit == Emit::Tfm      ? tfm::CpuStage::Tfm
                          : options.emit == Emit::Linalg ? tfm::CpuStage::Linalg
                                                         : tfm::CpuStage::LLVM;
    tfm::buildCpuPipeline(pm, stage);
  }
  std::set<std::string> passNames;
  collectPassArguments(pm, passNames);
  if (!checkPassNames(options.printIrBefore, passNames, "--print-ir-before") ||
      !checkPassNames(options.printIrAfter, passNames, "--print-ir-after"))
    return 1;
  if (options.printIrAfterAll || !options.printIrBefore.empty() ||
      !options.printIrAfter.empty()) {
    auto matches = [](const std::vector<std::string> &names, Pass *pass) {
      return llvm::is_contained(names, pass->getArgument().str());
    };
    pm.enableIRPrinting(
        [&](Pass *pass, Operation *) {
          return matches(options.printIrBefore, pass);
        },
        [&](Pass *pass, Operation *) {
          return options.printIrAfterAll || matches(options.printIrAfter, pass);
        },
        /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false);
  }
  if (!options.dumpIrDir.empty()) {
    auto dump =
        std::make_unique<tfmc::IrDumpInstrumentation>(options.dumpIrDir);
    if (!dump->writeInput(*module, errorMessage))
      return fail(errorMessage);
    pm.addInstrumentation(std::move(dump));
  }
  if (options.timing)
    pm.enableTiming();
  if (failed(pm.run(*module)))
    return 1;

  if (options.emit == Emit::Ptx)
    return writeOutputFile(outputPath, [&](llvm::raw_ostream &os) {
      if (!writePtx(*module, os))
        return fail("the input has no kernels: nothing to write as PTX");
      return 0;
    });
  if (!needsMachineCode || options.emit == Emit::LLVMMlir)
    return writeOutputFile(outputPath, printModule);

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, options.input);
  if (!llvmModule)
    return fail("translation to LLVM IR failed");
  if (model ? failed(tfm::emitModelEntryPoints(
                  *llvmModule, *model, options.emit == Emit::Exe,
                  module->getLoc(), options.embedWeights ? &*weights : nullptr,
                  cuda))
            : failed(tfm::emitEntryPoints(
                  *llvmModule, signatures, module->getLoc(),
                  cuda ? tfm::EntryMemory::Cuda : tfm::EntryMemory::Host)))
    return 1;
  if (llvm::Error error = tfm::lowerParallelLaunches(*llvmModule))
    return fail("internal error: " + llvm::toString(std::move(error)));
  std::string verifierMessage;
  llvm::raw_string_ostream verifierStream(verifierMessage);
  if (llvm::verifyModule(*llvmModule, &verifierStream))
    return fail("internal error: invalid LLVM IR: " + verifierMessage);

  auto machine = tfm::createTargetMachine(options.codegen);
  if (!machine)
    return fail(llvm::toString(machine.takeError()));
  tfm::optimizeModule(*llvmModule, **machine, options.optLevel);
  if (options.emit == Emit::Exe)
    if (llvm::Error error = tfm::linkProgramMain(*llvmModule))
      return fail("internal error: " + llvm::toString(std::move(error)));
  if (llvm::Error error = tfm::linkRuntime(*llvmModule))
    return fail("internal error: " + llvm::toString(std::move(error)));

  if (options.emit == Emit::LLVMIR)
    return writeOutputFile(outputPath, [&](llvm::raw_ostream &os) {
      llvmModule->print(os, nullptr);
      return 0;
    });

  // Object code: assembly, an object, or an object linked into a .so or an
  // executable.
  bool linked = options.emit == Emit::So || options.emit == Emit::Exe;
  std::string objectPath = outputPath;
  llvm::SmallString<128> tempObject;
  if (linked) {
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("tfmc", "o", tempObject))
      return fail("cannot create a temporary object: " + ec.message());
    objectPath = std::string(tempObject);
  }
  if (int status =
          writeOutputFile(objectPath, [&](llvm::raw_pwrite_stream &os) {
            if (llvm::Error error = tfm::emitMachineCode(
                    *llvmModule, **machine, options.emit == Emit::Asm, os))
              return fail(llvm::toString(std::move(error)));
            return 0;
          }))
    return status;
  if (linked) {
    bool ok = linkObject(objectPath, outputPath, options.emit == Emit::So);
    llvm::sys::fs::remove(objectPath);
    if (!ok)
      return 1;
  }
  if (options.emit == Emit::Obj || options.emit == Emit::So) {
    llvm::SmallString<128> headerPath(options.header);
    if (headerPath.empty()) {
      headerPath = outputPath;
      llvm::sys::path::replace_extension(headerPath, "h");
    }
    std::string guard =
        "TFM_" + llvm::sys::path::stem(headerPath).upper() + "_H";
    for (char &c : guard)
      if (!llvm::isAlnum(c))
        c = '_';
    return writeOutputFile(headerPath, [&](llvm::raw_ostream &os) {
      os << (model ? tfm::renderModelHeader(guard, *model)
                   : tfm::renderHeader(guard, signatures,
                                       cuda ? tfm::EntryMemory::Cuda
                                            : tfm::EntryMemory::Host));
      return 0;
    });
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"tfmc: compiles tfm IR or a model file (Hugging Face "
               "config.json) to optimized object code for x86-64 CPUs or "
               "NVIDIA GPUs"};
  Options options;
  app.add_option("input", options.input,
                 "Input file: .mlir in the tfm dialect, or a model's "
                 "config.json")
      ->required();
  app.add_option("-o,--output", options.output,
                 "Output path (default: stdout for text stages, INPUT.o or "
                 "INPUT.so otherwise; NAME.o, NAME.so or NAME for models)");
  std::map<std::string, Emit> emitNames = {
      {"import", Emit::Import},  {"tfm", Emit::Tfm},
      {"linalg", Emit::Linalg},  {"gpu", Emit::Gpu},
      {"ptx", Emit::Ptx},        {"llvm-mlir", Emit::LLVMMlir},
      {"llvm-ir", Emit::LLVMIR}, {"asm", Emit::Asm},
      {"obj", Emit::Obj},        {"so", Emit::So},
      {"exe", Emit::Exe}};
  app.add_option("--emit", options.emit,
                 "What to write: import (a model's tfm IR as imported), tfm "
                 "(after tfm rewrites), linalg (CPU), gpu (CUDA: kernels and "
                 "their launches), ptx (CUDA: the kernels' PTX), llvm-mlir "
                 "(LLVM dialect), "
                 "llvm-ir, asm, obj (object + C header), so (shared library + "
                 "C header), exe (a model as a program)")
      ->transform(CLI::CheckedTransformer(emitNames, CLI::ignore_case));
  app.add_option("-O", options.optLevel, "LLVM optimization level, 0 to 3")
      ->check(CLI::Range(0u, 3u));
  app.add_option("--header", options.header,
                 "Path of the C header (default: OUTPUT with .h)");
  app.add_flag("--print-ir-after-all", options.printIrAfterAll,
               "Print the IR after every pass (to stderr)");
  app.add_option("--print-ir-before", options.printIrBefore,
                 "Print the IR before the named pass (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--print-ir-after", options.printIrAfter,
                 "Print the IR after the named pass (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--dump-ir-dir", options.dumpIrDir,
                 "Write the IR after each pass to DIR/NN_<pass>.mlir");
  app.add_flag("--timing", options.timing, "Report the time of each pass");
  std::map<std::string, Target> targetNames = {{"cpu", Target::Cpu},
                                               {"cuda", Target::Cuda}};
  app.add_option("--target", options.target,
                 "cpu (x86-64 host code, default) or cuda (NVIDIA GPUs: PTX "
                 "embedded in host code that runs it through the driver)")
      ->transform(CLI::CheckedTransformer(targetNames, CLI::ignore_case));
  app.add_option("--gpu-arch", options.gpuArch,
                 "With --target=cuda: the GPU architecture, sm_80 or sm_90 "
                 "(default)")
      ->check(CLI::IsMember({"sm_80", "sm_90"}));
  app.add_option("--dtype", options.dtype,
                 "Models: how weights and activations are stored: f32, bf16 "
                 "or f16 (default: bf16 with --target=cuda, f32 on the CPU); "
                 "arithmetic accumulates in f32")
      ->check(CLI::IsMember({"f32", "bf16", "f16"}));
  app.add_option("--cpu", options.codegen.cpu,
                 "Target CPU (default: the host CPU and its features)");
  app.add_option("--target-triple", options.codegen.triple,
                 "Target triple (default: the host's)");
  app.add_option("--weights", options.weights,
                 "Models: the safetensors file to check the model against at "
                 "compile time (it is loaded again at run time)");
  app.add_flag("--embed-weights", options.embedWeights,
               "Models: compile the --weights checkpoint into the output; "
               "create() with a NULL path uses it");
  app.add_option("--random-weights", options.randomSeed,
                 "Models: create() with a NULL path makes seeded random "
                 "weights (for benchmarks without a checkpoint)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--name", options.name,
                 "Models: the prefix of the C API, NAME_create ... (default: "
                 "the output's stem, else the model's directory)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &error) {
    return app.exit(error);
  }
  options.codegen.optLevel = options.optLevel;
  return compile(options);
}
