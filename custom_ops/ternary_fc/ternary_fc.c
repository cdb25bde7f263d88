/* TPL_TERNARY_FC kernel core; see ternary_fc.h and reference.py for the exact semantics. */
#include "ternary_fc.h"

static int32_t srdhm(int32_t a, int32_t b) {
  /* gemmlowp SaturatingRoundingDoublingHighMul */
  if (a == b && a == INT32_MIN) {
    return INT32_MAX;
  }
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return (int32_t)((ab + nudge) / (1LL << 31));
}

static int32_t rounding_divide_by_pot(int32_t x, int32_t exponent) {
  const int32_t mask = (int32_t)((1LL << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t tpl_ternary_fc_mbqm(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  return rounding_divide_by_pot(srdhm((int32_t)((uint32_t)x << left), multiplier), right);
}

void tpl_ternary_fc(const tpl_ternary_fc_params_t *p, const int8_t *input,
                    const uint8_t *packed_weights, const int32_t *bias, const int8_t *levels,
                    int8_t *output) {
  const int32_t K = p->in_features;
  const int32_t N = p->out_features;
  const int32_t row_bytes = tpl_ternary_fc_row_bytes(K);
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *x = input + (int32_t)b * K;
    for (int32_t c = 0; c < N; ++c) {
      const uint8_t *w = packed_weights + (int32_t)c * row_bytes;
      int32_t sum_pos = 0;
      int32_t sum_neg = 0;
      for (int32_t k = 0; k < K; ++k) {
        const uint32_t code = ((uint32_t)w[k >> 2] >> ((k & 3) * 2)) & 3u;
        const int32_t xv = (int32_t)x[k] + p->input_offset;
        if (code == 1u) {
          sum_pos += xv;
        } else if (code == 3u) {
          sum_neg += xv;
        }
      }
      int32_t acc = (int32_t)levels[2 * c] * sum_pos - (int32_t)levels[2 * c + 1] * sum_neg;
      if (bias != 0) {
        acc += bias[c];
      }
      acc = tpl_ternary_fc_mbqm(acc, p->output_multiplier[c], p->output_shift[c]);
      acc += p->output_offset;
      if (acc < p->act_min) acc = p->act_min;
      if (acc > p->act_max) acc = p->act_max;
      output[(int32_t)b * N + c] = (int8_t)acc;
    }
  }
}
