/*===- Program.h - running a compiled model as a command ------------------===//
 *
 * The descriptor every compiled model exports as NAME_program, and the
 * command-line runner shared by `tfmc --emit=exe` programs (Main.c) and
 * `tfm-run` (which loads a model's shared library).
 *
 *===---------------------------------------------------------------------===*/
#ifndef TFM_RUNTIME_PROGRAM_H
#define TFM_RUNTIME_PROGRAM_H

#include <stdint.h>

typedef struct tfm_rt_model tfm_rt_model;

typedef struct {
  const char *name;
  int (*create)(const char *weights_path, tfm_rt_model **out);
  int (*forward)(tfm_rt_model *model, const int32_t *tokens, int64_t batch,
                 int64_t seq, float *out);
  void (*destroy)(tfm_rt_model *model);
  const char *(*last_error)(void);
  int64_t output_size;
  int64_t outputs_logits;   /* 1: logits over the vocabulary; 0: hidden states */
  int64_t weights_built_in; /* random or embedded: --weights is optional */
} tfm_rt_program_desc;

/* Runs `program` with the flags argv[first], ..., argv[argc - 1]:
 *   [--weights W] --tokens 1,2,3 [--batch B] [--out out.npy] [--top K]
 *   [--bench N]
 * `command` names the program in messages. Returns the exit status. */
int tfm_rt_run_program(const tfm_rt_program_desc *program, const char *command,
                       int argc, char **argv, int first);

#endif /* TFM_RUNTIME_PROGRAM_H */
