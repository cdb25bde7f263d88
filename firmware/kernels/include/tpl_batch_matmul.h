/* BATCH_MATMUL, int8 x int8 -> int8, per-tensor scales (TFLM reference_ops::BatchMatMul).
 *
 * out[b][m][n] = clamp(mbqm(sum_k (lhs(b,m,k) + lhs_offset) * (rhs(b,k,n) + rhs_offset))
 *                      + output_offset)
 * lhs(b,m,k) = lhs[lhs_batch[b] + m * lhs_row_step + k * lhs_depth_step], likewise rhs with
 * rhs_batch/rhs_col_step/rhs_depth_step: adj_x / adj_y and batch broadcasting are only strides
 * and batch offset tables, computed by the compiler.
 */
#ifndef TPL_BATCH_MATMUL_H_
#define TPL_BATCH_MATMUL_H_

#include "tpl_common.h"

typedef struct {
  int32_t batches;           /* output batches (broadcast batch dimensions, flattened) */
  int32_t rows;              /* M */
  int32_t cols;              /* N */
  int32_t depth;             /* K */
  int32_t lhs_row_step;      /* element steps in lhs per m and per k */
  int32_t lhs_depth_step;
  int32_t rhs_col_step;      /* element steps in rhs per n and per k */
  int32_t rhs_depth_step;
  const int32_t *lhs_batch;  /* element offset of each output batch's lhs matrix */
  const int32_t *rhs_batch;  /* element offset of each output batch's rhs matrix */
  int32_t lhs_offset;        /* -lhs zero point */
  int32_t rhs_offset;        /* -rhs zero point */
  int32_t output_offset;     /* output zero point */
  int32_t multiplier;        /* Q31 requantization multiplier */
  int32_t shift;             /* its exponent (positive = left shift) */
  int32_t act_min;
  int32_t act_max;
} tpl_batch_matmul_params_t;

void tpl_batch_matmul(const tpl_batch_matmul_params_t *p, const int8_t *lhs, const int8_t *rhs,
                      int8_t *output);

#endif /* TPL_BATCH_MATMUL_H_ */
