/* ADD / SUB int8 kernel (TFLM semantics; input rescaling read from compile-time tables). */
#include "tpl_add_sub.h"

typedef struct {
  const int32_t *t1, *t2;
  int32_t mult, out_offset, act_min, act_max;
  int right;
} add_sub_locals_t;

/* One row; in1_step / in2_step are constants at the specialized call sites. The multiplier is
 * positive and |raw| < 2^29, so the no-saturation forms of SRDHM / RDBPOT are exact here. */
TPL_INLINE void add_sub_row(const add_sub_locals_t *l, const int8_t *in1, int32_t in1_step,
                            const int8_t *in2, int32_t in2_step, int8_t *out, int32_t n) {
  const int32_t *t1 = l->t1, *t2 = l->t2;
  const int32_t mult = l->mult, out_offset = l->out_offset;
  const int32_t act_min = l->act_min, act_max = l->act_max;
  const int right = l->right;
  for (int32_t i = 0; i < n; ++i, in1 += in1_step, in2 += in2_step) {
    const int32_t raw = t1[(uint8_t)*in1] + t2[(uint8_t)*in2];
    const int32_t v = tpl_rdbpot_nosat(tpl_srdhm_nosat(raw, mult), right) + out_offset;
    out[i] = (int8_t)tpl_clamp_i32(v, act_min, act_max);
  }
}

#define ADD_SUB_ROW(o, a, b, n, sa, sb) add_sub_row(&l, input1 + (a), (sa), input2 + (b), (sb), output + (o), (n))

void tpl_add_sub(const tpl_add_sub_params_t *p, const int8_t *input1, const int8_t *input2,
                 int8_t *output) {
  /* Locals: int8 stores may alias the params struct, which would force reloads. */
  const add_sub_locals_t l = {p->input1_table, p->input2_table, p->output_multiplier,
                              p->output_offset, p->act_min, p->act_max,
                              -p->output_shift /* SmallerThanOneExp: shift <= 0 */};
  const tpl_broadcast4_t g = p->bcast;
  TPL_BROADCAST4_ROWS(&g, ADD_SUB_ROW);
}
