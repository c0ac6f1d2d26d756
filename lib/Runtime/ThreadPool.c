/*===- ThreadPool.c - the runtime's parallel-for -------------------------===//
 *
 * Compiled models split their parallel loops across cores through
 * tfm_rt_parallel_for. This file is compiled to LLVM bitcode when tfmc is
 * built and linked (internalized) into every generated object, so outputs
 * stay self-contained.
 *
 * The pool is created at the first parallel loop: TFM_NUM_THREADS threads in
 * all (default: the online CPUs), the caller being one of them. A loop's
 * iterations are handed out one at a time through an atomic counter, so
 * uneven iterations balance. Loops started from inside a task run serially.
 *
 *===---------------------------------------------------------------------===*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

typedef void (*tfm_rt_task)(void *context, int64_t begin, int64_t end);

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  pthread_cond_t finished;
  int threads;          /* workers + the calling thread */
  uint64_t generation;  /* bumped once per loop */
  int pending;          /* workers that have not finished this loop */
  tfm_rt_task task;
  void *context;
  int64_t count;
  atomic_llong next;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
          PTHREAD_COND_INITIALIZER};

/* One loop at a time: callers on different user threads take turns. */
static pthread_mutex_t loop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t started = PTHREAD_ONCE_INIT;
static _Thread_local int inside_task;

static void run_iterations(void) {
  for (;;) {
    long long i = atomic_fetch_add(&pool.next, 1);
    if (i >= pool.count)
      return;
    pool.task(pool.context, i, i + 1);
  }
}

static void *worker(void *unused) {
  (void)unused;
  inside_task = 1;
  uint64_t seen = 0;
  for (;;) {
    pthread_mutex_lock(&pool.lock);
    while (pool.generation == seen)
      pthread_cond_wait(&pool.wake, &pool.lock);
    seen = pool.generation;
    pthread_mutex_unlock(&pool.lock);

    run_iterations();

    pthread_mutex_lock(&pool.lock);
    if (--pool.pending == 0)
      pthread_cond_signal(&pool.finished);
    pthread_mutex_unlock(&pool.lock);
  }
  return NULL;
}

static void start_pool(void) {
  long threads = sysconf(_SC_NPROCESSORS_ONLN);
  const char *requested = getenv("TFM_NUM_THREADS");
  if (requested && atoi(requested) > 0)
    threads = atoi(requested);
  pool.threads = threads > 0 ? (int)threads : 1;
  for (int i = 1; i < pool.threads; ++i) {
    pthread_t thread;
    if (pthread_create(&thread, NULL, worker, NULL) != 0) {
      pool.threads = i; /* run with the threads we got */
      break;
    }
    pthread_detach(thread);
  }
}

void tfm_rt_parallel_for(tfm_rt_task task, void *context, int64_t count) {
  if (count <= 0)
    return;
  pthread_once(&started, start_pool);
  if (pool.threads <= 1 || count == 1 || inside_task) {
    task(context, 0, count);
    return;
  }
  pthread_mutex_lock(&loop_lock);
  pthread_mutex_lock(&pool.lock);
  pool.task = task;
  pool.context = context;
  pool.count = count;
  atomic_store(&pool.next, 0);
  pool.pending = pool.threads - 1;
  ++pool.generation;
  pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);

  inside_task = 1;
  run_iterations();
  inside_task = 0;

  /* Workers read the task and context: wait until all have let go. */
  pthread_mutex_lock(&pool.lock);
  while (pool.pending > 0)
    pthread_cond_wait(&pool.finished, &pool.lock);
  pthread_mutex_unlock(&pool.lock);
  pthread_mutex_unlock(&loop_lock);
}
