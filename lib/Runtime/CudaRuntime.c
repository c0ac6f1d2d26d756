/*===- CudaRuntime.c - the CUDA host runtime of compiled code ------------===//
 *
 * Code compiled with --target=cuda calls these functions; like the thread
 * pool, this file is compiled to LLVM bitcode when tfmc is built and linked
 * (internalized) into every CUDA object, so outputs need no CUDA SDK at
 * build time and no libraries at link time beyond libc and libdl: the
 * driver, libcuda.so.1, is opened with dlopen at the first call.
 *
 * Two interfaces:
 * - the `mgpu*` functions MLIR's GPU lowering calls (gpu.launch_func after
 *   gpu-to-llvm and the gpu.binary translation), and the allocator that
 *   host-side memref.alloc lowers to (`_mlir_memref_to_llvm_alloc/free`,
 *   with finalize-memref-to-llvm's generic functions): in CUDA code every
 *   host-side buffer is device memory;
 * - `tfm_cuda_*`, which the generated C entry points call to move
 *   arguments and results and to finish a call.
 *
 * Errors: the mgpu interface returns nothing, so the first failing driver
 * call records its message (in the entry point's error buffer, read by
 * tfm_last_error) and makes every later call of the same entry point a
 * no-op; the entry point's tfm_cuda_finish or tfm_cuda_enqueued returns it
 * as a non-zero status.
 *
 * Work goes to the legacy default stream of the device's primary context:
 * the context and stream frameworks such as PyTorch use, so device pointers
 * from them can be passed to the *_device entry points, their work is
 * ordered with ours, and their events time our kernels. Modules (one per
 * gpu.binary) are JIT-compiled from PTX once per process and kept;
 * launches do not synchronize. The host-pointer entry points and models
 * synchronize once, before they return (tfm_cuda_finish); the *_device
 * entry points are stream-ordered (tfm_cuda_enqueued): they return once
 * their work is enqueued, like a cuBLAS call, and a kernel fault they
 * cause surfaces at the next call's tfm_cuda_begin or at
 * tfm_cuda_synchronize.
 *
 *===---------------------------------------------------------------------===*/
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The subset of the CUDA driver API used here, declared from its
 * documentation (no CUDA headers at build time). */
typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef unsigned long long CUdeviceptr;
typedef struct CUmemPoolHandle_st *CUmemoryPool;
enum { CUDA_SUCCESS = 0, CUDA_ERROR_NOT_READY = 600 };
enum { CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8 };
enum { CU_JIT_ERROR_LOG_BUFFER = 5, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6 };
enum { CU_MEMPOOL_ATTR_RELEASE_THRESHOLD = 4 };

static struct {
  CUresult (*init)(unsigned);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*ctxSetCurrent)(CUcontext);
  CUresult (*getErrorName)(CUresult, const char **);
  CUresult (*getErrorString)(CUresult, const char **);
  CUresult (*moduleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                               void **);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*funcSetAttribute)(CUfunction, int, int);
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, unsigned, CUstream,
                           void **, void **);
  CUresult (*memAllocAsync)(CUdeviceptr *, size_t, CUstream);
  CUresult (*memFreeAsync)(CUdeviceptr, CUstream);
  CUresult (*memcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*memcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*ctxSynchronize)(void);
  CUresult (*streamQuery)(CUstream);
  CUresult (*deviceGetDefaultMemPool)(CUmemoryPool *, CUdevice);
  CUresult (*memPoolSetAttribute)(CUmemoryPool, int, void *);
} cu;

/* The entry points' per-thread error buffer (defined in the generated
 * object; see EntryPoints.cpp). An empty string means no error. */
extern _Thread_local char tfm_error_buffer[512];

static pthread_once_t driver_once = PTHREAD_ONCE_INIT;
static char driver_error[400]; /* why the driver could not be used */
static CUcontext context;

static int failed(void) { return tfm_error_buffer[0] != 0; }

static void set_error(const char *format, ...) {
  if (failed())
    return; /* keep the first error: later ones are consequences */
  va_list args;
  va_start(args, format);
  vsnprintf(tfm_error_buffer, sizeof tfm_error_buffer, format, args);
  va_end(args);
}

/* Records a failed driver call with the driver's own name and message. */
static int check(CUresult result, const char *call) {
  if (result == CUDA_SUCCESS)
    return 0;
  const char *name = "unknown", *text = "";
  if (cu.getErrorName)
    cu.getErrorName(result, &name);
  if (cu.getErrorString)
    cu.getErrorString(result, &text);
  set_error("CUDA driver: %s failed: %s (%s, %d)", call, text, name, result);
  return 1;
}

static void load_driver(void) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    snprintf(driver_error, sizeof driver_error,
             "cannot load the CUDA driver libcuda.so.1: %s", dlerror());
    return;
  }
  struct {
    void **slot;
    const char *name;
  } symbols[] = {
      {(void **)&cu.init, "cuInit"},
      {(void **)&cu.deviceGet, "cuDeviceGet"},
      {(void **)&cu.primaryCtxRetain, "cuDevicePrimaryCtxRetain"},
      {(void **)&cu.ctxSetCurrent, "cuCtxSetCurrent"},
      {(void **)&cu.getErrorName, "cuGetErrorName"},
      {(void **)&cu.getErrorString, "cuGetErrorString"},
      {(void **)&cu.moduleLoadDataEx, "cuModuleLoadDataEx"},
      {(void **)&cu.moduleGetFunction, "cuModuleGetFunction"},
      {(void **)&cu.funcSetAttribute, "cuFuncSetAttribute"},
      {(void **)&cu.launchKernel, "cuLaunchKernel"},
      {(void **)&cu.memAllocAsync, "cuMemAllocAsync"},
      {(void **)&cu.memFreeAsync, "cuMemFreeAsync"},
      {(void **)&cu.memcpyHtoD, "cuMemcpyHtoD_v2"},
      {(void **)&cu.memcpyDtoH, "cuMemcpyDtoH_v2"},
      {(void **)&cu.ctxSynchronize, "cuCtxSynchronize"},
      {(void **)&cu.streamQuery, "cuStreamQuery"},
      {(void **)&cu.deviceGetDefaultMemPool, "cuDeviceGetDefaultMemPool"},
      {(void **)&cu.memPoolSetAttribute, "cuMemPoolSetAttribute"},
  };
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; ++i) {
    *symbols[i].slot = dlsym(lib, symbols[i].name);
    if (!*symbols[i].slot) {
      snprintf(driver_error, sizeof driver_error,
               "the CUDA driver libcuda.so.1 lacks %s", symbols[i].name);
      return;
    }
  }
  CUdevice device;
  CUresult result = cu.init(0);
  const char *call = "cuInit";
  if (result == CUDA_SUCCESS) {
    result = cu.deviceGet(&device, 0);
    call = "cuDeviceGet(0)";
  }
  if (result == CUDA_SUCCESS) {
    result = cu.primaryCtxRetain(&context, device);
    call = "cuDevicePrimaryCtxRetain";
  }
  /* The pool keeps freed memory for the next call instead of returning it
   * to the system at every synchronization (its default), which made each
   * call map fresh pages. */
  CUmemoryPool pool;
  if (result == CUDA_SUCCESS) {
    result = cu.deviceGetDefaultMemPool(&pool, device);
    call = "cuDeviceGetDefaultMemPool";
  }
  if (result == CUDA_SUCCESS) {
    unsigned long long keep = ~0ull;
    result = cu.memPoolSetAttribute(pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD,
                                    &keep);
    call = "cuMemPoolSetAttribute(release threshold)";
  }
  if (result != CUDA_SUCCESS) {
    const char *text = "";
    cu.getErrorString(result, &text);
    snprintf(driver_error, sizeof driver_error,
             "CUDA driver: %s failed: %s (%d)", call, text, result);
    context = NULL;
  }
}

/* Makes the primary context current on this thread; 0 on success. */
static int ready(void) {
  if (failed())
    return 1;
  pthread_once(&driver_once, load_driver);
  if (!context) {
    set_error("%s", driver_error);
    return 1;
  }
  return check(cu.ctxSetCurrent(context), "cuCtxSetCurrent");
}

/*===--- Modules: one per gpu.binary, loaded once ------------------------===*/

enum { kMaxModules = 64 };
static struct {
  const void *image;
  CUmodule module;
} modules[kMaxModules];
static int module_count;
static pthread_mutex_t modules_lock = PTHREAD_MUTEX_INITIALIZER;
/* Why the last module failed to load. The generated code loads modules in
 * a constructor, where no call can report it: the first launch does. */
static char load_error[sizeof tfm_error_buffer];

static CUmodule load_module(const void *image) {
  if (ready())
    return NULL;
  CUmodule module = NULL;
  pthread_mutex_lock(&modules_lock);
  for (int i = 0; i < module_count; ++i)
    if (modules[i].image == image)
      module = modules[i].module;
  if (!module && module_count == kMaxModules)
    set_error("CUDA runtime: more than %d kernel modules", kMaxModules);
  if (!module && failed())
    snprintf(load_error, sizeof load_error, "%s", tfm_error_buffer);
  if (!module && !failed()) {
    char log[2048] = "";
    int options[] = {CU_JIT_ERROR_LOG_BUFFER,
                     CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void *values[] = {log, (void *)(uintptr_t)sizeof log};
    CUresult result = cu.moduleLoadDataEx(&module, image, 2, options, values);
    if (result != CUDA_SUCCESS) {
      check(result, "cuModuleLoadDataEx (JIT-compiling the kernels' PTX)");
      size_t used = strlen(tfm_error_buffer);
      snprintf(tfm_error_buffer + used, sizeof tfm_error_buffer - used,
               ": %s", log);
      snprintf(load_error, sizeof load_error, "%s", tfm_error_buffer);
      module = NULL;
    } else {
      modules[module_count].image = image;
      modules[module_count].module = module;
      ++module_count;
    }
  }
  pthread_mutex_unlock(&modules_lock);
  return module;
}

void *mgpuModuleLoad(void *image, size_t size) {
  (void)size;
  return load_module(image);
}

void *mgpuModuleLoadJIT(void *image, int optLevel) {
  (void)optLevel;
  return load_module(image);
}

/* Modules stay loaded for the life of the process: the generated code
 * "unloads" after every launch. */
void mgpuModuleUnload(void *module) { (void)module; }

void *mgpuModuleGetFunction(void *module, const char *name) {
  if (failed())
    return NULL;
  if (!module) {
    if (!ready())
      set_error("the kernels could not be loaded: %s",
                load_error[0] ? load_error : "unknown reason");
    return NULL;
  }
  CUfunction function = NULL;
  if (check(cu.moduleGetFunction(&function, (CUmodule)module, name),
            "cuModuleGetFunction"))
    return NULL;
  return function;
}

/*===--- Streams and launches --------------------------------------------===*/

/* The legacy default stream (NULL): see the file comment. */
void *mgpuStreamCreate(void) { return NULL; }
void mgpuStreamDestroy(void *stream) { (void)stream; }
/* Launches are ordered on one stream; tfm_cuda_finish synchronizes. */
void mgpuStreamSynchronize(void *stream) { (void)stream; }

enum { kDefaultSharedLimit = 48 * 1024, kStaticSharedAllowance = 1024 };

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedBytes, void *stream,
                      void **params, void **extra) {
  if (!function || failed())
    return;
  /* Empty grids (a zero-sized dimension) have nothing to do. */
  if (gridX <= 0 || gridY <= 0 || gridZ <= 0)
    return;
  /* Past 48 KiB in all a kernel must opt in; the static part (MLIR's
   * dynamic shared memory declaration alone is 1 byte) counts too, so the
   * limit is raised for any dynamic request near it. */
  if (sharedBytes > kDefaultSharedLimit - kStaticSharedAllowance &&
      check(cu.funcSetAttribute(
                (CUfunction)function,
                CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedBytes),
            "cuFuncSetAttribute(max dynamic shared memory)"))
    return;
  check(cu.launchKernel((CUfunction)function, (unsigned)gridX, (unsigned)gridY,
                        (unsigned)gridZ, (unsigned)blockX, (unsigned)blockY,
                        (unsigned)blockZ, (unsigned)sharedBytes,
                        (CUstream)stream, params, extra),
        "cuLaunchKernel");
}

/*===--- Device memory ---------------------------------------------------===*/

/* Stream-ordered allocation: the driver's pool recycles the buffers of
 * intermediate results between calls without synchronizing. */

static void *device_alloc(size_t bytes) {
  if (ready())
    return NULL;
  CUdeviceptr pointer = 0;
  char call[64];
  snprintf(call, sizeof call, "cuMemAllocAsync(%zu bytes)", bytes);
  if (check(cu.memAllocAsync(&pointer, bytes ? bytes : 1, NULL), call))
    return NULL;
  return (void *)(uintptr_t)pointer;
}

static void device_free(void *pointer) {
  /* Freeing works after an error too, so a failed call leaks nothing; the
   * free is ordered after the work in flight on the stream. */
  if (pointer && context)
    cu.memFreeAsync((CUdeviceptr)(uintptr_t)pointer, NULL);
}

void *_mlir_memref_to_llvm_alloc(size_t bytes) { return device_alloc(bytes); }
void _mlir_memref_to_llvm_free(void *pointer) { device_free(pointer); }

/*===--- Entry points ----------------------------------------------------===*/

/* Starts a call: clears the previous call's error, then fails if work
 * enqueued earlier has faulted. A kernel fault poisons the context, so
 * every later driver call returns it; cuStreamQuery asks without waiting
 * (CUDA_ERROR_NOT_READY: work still running, no fault so far). */
int tfm_cuda_begin(void) {
  tfm_error_buffer[0] = 0;
  if (ready())
    return 1;
  CUresult result = cu.streamQuery(NULL);
  if (result == CUDA_ERROR_NOT_READY)
    return 0;
  return check(result, "cuStreamQuery (earlier work on the GPU failed)");
}

void *tfm_cuda_alloc(int64_t bytes) { return device_alloc((size_t)bytes); }

void tfm_cuda_free(void *pointer) { device_free(pointer); }

/* Copies `bytes` from the host to a fresh device buffer. */
void *tfm_cuda_upload(const void *host, int64_t bytes) {
  void *device = device_alloc((size_t)bytes);
  if (device)
    check(cu.memcpyHtoD((CUdeviceptr)(uintptr_t)device, host, (size_t)bytes),
          "cuMemcpyHtoD");
  return device;
}

/* bf16 (is_bf16) or f16 bits of an f32, rounded to nearest even. */
static uint16_t narrow(float value, int is_bf16) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  if (is_bf16) {
    if ((bits & 0x7fffffffu) > 0x7f800000u) /* NaN stays NaN */
      return (uint16_t)((bits >> 16) | 0x40);
    return (uint16_t)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
  }
  _Float16 half = (_Float16)value;
  uint16_t out;
  memcpy(&out, &half, sizeof out);
  return out;
}

/* Copies `count` f32 values to a fresh device buffer as bf16 or f16. */
void *tfm_cuda_upload_narrowed(const float *host, int64_t count,
                               int32_t is_bf16) {
  if (failed())
    return NULL;
  uint16_t *narrowed = malloc((size_t)count * sizeof *narrowed);
  if (!narrowed) {
    set_error("CUDA runtime: out of host memory narrowing %lld weights",
              (long long)count);
    return NULL;
  }
  for (int64_t i = 0; i < count; ++i)
    narrowed[i] = narrow(host[i], is_bf16);
  void *device = tfm_cuda_upload(narrowed, count * (int64_t)sizeof *narrowed);
  free(narrowed);
  return device;
}

int tfm_cuda_download(void *host, const void *device, int64_t bytes) {
  if (failed())
    return 1;
  return check(cu.memcpyDtoH(host, (CUdeviceptr)(uintptr_t)device,
                             (size_t)bytes),
               "cuMemcpyDtoH");
}

/* Waits for the call's kernels; non-zero if anything in it failed. */
int tfm_cuda_finish(void) {
  if (failed())
    return 1;
  return check(cu.ctxSynchronize(), "cuCtxSynchronize (a kernel failed)");
}

/* Ends a stream-ordered call without waiting: non-zero if enqueuing its
 * work failed (an allocation, a launch). */
int tfm_cuda_enqueued(void) { return failed(); }
