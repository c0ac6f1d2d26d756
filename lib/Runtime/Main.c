/*===- Main.c - the main of `tfmc --emit=exe` programs --------------------===//
 *
 *   PROG [--weights W] --tokens 1,2,3 [--out out.npy] [--top K]
 *
 * Runs the compiled model on one sequence. With --out it writes the output
 * ([seq, vocab] logits, or [seq, hidden] hidden states) as a float32 .npy;
 * otherwise it prints the K (default 5) most likely next tokens after the
 * last position, or the start of the last hidden state. Compiled to bitcode
 * with tfmc and linked into the program with the model, whose generated
 * descriptor `tfm_rt_program` it calls through.
 *
 *===---------------------------------------------------------------------===*/
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tfm_rt_model tfm_rt_model;

typedef struct {
  const char *name;
  int (*create)(const char *weights_path, tfm_rt_model **out);
  int (*forward)(tfm_rt_model *model, const int32_t *tokens, int64_t batch,
                 int64_t seq, float *out);
  void (*destroy)(tfm_rt_model *model);
  int64_t output_size;
  int64_t outputs_logits; /* 1: logits over the vocabulary; 0: hidden states */
  int64_t weights_built_in; /* random or embedded: --weights is optional */
} tfm_rt_program_desc;

extern const tfm_rt_program_desc tfm_rt_program;
const char *tfm_last_error(void);

static int usage(const char *program, const char *problem) {
  fprintf(stderr,
          "%s: %s\nusage: %s [--weights W.safetensors] --tokens 1,2,3 "
          "[--out out.npy] [--top K]\n",
          program, problem, program);
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

/* Writes a [rows, cols] float32 array in numpy's .npy format (version 1). */
static int write_npy(const char *path, const float *data, int64_t rows,
                     int64_t cols) {
  char header[128];
  int length = snprintf(header, sizeof header,
                        "{'descr': '<f4', 'fortran_order': False, 'shape': "
                        "(%lld, %lld), }",
                        (long long)rows, (long long)cols);
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
  size_t count = (size_t)(rows * cols);
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

int main(int argc, char **argv) {
  const char *weights = NULL, *tokens_text = NULL, *out_path = NULL;
  long top = 5;
  for (int i = 1; i < argc; ++i) {
    const char *flag = argv[i];
    if (i + 1 >= argc)
      return usage(argv[0], "every flag takes a value");
    const char *value = argv[++i];
    if (strcmp(flag, "--weights") == 0)
      weights = value;
    else if (strcmp(flag, "--tokens") == 0)
      tokens_text = value;
    else if (strcmp(flag, "--out") == 0)
      out_path = value;
    else if (strcmp(flag, "--top") == 0)
      top = strtol(value, NULL, 10);
    else
      return usage(argv[0], "unknown flag");
  }
  if (!tokens_text)
    return usage(argv[0], "--tokens is required");
  if (!weights && !tfm_rt_program.weights_built_in)
    return usage(argv[0], "--weights is required");

  int32_t *tokens = NULL;
  int64_t seq = parse_tokens(tokens_text, &tokens);
  if (seq < 0)
    return 2;
  tfm_rt_model *model;
  if (tfm_rt_program.create(weights, &model) != 0) {
    fprintf(stderr, "%s\n", tfm_last_error());
    return 1;
  }
  int64_t width = tfm_rt_program.output_size;
  float *out = malloc((size_t)(seq * width) * sizeof *out);
  int status = 0;
  if (!out) {
    fprintf(stderr, "out of memory\n");
    status = 1;
  } else if (tfm_rt_program.forward(model, tokens, 1, seq, out) != 0) {
    fprintf(stderr, "%s\n", tfm_last_error());
    status = 1;
  } else if (out_path) {
    if (write_npy(out_path, out, seq, width) != 0) {
      fprintf(stderr, "cannot write '%s': %s\n", out_path, strerror(errno));
      status = 1;
    }
  } else if (tfm_rt_program.outputs_logits) {
    printf("top %ld next tokens after position %lld (token, logit):\n", top,
           (long long)(seq - 1));
    print_top(out + (seq - 1) * width, width, top);
  } else {
    printf("hidden state at position %lld, first values:", (long long)(seq - 1));
    for (int64_t i = 0; i < width && i < 8; ++i)
      printf(" %g", out[(seq - 1) * width + i]);
    printf("\n");
  }
  free(out);
  free(tokens);
  tfm_rt_program.destroy(model);
  return status;
}
