/* QUANTIZE float32 -> int8. No libm: round half away from zero is done exactly in float. */
#include "tpl_quantize.h"

void tpl_quantize_f32_s8(const tpl_quantize_params_t *p, const float *input, int8_t *output) {
  const float scale = p->scale;
  const int32_t zero_point = p->zero_point, n = p->size;
  for (int32_t i = 0; i < n; ++i) {
    float q = input[i] / scale;
    /* Far outside int8 anyway; keeps the float -> int conversion defined. */
    if (!(q < 1.0e6f)) q = 1.0e6f;
    if (!(q > -1.0e6f)) q = -1.0e6f;
    int32_t r = (int32_t)q;              /* truncation toward zero */
    const float frac = q - (float)r;     /* exact */
    if (frac >= 0.5f) {
      ++r;
    } else if (frac <= -0.5f) {
      --r;
    }
    output[i] = (int8_t)tpl_clamp_i32(r + zero_point, -128, 127);
  }
}
