/* MAXIMUM / MINIMUM int8 kernels. */
#include "tpl_maximum_minimum.h"

#define TPL_MAX_BODY(o, a, b) output[o] = input1[a] > input2[b] ? input1[a] : input2[b]
#define TPL_MIN_BODY(o, a, b) output[o] = input1[a] < input2[b] ? input1[a] : input2[b]

void tpl_maximum_s8(const tpl_maximum_minimum_params_t *p, const int8_t *input1,
                    const int8_t *input2, int8_t *output) {
  const tpl_broadcast4_t g = p->bcast; /* local: int8 stores may alias the struct */
  TPL_BROADCAST4_FOR(&g, TPL_MAX_BODY);
}

void tpl_minimum_s8(const tpl_maximum_minimum_params_t *p, const int8_t *input1,
                    const int8_t *input2, int8_t *output) {
  const tpl_broadcast4_t g = p->bcast;
  TPL_BROADCAST4_FOR(&g, TPL_MIN_BODY);
}
