/* RESHAPE copy fallback (TFLM's reshape is a memcpy when buffers differ). */
#include <string.h>

#include "tpl_reshape.h"

void tpl_reshape(const tpl_reshape_params_t *p, const void *input, void *output) {
  if (input != output) memcpy(output, input, (size_t)p->bytes);
}
