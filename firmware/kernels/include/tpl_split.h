/* SPLIT, SPLIT_V and UNPACK: cut the input into consecutive blocks along one axis.
 *
 * A byte copy, so every element type works (int8, int32, float32: the float island
 * DEQUANTIZE -> SPLIT -> QUANTIZE of stacked unrolled LSTMs). The input is viewed as
 * [outer][sum of the outputs' blocks]; output j receives block_bytes[j] bytes per outer index.
 * outputs[j] may be NULL (an output nobody reads); its block is skipped.
 */
#ifndef TPL_SPLIT_H_
#define TPL_SPLIT_H_

#include "tpl_common.h"

typedef struct {
  int32_t outer;              /* product of the dimensions before the axis */
  int32_t num_outputs;
  const int32_t *block_bytes; /* per output: (its axis size * inner size * element size) */
} tpl_split_params_t;

void tpl_split(const tpl_split_params_t *p, const void *input, void *const *outputs);

#endif /* TPL_SPLIT_H_ */
