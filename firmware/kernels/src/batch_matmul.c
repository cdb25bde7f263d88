/* BATCH_MATMUL int8 reference kernel (TFLM reference semantics, exact int32 accumulation). */
#include "tpl_batch_matmul.h"

void tpl_batch_matmul(const tpl_batch_matmul_params_t *p, const int8_t *lhs, const int8_t *rhs,
                      int8_t *output) {
  const int32_t depth = p->depth;
  const int32_t lks = p->lhs_depth_step, rks = p->rhs_depth_step;
  const int32_t lo = p->lhs_offset, ro = p->rhs_offset;
  int8_t *out = output;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *lb = lhs + p->lhs_batch[b];
    const int8_t *rb = rhs + p->rhs_batch[b];
    for (int32_t m = 0; m < p->rows; ++m) {
      const int8_t *lrow = lb + m * p->lhs_row_step;
      for (int32_t n = 0; n < p->cols; ++n) {
        const int8_t *rcol = rb + n * p->rhs_col_step;
        int32_t acc = 0;
        if (lks == 1 && rks == 1) {
          for (int32_t k = 0; k < depth; ++k) acc += (lrow[k] + lo) * (rcol[k] + ro);
        } else {
          for (int32_t k = 0; k < depth; ++k) acc += (lrow[k * lks] + lo) * (rcol[k * rks] + ro);
        }
        acc = tpl_mbqm(acc, p->multiplier, p->shift) + p->output_offset;
        *out++ = (int8_t)tpl_clamp_i32(acc, p->act_min, p->act_max);
      }
    }
  }
}
