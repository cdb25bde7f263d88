/* MUL int8 reference kernel (TFLM semantics). */
#include "tpl_mul.h"

/* Params are copied to locals: int8 stores may alias the struct, which would force reloads. */
#define TPL_MUL_BODY(o, a, b)                                                                \
  do {                                                                                       \
    const int32_t prod_ = (input1[a] + in1_offset) * (input2[b] + in2_offset);               \
    const int32_t v_ = tpl_mbqm(prod_, mult, shift) + out_offset;                            \
    output[o] = (int8_t)tpl_clamp_i32(v_, act_min, act_max);                                 \
  } while (0)

void tpl_mul(const tpl_mul_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  const int32_t in1_offset = p->input1_offset;
  const int32_t in2_offset = p->input2_offset;
  const int32_t mult = p->output_multiplier;
  const int shift = p->output_shift;
  const int32_t out_offset = p->output_offset;
  const int32_t act_min = p->act_min;
  const int32_t act_max = p->act_max;
  const tpl_broadcast4_t g = p->bcast;
  TPL_BROADCAST4_FOR(&g, TPL_MUL_BODY);
}
