/*===- Main.c - the main of `tfmc --emit=exe` programs --------------------===//
 *
 *   PROG [--weights W] --tokens 1,2,3 [--batch B] [--out out.npy] [--top K]
 *        [--bench N]
 *
 * Runs the model linked with it through the descriptor tfmc generates for
 * programs, `tfm_rt_program` (see Program.c for the flags). Compiled to
 * bitcode with tfmc and linked, with Program.c, into the program.
 *
 *===---------------------------------------------------------------------===*/
#include "Program.h"

extern const tfm_rt_program_desc tfm_rt_program;

int main(int argc, char **argv) {
  return tfm_rt_run_program(&tfm_rt_program, argv[0], argc, argv, 1);
}
