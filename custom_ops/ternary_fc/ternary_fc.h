/* TPL_TERNARY_FC: int8 fully connected with 2-bit packed ternary weights {-1, 0, 1}.
 *
 * Portable C99 kernel core: no framework types, no allocation. The caller's Prepare (the TFLM
 * wrapper ternary_fc_tflm.cc, or the project's ahead-of-time compiler) computes every field of
 * tpl_ternary_fc_params_t once; tpl_ternary_fc() is the inner loop only.
 *
 * Semantics (defined by reference.py, bit-exact with TFLM's int8 FULLY_CONNECTED on the int8
 * weights w[c][k] = code[c][k] == +1 ? levels[2c] : code[c][k] == -1 ? -levels[2c+1] : 0):
 *   acc = bias[c] + levels[2c] * sum_{code=+1} (x[b*K+k] + input_offset)
 *                 - levels[2c+1] * sum_{code=-1} (x[b*K+k] + input_offset)
 *       = bias[c] + sum_k (x[b*K + k] + input_offset) * w[c][k]          (exact integers)
 *   acc = MultiplyByQuantizedMultiplier(acc, output_multiplier[c], output_shift[c])  (double rounding)
 *   y[b*N + c] = clamp(acc + output_offset, act_min, act_max)
 *
 * Packed layout: row c holds (K + 3) / 4 bytes; weight k is in byte k / 4 at bits 2 * (k % 4):
 * 0b00 = 0, 0b01 = +1, 0b11 = -1 (0b10 is never written). levels[2c], levels[2c+1] are the
 * int8 magnitudes of codes +1 and -1 in channel c (1, 1 for TWN; TTQ learns two).
 */
#ifndef TPL_TERNARY_FC_H_
#define TPL_TERNARY_FC_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TPL_TERNARY_FC_OP_NAME "TPL_TERNARY_FC"
#define TPL_TERNARY_FC_OP_VERSION 1

typedef struct {
  int32_t batches;               /* rows of the input (input elements / in_features) */
  int32_t in_features;           /* K */
  int32_t out_features;          /* N */
  int32_t input_offset;          /* -input zero point */
  int32_t output_offset;         /* output zero point */
  int32_t act_min;               /* clamp bounds from the fused activation */
  int32_t act_max;
  const int32_t *output_multiplier; /* [N], Q31 */
  const int32_t *output_shift;      /* [N], >0 = left shift */
} tpl_ternary_fc_params_t;

/* Number of bytes one packed output row occupies. */
static inline int32_t tpl_ternary_fc_row_bytes(int32_t in_features) {
  return (in_features + 3) / 4;
}

/* TFLite's MultiplyByQuantizedMultiplier (gemmlowp double rounding). */
int32_t tpl_ternary_fc_mbqm(int32_t x, int32_t multiplier, int32_t shift);

/* y = requantize(bias + (x + input_offset) . w^T); bias may be NULL, levels is [N][2]. */
void tpl_ternary_fc(const tpl_ternary_fc_params_t *p, const int8_t *input,
                    const uint8_t *packed_weights, const int32_t *bias, const int8_t *levels,
                    int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TPL_TERNARY_FC_H_ */
