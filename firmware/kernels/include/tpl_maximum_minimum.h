/* MAXIMUM / MINIMUM, int8, raw value comparison (TFLM semantics), broadcasting via
 * tpl_broadcast.h. */
#ifndef TPL_MAXIMUM_MINIMUM_H_
#define TPL_MAXIMUM_MINIMUM_H_

#include "tpl_broadcast.h"

typedef struct {
  tpl_broadcast4_t bcast;
} tpl_maximum_minimum_params_t;

void tpl_maximum_s8(const tpl_maximum_minimum_params_t *p, const int8_t *input1,
                    const int8_t *input2, int8_t *output);
void tpl_minimum_s8(const tpl_maximum_minimum_params_t *p, const int8_t *input1,
                    const int8_t *input2, int8_t *output);

#endif /* TPL_MAXIMUM_MINIMUM_H_ */
