/* MUL int8 reference kernel (TFLM semantics). */
#include "tpl_mul.h"

#define TPL_MUL_BODY(o, a, b)                                                               \
  do {                                                                                      \
    const int32_t prod_ = (input1[a] + p->input1_offset) * (input2[b] + p->input2_offset);  \
    const int32_t v_ = tpl_mbqm(prod_, p->output_multiplier, p->output_shift) +             \
                       p->output_offset;                                                    \
    output[o] = (int8_t)tpl_clamp_i32(v_, p->act_min, p->act_max);                          \
  } while (0)

void tpl_mul(const tpl_mul_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  TPL_BROADCAST4_FOR(&p->bcast, TPL_MUL_BODY);
}
