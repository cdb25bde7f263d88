/* SOFTMAX, int8 -> int8 (output scale 1/256, zero point -128), TFLM reference semantics. */
#ifndef TPL_SOFTMAX_H_
#define TPL_SOFTMAX_H_

#include "tpl_common.h"

typedef struct {
  int32_t rows;   /* product of all but the last dimension */
  int32_t depth;  /* last dimension: softmax runs over it */
} tpl_softmax_params_t;

/* exp_lut[k] = exp(-k * beta * input_scale) in Q0.31 as gemmlowp computes it (0 where TFLM
 * skips the term), for k = row max - input in 0..255; computed by the compiler. */
void tpl_softmax_s8(const tpl_softmax_params_t *p, const int32_t *exp_lut, const int8_t *input,
                    int8_t *output);

#endif /* TPL_SOFTMAX_H_ */
