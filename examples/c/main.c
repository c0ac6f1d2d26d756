/* Calls a tfmc-compiled function through its generated header: fills the
 * inputs with a fixed pseudo-random sequence, runs the block, prints a few
 * outputs, then shows the error path with a mismatched shape. */
#include "mlp_block.h"

#include <stdio.h>
#include <stdlib.h>

enum { SEQ = 5, DIM = 64, HIDDEN = 176 };

static void fill(float *data, size_t count, unsigned seed) {
  for (size_t i = 0; i < count; ++i) {
    seed = seed * 1103515245u + 12345u;
    data[i] = ((seed >> 8) % 2001) / 1000.0f - 1.0f;
  }
}

int main(void) {
  static float x[SEQ * DIM], norm[DIM], gate_up[2 * HIDDEN * DIM],
      down[DIM * HIDDEN], y[SEQ * DIM];
  fill(x, SEQ * DIM, 1);
  fill(norm, DIM, 2);
  fill(gate_up, 2 * HIDDEN * DIM, 3);
  fill(down, DIM * HIDDEN, 4);

  if (mlp_block(x, SEQ, DIM, norm, DIM, gate_up, 2 * HIDDEN, DIM, down, DIM,
                HIDDEN, y, SEQ, DIM) != 0) {
    fprintf(stderr, "mlp_block failed: %s\n", tfm_last_error());
    return 1;
  }
  printf("y[0][0:4] = %.6f %.6f %.6f %.6f\n", y[0], y[1], y[2], y[3]);
  printf("y[%d][0:4] = %.6f %.6f %.6f %.6f\n", SEQ - 1, y[(SEQ - 1) * DIM],
         y[(SEQ - 1) * DIM + 1], y[(SEQ - 1) * DIM + 2], y[(SEQ - 1) * DIM + 3]);

  /* A caller bug: the output buffer is declared one row short. */
  int status = mlp_block(x, SEQ, DIM, norm, DIM, gate_up, 2 * HIDDEN, DIM, down,
                         DIM, HIDDEN, y, SEQ - 1, DIM);
  printf("mismatched call -> status %d: %s\n", status, tfm_last_error());
  return status != 0 ? 0 : 1;
}
