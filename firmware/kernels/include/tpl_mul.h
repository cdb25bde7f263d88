/* MUL, int8 x int8 -> int8 (TFLM reference_integer_ops::Mul), broadcasting via tpl_broadcast.h. */
#ifndef TPL_MUL_H_
#define TPL_MUL_H_

#include "tpl_broadcast.h"

typedef struct {
  tpl_broadcast4_t bcast;
  int32_t input1_offset;      /* -input1 zero point */
  int32_t input2_offset;      /* -input2 zero point */
  int32_t output_multiplier;  /* Q31 of s1 * s2 / s_out */
  int32_t output_shift;       /* its power-of-two exponent (positive = left) */
  int32_t output_offset;      /* output zero point */
  int32_t act_min;            /* fused activation clamp */
  int32_t act_max;
} tpl_mul_params_t;

/* out = clamp(mbqm((in1 + offset1) * (in2 + offset2), M, e) + output_offset). */
void tpl_mul(const tpl_mul_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output);

#endif /* TPL_MUL_H_ */
