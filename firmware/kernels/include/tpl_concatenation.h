/* CONCATENATION and PACK: interleave whole blocks of the inputs into the output.
 *
 * TFLM copies int8 data unchanged (input scales are not requantized), so this is a byte copy and
 * serves every element type (int8, int32, float32). The output is viewed as
 * [outer][sum of the inputs' blocks]; input i contributes block_bytes[i] bytes per outer index.
 */
#ifndef TPL_CONCATENATION_H_
#define TPL_CONCATENATION_H_

#include "tpl_common.h"

typedef struct {
  int32_t outer;              /* product of the dimensions before the axis */
  int32_t num_inputs;
  const int32_t *block_bytes; /* per input: (axis size * inner size * element size) */
} tpl_concatenation_params_t;

void tpl_concatenation(const tpl_concatenation_params_t *p, const void *const *inputs,
                       void *output);

#endif /* TPL_CONCATENATION_H_ */
