/* ADD / SUB int8 reference kernels (TFLM semantics, double-rounding multipliers). */
#include "tpl_add_sub.h"

TPL_INLINE int8_t add_sub_one(const tpl_add_sub_params_t *p, int32_t a, int32_t b, int subtract) {
  const int32_t v1 = tpl_mbqm((a + p->input1_offset) * (1 << p->left_shift), p->input1_multiplier,
                              p->input1_shift);
  const int32_t v2 = tpl_mbqm((b + p->input2_offset) * (1 << p->left_shift), p->input2_multiplier,
                              p->input2_shift);
  const int32_t raw = subtract ? v1 - v2 : v1 + v2;
  const int32_t out = tpl_mbqm(raw, p->output_multiplier, p->output_shift) + p->output_offset;
  return (int8_t)tpl_clamp_i32(out, p->act_min, p->act_max);
}

#define TPL_ADD_BODY(o, a, b) output[o] = add_sub_one(p, input1[a], input2[b], 0)
#define TPL_SUB_BODY(o, a, b) output[o] = add_sub_one(p, input1[a], input2[b], 1)

void tpl_add(const tpl_add_sub_params_t *p, const int8_t *input1, const int8_t *input2,
             int8_t *output) {
  TPL_BROADCAST4_FOR(&p->bcast, TPL_ADD_BODY);
}

void tpl_sub(const tpl_add_sub_params_t *p, const int8_t *input1, const int8_t *input2,
             int8_t *output) {
  TPL_BROADCAST4_FOR(&p->bcast, TPL_SUB_BODY);
}
