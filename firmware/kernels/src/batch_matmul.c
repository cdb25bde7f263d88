/* BATCH_MATMUL int8 reference kernel (TFLM reference semantics, exact int32 accumulation).
 * Params are copied to locals: int8 stores may alias the params struct, so the compiler would
 * otherwise reload them after every output element. */
#include "tpl_batch_matmul.h"

void tpl_batch_matmul(const tpl_batch_matmul_params_t *p, const int8_t *lhs, const int8_t *rhs,
                      int8_t *output) {
  const int32_t batches = p->batches, rows = p->rows, cols = p->cols, depth = p->depth;
  const int32_t lrs = p->lhs_row_step, lks = p->lhs_depth_step;
  const int32_t rcs = p->rhs_col_step, rks = p->rhs_depth_step;
  const int32_t lo = p->lhs_offset, ro = p->rhs_offset, oo = p->output_offset;
  const int32_t mult = p->multiplier, shift = p->shift;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const int32_t *lhs_batch = p->lhs_batch, *rhs_batch = p->rhs_batch;
  const int contiguous = (lks == 1 && rks == 1);
  int8_t *out = output;
  for (int32_t b = 0; b < batches; ++b) {
    const int8_t *lb = lhs + lhs_batch[b];
    const int8_t *rb = rhs + rhs_batch[b];
    for (int32_t m = 0; m < rows; ++m) {
      const int8_t *lrow = lb + m * lrs;
      for (int32_t n = 0; n < cols; ++n) {
        const int8_t *rcol = rb + n * rcs;
        int32_t acc = 0;
        if (contiguous) {
          for (int32_t k = 0; k < depth; ++k) acc += (lrow[k] + lo) * (rcol[k] + ro);
        } else {
          for (int32_t k = 0; k < depth; ++k) acc += (lrow[k * lks] + lo) * (rcol[k * rks] + ro);
        }
        acc = tpl_mbqm(acc, mult, shift) + oo;
        *out++ = (int8_t)tpl_clamp_i32(acc, act_min, act_max);
      }
    }
  }
}
