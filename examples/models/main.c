/* Runs a model compiled by tfmc through its C API (model.h):
 *
 *   tfmc MODEL/config.json --weights MODEL/model.safetensors --name model \
 *       -o model.o
 *   cc -I. main.c model.o -lm -lpthread -o run
 *   ./run MODEL/model.safetensors
 *
 * Runs two sequences as one batch and prints, for each, the most likely
 * next token; then shows that a bad call fails with a message. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>

enum { BATCH = 2, SEQ = 4 };

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s WEIGHTS.safetensors\n", argv[0]);
    return 2;
  }
  tfm_model *model;
  if (model_create(argv[1], &model) != 0) {
    fprintf(stderr, "%s\n", tfm_last_error());
    return 1;
  }
  const int32_t tokens[BATCH][SEQ] = {{1, 2, 3, 4}, {9, 8, 7, 6}};
  float *logits = malloc(sizeof(float) * BATCH * SEQ * MODEL_OUTPUT_SIZE);
  if (!logits || model_forward(model, &tokens[0][0], BATCH, SEQ, logits) != 0) {
    fprintf(stderr, "%s\n", logits ? tfm_last_error() : "out of memory");
    return 1;
  }
  for (int row = 0; row < BATCH; ++row) {
    const float *last = logits + ((size_t)row * SEQ + SEQ - 1) * MODEL_OUTPUT_SIZE;
    int best = 0;
    for (int token = 1; token < MODEL_OUTPUT_SIZE; ++token)
      if (last[token] > last[best])
        best = token;
    printf("row %d: next token %d (logit %.7g)\n", row, best, last[best]);
  }

  const int32_t unknown[1] = {MODEL_VOCAB_SIZE};
  if (model_forward(model, unknown, 1, 1, logits) != 0)
    printf("bad call: %s\n", tfm_last_error());
  free(logits);
  model_destroy(model);
  return 0;
}
