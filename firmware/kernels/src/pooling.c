/* AVERAGE_POOL_2D / MAX_POOL_2D int8 kernels. The window is clipped to the image; a window with
 * no inside tap cannot occur for SAME/VALID geometry (TFLM would fail Eval on it). */
#include "tpl_pooling.h"

#define TPL_POOL_WINDOW(p, oy, ox, y0, y1, x0, x1)                                 \
  const int32_t iy0_ = (oy) * (p)->stride_h - (p)->pad_top;                         \
  const int32_t ix0_ = (ox) * (p)->stride_w - (p)->pad_left;                        \
  const int32_t y0 = iy0_ < 0 ? 0 : iy0_;                                          \
  const int32_t y1 = tpl_min_i32(iy0_ + (p)->filter_h, (p)->in_h);                 \
  const int32_t x0 = ix0_ < 0 ? 0 : ix0_;                                          \
  const int32_t x1 = tpl_min_i32(ix0_ + (p)->filter_w, (p)->in_w)

void tpl_average_pool_2d(const tpl_pool_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t ch = p->channels;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in_b = input + b * p->in_h * p->in_w * ch;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        TPL_POOL_WINDOW(p, oy, ox, y0, y1, x0, x1);
        const int32_t count = (y1 - y0) * (x1 - x0);
        for (int32_t c = 0; c < ch; ++c) {
          int32_t acc = 0;
          for (int32_t y = y0; y < y1; ++y) {
            const int8_t *row = in_b + (y * p->in_w) * ch + c;
            for (int32_t x = x0; x < x1; ++x) acc += row[x * ch];
          }
          /* C division truncates toward zero: +-count/2 first rounds half away from zero. */
          acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          output[c] = (int8_t)tpl_clamp_i32(acc, p->act_min, p->act_max);
        }
        output += ch;
      }
    }
  }
}

void tpl_max_pool_2d(const tpl_pool_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t ch = p->channels;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in_b = input + b * p->in_h * p->in_w * ch;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        TPL_POOL_WINDOW(p, oy, ox, y0, y1, x0, x1);
        for (int32_t c = 0; c < ch; ++c) {
          int32_t m = -128;
          for (int32_t y = y0; y < y1; ++y) {
            const int8_t *row = in_b + (y * p->in_w) * ch + c;
            for (int32_t x = x0; x < x1; ++x) m = tpl_max_i32(m, row[x * ch]);
          }
          output[c] = (int8_t)tpl_clamp_i32(m, p->act_min, p->act_max);
        }
        output += ch;
      }
    }
  }
}
