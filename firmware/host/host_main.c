/* Host (x86) driver for a compiled model: the same C the firmware runs, for fast kernel tests.
 *
 * usage: host_main INPUT.bin OUTPUT.bin COUNT
 * INPUT.bin holds COUNT examples, each all model inputs' bytes back to back; OUTPUT.bin receives
 * all outputs' bytes per example. Exit status 0 on success.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static uint8_t arena[TPL_MODEL_ARENA_BYTES] __attribute__((aligned(16)));

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s INPUT.bin OUTPUT.bin COUNT\n", argv[0]);
    return 2;
  }
  FILE *in = fopen(argv[1], "rb");
  FILE *out = fopen(argv[2], "wb");
  if (!in || !out) {
    perror("open");
    return 2;
  }
  const long count = strtol(argv[3], NULL, 10);
  for (long n = 0; n < count; ++n) {
    for (int i = 0; i < TPL_MODEL_NUM_INPUTS; ++i) {
      if (fread(tpl_model_input(arena, i), 1, tpl_model_input_bytes[i], in) != tpl_model_input_bytes[i]) {
        fprintf(stderr, "short input file\n");
        return 3;
      }
    }
    if (tpl_model_invoke(arena) != 0) return 4;
    for (int i = 0; i < TPL_MODEL_NUM_OUTPUTS; ++i) {
      fwrite(tpl_model_output(arena, i), 1, tpl_model_output_bytes[i], out);
    }
  }
  fclose(in);
  return fclose(out) == 0 ? 0 : 5;
}
