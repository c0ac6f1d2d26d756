// Machine ceilings for bench/cpu_bench.py, measured in the same run:
//   ceilings fma  THREADS WIDTH  -> fp32 FMA GFLOP/s (WIDTH 512: zmm, 256: ymm)
//   ceilings triad THREADS        -> STREAM triad GB/s (a = b + s*c, 12 bytes
//                                    counted per element, as STREAM does)
// Prints one line per repetition: "WALL CPU", the rate over wall-clock time
// and the rate over the CPU time each thread actually ran (summed over the
// threads): on a machine shared with other work the second is the hardware's
// ceiling, the first what this process got. Build: gcc -O3 -march=native
// -pthread ceilings.c -o ceilings
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

enum { ACC = 16 };            // independent accumulators: > latency x ports
static long fma_iters = 20000000;
static int width = 512;
static volatile float sink;

static double thread_cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double cpu_secs[64];     // CPU time of each thread's last run

static void *fma_thread(void *arg) {
  int id = (int)(long)arg;
  double c0 = thread_cpu();
  float total = 0;
#if defined(__AVX512F__)
  if (width == 512) {
    __m512 acc[ACC], x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < ACC; ++i) acc[i] = _mm512_set1_ps((float)i);
    for (long n = 0; n < fma_iters; ++n)
      for (int i = 0; i < ACC; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
    for (int i = 0; i < ACC; ++i) total += _mm512_reduce_add_ps(acc[i]);
    sink = total;
    cpu_secs[id] = thread_cpu() - c0;
    return NULL;
  }
#endif
  __m256 acc[ACC], x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < ACC; ++i) acc[i] = _mm256_set1_ps((float)i);
  for (long n = 0; n < fma_iters; ++n)
    for (int i = 0; i < ACC; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  float out[8];
  for (int i = 0; i < ACC; ++i) {
    _mm256_storeu_ps(out, acc[i]);
    for (int j = 0; j < 8; ++j) total += out[j];
  }
  sink = total;
  cpu_secs[id] = thread_cpu() - c0;
  return NULL;
}

static long triad_n = 1L << 25;  // 128 MiB per array, far beyond the L3
static float *a, *b, *c;
static int nthreads = 1;
typedef struct { long lo, hi; int init, id; } Range;

static void *triad_thread(void *arg) {
  Range *r = arg;
  double c0 = thread_cpu();
  if (r->init) {
    for (long i = r->lo; i < r->hi; ++i) { a[i] = 0; b[i] = 1.0f; c[i] = 2.0f; }
    return NULL;
  }
  const float s = 3.0f;
  for (long i = r->lo; i < r->hi; ++i) a[i] = b[i] + s * c[i];
  cpu_secs[r->id] = thread_cpu() - c0;
  return NULL;
}

static void run_threads(void *(*fn)(void *), Range *ranges) {
  pthread_t tid[64];
  for (int t = 1; t < nthreads; ++t)
    pthread_create(&tid[t], NULL, fn, ranges ? (void *)&ranges[t] : (void *)(long)t);
  fn(ranges ? (void *)&ranges[0] : (void *)0L);
  for (int t = 1; t < nthreads; ++t) pthread_join(tid[t], NULL);
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: ceilings fma|triad THREADS [WIDTH] [REPS]\n"); return 2; }
  nthreads = atoi(argv[2]);
  if (nthreads < 1 || nthreads > 64) return 2;
  if (!strcmp(argv[1], "fma")) {
    width = argc > 3 ? atoi(argv[3]) : 512;
    int reps = argc > 4 ? atoi(argv[4]) : 5;
    int lanes = width == 512 ? 16 : 8;
#if !defined(__AVX512F__)
    if (width == 512) { printf("nan nan\n"); return 0; }
#endif
    fma_iters = 200000; run_threads(fma_thread, NULL);  // warm up the clocks
    fma_iters = width == 512 ? 10000000 : 20000000;
    for (int r = 0; r < reps; ++r) {
      double t0 = now();
      run_threads(fma_thread, NULL);
      double dt = now() - t0, per_thread = 2.0 * lanes * ACC * fma_iters, cpu_rate = 0;
      for (int t = 0; t < nthreads; ++t) cpu_rate += per_thread / cpu_secs[t];
      printf("%.2f %.2f\n", per_thread * nthreads / dt * 1e-9, cpu_rate * 1e-9);
    }
    return 0;
  }
  if (!strcmp(argv[1], "triad")) {
    int reps = argc > 3 ? atoi(argv[3]) : 10;
    a = aligned_alloc(64, triad_n * 4); b = aligned_alloc(64, triad_n * 4); c = aligned_alloc(64, triad_n * 4);
    Range ranges[64];
    for (int t = 0; t < nthreads; ++t)
      ranges[t] = (Range){triad_n * t / nthreads, triad_n * (t + 1) / nthreads, 1, t};
    run_threads(triad_thread, ranges);  // first touch by the thread that streams it
    for (int t = 0; t < nthreads; ++t) ranges[t].init = 0;
    run_threads(triad_thread, ranges);
    for (int r = 0; r < reps; ++r) {
      double t0 = now();
      run_threads(triad_thread, ranges);
      double dt = now() - t0, cpu_rate = 0;
      for (int t = 0; t < nthreads; ++t) cpu_rate += 12.0 * (ranges[t].hi - ranges[t].lo) / cpu_secs[t];
      printf("%.2f %.2f\n", 12.0 * triad_n / dt * 1e-9, cpu_rate * 1e-9);
    }
    if (a[triad_n / 2] != 7.0f) { fprintf(stderr, "triad: wrong result\n"); return 1; }
    return 0;
  }
  return 2;
}
