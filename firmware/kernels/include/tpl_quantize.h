/* QUANTIZE float32 -> int8 (TFLM reference_ops::AffineQuantize). int8 -> int8 requantization runs
 * as a table (tpl_lut.h). */
#ifndef TPL_QUANTIZE_H_
#define TPL_QUANTIZE_H_

#include "tpl_common.h"

typedef struct {
  int32_t size;        /* elements */
  float scale;         /* output scale (float32, as in the model) */
  int32_t zero_point;  /* output zero point */
} tpl_quantize_params_t;

/* out = clamp(round_half_away(in / scale) + zero_point, -128, 127); the division is float32. */
void tpl_quantize_f32_s8(const tpl_quantize_params_t *p, const float *input, int8_t *output);

#endif /* TPL_QUANTIZE_H_ */
