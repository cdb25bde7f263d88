/* DEPTHWISE_CONV_2D, int8 activations and weights, int32 bias, per-channel requantization (TFLM
 * reference_integer_ops::DepthwiseConvPerChannel semantics: depth multiplier, dilation). */
#ifndef TPL_DEPTHWISE_CONV_2D_H_
#define TPL_DEPTHWISE_CONV_2D_H_

#include "tpl_common.h"

typedef struct {
  int32_t batches;
  int32_t in_h, in_w, in_ch;        /* NHWC input */
  int32_t out_h, out_w, out_ch;     /* out_ch = in_ch * depth_multiplier */
  int32_t depth_multiplier;
  int32_t filter_h, filter_w;       /* filter is [1][filter_h][filter_w][out_ch] */
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_top, pad_left;
  int32_t input_offset;             /* -input zero point */
  int32_t output_offset;            /* output zero point */
  int32_t act_min, act_max;
  const int32_t *bias;              /* per output channel (zeros when the model has none) */
  const int32_t *bias_folded;       /* bias[c] + input_offset * sum_taps filter[.][.][c] */
  const int32_t *multiplier;        /* per output channel, Q31 */
  const int32_t *shift;
  int32_t fast_rq;                  /* 1: tpl_conv_rq_fast with the rq_* tables (tpl_conv_2d.h) */
  const int32_t *rq_add, *rq_rsh;
  /* NULL, or (depth multiplier 1, 3x3, at least 4 channels) the filter widened for the Cortex-M
   * DSP loop: per group of 4 channels c..c+3 (in_ch / 4 groups), per tap (fy, fx), two words of
   * two int16: (c, c+2), (c+1, c+3). */
  const int32_t *filter_dsp;
} tpl_depthwise_conv_2d_params_t;

/* out[b][y][x][i*dm+m] = clamp(mbqm(bias + sum_taps w * (in[..][i] + input_offset)) + out_offset),
 * taps outside the image omitted. Pixels whose window lies inside the image use bias_folded. */
void tpl_depthwise_conv_2d(const tpl_depthwise_conv_2d_params_t *p, const int8_t *input,
                           const int8_t *filter, int8_t *output);

#endif /* TPL_DEPTHWISE_CONV_2D_H_ */
