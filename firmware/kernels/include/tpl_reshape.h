/* RESHAPE / SQUEEZE / EXPAND_DIMS fallback: a plain byte copy.
 *
 * These ops normally emit no code at all (the output shares the input's memory). The compiler
 * falls back to this copy only where sharing is impossible, e.g. a graph output that is a
 * reshaped constant (flash) or a reshaped variable tensor.
 */
#ifndef TPL_RESHAPE_H_
#define TPL_RESHAPE_H_

#include "tpl_common.h"

typedef struct {
  int32_t bytes; /* tensor size in bytes */
} tpl_reshape_params_t;

/* output[0..bytes) = input[0..bytes); any element type. */
void tpl_reshape(const tpl_reshape_params_t *p, const void *input, void *output);

#endif /* TPL_RESHAPE_H_ */
