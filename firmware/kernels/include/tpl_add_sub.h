/* ADD and SUB, int8 (TFLM reference_integer_ops::Add / reference_ops::Sub semantics),
 * with broadcasting folded into at most four loops (tpl_broadcast.h).
 *
 * TFLM rescales each input to a common scale: v_k = mbqm((q_k - zp_k) << 20, M_k, e_k). That
 * depends on q_k alone, so the compiler tabulates it per input (input2's table negated for SUB)
 * and the kernel only adds and requantizes. */
#ifndef TPL_ADD_SUB_H_
#define TPL_ADD_SUB_H_

#include "tpl_broadcast.h"

typedef struct {
  tpl_broadcast4_t bcast;
  const int32_t *input1_table;  /* v1 for input value v at index (uint8_t)v */
  const int32_t *input2_table;  /* v2 (ADD) or -v2 (SUB), same indexing */
  int32_t output_multiplier;    /* common scale -> output scale, Q31 */
  int32_t output_shift;         /* its exponent (<= 0) */
  int32_t output_offset;        /* output zero point */
  int32_t act_min;              /* fused activation clamp, output quantized units */
  int32_t act_max;
} tpl_add_sub_params_t;

/* out = clamp(mbqm(input1_table[in1] + input2_table[in2], Mo, eo) + output_offset). */
void tpl_add_sub(const tpl_add_sub_params_t *p, const int8_t *input1, const int8_t *input2,
                 int8_t *output);

#endif /* TPL_ADD_SUB_H_ */
