/* ADD and SUB, int8 (TFLM reference_integer_ops::Add / reference_ops::Sub semantics),
 * with broadcasting folded into at most four loops (tpl_broadcast.h). */
#ifndef TPL_ADD_SUB_H_
#define TPL_ADD_SUB_H_

#include "tpl_broadcast.h"

typedef struct {
  tpl_broadcast4_t bcast;
  int32_t input1_offset;      /* -input1 zero point */
  int32_t input2_offset;      /* -input2 zero point */
  int32_t left_shift;         /* headroom before rescaling (20 for int8) */
  int32_t input1_multiplier;  /* input k -> common scale 2*max(s1, s2), Q31 and shift (<= 0) */
  int32_t input1_shift;
  int32_t input2_multiplier;
  int32_t input2_shift;
  int32_t output_multiplier;  /* common scale -> output scale */
  int32_t output_shift;
  int32_t output_offset;      /* output zero point */
  int32_t act_min;            /* fused activation clamp, output quantized units */
  int32_t act_max;
} tpl_add_sub_params_t;

/* out = clamp(mbqm(v1 + v2, Mo, eo) + zp_o), v_k = mbqm((in_k + offset_k) << left_shift, Mk, ek). */
void tpl_add(const tpl_add_sub_params_t *p, const int8_t *input1, const int8_t *input2,
             int8_t *output);

/* Same with v1 - v2. */
void tpl_sub(const tpl_add_sub_params_t *p, const int8_t *input1, const int8_t *input2,
             int8_t *output);

#endif /* TPL_ADD_SUB_H_ */
