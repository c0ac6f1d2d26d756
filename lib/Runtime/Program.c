/*===- Program.c - running a compiled model as a command ------------------===//
 *
 *   [--weights W] --tokens 1,2,3 [--batch B] [--out out.npy] [--top K]
 *   [--bench N]
 *
 * Runs the model on the sequence (repeated --batch times). With --out it
 * writes the output ([seq, vocab] logits, or [seq, hidden] hidden states;
 * [batch, seq, ...] for a batch) as a float32 .npy; otherwise it prints the
 * K (default 5) most likely next tokens after the last position, or the
 * start of the last hidden state. --bench N then times N more forward calls
 * and prints their median latency and tokens per second.
 *
 * Compiled to bitcode and linked into `tfmc --emit=exe` programs, and
 * natively into tfm-run.
 *
 *===---------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "Program.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int usage(const char *command, const char *problem) {
  fprintf(stderr,
          "%s: %s\nusage: %s [--weights W.safetensors] --tokens 1,2,3 "
          "[--batch B] [--out out.npy] [--top K] [--bench N]\n",
          command, problem, command);
  return 2;
}

/* Parses "1,2,3"; returns the count, or -1 with a message. */
static int64_t parse_tokens(const char *text, int32_t **tokens) {
  int64_t count = 1;
  for (const char *c = text; *c; ++c)
    count += *c == ',';
  *tokens = malloc((size_t)count * sizeof **tokens);
  if (!*tokens)
    return -1;
  const char *at = text;
  for (int64_t i = 0; i < count; ++i) {
    char *end;
    errno = 0;
    long long value = strtoll(at, &end, 10);
    if (end == at || errno || value < INT32_MIN || value > INT32_MAX ||
        (*end != ',' && *end != '\0')) {
      fprintf(stderr, "--tokens: '%s' is not a comma-separated list of "
                      "integers\n", text);
      return -1;
    }
    (*tokens)[i] = (int32_t)value;
    at = end + 1;
  }
  return count;
}

/* Writes a float32 array of `rank` (2 or 3) dims in numpy's .npy format
 * (version 1). */
static int write_npy(const char *path, const float *data, int rank,
                     const int64_t *dims) {
  char shape[96], header[160];
  if (rank == 2)
    snprintf(shape, sizeof shape, "(%lld, %lld)", (long long)dims[0],
             (long long)dims[1]);
  else
    snprintf(shape, sizeof shape, "(%lld, %lld, %lld)", (long long)dims[0],
             (long long)dims[1], (long long)dims[2]);
  int length = snprintf(header, sizeof header,
                        "{'descr': '<f4', 'fortran_order': False, 'shape': "
                        "%s, }",
                        shape);
  /* Magic (6) + version (2) + length (2) + header, padded to 64 with '\n'. */
  int total = (10 + length + 1 + 63) / 64 * 64;
  int padded = total - 10;
  memset(header + length, ' ', (size_t)(padded - length - 1));
  header[padded - 1] = '\n';
  FILE *file = fopen(path, "wb");
  if (!file)
    return 1;
  unsigned char preamble[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                                (unsigned char)(padded & 0xFF),
                                (unsigned char)(padded >> 8)};
  size_t count = 1;
  for (int d = 0; d < rank; ++d)
    count *= (size_t)dims[d];
  int ok = fwrite(preamble, 1, 10, file) == 10 &&
           fwrite(header, 1, (size_t)padded, file) == (size_t)padded &&
           fwrite(data, sizeof(float), count, file) == count;
  return fclose(file) != 0 || !ok;
}

static void print_top(const float *row, int64_t size, int64_t k) {
  if (k > size)
    k = size;
  char *taken = calloc((size_t)size, 1);
  if (!taken)
    return;
  for (int64_t rank = 0; rank < k; ++rank) {
    int64_t best = -1;
    for (int64_t i = 0; i < size; ++i)
      if (!taken[i] && (best < 0 || row[i] > row[best]))
        best = i;
    taken[best] = 1;
    printf("%lld\t%g\n", (long long)best, row[best]);
  }
  free(taken);
}

static double seconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Times `runs` forward calls; prints the median latency and tokens/s. */
static int bench(const tfm_rt_program_desc *program, tfm_rt_model *model,
                 const int32_t *tokens, int64_t batch, int64_t seq, float *out,
                 long runs) {
  double *times = malloc((size_t)runs * sizeof *times);
  if (!times)
    return 1;
  for (long i = 0; i < runs; ++i) {
    double start = seconds();
    if (program->forward(model, tokens, batch, seq, out) != 0) {
      free(times);
      return 1;
    }
    times[i] = seconds() - start;
  }
  qsort(times, (size_t)runs, sizeof *times, by_value);
  double median = runs % 2 ? times[runs / 2]
                           : 0.5 * (times[runs / 2 - 1] + times[runs / 2]);
  printf("bench: %ld runs of batch %lld x seq %lld: median %.3f ms, %.1f "
         "tokens/s\n",
         runs, (long long)batch, (long long)seq, 1e3 * median,
         (double)(batch * seq) / median);
  free(times);
  return 0;
}

int tfm_rt_run_program(const tfm_rt_program_desc *program, const char *command,
                       int argc, char **argv, int first) {
  const char *weights = NULL, *tokens_text = NULL, *out_path = NULL;
  long top = 5, batch = 1, runs = 0;
  for (int i = first; i < argc; ++i) {
    const char *flag = argv[i];
    if (i + 1 >= argc)
      return usage(command, "every flag takes a value");
    const char *value = argv[++i];
    char *end = NULL;
    if (strcmp(flag, "--weights") == 0)
      weights = value;
    else if (strcmp(flag, "--tokens") == 0)
      tokens_text = value;
    else if (strcmp(flag, "--out") == 0)
      out_path = value;
    else if (strcmp(flag, "--top") == 0)
      top = strtol(value, &end, 10);
    else if (strcmp(flag, "--batch") == 0)
      batch = strtol(value, &end, 10);
    else if (strcmp(flag, "--bench") == 0)
      runs = strtol(value, &end, 10);
    else
      return usage(command, "unknown flag");
    if (end && (*end != '\0' || end == value || top < 1 || batch < 1 ||
                runs < 0))
      return usage(command, "--top, --batch and --bench take positive counts");
  }
  if (!tokens_text)
    return usage(command, "--tokens is required");
  if (!weights && !program->weights_built_in)
    return usage(command, "--weights is required");

  int32_t *row = NULL;
  int64_t seq = parse_tokens(tokens_text, &row);
  if (seq < 0)
    return 2;
  int64_t width = program->output_size;
  int32_t *tokens = malloc((size_t)(batch * seq) * sizeof *tokens);
  float *out = malloc((size_t)(batch * seq * width) * sizeof *out);
  if (!tokens || !out) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  for (long b = 0; b < batch; ++b)
    memcpy(tokens + b * seq, row, (size_t)seq * sizeof *row);
  tfm_rt_model *model;
  if (program->create(weights, &model) != 0) {
    fprintf(stderr, "%s\n", program->last_error());
    return 1;
  }
  int status = 0;
  const float *last = out + (seq - 1) * width;
  if (program->forward(model, tokens, batch, seq, out) != 0) {
    fprintf(stderr, "%s\n", program->last_error());
    status = 1;
  } else if (out_path) {
    int64_t dims[3] = {batch, seq, width};
    int rank = batch > 1 ? 3 : 2;
    if (write_npy(out_path, out, rank, dims + 3 - rank) != 0) {
      fprintf(stderr, "cannot write '%s': %s\n", out_path, strerror(errno));
      status = 1;
    }
  } else if (program->outputs_logits) {
    printf("top %ld next tokens after position %lld (token, logit):\n", top,
           (long long)(seq - 1));
    print_top(last, width, top);
  } else {
    printf("hidden state at position %lld, first values:", (long long)(seq - 1));
    for (int64_t i = 0; i < width && i < 8; ++i)
      printf(" %g", last[i]);
    printf("\n");
  }
  if (!status && runs > 0 &&
      bench(program, model, tokens, batch, seq, out, runs) != 0) {
    fprintf(stderr, "%s\n", program->last_error());
    status = 1;
  }
  free(out);
  free(tokens);
  free(row);
  program->destroy(model);
  return status;
}
