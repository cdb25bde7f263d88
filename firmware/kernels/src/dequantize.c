/* DEQUANTIZE int8 -> float32. */
#include "tpl_dequantize.h"

void tpl_dequantize_s8_f32(const tpl_dequantize_params_t *p, const int8_t *input, float *output) {
  const float scale = p->scale;
  const int32_t zero_point = p->zero_point, n = p->size;
  for (int32_t i = 0; i < n; ++i) {
    output[i] = scale * (float)(input[i] - zero_point);
  }
}
