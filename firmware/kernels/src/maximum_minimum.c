/* MAXIMUM / MINIMUM int8 kernels. */
#include "tpl_maximum_minimum.h"

#define TPL_MAX_BODY(o, a, b) output[o] = input1[a] > input2[b] ? input1[a] : input2[b]
#define TPL_MIN_BODY(o, a, b) output[o] = input1[a] < input2[b] ? input1[a] : input2[b]

void tpl_maximum_s8(const tpl_maximum_minimum_params_t *p, const int8_t *input1,
                    const int8_t *input2, int8_t *output) {
  TPL_BROADCAST4_FOR(&p->bcast, TPL_MAX_BODY);
}

void tpl_minimum_s8(const tpl_maximum_minimum_params_t *p, const int8_t *input1,
                    const int8_t *input2, int8_t *output) {
  TPL_BROADCAST4_FOR(&p->bcast, TPL_MIN_BODY);
}
