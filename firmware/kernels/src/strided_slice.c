/* STRIDED_SLICE / TRANSPOSE reference kernel: odometer over the outer dimensions, memcpy or a
 * strided byte loop for the innermost one. */
#include <string.h>

#include "tpl_strided_slice.h"

void tpl_strided_slice(const tpl_strided_slice_params_t *p, const void *input, void *output) {
  const int32_t n = p->num_dims;
  const int32_t inner = p->dims[n - 1];
  const int32_t inner_step = p->step[n - 1];
  int32_t outer = 1;
  for (int32_t k = 0; k < n - 1; ++k) outer *= p->dims[k];
  int32_t idx[TPL_STRIDED_SLICE_MAX_DIMS] = {0};
  const uint8_t *in = (const uint8_t *)input;
  uint8_t *out = (uint8_t *)output;
  int32_t pos = p->offset;
  for (int32_t o = 0; o < outer; ++o) {
    if (inner_step == 1) {
      memcpy(out, in + pos, (size_t)inner);
    } else {
      const uint8_t *src = in + pos;
      for (int32_t i = 0; i < inner; ++i) out[i] = src[(ptrdiff_t)i * inner_step];
    }
    out += inner;
    for (int32_t k = n - 2; k >= 0; --k) { /* advance the odometer */
      pos += p->step[k];
      if (++idx[k] < p->dims[k]) break;
      idx[k] = 0;
      pos -= p->step[k] * p->dims[k];
    }
  }
}
