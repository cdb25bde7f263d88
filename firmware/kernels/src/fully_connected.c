/* FULLY_CONNECTED int8 reference kernel (TFLM reference_integer_ops semantics). */
#include "tpl_fully_connected.h"

void tpl_fully_connected(const tpl_fully_connected_params_t *p, const int8_t *input,
                         const int8_t *weights, const int32_t *bias, int8_t *output) {
  const int32_t depth = p->accum_depth;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * depth;
    for (int32_t c = 0; c < p->output_depth; ++c) {
      const int8_t *w = weights + c * depth;
      int32_t acc = 0;
      for (int32_t d = 0; d < depth; ++d) {
        acc += (in[d] + p->input_offset) * w[d];
      }
      if (bias) acc += bias[c];
      const int ch = p->per_channel ? c : 0;
      acc = tpl_mbqm(acc, p->multiplier[ch], p->shift[ch]) + p->output_offset;
      output[b * p->output_depth + c] = (int8_t)tpl_clamp_i32(acc, p->act_min, p->act_max);
    }
  }
}
