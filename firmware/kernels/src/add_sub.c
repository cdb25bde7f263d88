/* ADD / SUB int8 kernel (TFLM semantics; input rescaling read from compile-time tables). */
#include "tpl_add_sub.h"

/* Params are copied to locals: int8 stores may alias the struct, which would force reloads. */
#define TPL_ADD_SUB_BODY(o, a, b)                                                            \
  do {                                                                                       \
    const int32_t raw_ = t1[(uint8_t)input1[a]] + t2[(uint8_t)input2[b]];                    \
    const int32_t v_ = tpl_rdbpot(tpl_srdhm(raw_, mult), right) + out_offset;                \
    output[o] = (int8_t)tpl_clamp_i32(v_, act_min, act_max);                                 \
  } while (0)

void tpl_add_sub(const tpl_add_sub_params_t *p, const int8_t *input1, const int8_t *input2,
                 int8_t *output) {
  const int32_t *t1 = p->input1_table;
  const int32_t *t2 = p->input2_table;
  const int32_t mult = p->output_multiplier;
  const int right = -p->output_shift; /* QuantizeMultiplierSmallerThanOneExp: shift <= 0 */
  const int32_t out_offset = p->output_offset;
  const int32_t act_min = p->act_min;
  const int32_t act_max = p->act_max;
  const tpl_broadcast4_t g = p->bcast;
  TPL_BROADCAST4_FOR(&g, TPL_ADD_SUB_BODY);
}
