/* DEQUANTIZE int8 -> float32 (TFLM reference_ops::Dequantize). */
#ifndef TPL_DEQUANTIZE_H_
#define TPL_DEQUANTIZE_H_

#include "tpl_common.h"

typedef struct {
  int32_t size;        /* elements */
  float scale;         /* input scale */
  int32_t zero_point;  /* input zero point */
} tpl_dequantize_params_t;

/* out = scale * (float)(in - zero_point): one float32 multiply, bit-identical to TFLM. */
void tpl_dequantize_s8_f32(const tpl_dequantize_params_t *p, const int8_t *input, float *output);

#endif /* TPL_DEQUANTIZE_H_ */
