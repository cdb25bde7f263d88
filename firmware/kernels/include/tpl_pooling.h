/* AVERAGE_POOL_2D and MAX_POOL_2D, int8 (TFLM reference_integer_ops pooling semantics).
 * The output keeps the input's quantization (as TFLM assumes); only the fused activation clamps. */
#ifndef TPL_POOLING_H_
#define TPL_POOLING_H_

#include "tpl_common.h"

typedef struct {
  int32_t batches;
  int32_t in_h, in_w, channels;
  int32_t out_h, out_w;
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left;
  int32_t act_min, act_max;
} tpl_pool_params_t;

/* Mean over the window's inside taps, rounded half away from zero (integer division). */
void tpl_average_pool_2d(const tpl_pool_params_t *p, const int8_t *input, int8_t *output);
/* Max over the window's inside taps. */
void tpl_max_pool_2d(const tpl_pool_params_t *p, const int8_t *input, int8_t *output);

#endif /* TPL_POOLING_H_ */
