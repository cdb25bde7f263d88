/* CONCATENATION / PACK reference kernel: a block copy (TFLM reference semantics). */
#include <string.h>

#include "tpl_concatenation.h"

void tpl_concatenation(const tpl_concatenation_params_t *p, const void *const *inputs,
                       void *output) {
  uint8_t *out = (uint8_t *)output;
  for (int32_t o = 0; o < p->outer; ++o) {
    for (int32_t i = 0; i < p->num_inputs; ++i) {
      const size_t n = (size_t)p->block_bytes[i];
      memcpy(out, (const uint8_t *)inputs[i] + (size_t)o * n, n);
      out += n;
    }
  }
}
