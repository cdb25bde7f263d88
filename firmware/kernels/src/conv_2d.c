/* CONV_2D int8 kernel: im2col patch per output pixel, then one dot product per output channel.
 *
 * Bit-exactness with TFLM's ConvPerChannel: the reference accumulates
 * bias + sum over inside taps of w * (x + input_offset). Here every tap is present, outside taps
 * hold x = input_zero_point (so x + input_offset == 0), and the input_offset term is folded into
 * bias_folded at compile time. Integer addition is associative, so the int32 sums are identical.
 */
#include <string.h>

#include "tpl_conv_2d.h"

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

void tpl_conv_2d(const tpl_conv_2d_params_t *p, const int8_t *input, const int8_t *filter,
                 int8_t *output, int8_t *scratch) {
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
            int32_t acc = p->bias_folded[c] + dot_s8(col, filter + c * k, k);
            acc = tpl_mbqm(acc, p->multiplier[c], p->shift[c]) + p->output_offset;
            output[c] = (int8_t)tpl_clamp_i32(acc, p->act_min, p->act_max);
          }
        }
        output += p->out_ch;
      }
    }
  }
}
