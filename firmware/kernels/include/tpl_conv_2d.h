/* CONV_2D, int8 activations and weights, int32 bias, per-channel requantization (TFLM
 * reference_integer_ops::ConvPerChannel semantics, including grouped convolution). */
#ifndef TPL_CONV_2D_H_
#define TPL_CONV_2D_H_

#include "tpl_common.h"

/* tpl_mbqm for multiplier >= 0 (always true for conv/depthwise requantization), fewer
 * instructions: gemmlowp's SaturatingRoundingDoublingHighMul equals
 * floor((a * m + 2^30) / 2^31) for every int32 a and 0 <= m <= INT32_MAX (the nudge/truncation
 * pair folds into one floor; saturation needs m == INT32_MIN). Checked exhaustively on edge
 * values and on 2e8 random pairs against tpl_srdhm. */
TPL_INLINE int32_t tpl_conv_mbqm(int32_t x, int32_t multiplier, int32_t shift) {
  const int left = shift > 0 ? (int)shift : 0;
  const int right = shift > 0 ? 0 : (int)-shift;
  const int32_t a = (int32_t)((uint32_t)x << left);
  const int32_t high = (int32_t)(((int64_t)a * multiplier + (1LL << 30)) >> 31);
  return tpl_rdbpot(high, right);
}

/* SMMULR: (a * b + 2^31) >> 32, the rounding high half of the product. */
TPL_INLINE int32_t tpl_smmulr(int32_t a, int32_t b) {
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
#else
  return (int32_t)(((int64_t)a * b + (1LL << 31)) >> 32);
#endif
}

/* The short requantization form, equal to clamp(tpl_conv_mbqm(acc, m, shift) + output_offset)
 * when the compiler set fast_rq (proof in tflm_pipeline/compiler/ops/conv_2d.py fast_requant):
 * shift = -e <= -1 (so no left shift), add = 2^(e-1) + output_offset * 2^e, rsh = e, and the
 * accumulator bound (2 |acc| < 2^31) keeps every step inside int32. */
TPL_INLINE int32_t tpl_conv_rq_fast(int32_t acc, int32_t m, int32_t add, int32_t rsh, int32_t lo,
                                    int32_t hi) {
  const int32_t h = tpl_smmulr((int32_t)((uint32_t)acc << 1), m);
  return tpl_clamp_i32((h + (h >> 31) + add) >> rsh, lo, hi);
}

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>
/* tpl_conv_rq_fast on four lanes (multiplier, add and e per lane): VRMULH is SMMULR, VSHL by -e
 * an arithmetic shift right. */
TPL_INLINE int32x4_t tpl_conv_rq_fast_vec(int32x4_t acc, int32x4_t m, int32x4_t add, int32x4_t rsh,
                                          int32x4_t lo, int32x4_t hi) {
  int32x4_t h = vrmulhq_s32(vshlq_n_s32(acc, 1), m);
  h = vaddq_s32(vaddq_s32(h, vshrq_n_s32(h, 31)), add);
  h = vshlq_s32(h, vnegq_s32(rsh));
  return vminq_s32(vmaxq_s32(h, lo), hi);
}

/* The same on four consecutive channels' tables; lanes outside `pr` read 0 (not to be stored). */
TPL_INLINE int32x4_t tpl_conv_rq_fast_mve(int32x4_t acc, const int32_t *m, const int32_t *add,
                                          const int32_t *rsh, int32_t lo, int32_t hi,
                                          mve_pred16_t pr) {
  return tpl_conv_rq_fast_vec(acc, vldrwq_z_s32(m, pr), vldrwq_z_s32(add, pr), vldrwq_z_s32(rsh, pr),
                              vdupq_n_s32(lo), vdupq_n_s32(hi));
}
#endif

typedef struct {
  int32_t batches;
  int32_t in_h, in_w, in_ch;        /* NHWC input */
  int32_t out_h, out_w, out_ch;     /* NHWC output */
  int32_t filter_h, filter_w;
  int32_t filter_in_ch;             /* input channels per group (filter dim 3) */
  int32_t groups;                   /* in_ch / filter_in_ch; out_ch is split evenly */
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_top, pad_left;        /* TFLM ComputePaddingHeightWidth (offset dropped, as TFLM) */
  int32_t input_zero_point;         /* padding taps read this value: (zp + input_offset) == 0 */
  int32_t output_offset;            /* output zero point */
  int32_t act_min, act_max;         /* fused activation clamp, quantized */
  int32_t direct;                   /* 1: 1x1 kernel, no padding, one group: read input in place */
  const int32_t *bias_folded;       /* bias[c] + input_offset * sum(filter[c]), from Prepare */
  const int32_t *multiplier;        /* per output channel, Q31 */
  const int32_t *shift;             /* per output channel, positive = left */
  int32_t fast_rq;                  /* 1: requantize with tpl_conv_rq_fast and the rq_* tables */
  const int32_t *rq_add, *rq_rsh;
  /* NULL, or (one group) the filter widened for the Cortex-M DSP loop: per output channel pair
   * (c, c+1; an odd last channel paired with itself) and per group of 4 of the first k & ~3
   * values, four words of two int16: (c: 0, 2), (c: 1, 3), (c+1: 0, 2), (c+1: 1, 3). */
  const int32_t *filter_dsp;
} tpl_conv_2d_params_t;

/* out[b][y][x][c] = clamp(mbqm(bias[c] + sum (in + input_offset) * w[c]) + output_offset), taps
 * outside the image omitted. Computed as bias_folded[c] + sum in * w over an im2col patch whose
 * outside taps hold input_zero_point: integer-identical. `scratch` holds
 * TPL_CONV_2D_SCRATCH(k) bytes, k = filter_h*filter_w*filter_in_ch, aligned to 4: the portable
 * loop uses 2k of them (none when direct); the Cortex-M DSP path (__ARM_FEATURE_DSP, one group)
 * two int8 patches and both widened to int16 (6 * kk, kk = k rounded up to 4); the MVE path two
 * int8 patches. */
#define TPL_CONV_2D_SCRATCH(k) (6 * (((k) + 3) & ~3))
void tpl_conv_2d(const tpl_conv_2d_params_t *p, const int8_t *input, const int8_t *filter,
                 int8_t *output, int8_t *scratch);

#endif /* TPL_CONV_2D_H_ */
