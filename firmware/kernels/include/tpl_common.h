/* Shared integer arithmetic of the tflm-pipeline kernels.
 *
 * These are TFLM's reference fixed-point rules (gemmlowp rounding), written for plain C99 so the
 * same code runs on the host (kernel tests) and on every Cortex-M core. Kernels take a params
 * struct computed at compile time (Prepare happened in Python) and raw pointers.
 */
#ifndef TPL_COMMON_H_
#define TPL_COMMON_H_

#include <stdint.h>
#include <stddef.h>

#if defined(__GNUC__)
#define TPL_INLINE static inline __attribute__((always_inline))
#else
#define TPL_INLINE static inline
#endif

TPL_INLINE int32_t tpl_min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
TPL_INLINE int32_t tpl_max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
TPL_INLINE int32_t tpl_clamp_i32(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* gemmlowp SaturatingRoundingDoublingHighMul: (a*b*2 + round) >> 32, saturating INT32_MIN^2. */
TPL_INLINE int32_t tpl_srdhm(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * (int64_t)b;
  int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  int64_t r = ab + nudge;
  /* C division truncates toward zero, as gemmlowp relies on. */
  return (int32_t)(r / (1LL << 31));
}

/* gemmlowp RoundingDivideByPOT: x / 2^exponent rounded half away from zero. */
TPL_INLINE int32_t tpl_rdbpot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)((1LL << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLM MultiplyByQuantizedMultiplier: x * multiplier * 2^(shift-31), double rounding. */
TPL_INLINE int32_t tpl_mbqm(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  return tpl_rdbpot(tpl_srdhm((int32_t)((uint32_t)x << left), multiplier), right);
}

/* Faster exact forms of the two gemmlowp steps, for inner loops (results identical to the above
 * within the stated ranges; checked exhaustively/randomly by tests/test_ops_elementwise.py).
 *
 * tpl_srdhm when a and b are not both INT32_MIN (always so with a positive multiplier):
 * SRDHM rounds a*b/2^31 to nearest with ties toward +infinity, i.e. floor((a*b + 2^30) / 2^31). */
TPL_INLINE int32_t tpl_srdhm_nosat(int32_t a, int32_t b) {
  return (int32_t)(((int64_t)a * (int64_t)b + (1LL << 30)) >> 31);
}

/* tpl_rdbpot for x <= INT32_MAX - 2^(exponent-1): (x + 2^(e-1) - [x < 0 and e > 0]) >> e. */
TPL_INLINE int32_t tpl_rdbpot_nosat(int32_t x, int exponent) {
  const int32_t nudge = (int32_t)((1u << exponent) >> 1);
  const int32_t fix = -(int32_t)(exponent > 0);
  return (x + nudge + ((x >> 31) & fix)) >> exponent;
}

#endif /* TPL_COMMON_H_ */
