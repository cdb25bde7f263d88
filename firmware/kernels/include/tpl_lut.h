/* Int8 -> int8 table lookup: the runtime of every per-value unary op (LOGISTIC, TANH, RELU,
 * RELU6, LEAKY_RELU, int8 requantize). The compiler computes the 256-entry table with the op's
 * exact TFLM arithmetic; entry (uint8_t)v holds the output for input v. */
#ifndef TPL_LUT_H_
#define TPL_LUT_H_

#include "tpl_common.h"

typedef struct {
  int32_t size;  /* elements */
} tpl_lut_params_t;

/* output[i] = table[(uint8_t)input[i]]; input and output may alias. */
void tpl_lut_s8(const tpl_lut_params_t *p, const int8_t *table, const int8_t *input,
                int8_t *output);

#endif /* TPL_LUT_H_ */
