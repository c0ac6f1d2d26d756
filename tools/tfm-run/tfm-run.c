/*===- tfm-run.c - runs a model compiled to a shared library -------------===//
 *
 *   tfm-run MODEL.so [--name NAME] [--weights W] --tokens 1,2,3 [--batch B]
 *           [--out out.npy] [--top K] [--bench N]
 *
 * Loads a `tfmc --emit=so` model and runs it through its NAME_program
 * descriptor with the flags of lib/Runtime/Program.c; NAME defaults to the
 * library's file name without directory and extension (what tfmc names a
 * model after -o).
 *
 *===---------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "Program.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 2 || argv[1][0] == '-') {
    fprintf(stderr, "usage: %s MODEL.so [--name NAME] [--weights W] --tokens "
                    "1,2,3 [--batch B] [--out out.npy] [--top K] [--bench N]\n",
            argv[0]);
    return 2;
  }
  const char *library = argv[1];
  int first = 2;
  char name[256];
  if (argc > 3 && strcmp(argv[2], "--name") == 0) {
    snprintf(name, sizeof name, "%s", argv[3]);
    first = 4;
  } else {
    const char *base = strrchr(library, '/');
    base = base ? base + 1 : library;
    snprintf(name, sizeof name, "%s", base);
    char *dot = strchr(name, '.');
    if (dot)
      *dot = '\0';
  }

  void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    fprintf(stderr, "tfm-run: cannot load '%s': %s\n", library, dlerror());
    return 1;
  }
  char symbol[300];
  snprintf(symbol, sizeof symbol, "%s_program", name);
  const tfm_rt_program_desc *program = dlsym(handle, symbol);
  if (!program) {
    fprintf(stderr,
            "tfm-run: '%s' has no model '%s' (no symbol %s); pass --name "
            "NAME as given to tfmc\n",
            library, name, symbol);
    return 1;
  }
  return tfm_rt_run_program(program, "tfm-run", argc, argv, first);
}
