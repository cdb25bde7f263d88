/* CONV_2D int8 kernel: im2col patch per output pixel, then one dot product per output channel.
 *
 * Bit-exactness with TFLM's ConvPerChannel: the reference accumulates
 * bias + sum over inside taps of w * (x + input_offset). Here every tap is present, outside taps
 * hold x = input_zero_point (so x + input_offset == 0), and the input_offset term is folded into
 * bias_folded at compile time. Integer addition is associative, so the int32 sums are identical.
 */
#include <string.h>

#include "tpl_conv_2d.h"

#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
#include <arm_acle.h>
#define TPL_CONV_DSP 1
#else
#define TPL_CONV_DSP 0
#endif

/* sum a[i] * b[i], int8 x int8 -> int32 (portable reference; the hot loop). */
static inline int32_t dot_s8(const int8_t *a, const int8_t *b, int32_t n) {
  int32_t acc = 0;
  for (int32_t i = 0; i < n; ++i) acc += (int32_t)a[i] * b[i];
  return acc;
}

/* Gather the patch of output pixel (oy, ox) of group g into col: [filter_h][filter_w][filter_in_ch]. */
static void im2col(const tpl_conv_2d_params_t *p, const int8_t *in_b, int32_t oy, int32_t ox,
                   int32_t g, int8_t *col) {
  const int32_t fic = p->filter_in_ch;
  const int32_t iy0 = oy * p->stride_h - p->pad_top;
  const int32_t ix0 = ox * p->stride_w - p->pad_left;
  const int8_t pad = (int8_t)p->input_zero_point;
  for (int32_t fy = 0; fy < p->filter_h; ++fy) {
    const int32_t iy = iy0 + fy * p->dilation_h;
    if (iy < 0 || iy >= p->in_h) {
      memset(col, pad, (size_t)(p->filter_w * fic));
      col += p->filter_w * fic;
      continue;
    }
    const int8_t *row = in_b + iy * p->in_w * p->in_ch + g * fic;
    if (p->dilation_w == 1 && p->groups == 1 && ix0 >= 0 && ix0 + p->filter_w <= p->in_w) {
      memcpy(col, row + ix0 * p->in_ch, (size_t)(p->filter_w * fic));
      col += p->filter_w * fic;
      continue;
    }
    for (int32_t fx = 0; fx < p->filter_w; ++fx) {
      const int32_t ix = ix0 + fx * p->dilation_w;
      if (ix < 0 || ix >= p->in_w) {
        memset(col, pad, (size_t)fic);
      } else {
        memcpy(col, row + ix * p->in_ch, (size_t)fic);
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
  acc = tpl_conv_mbqm(acc, p->multiplier[c], p->shift[c]) + p->output_offset;
  return (int8_t)tpl_clamp_i32(acc, p->act_min, p->act_max);
}

#if TPL_CONV_DSP
/* Cortex-M DSP path (one group): two output pixels x two output channels per step, SMLAD dual
 * 16-bit MACs. Each pixel's patch is widened to int16 with every 4 values stored as
 * (0, 2, 1, 3), the order SXTB16 / SXTB16 ROR 8 split the 4 filter bytes into. Same integer sums
 * as the portable loop (only the order of exact int32 additions differs). */
TPL_INLINE uint32_t ror8(uint32_t x) { return (x >> 8) | (x << 24); }

TPL_INLINE uint32_t load32(const void *ptr) {
  uint32_t v;
  memcpy(&v, ptr, 4);
  return v;
}

static void widen_reordered(const int8_t *src, int16_t *dst, int32_t k) {
  int32_t i = 0;
  for (; i + 4 <= k; i += 4) {
    const uint32_t w = load32(src + i);
    const uint32_t e = (uint32_t)__sxtb16(w), o = (uint32_t)__sxtb16(ror8(w));
    memcpy(dst + i, &e, 4);
    memcpy(dst + i + 2, &o, 4);
  }
  for (; i < k; ++i) dst[i] = src[i];
}

static void conv_dsp(const tpl_conv_2d_params_t *p, const int8_t *input, const int8_t *filter,
                     int8_t *output, int8_t *scratch) {
  const int32_t k = p->filter_h * p->filter_w * p->filter_in_ch;
  const int32_t k2 = (k + 1) & ~1;
  int16_t *cols[2] = {(int16_t *)(void *)scratch, (int16_t *)(void *)scratch + k2};
  int8_t *patch = scratch + 4 * k2;
  const int32_t in_batch = p->in_h * p->in_w * p->in_ch;
  const int32_t pixels = p->batches * p->out_h * p->out_w;
  const int32_t k4 = k & ~3;
  int32_t b = 0, oy = 0, ox = 0;
  for (int32_t q = 0; q < pixels; q += 2) {
    const int32_t n = pixels - q >= 2 ? 2 : 1;
    for (int32_t j = 0; j < n; ++j) {
      const int8_t *in_b = input + b * in_batch;
      const int8_t *src;
      if (p->direct) {
        src = in_b + (oy * p->stride_h * p->in_w + ox * p->stride_w) * p->in_ch;
      } else {
        im2col(p, in_b, oy, ox, 0, patch);
        src = patch;
      }
      widen_reordered(src, cols[j], k);
      if (++ox == p->out_w) {
        ox = 0;
        if (++oy == p->out_h) { oy = 0; ++b; }
      }
    }
    const int16_t *x0 = cols[0], *x1 = n == 2 ? cols[1] : cols[0];
    int8_t *out0 = output + q * p->out_ch, *out1 = out0 + p->out_ch;
    int32_t c = 0;
    for (; c < p->out_ch; c += 2) {
      const int two = c + 1 < p->out_ch;
      const int8_t *w0 = filter + c * k, *w1 = two ? w0 + k : w0;
      int32_t a00 = p->bias_folded[c], a01 = two ? p->bias_folded[c + 1] : 0;
      int32_t a10 = a00, a11 = a01;
      for (int32_t i = 0; i < k4; i += 4) {
        const uint32_t wa = load32(w0 + i), wb = load32(w1 + i);
        const int32_t wae = __sxtb16(wa), wao = __sxtb16(ror8(wa));
        const int32_t wbe = __sxtb16(wb), wbo = __sxtb16(ror8(wb));
        const int32_t p0e = (int32_t)load32(x0 + i), p0o = (int32_t)load32(x0 + i + 2);
        const int32_t p1e = (int32_t)load32(x1 + i), p1o = (int32_t)load32(x1 + i + 2);
        a00 = __smlad(p0e, wae, a00);
        a00 = __smlad(p0o, wao, a00);
        a01 = __smlad(p0e, wbe, a01);
        a01 = __smlad(p0o, wbo, a01);
        a10 = __smlad(p1e, wae, a10);
        a10 = __smlad(p1o, wao, a10);
        a11 = __smlad(p1e, wbe, a11);
        a11 = __smlad(p1o, wbo, a11);
      }
      for (int32_t i = k4; i < k; ++i) {
        a00 += x0[i] * w0[i];
        a01 += x0[i] * w1[i];
        a10 += x1[i] * w0[i];
        a11 += x1[i] * w1[i];
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

#if !TPL_CONV_DSP
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
#if TPL_CONV_DSP
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
