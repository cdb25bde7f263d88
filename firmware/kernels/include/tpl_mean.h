/* MEAN (reduce_mean), int8, any set of axes (TFLM reduce semantics, input rank <= 6).
 *
 * Arithmetic of the TFLM we test against (integer QuantizedMeanOrSum, used for every int8 MEAN,
 * also when input and output quantization are equal -- verified, there is no truncating
 * "same quantization" shortcut in this TFLM):
 *   out = clamp(mbqm(sum_raw - input_zero_point * count, multiplier, shift) + output_zero_point)
 * where multiplier/shift fold in 1/count; the compiler computes them exactly as TFLM's Eval.
 */
#ifndef TPL_MEAN_H_
#define TPL_MEAN_H_

#include "tpl_common.h"

#define TPL_MEAN_MAX_DIMS 6

typedef struct {
  int32_t ndim;                          /* input rank after merging neighbouring dims */
  int32_t dims[TPL_MEAN_MAX_DIMS];
  int32_t out_strides[TPL_MEAN_MAX_DIMS];  /* output element stride per dim; 0 if reduced */
  int32_t num_outputs;
  int32_t count;                         /* input elements summed into each output */
  int32_t sum_offset;                    /* -input_zero_point * count */
  int32_t multiplier;                    /* Q31, 1/count folded in */
  int32_t shift;
  int32_t output_zero_point;
} tpl_mean_params_t;

/* `sums` is scratch of num_outputs int32. */
void tpl_mean(const tpl_mean_params_t *p, const int8_t *input, int8_t *output, int32_t *sums);

#endif /* TPL_MEAN_H_ */
