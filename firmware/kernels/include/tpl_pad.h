/* PAD / PADV2, int8, up to 5-D (TFLM pad semantics: raw copy, no requantization; the pad value is
 * the output zero point for PAD and the constant_values element for PADV2). */
#ifndef TPL_PAD_H_
#define TPL_PAD_H_

#include "tpl_common.h"

#define TPL_PAD_DIMS 5

typedef struct {
  int32_t in_dims[TPL_PAD_DIMS];   /* shapes left-extended with 1s to 5-D */
  int32_t out_dims[TPL_PAD_DIMS];
  int32_t before[TPL_PAD_DIMS];    /* padding before each dim (after = out - in - before) */
  int32_t pad_value;
} tpl_pad_params_t;

void tpl_pad(const tpl_pad_params_t *p, const int8_t *input, int8_t *output);

#endif /* TPL_PAD_H_ */
