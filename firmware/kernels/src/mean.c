/* MEAN int8 kernel: integer sums over the reduced axes, then TFLM's int8 finishing step. */
#include "tpl_mean.h"

void tpl_mean(const tpl_mean_params_t *p, const int8_t *input, int8_t *output, int32_t *sums) {
  for (int32_t o = 0; o < p->num_outputs; ++o) sums[o] = 0;
  const int32_t last = p->ndim - 1;
  const int32_t inner = p->dims[last];
  const int32_t inner_stride = p->out_strides[last];
  int32_t idx[TPL_MEAN_MAX_DIMS] = {0};
  int32_t rows = 1;
  for (int32_t d = 0; d < last; ++d) rows *= p->dims[d];
  int32_t out = 0;
  for (int32_t r = 0; r < rows; ++r) {
    if (inner_stride == 0) {
      int32_t acc = 0;
      for (int32_t j = 0; j < inner; ++j) acc += input[j];
      sums[out] += acc;
    } else {
      for (int32_t j = 0; j < inner; ++j) sums[out + j] += input[j];
    }
    input += inner;
    for (int32_t d = last - 1; d >= 0; --d) {  /* advance the row counter */
      out += p->out_strides[d];
      if (++idx[d] < p->dims[d]) break;
      out -= p->out_strides[d] * p->dims[d];
      idx[d] = 0;
    }
  }
  for (int32_t o = 0; o < p->num_outputs; ++o) {
    const int32_t acc = tpl_mbqm(sums[o] + p->sum_offset, p->multiplier, p->shift) + p->output_zero_point;
    output[o] = (int8_t)tpl_clamp_i32(acc, -128, 127);
  }
}
