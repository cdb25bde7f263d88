/* DEPTHWISE_CONV_2D int8 reference kernel.
 *
 * Per output pixel the valid filter rows/columns form one contiguous range (dilation keeps the
 * tap positions monotonic), computed once. Interior pixels accumulate bias_folded + sum w * x;
 * border pixels accumulate bias + sum over inside taps of w * (x + input_offset), exactly as TFLM.
 */
#include "tpl_conv_2d.h" /* tpl_conv_mbqm */
#include "tpl_depthwise_conv_2d.h"

#include <string.h>

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>
#define TPL_DW_MVE 1
#define TPL_DW_DSP 0
#elif defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
#include <arm_acle.h>
#define TPL_DW_MVE 0
#define TPL_DW_DSP 1
TPL_INLINE uint32_t dw_load32(const void *ptr) {
  uint32_t v;
  memcpy(&v, ptr, 4);
  return v;
}
/* SXTB16 of x rotated by 8, one instruction (GCC does not fold the rotation itself). */
TPL_INLINE int32_t dw_sxtb16_ror8(uint32_t x) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
/* Two words from a 4-aligned pointer, advanced by 8 (LDRD with writeback). */
TPL_INLINE void dw_ldrd_inc(const int32_t **ptr, int32_t *a, int32_t *b) {
  __asm__("ldrd %0, %1, [%2], #8" : "=r"(*a), "=r"(*b), "+r"(*ptr) : : "memory");
}
/* SXTAB16 of x rotated by 8 added to a's halves. */
TPL_INLINE int32_t dw_sxtab16_ror8(uint32_t a, uint32_t x) {
  int32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
  return r;
}
#else
#define TPL_DW_MVE 0
#define TPL_DW_DSP 0
#endif

/* First and one-past-last filter index f with 0 <= origin + f * dilation < size. */
static void tap_range(int32_t origin, int32_t dilation, int32_t filt, int32_t size,
                      int32_t *start, int32_t *end) {
  int32_t s = 0, e = filt;
  if (origin < 0) s = (-origin + dilation - 1) / dilation;
  /* last valid f: origin + f*d <= size-1 */
  if (origin + (filt - 1) * dilation > size - 1) {
    e = size - 1 - origin < 0 ? 0 : (size - 1 - origin) / dilation + 1;
  }
  if (e < s) e = s;
  *start = s;
  *end = e;
}

TPL_INLINE int8_t dw_requant(const tpl_depthwise_conv_2d_params_t *p, int32_t acc, int32_t c) {
  if (p->fast_rq) {
    return (int8_t)tpl_conv_rq_fast(acc, p->multiplier[c], p->rq_add[c], p->rq_rsh[c], p->act_min,
                                    p->act_max);
  }
  acc = tpl_conv_mbqm(acc, p->multiplier[c], p->shift[c]) + p->output_offset;
  return (int8_t)tpl_clamp_i32(acc, p->act_min, p->act_max);
}

/* Depth multiplier 1: four channels at a time, accumulators in registers. `off` is 0 for
 * interior pixels (bias already folded) and input_offset at borders; inlined per case. */
TPL_INLINE void dw_pixel_dm1(const tpl_depthwise_conv_2d_params_t *p, const int8_t *in_b,
                             int32_t iy0, int32_t ix0, int32_t fy0, int32_t fy1, int32_t fx0,
                             int32_t fx1, const int32_t *bias, const int32_t off,
                             const int8_t *filter, int8_t *output) {
  const int32_t ch = p->in_ch;
  const int32_t row_stride = p->in_w * ch;
  const int32_t tap_dx = p->dilation_w * ch;
#if TPL_DW_DSP
  const uint32_t offp = ((uint32_t)off & 0xffffu) | ((uint32_t)off << 16);
#endif
  int32_t c = 0;
  for (; c + 4 <= ch; c += 4) {
    int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
    for (int32_t fy = fy0; fy < fy1; ++fy) {
      const int8_t *x = in_b + (iy0 + fy * p->dilation_h) * row_stride + (ix0 + fx0 * p->dilation_w) * ch + c;
      const int8_t *w = filter + (fy * p->filter_w + fx0) * ch + c;
      for (int32_t fx = fx0; fx < fx1; ++fx) {
#if TPL_DW_DSP
        /* SXTAB16 adds the offset to channels (0, 2) / (1, 3) as int16 (|x + off| <= 255). */
        const uint32_t xv = dw_load32(x), wv = dw_load32(w);
        const int32_t xe = __sxtab16(offp, xv), xo = dw_sxtab16_ror8(offp, xv);
        const int32_t we = __sxtb16(wv), wo = dw_sxtb16_ror8(wv);
        a0 = __smlabb(xe, we, a0);
        a2 = __smlatt(xe, we, a2);
        a1 = __smlabb(xo, wo, a1);
        a3 = __smlatt(xo, wo, a3);
#else
        a0 += w[0] * (x[0] + off);
        a1 += w[1] * (x[1] + off);
        a2 += w[2] * (x[2] + off);
        a3 += w[3] * (x[3] + off);
#endif
        x += tap_dx;
        w += ch;
      }
    }
    output[c] = dw_requant(p, a0, c);
    output[c + 1] = dw_requant(p, a1, c + 1);
    output[c + 2] = dw_requant(p, a2, c + 2);
    output[c + 3] = dw_requant(p, a3, c + 3);
  }
  for (; c < ch; ++c) {
    int32_t acc = bias[c];
    for (int32_t fy = fy0; fy < fy1; ++fy) {
      const int8_t *x = in_b + (iy0 + fy * p->dilation_h) * row_stride + (ix0 + fx0 * p->dilation_w) * ch + c;
      const int8_t *w = filter + (fy * p->filter_w + fx0) * ch + c;
      for (int32_t fx = fx0; fx < fx1; ++fx) {
        acc += *w * (*x + off);
        x += tap_dx;
        w += ch;
      }
    }
    output[c] = dw_requant(p, acc, c);
  }
}

#if TPL_DW_MVE
/* Requantize four channels' accumulators (lanes past `pr` are not stored). */
TPL_INLINE void dw_requant_mve(const tpl_depthwise_conv_2d_params_t *p, int32x4_t acc, int32_t c,
                               mve_pred16_t pr, int8_t *output) {
  if (p->fast_rq) {
    const int32x4_t h = tpl_conv_rq_fast_mve(acc, p->multiplier + c, p->rq_add + c, p->rq_rsh + c,
                                             p->act_min, p->act_max, pr);
    vstrbq_p_s32(output + c, h, pr);
  } else {
    int32_t a[4];
    vst1q_s32(a, acc);
    const int32_t n = p->out_ch - c < 4 ? p->out_ch - c : 4;
    for (int32_t j = 0; j < n; ++j) output[c + j] = dw_requant(p, a[j], c + j);
  }
}

/* Depth multiplier 1 on Helium: four channels per int32 vector (VLDRB.S32 widening loads,
 * VMUL + VADD), the channel tail predicated; `off` as in dw_pixel_dm1. */
TPL_INLINE void dw_pixel_dm1_mve(const tpl_depthwise_conv_2d_params_t *p, const int8_t *in_b,
                                 int32_t iy0, int32_t ix0, int32_t fy0, int32_t fy1, int32_t fx0,
                                 int32_t fx1, const int32_t *bias, const int32_t off,
                                 const int8_t *filter, int8_t *output) {
  const int32_t ch = p->in_ch;
  const int32_t tap_dx = p->dilation_w * ch;
  const int32_t x_rs = p->dilation_h * p->in_w * ch, w_rs = p->filter_w * ch;
  const int32_t nfy = fy1 - fy0, nfx = fx1 - fx0;
  const int8_t *x_base = in_b + (iy0 + fy0 * p->dilation_h) * p->in_w * ch + (ix0 + fx0 * p->dilation_w) * ch;
  const int8_t *w_base = filter + (fy0 * p->filter_w + fx0) * ch;
  const int fast = p->fast_rq;
  const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
  int32_t c = 0;
  for (; c + 4 <= ch; c += 4) {
    int32x4_t acc = vld1q_s32(bias + c);
    const int8_t *xr = x_base + c, *wr = w_base + c;
    for (int32_t fy = 0; fy < nfy; ++fy) {
      const int8_t *x = xr, *w = wr;
      for (int32_t fx = 0; fx < nfx; ++fx) {
        int32x4_t xv = vldrbq_s32(x);
        if (off) xv = vaddq_n_s32(xv, off);
        acc = vaddq_s32(acc, vmulq_s32(xv, vldrbq_s32(w)));
        x += tap_dx;
        w += ch;
      }
      xr += x_rs;
      wr += w_rs;
    }
    if (fast) {
      vstrbq_s32(output + c, tpl_conv_rq_fast_vec(acc, vld1q_s32(p->multiplier + c), vld1q_s32(p->rq_add + c),
                                                  vld1q_s32(p->rq_rsh + c), lo, hi));
    } else {
      dw_requant_mve(p, acc, c, vctp32q(4), output);
    }
  }
  if (c < ch) {
    const mve_pred16_t pr = vctp32q((uint32_t)(ch - c));
    int32x4_t acc = vldrwq_z_s32(bias + c, pr);
    const int8_t *xr = x_base + c, *wr = w_base + c;
    for (int32_t fy = 0; fy < nfy; ++fy) {
      const int8_t *x = xr, *w = wr;
      for (int32_t fx = 0; fx < nfx; ++fx) {
        int32x4_t xv = vldrbq_z_s32(x, pr);
        if (off) xv = vaddq_n_s32(xv, off);
        acc = vaddq_s32(acc, vmulq_s32(xv, vldrbq_z_s32(w, pr)));
        x += tap_dx;
        w += ch;
      }
      xr += x_rs;
      wr += w_rs;
    }
    dw_requant_mve(p, acc, c, pr, output);
  }
}

/* 3x3, dilation 1, window inside the image, on Helium: taps unrolled, bias folded; whole groups
 * of four channels unpredicated, the last partial group predicated. Params in locals (int8
 * stores may alias the params struct). */
static void dw_pixel_3x3_interior_mve(const tpl_depthwise_conv_2d_params_t *p, const int8_t *x0,
                                      const int8_t *filter, int8_t *output) {
  const int32_t ch = p->in_ch;
  const int32_t rs = p->in_w * ch;
  const int32_t *bias = p->bias_folded, *mult = p->multiplier, *add = p->rq_add, *rsh = p->rq_rsh;
  const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
  const int fast = p->fast_rq;
  int32_t c = 0;
  for (; c + 4 <= ch; c += 4) {
    int32x4_t acc = vld1q_s32(bias + c);
    const int8_t *x = x0 + c, *w = filter + c;
    for (int32_t fy = 0; fy < 3; ++fy) {
      acc = vaddq_s32(acc, vmulq_s32(vldrbq_s32(x), vldrbq_s32(w)));
      acc = vaddq_s32(acc, vmulq_s32(vldrbq_s32(x + ch), vldrbq_s32(w + ch)));
      acc = vaddq_s32(acc, vmulq_s32(vldrbq_s32(x + 2 * ch), vldrbq_s32(w + 2 * ch)));
      x += rs;
      w += 3 * ch;
    }
    if (fast) {
      vstrbq_s32(output + c, tpl_conv_rq_fast_vec(acc, vld1q_s32(mult + c), vld1q_s32(add + c),
                                                  vld1q_s32(rsh + c), lo, hi));
    } else {
      dw_requant_mve(p, acc, c, vctp32q(4), output);
    }
  }
  if (c < ch) {
    const mve_pred16_t pr = vctp32q((uint32_t)(ch - c));
    int32x4_t acc = vldrwq_z_s32(bias + c, pr);
    const int8_t *x = x0 + c, *w = filter + c;
    for (int32_t fy = 0; fy < 3; ++fy) {
      for (int32_t fx = 0; fx < 3; ++fx) {
        acc = vaddq_s32(acc, vmulq_s32(vldrbq_z_s32(x + fx * ch, pr), vldrbq_z_s32(w + fx * ch, pr)));
      }
      x += rs;
      w += 3 * ch;
    }
    dw_requant_mve(p, acc, c, pr, output);
  }
}
#endif

#if !TPL_DW_MVE
/* Depth multiplier 1, 3x3 filter, dilation 1, window inside the image: taps unrolled, four
 * channels at a time, bias folded (no input offset), requantized four at a time. */
static void dw_pixel_3x3_interior(const tpl_depthwise_conv_2d_params_t *p, const int8_t *x0,
                                  const int8_t *filter, int8_t *output) {
  const int32_t ch = p->in_ch;
  const int32_t rs = p->in_w * ch;
  const int32_t *bias = p->bias_folded;
  int32_t c = 0;
  for (; c + 4 <= ch; c += 4) {
    int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
    const int8_t *x = x0 + c, *w = filter + c;
#if TPL_DW_DSP
    if (p->filter_dsp) {
      /* Filter pre-widened at compile time: per group of 4 channels, 9 taps x 2 words. */
      const int32_t *wq = p->filter_dsp + (c >> 2) * 18;
      for (int32_t fy = 0; fy < 3; ++fy) {
#define TPL_DW_TAP16(dx)                                                   \
        do {                                                               \
          const uint32_t xv = dw_load32(x + (dx) * ch);                    \
          int32_t we, wo;                                                  \
          dw_ldrd_inc(&wq, &we, &wo);                                      \
          const int32_t xe = __sxtb16(xv), xo = dw_sxtb16_ror8(xv);        \
          a0 = __smlabb(xe, we, a0);                                       \
          a2 = __smlatt(xe, we, a2);                                       \
          a1 = __smlabb(xo, wo, a1);                                       \
          a3 = __smlatt(xo, wo, a3);                                       \
        } while (0)
        TPL_DW_TAP16(0);
        TPL_DW_TAP16(1);
        TPL_DW_TAP16(2);
#undef TPL_DW_TAP16
        x += rs;
      }
    } else
#endif
    for (int32_t fy = 0; fy < 3; ++fy) {
#if TPL_DW_DSP
#define TPL_DW_TAP(dx)                                                     \
      do {                                                                 \
        const uint32_t xv = dw_load32(x + (dx) * ch), wv = dw_load32(w + (dx) * ch); \
        const int32_t xe = __sxtb16(xv), xo = dw_sxtb16_ror8(xv);       \
        const int32_t we = __sxtb16(wv), wo = dw_sxtb16_ror8(wv);       \
        a0 = __smlabb(xe, we, a0);                                         \
        a2 = __smlatt(xe, we, a2);                                         \
        a1 = __smlabb(xo, wo, a1);                                         \
        a3 = __smlatt(xo, wo, a3);                                         \
      } while (0)
#else
#define TPL_DW_TAP(dx)                                                     \
      do {                                                                 \
        const int8_t *xt = x + (dx) * ch, *wt = w + (dx) * ch;             \
        a0 += wt[0] * xt[0];                                               \
        a1 += wt[1] * xt[1];                                               \
        a2 += wt[2] * xt[2];                                               \
        a3 += wt[3] * xt[3];                                               \
      } while (0)
#endif
      TPL_DW_TAP(0);
      TPL_DW_TAP(1);
      TPL_DW_TAP(2);
#undef TPL_DW_TAP
      x += rs;
      w += 3 * ch;
    }
    if (p->fast_rq) {
      const int32_t lo = p->act_min, hi = p->act_max;
      const int32_t *m = p->multiplier + c, *add = p->rq_add + c, *rsh = p->rq_rsh + c;
      output[c] = (int8_t)tpl_conv_rq_fast(a0, m[0], add[0], rsh[0], lo, hi);
      output[c + 1] = (int8_t)tpl_conv_rq_fast(a1, m[1], add[1], rsh[1], lo, hi);
      output[c + 2] = (int8_t)tpl_conv_rq_fast(a2, m[2], add[2], rsh[2], lo, hi);
      output[c + 3] = (int8_t)tpl_conv_rq_fast(a3, m[3], add[3], rsh[3], lo, hi);
    } else {
      output[c] = dw_requant(p, a0, c);
      output[c + 1] = dw_requant(p, a1, c + 1);
      output[c + 2] = dw_requant(p, a2, c + 2);
      output[c + 3] = dw_requant(p, a3, c + 3);
    }
  }
  for (; c < ch; ++c) {
    int32_t acc = bias[c];
    for (int32_t fy = 0; fy < 3; ++fy) {
      for (int32_t fx = 0; fx < 3; ++fx) acc += filter[(fy * 3 + fx) * ch + c] * x0[fy * rs + fx * ch + c];
    }
    output[c] = dw_requant(p, acc, c);
  }
}

#endif

/* Any depth multiplier: output channel c = ic * dm + m reads input channel ic. */
static void dw_pixel_generic(const tpl_depthwise_conv_2d_params_t *p, const int8_t *in_b,
                             int32_t iy0, int32_t ix0, int32_t fy0, int32_t fy1, int32_t fx0,
                             int32_t fx1, const int32_t *bias, int32_t off,
                             const int8_t *filter, int8_t *output) {
  const int32_t dm = p->depth_multiplier, in_ch = p->in_ch, out_ch = p->out_ch;
  const int32_t row_stride = p->in_w * in_ch;
  for (int32_t ic = 0; ic < in_ch; ++ic) {
    for (int32_t m = 0; m < dm; ++m) {
      const int32_t c = ic * dm + m;
      int32_t acc = bias[c];
      for (int32_t fy = fy0; fy < fy1; ++fy) {
        const int8_t *in_row = in_b + (iy0 + fy * p->dilation_h) * row_stride + ic;
        const int8_t *w_row = filter + fy * p->filter_w * out_ch + c;
        for (int32_t fx = fx0; fx < fx1; ++fx) {
          acc += (int32_t)w_row[fx * out_ch] *
                 ((int32_t)in_row[(ix0 + fx * p->dilation_w) * in_ch] + off);
        }
      }
      output[c] = dw_requant(p, acc, c);
    }
  }
}

void tpl_depthwise_conv_2d(const tpl_depthwise_conv_2d_params_t *p, const int8_t *input,
                           const int8_t *filter, int8_t *output) {
  const int32_t batch_stride = p->in_h * p->in_w * p->in_ch;
  const int is3x3 = p->depth_multiplier == 1 && p->filter_h == 3 && p->filter_w == 3 &&
                    p->dilation_h == 1 && p->dilation_w == 1;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in_b = input + b * batch_stride;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t fy0, fy1;
      tap_range(iy0, p->dilation_h, p->filter_h, p->in_h, &fy0, &fy1);
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int32_t fx0, fx1;
        tap_range(ix0, p->dilation_w, p->filter_w, p->in_w, &fx0, &fx1);
        const int interior = fy0 == 0 && fy1 == p->filter_h && fx0 == 0 && fx1 == p->filter_w;
        if (is3x3 && interior) {
#if TPL_DW_MVE
          dw_pixel_3x3_interior_mve(p, in_b + (iy0 * p->in_w + ix0) * p->in_ch, filter, output);
#else
          dw_pixel_3x3_interior(p, in_b + (iy0 * p->in_w + ix0) * p->in_ch, filter, output);
#endif
        } else if (p->depth_multiplier != 1) {
          dw_pixel_generic(p, in_b, iy0, ix0, fy0, fy1, fx0, fx1,
                           interior ? p->bias_folded : p->bias, interior ? 0 : p->input_offset,
                           filter, output);
        } else if (interior) {
#if TPL_DW_MVE
          dw_pixel_dm1_mve(p, in_b, iy0, ix0, fy0, fy1, fx0, fx1, p->bias_folded, 0, filter, output);
#else
          dw_pixel_dm1(p, in_b, iy0, ix0, fy0, fy1, fx0, fx1, p->bias_folded, 0, filter, output);
#endif
        } else {
#if TPL_DW_MVE
          dw_pixel_dm1_mve(p, in_b, iy0, ix0, fy0, fy1, fx0, fx1, p->bias, p->input_offset, filter, output);
#else
          dw_pixel_dm1(p, in_b, iy0, ix0, fy0, fy1, fx0, fx1, p->bias, p->input_offset, filter, output);
#endif
        }
        output += p->out_ch;
      }
    }
  }
}
