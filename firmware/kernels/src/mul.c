/* MUL int8 kernel (TFLM semantics). */
#include "tpl_mul.h"

typedef struct {
  int32_t in1_offset, in2_offset, mult, out_offset, act_min, act_max;
  int left, right;
} mul_locals_t;

/* One row; the steps are constants at the specialized call sites. The multiplier is positive and
 * the product is < 2^16 before the left shift (TFLM's MultiplyByQuantizedMultiplier steps). */
TPL_INLINE void mul_row(const mul_locals_t *l, const int8_t *in1, int32_t in1_step,
                        const int8_t *in2, int32_t in2_step, int8_t *out, int32_t n) {
  const int32_t in1_offset = l->in1_offset, in2_offset = l->in2_offset;
  const int32_t mult = l->mult, out_offset = l->out_offset;
  const int32_t act_min = l->act_min, act_max = l->act_max;
  const int left = l->left, right = l->right;
  for (int32_t i = 0; i < n; ++i, in1 += in1_step, in2 += in2_step) {
    const int32_t prod = (*in1 + in1_offset) * (*in2 + in2_offset);
    const int32_t hi = tpl_srdhm_nosat((int32_t)((uint32_t)prod << left), mult);
    const int32_t v = tpl_rdbpot_nosat(hi, right) + out_offset; /* |hi| < 2^16 when right > 0 */
    out[i] = (int8_t)tpl_clamp_i32(v, act_min, act_max);
  }
}

#define MUL_ROW(o, a, b, n, sa, sb) mul_row(&l, input1 + (a), (sa), input2 + (b), (sb), output + (o), (n))

void tpl_mul(const tpl_mul_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  const int shift = p->output_shift;
  const mul_locals_t l = {p->input1_offset, p->input2_offset, p->output_multiplier,
                          p->output_offset, p->act_min, p->act_max,
                          shift > 0 ? shift : 0, shift > 0 ? 0 : -shift};
  const tpl_broadcast4_t g = p->bcast;
  TPL_BROADCAST4_ROWS(&g, MUL_ROW);
}
