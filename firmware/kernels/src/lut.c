/* Int8 table lookup kernel. */
#include "tpl_lut.h"

void tpl_lut_s8(const tpl_lut_params_t *p, const int8_t *table, const int8_t *input,
                int8_t *output) {
  const int32_t n = p->size;
  for (int32_t i = 0; i < n; ++i) {
    output[i] = table[(uint8_t)input[i]];
  }
}
