/* SPLIT / SPLIT_V / UNPACK reference kernel: a block copy (TFLM reference semantics). */
#include <string.h>

#include "tpl_split.h"

void tpl_split(const tpl_split_params_t *p, const void *input, void *const *outputs) {
  const uint8_t *in = (const uint8_t *)input;
  for (int32_t o = 0; o < p->outer; ++o) {
    for (int32_t j = 0; j < p->num_outputs; ++j) {
      const size_t n = (size_t)p->block_bytes[j];
      if (outputs[j] != NULL) memcpy((uint8_t *)outputs[j] + (size_t)o * n, in, n);
      in += n;
    }
  }
}
