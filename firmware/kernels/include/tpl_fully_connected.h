/* FULLY_CONNECTED, int8 activations and weights, int32 bias, per-tensor or per-channel scale. */
#ifndef TPL_FULLY_CONNECTED_H_
#define TPL_FULLY_CONNECTED_H_

#include "tpl_common.h"

typedef struct {
  int32_t batches;            /* rows of the input, each accum_depth long */
  int32_t accum_depth;        /* input features */
  int32_t output_depth;       /* output features (weight rows) */
  int32_t input_offset;       /* -input zero point */
  int32_t output_offset;      /* output zero point */
  int32_t act_min;            /* fused activation clamp, in output quantized units */
  int32_t act_max;
  int32_t per_channel;        /* 1: multiplier[c]/shift[c] per output row; 0: entry 0 for all */
  const int32_t *multiplier;  /* Q31 requantization multipliers */
  const int32_t *shift;       /* their power-of-two exponents (positive = left shift) */
} tpl_fully_connected_params_t;

/* out[b][c] = clamp(mbqm(bias[c] + sum_d (in[b][d] + input_offset) * w[c][d]) + output_offset).
 * bias may be NULL. */
void tpl_fully_connected(const tpl_fully_connected_params_t *p, const int8_t *input,
                         const int8_t *weights, const int32_t *bias, int8_t *output);

#endif /* TPL_FULLY_CONNECTED_H_ */
