/* PAD int8 kernel: one output row (innermost dim) at a time, memset + memcpy. */
#include <string.h>

#include "tpl_pad.h"

void tpl_pad(const tpl_pad_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t *od = p->out_dims, *id = p->in_dims, *bf = p->before;
  const int32_t row = od[4], in_row = id[4], left = bf[4];
  const int32_t right = row - in_row - left;
  const int v = (int)(int8_t)p->pad_value;
  for (int32_t a = 0; a < od[0]; ++a) {
    const int ia = a - bf[0], oka = ia >= 0 && ia < id[0];
    for (int32_t b = 0; b < od[1]; ++b) {
      const int ib = b - bf[1], okb = oka && ib >= 0 && ib < id[1];
      for (int32_t c = 0; c < od[2]; ++c) {
        const int ic = c - bf[2], okc = okb && ic >= 0 && ic < id[2];
        for (int32_t d = 0; d < od[3]; ++d) {
          const int idd = d - bf[3];
          if (okc && idd >= 0 && idd < id[3]) {
            const int8_t *src = input + (((ia * id[1] + ib) * id[2] + ic) * id[3] + idd) * in_row;
            memset(output, v, (size_t)left);
            memcpy(output + left, src, (size_t)in_row);
            memset(output + left + in_row, v, (size_t)right);
          } else {
            memset(output, v, (size_t)row);
          }
          output += row;
        }
      }
    }
  }
}
