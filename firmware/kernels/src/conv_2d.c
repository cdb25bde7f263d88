/* CONV_2D int8 kernel: im2col patch per output pixel, then one dot product per output channel.
 *
 * Bit-exactness with TFLM's ConvPerChannel: the reference accumulates
 * bias + sum over inside taps of w * (x + input_offset). Here every tap is present, outside taps
 * hold x = input_zero_point (so x + input_offset == 0), and the input_offset term is folded into
 * bias_folded at compile time. Integer addition is associative, so the int32 sums are identical.
 */
#include <string.h>

#include "tpl_conv_2d.h"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>
#define TPL_CONV_MVE 1
#define TPL_CONV_DSP 0
#elif defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
#include <arm_acle.h>
#define TPL_CONV_MVE 0
#define TPL_CONV_DSP 1
#else
#define TPL_CONV_MVE 0
#define TPL_CONV_DSP 0
#endif

/* sum a[i] * b[i], int8 x int8 -> int32 (portable reference; the hot loop). */
static inline int32_t dot_s8(const int8_t *a, const int8_t *b, int32_t n) {
  int32_t acc = 0;
  for (int32_t i = 0; i < n; ++i) acc += (int32_t)a[i] * b[i];
  return acc;
}

/* Byte copy / fill: short runs (a few input channels) inline, long ones through the library. */
TPL_INLINE void copy_bytes(int8_t *dst, const int8_t *src, int32_t n) {
  if (n >= 16) {
    memcpy(dst, src, (size_t)n);
  } else {
    for (int32_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

TPL_INLINE void fill_bytes(int8_t *dst, int8_t v, int32_t n) {
  if (n >= 16) {
    memset(dst, v, (size_t)n);
  } else {
    for (int32_t i = 0; i < n; ++i) dst[i] = v;
  }
}

/* Gather the patch of output pixel (oy, ox) of group g into col: [filter_h][filter_w][filter_in_ch]. */
static void im2col(const tpl_conv_2d_params_t *p, const int8_t *in_b, int32_t oy, int32_t ox,
                   int32_t g, int8_t *col) {
  const int32_t fic = p->filter_in_ch;
  const int32_t iy0 = oy * p->stride_h - p->pad_top;
  const int32_t ix0 = ox * p->stride_w - p->pad_left;
  const int8_t pad = (int8_t)p->input_zero_point;
  const int32_t row_len = p->filter_w * fic;
  for (int32_t fy = 0; fy < p->filter_h; ++fy) {
    const int32_t iy = iy0 + fy * p->dilation_h;
    if (iy < 0 || iy >= p->in_h) {
      fill_bytes(col, pad, row_len);
      col += row_len;
      continue;
    }
    const int8_t *row = in_b + iy * p->in_w * p->in_ch + g * fic;
    if (p->dilation_w == 1 && p->groups == 1 && ix0 >= 0 && ix0 + p->filter_w <= p->in_w) {
      copy_bytes(col, row + ix0 * p->in_ch, row_len);
      col += row_len;
      continue;
    }
    for (int32_t fx = 0; fx < p->filter_w; ++fx) {
      const int32_t ix = ix0 + fx * p->dilation_w;
      if (ix < 0 || ix >= p->in_w) {
        fill_bytes(col, pad, fic);
      } else {
        copy_bytes(col, row + ix * p->in_ch, fic);
      }
      col += fic;
    }
  }
}

/* Kept out of line: inlined four times into the DSP loop it costs registers the MAC loop needs. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int8_t requant(const tpl_conv_2d_params_t *p, int32_t acc, int32_t c) {
  if (p->fast_rq) {
    return (int8_t)tpl_conv_rq_fast(acc, p->multiplier[c], p->rq_add[c], p->rq_rsh[c], p->act_min,
                                    p->act_max);
  }
  acc = tpl_conv_mbqm(acc, p->multiplier[c], p->shift[c]) + p->output_offset;
  return (int8_t)tpl_clamp_i32(acc, p->act_min, p->act_max);
}

#if TPL_CONV_DSP || TPL_CONV_MVE
/* Requantize n consecutive channels' accumulators (c0, c0 + 1, ...) to out[0..n). */
static void requant_run(const tpl_conv_2d_params_t *p, const int32_t *acc, int32_t c0, int32_t n,
                        int8_t *out) {
  if (p->fast_rq) {
    const int32_t lo = p->act_min, hi = p->act_max;
    const int32_t *m = p->multiplier + c0, *add = p->rq_add + c0, *rsh = p->rq_rsh + c0;
    for (int32_t j = 0; j < n; ++j) out[j] = (int8_t)tpl_conv_rq_fast(acc[j], m[j], add[j], rsh[j], lo, hi);
  } else {
    for (int32_t j = 0; j < n; ++j) out[j] = requant(p, acc[j], c0 + j);
  }
}
#endif

#if TPL_CONV_DSP
/* Cortex-M DSP path (one group): two output pixels x two output channels per step, SMLAD dual
 * 16-bit MACs. Each pixel's patch is widened to int16 with every 4 values stored as
 * (0, 2, 1, 3), the order SXTB16 / SXTB16 ROR 8 split the 4 filter bytes into. Same integer sums
 * as the portable loop (only the order of exact int32 additions differs). */
TPL_INLINE uint32_t ror8(uint32_t x) { return (x >> 8) | (x << 24); }

/* Two words from a 4-aligned pointer, advanced by 8 (LDRD with writeback). */
TPL_INLINE void ldrd_inc(const int32_t **ptr, int32_t *a, int32_t *b) {
  __asm__("ldrd %0, %1, [%2], #8" : "=r"(*a), "=r"(*b), "+r"(*ptr) : : "memory");
}

/* SXTB16 of x rotated by 8, one instruction (GCC does not fold the rotation itself). */
TPL_INLINE int32_t sxtb16_ror8(uint32_t x) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}

TPL_INLINE uint32_t load32(const void *ptr) {
  uint32_t v;
  memcpy(&v, ptr, 4);
  return v;
}

/* Widen two patches (x0, x1) of k int8 values into one int16 buffer, per group of 4 values
 * (x0: 0 2 1 3, x1: 0 2 1 3), so the MAC loop reads both pixels through one pointer; the k % 4
 * tail stays in the int8 patches. */
static void widen_pair(const int8_t *x0, const int8_t *x1, int16_t *dst, int32_t k) {
  int32_t i = 0;
  for (; i + 4 <= k; i += 4) {
    const uint32_t a = load32(x0 + i), b = load32(x1 + i);
    const int32_t v[4] = {__sxtb16(a), sxtb16_ror8(a), __sxtb16(b), sxtb16_ror8(b)};
    memcpy(dst, v, 16);
    dst += 8;
  }
}

static void conv_dsp(const tpl_conv_2d_params_t *p, const int8_t *input, const int8_t *filter,
                     int8_t *output, int8_t *scratch) {
  const int32_t k = p->filter_h * p->filter_w * p->filter_in_ch;
  const int32_t kk = (k + 3) & ~3;
  int16_t *cols = (int16_t *)(void *)scratch;    /* both pixels widened: 2 * kk int16 */
  int8_t *patches[2] = {scratch + 4 * kk, scratch + 5 * kk};
  const int32_t in_batch = p->in_h * p->in_w * p->in_ch;
  const int32_t pixels = p->batches * p->out_h * p->out_w;
  const int32_t k4 = k & ~3;
  const int32_t groups4 = k4 / 4;
  int32_t b = 0, oy = 0, ox = 0;
  for (int32_t q = 0; q < pixels; q += 2) {
    const int32_t n = pixels - q >= 2 ? 2 : 1;
    const int8_t *src[2];
    for (int32_t j = 0; j < n; ++j) {
      const int8_t *in_b = input + b * in_batch;
      if (p->direct) {
        src[j] = in_b + (oy * p->stride_h * p->in_w + ox * p->stride_w) * p->in_ch;
      } else {
        im2col(p, in_b, oy, ox, 0, patches[j]);
        src[j] = patches[j];
      }
      if (++ox == p->out_w) {
        ox = 0;
        if (++oy == p->out_h) { oy = 0; ++b; }
      }
    }
    if (n == 1) src[1] = src[0];
    widen_pair(src[0], src[1], cols, k);
    const int8_t *s0 = src[0], *s1 = src[1];
    int8_t *out0 = output + q * p->out_ch, *out1 = out0 + p->out_ch;
    for (int32_t c = 0; c < p->out_ch; c += 2) {
      const int two = c + 1 < p->out_ch;
      const int8_t *w0 = filter + c * k;
      const int32_t kw = two ? k : 0;
      int32_t acc[4];
      int32_t a00 = p->bias_folded[c], a01 = two ? p->bias_folded[c + 1] : 0;
      int32_t a10 = a00, a11 = a01;
      if (p->filter_dsp) {
        /* Filter pre-widened at compile time: per channel pair and group of 4, the words
         * (a: 0 2), (a: 1 3), (b: 0 2), (b: 1 3); pixel words (x0: 0 2), (x0: 1 3), (x1: ...). */
        const int32_t *wq = p->filter_dsp + (c >> 1) * 4 * groups4;
        const int32_t *x = (const int32_t *)(const void *)cols;
        for (int32_t g = groups4; g > 0; --g) {
          int32_t wae, wao, wbe, wbo, v0, v1, v2, v3;
          ldrd_inc(&wq, &wae, &wao);
          ldrd_inc(&wq, &wbe, &wbo);
          ldrd_inc(&x, &v0, &v1);
          ldrd_inc(&x, &v2, &v3);
          a00 = __smlad(v0, wae, a00);
          a01 = __smlad(v0, wbe, a01);
          a00 = __smlad(v1, wao, a00);
          a01 = __smlad(v1, wbo, a01);
          a10 = __smlad(v2, wae, a10);
          a11 = __smlad(v2, wbe, a11);
          a10 = __smlad(v3, wao, a10);
          a11 = __smlad(v3, wbo, a11);
        }
      } else {
        const int16_t *x = cols;
        const int8_t *w = w0, *w_end = w0 + 4 * groups4;
        while (w != w_end) {
          const uint32_t wa = load32(w), wb = load32(w + kw);
          w += 4;
          const int32_t wae = __sxtb16(wa), wao = sxtb16_ror8(wa);
          const int32_t wbe = __sxtb16(wb), wbo = sxtb16_ror8(wb);
          int32_t v = (int32_t)load32(x);
          a00 = __smlad(v, wae, a00);
          a01 = __smlad(v, wbe, a01);
          v = (int32_t)load32(x + 2);
          a00 = __smlad(v, wao, a00);
          a01 = __smlad(v, wbo, a01);
          v = (int32_t)load32(x + 4);
          a10 = __smlad(v, wae, a10);
          a11 = __smlad(v, wbe, a11);
          v = (int32_t)load32(x + 6);
          a10 = __smlad(v, wao, a10);
          a11 = __smlad(v, wbo, a11);
          x += 8;
        }
      }
      for (int32_t i = k4; i < k; ++i) {
        a00 += s0[i] * w0[i];
        a01 += s0[i] * w0[i + kw];
        a10 += s1[i] * w0[i];
        a11 += s1[i] * w0[i + kw];
      }
      if (p->fast_rq && two && n == 2) {
        const int32_t lo = p->act_min, hi = p->act_max;
        const int32_t m0 = p->multiplier[c], m1 = p->multiplier[c + 1];
        const int32_t d0 = p->rq_add[c], d1 = p->rq_add[c + 1];
        const int32_t r0 = p->rq_rsh[c], r1 = p->rq_rsh[c + 1];
        out0[c] = (int8_t)tpl_conv_rq_fast(a00, m0, d0, r0, lo, hi);
        out0[c + 1] = (int8_t)tpl_conv_rq_fast(a01, m1, d1, r1, lo, hi);
        out1[c] = (int8_t)tpl_conv_rq_fast(a10, m0, d0, r0, lo, hi);
        out1[c + 1] = (int8_t)tpl_conv_rq_fast(a11, m1, d1, r1, lo, hi);
        continue;
      }
      acc[0] = a00;
      acc[1] = a01;
      acc[2] = a10;
      acc[3] = a11;
      requant_run(p, acc, c, 1 + two, out0 + c);
      if (n == 2) requant_run(p, acc + 2, c, 1 + two, out1 + c);
    }
  }
}
#endif

#if TPL_CONV_MVE
/* Helium path (one group): per output pixel, four output channels per step; each step of 16
 * int8 values is one VMLADAVA (exact int8 dot product added to an int32) per channel, the last
 * partial step loads with a zeroing tail predicate; the four sums are requantized as one vector.
 * Channels past out_ch (last step) reuse the last filter row and are not stored. */
static void conv_mve(const tpl_conv_2d_params_t *p, const int8_t *input, const int8_t *filter,
                     int8_t *output, int8_t *scratch) {
  const int32_t k = p->filter_h * p->filter_w * p->filter_in_ch;
  const int32_t k16 = k / 16, tail = k % 16;
  const mve_pred16_t tail_pr = vctp8q((uint32_t)tail);
  const int32_t in_batch = p->in_h * p->in_w * p->in_ch;
  const int32_t out_ch = p->out_ch;
  int8_t *out = output;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in_b = input + b * in_batch;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int8_t *col;
        if (p->direct) {
          col = in_b + (oy * p->stride_h * p->in_w + ox * p->stride_w) * p->in_ch;
        } else {
          im2col(p, in_b, oy, ox, 0, scratch);
          col = scratch;
        }
        int32_t c = 0;
        if (p->fast_rq) {
          /* whole groups of 4 channels: no clamped filter rows, unpredicated tables and store */
          const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
          const int32_t *bias = p->bias_folded, *mult = p->multiplier, *add = p->rq_add, *rsh = p->rq_rsh;
          for (; c + 4 <= out_ch; c += 4) {
            const int8_t *w0 = filter + c * k, *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
            const int8_t *x = col;
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            for (int32_t i = k16; i > 0; --i) {
              const int8x16_t u = vld1q_s8(x);
              a0 = vmladavaq_s8(a0, u, vld1q_s8(w0));
              a1 = vmladavaq_s8(a1, u, vld1q_s8(w1));
              a2 = vmladavaq_s8(a2, u, vld1q_s8(w2));
              a3 = vmladavaq_s8(a3, u, vld1q_s8(w3));
              x += 16;
              w0 += 16;
              w1 += 16;
              w2 += 16;
              w3 += 16;
            }
            if (tail) {
              const int8x16_t u = vldrbq_z_s8(x, tail_pr);
              a0 = vmladavaq_s8(a0, u, vldrbq_z_s8(w0, tail_pr));
              a1 = vmladavaq_s8(a1, u, vldrbq_z_s8(w1, tail_pr));
              a2 = vmladavaq_s8(a2, u, vldrbq_z_s8(w2, tail_pr));
              a3 = vmladavaq_s8(a3, u, vldrbq_z_s8(w3, tail_pr));
            }
            int32x4_t acc = vdupq_n_s32(a0);
            acc = vsetq_lane_s32(a1, acc, 1);
            acc = vsetq_lane_s32(a2, acc, 2);
            acc = vsetq_lane_s32(a3, acc, 3);
            acc = vaddq_s32(acc, vld1q_s32(bias + c));
            vstrbq_s32(out + c, tpl_conv_rq_fast_vec(acc, vld1q_s32(mult + c), vld1q_s32(add + c),
                                                     vld1q_s32(rsh + c), lo, hi));
          }
        }
        for (; c < out_ch; c += 4) {
          const mve_pred16_t pr = vctp32q((uint32_t)(out_ch - c));
          const int8_t *w0 = filter + c * k;
          const int8_t *w1 = c + 1 < out_ch ? w0 + k : w0;
          const int8_t *w2 = c + 2 < out_ch ? w1 + k : w1;
          const int8_t *w3 = c + 3 < out_ch ? w2 + k : w2;
          const int8_t *x = col;
          int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
          for (int32_t i = k16; i > 0; --i) {
            const int8x16_t u = vld1q_s8(x);
            a0 = vmladavaq_s8(a0, u, vld1q_s8(w0));
            a1 = vmladavaq_s8(a1, u, vld1q_s8(w1));
            a2 = vmladavaq_s8(a2, u, vld1q_s8(w2));
            a3 = vmladavaq_s8(a3, u, vld1q_s8(w3));
            x += 16;
            w0 += 16;
            w1 += 16;
            w2 += 16;
            w3 += 16;
          }
          if (tail) {
            const int8x16_t u = vldrbq_z_s8(x, tail_pr);
            a0 = vmladavaq_s8(a0, u, vldrbq_z_s8(w0, tail_pr));
            a1 = vmladavaq_s8(a1, u, vldrbq_z_s8(w1, tail_pr));
            a2 = vmladavaq_s8(a2, u, vldrbq_z_s8(w2, tail_pr));
            a3 = vmladavaq_s8(a3, u, vldrbq_z_s8(w3, tail_pr));
          }
          int32x4_t acc = vdupq_n_s32(a0);
          acc = vsetq_lane_s32(a1, acc, 1);
          acc = vsetq_lane_s32(a2, acc, 2);
          acc = vsetq_lane_s32(a3, acc, 3);
          acc = vaddq_s32(acc, vldrwq_z_s32(p->bias_folded + c, pr));
          if (p->fast_rq) {
            vstrbq_p_s32(out + c, tpl_conv_rq_fast_mve(acc, p->multiplier + c, p->rq_add + c,
                                                       p->rq_rsh + c, p->act_min, p->act_max, pr),
                         pr);
          } else {
            int32_t a[4];
            vst1q_s32(a, acc);
            requant_run(p, a, c, out_ch - c < 4 ? out_ch - c : 4, out + c);
          }
        }
        out += out_ch;
      }
    }
  }
}
#endif

#if !TPL_CONV_DSP && !TPL_CONV_MVE
/* Portable path (one group): two output pixels x two output channels per step, so each loaded
 * input and filter byte feeds two MACs. */
static void conv_tiled(const tpl_conv_2d_params_t *p, const int8_t *input, const int8_t *filter,
                       int8_t *output, int8_t *scratch) {
  const int32_t k = p->filter_h * p->filter_w * p->filter_in_ch;
  int8_t *patches[2] = {scratch, scratch + k};
  const int32_t in_batch = p->in_h * p->in_w * p->in_ch;
  const int32_t pixels = p->batches * p->out_h * p->out_w;
  int32_t b = 0, oy = 0, ox = 0;
  for (int32_t q = 0; q < pixels; q += 2) {
    const int32_t n = pixels - q >= 2 ? 2 : 1;
    const int8_t *cols[2];
    for (int32_t j = 0; j < n; ++j) {
      const int8_t *in_b = input + b * in_batch;
      if (p->direct) {
        cols[j] = in_b + (oy * p->stride_h * p->in_w + ox * p->stride_w) * p->in_ch;
      } else {
        im2col(p, in_b, oy, ox, 0, patches[j]);
        cols[j] = patches[j];
      }
      if (++ox == p->out_w) {
        ox = 0;
        if (++oy == p->out_h) { oy = 0; ++b; }
      }
    }
    const int8_t *x0 = cols[0], *x1 = n == 2 ? cols[1] : cols[0];
    int8_t *out0 = output + q * p->out_ch, *out1 = out0 + p->out_ch;
    for (int32_t c = 0; c < p->out_ch; c += 2) {
      const int two = c + 1 < p->out_ch;
      const int8_t *w0 = filter + c * k, *w1 = two ? w0 + k : w0;
      int32_t a00 = p->bias_folded[c], a01 = two ? p->bias_folded[c + 1] : 0;
      int32_t a10 = a00, a11 = a01;
      for (int32_t i = 0; i < k; ++i) {
        const int32_t u = x0[i], v = x1[i], wa = w0[i], wb = w1[i];
        a00 += u * wa;
        a01 += u * wb;
        a10 += v * wa;
        a11 += v * wb;
      }
      out0[c] = requant(p, a00, c);
      if (two) out0[c + 1] = requant(p, a01, c + 1);
      if (n == 2) {
        out1[c] = requant(p, a10, c);
        if (two) out1[c + 1] = requant(p, a11, c + 1);
      }
    }
  }
}
#endif

void tpl_conv_2d(const tpl_conv_2d_params_t *p, const int8_t *input, const int8_t *filter,
                 int8_t *output, int8_t *scratch) {
  if (p->groups == 1) {
#if TPL_CONV_MVE
    conv_mve(p, input, filter, output, scratch);
#elif TPL_CONV_DSP
    conv_dsp(p, input, filter, output, scratch);
#else
    conv_tiled(p, input, filter, output, scratch);
#endif
    return;
  }
  const int32_t k = p->filter_h * p->filter_w * p->filter_in_ch;
  const int32_t per_group = p->out_ch / p->groups;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in_b = input + b * p->in_h * p->in_w * p->in_ch;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        for (int32_t g = 0; g < p->groups; ++g) {
          const int8_t *col;
          if (p->direct) {
            col = in_b + (oy * p->stride_h * p->in_w + ox * p->stride_w) * p->in_ch;
          } else {
            im2col(p, in_b, oy, ox, g, scratch);
            col = scratch;
          }
          const int32_t c_end = (g + 1) * per_group;
          for (int32_t c = g * per_group; c < c_end; ++c) {
            output[c] = requant(p, p->bias_folded[c] + dot_s8(col, filter + c * k, k), c);
          }
        }
        output += p->out_ch;
      }
    }
  }
}
