/* Int8 table lookup kernel (unrolled by four: the loop overhead is most of the work). */
#include "tpl_lut.h"

void tpl_lut_s8(const tpl_lut_params_t *p, const int8_t *table, const int8_t *input,
                int8_t *output) {
  const int32_t n = p->size;
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const int8_t a = table[(uint8_t)input[i]];
    const int8_t b = table[(uint8_t)input[i + 1]];
    const int8_t c = table[(uint8_t)input[i + 2]];
    const int8_t d = table[(uint8_t)input[i + 3]];
    output[i] = a;
    output[i + 1] = b;
    output[i + 2] = c;
    output[i + 3] = d;
  }
  for (; i < n; ++i) {
    output[i] = table[(uint8_t)input[i]];
  }
}
