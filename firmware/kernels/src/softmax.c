/* SOFTMAX int8 kernel: TFLM reference_ops::Softmax with the exp() terms read from a table. */
#include "tpl_softmax.h"

#define ACCUM_INTEGER_BITS 12

/* gemmlowp RoundingHalfSum on int32. */
TPL_INLINE int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/* Saturating left shift (gemmlowp SaturatingRoundingMultiplyByPOT, positive exponent). */
TPL_INLINE int32_t sat_shl(int32_t x, int exponent) {
  const int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1u);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (int32_t)((uint32_t)x << exponent);
}

/* gemmlowp one_over_one_plus_x_for_x_in_0_1 (Q0.31 in and out), Newton-Raphson in Q2.29. */
static int32_t one_over_one_plus_x(int32_t a) {
  const int32_t half_denominator = rounding_half_sum(a, INT32_MAX);
  int32_t x = (int32_t)((uint32_t)1515870810 + (uint32_t)tpl_srdhm(half_denominator, -1010580540));
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = tpl_srdhm(half_denominator, x);
    const int32_t one_minus = (int32_t)((uint32_t)(1 << 29) - (uint32_t)half_denominator_times_x);
    x = (int32_t)((uint32_t)x + (uint32_t)sat_shl(tpl_srdhm(x, one_minus), 2));
  }
  return sat_shl(x, 1);
}

TPL_INLINE int count_leading_zeros(uint32_t x) {
#if defined(__GNUC__)
  return x ? __builtin_clz(x) : 32;
#else
  int n = 0;
  if (!x) return 32;
  while (!(x & 0x80000000u)) { x <<= 1; ++n; }
  return n;
#endif
}

void tpl_softmax_s8(const tpl_softmax_params_t *p, const int32_t *exp_lut, const int8_t *input,
                    int8_t *output) {
  const int32_t depth = p->depth;
  for (int32_t r = 0; r < p->rows; ++r) {
    const int8_t *in = input + r * depth;
    int8_t *out = output + r * depth;
    int32_t max_in_row = -128;
    for (int32_t c = 0; c < depth; ++c) max_in_row = in[c] > max_in_row ? in[c] : max_in_row;

    uint32_t sum_of_exps = 0;  /* Q12.19; wraps like TFLM's int32 sum (it never gets close) */
    for (int32_t c = 0; c < depth; ++c) {
      sum_of_exps += (uint32_t)tpl_rdbpot(exp_lut[max_in_row - in[c]], ACCUM_INTEGER_BITS);
    }
    /* GetReciprocal(sum, 12): scale the sum into [1, 2), reciprocal in Q0.31. */
    const int headroom_plus_one = count_leading_zeros(sum_of_exps);
    const int num_bits_over_unit = ACCUM_INTEGER_BITS - headroom_plus_one;
    const int32_t shifted_sum_minus_one =
        (int32_t)((sum_of_exps << headroom_plus_one) - (1u << 31));
    const int32_t shifted_scale = one_over_one_plus_x(shifted_sum_minus_one);
    const int exponent = num_bits_over_unit + 31 - 8;

    for (int32_t c = 0; c < depth; ++c) {
      const int32_t v = tpl_rdbpot(tpl_srdhm(shifted_scale, exp_lut[max_in_row - in[c]]), exponent);
      out[c] = (int8_t)tpl_clamp_i32(v - 128, -128, 127);
    }
  }
}
