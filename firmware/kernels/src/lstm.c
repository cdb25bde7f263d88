/* UNIDIRECTIONAL_SEQUENCE_LSTM, int8 x int8 with int16 cell state (TFLM integer LSTM semantics).
 *
 * TFLM evaluates one gate at a time over the whole state vector; every gate only reads the input
 * row and the previous hidden state, and every later stage is element-wise, so this kernel fuses
 * the four gates, the cell update and the hidden update per state element. The new hidden row
 * goes to scratch until the whole row is done (the gates still need the old one). */
#include <string.h>

#include "tpl_lstm.h"

/* sigmoid(i / 24) in unsigned Q0.16 (i = 0..255): TFLM's sigmoid_table_uint16, shared by its
 * int16 LOGISTIC and TANH (tanh(x) = 2 sigmoid(2x) - 1). */
static const uint16_t kSigmoidTable[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794,
    41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443,
    48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374,
    54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544,
    58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279,
    61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990,
    63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030,
    64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652,
    64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019,
    65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234,
    65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
    65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476,
    65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
    65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516,
    65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529,
    65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532,
    65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534,
    65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};

TPL_INLINE int32_t rescale(int32_t in, int32_t multiplier, int32_t shift) {
  const int32_t round = shift > 0 ? (1 << (shift - 1)) : 0;
  return (in * multiplier + round) >> shift;
}

int16_t tpl_lstm_sigmoid16(int32_t in, int32_t multiplier, int32_t shift) {
  const int32_t x = rescale(in, multiplier, shift);
  const uint32_t ax = (uint32_t)(x < 0 ? -x : x);
  const uint32_t uh = ax >> 9;
  uint32_t r;
  if (uh >= 255) {
    r = 0x7FFFu << 10;
  } else {
    const uint32_t ua = kSigmoidTable[uh];
    const uint32_t ub = kSigmoidTable[uh + 1];
    r = (ua << 9) + (ax & 0x1FFu) * (ub - ua);
  }
  r = x >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
  return (int16_t)(r >> 10);
}

int16_t tpl_lstm_tanh16(int32_t in, int32_t multiplier, int32_t shift) {
  const int32_t x = rescale(in, multiplier, shift);
  const uint32_t ax = (uint32_t)(x < 0 ? -x : x);
  const uint32_t uh = ax >> 8;
  int32_t r;
  if (uh >= 255) {
    r = (int32_t)(0xFFFFu << 8);
  } else {
    const uint32_t ua = kSigmoidTable[uh];
    const uint32_t ub = kSigmoidTable[uh + 1];
    r = (int32_t)((ua << 8) + (ax & 0xFFu) * (ub - ua));
  }
  r = x >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
  return (int16_t)(r >> 8);
}

TPL_INLINE int32_t sat16(int32_t v) { return tpl_clamp_i32(v, INT16_MIN, INT16_MAX); }

TPL_INLINE int32_t dot(const int8_t *x, const int8_t *w, int32_t n) {
  int32_t acc = 0;
  for (int32_t d = 0; d < n; ++d) acc += x[d] * w[d];
  return acc;
}

/* Pre-activation of gate g for state element r, Q3.12: sat16(fc16(x) + fc16(h)). */
TPL_INLINE int32_t gate_preact(const tpl_lstm_gate_t *g, const int8_t *x, const int8_t *h,
                               int32_t r, int32_t in_n, int32_t st_n) {
  const int32_t a = sat16(tpl_mbqm(g->input_bias[r] + dot(x, g->input_weights + r * in_n, in_n),
                                   g->input_multiplier, g->input_shift));
  const int32_t b = sat16(tpl_mbqm(g->recurrent_bias[r] + dot(h, g->recurrent_weights + r * st_n, st_n),
                                   g->recurrent_multiplier, g->recurrent_shift));
  return sat16(a + b);
}

static void lstm_step(const tpl_lstm_params_t *p, const int8_t *x, int8_t *h, int16_t *c,
                      int8_t *h_new) {
  const int32_t in_n = p->input_size, st_n = p->state_size;
  for (int32_t r = 0; r < st_n; ++r) {
    /* Gate activations, Q0.15. Sigmoid/tanh of a Q3.12 input: multiplier 3, shift 0. */
    const int32_t f = tpl_lstm_sigmoid16(gate_preact(&p->forget_gate, x, h, r, in_n, st_n), 3, 0);
    const int32_t i = tpl_lstm_sigmoid16(gate_preact(&p->input_gate, x, h, r, in_n, st_n), 3, 0);
    const int32_t g = tpl_lstm_tanh16(gate_preact(&p->cell_gate, x, h, r, in_n, st_n), 3, 0);
    const int32_t o = tpl_lstm_sigmoid16(gate_preact(&p->output_gate, x, h, r, in_n, st_n), 3, 0);
    /* Cell update: c = clip(sat16(f * c + i * g)), each product requantized to the cell scale. */
    const int32_t fc = sat16(tpl_mbqm(f * c[r], p->forget_mul_multiplier, p->forget_mul_shift));
    const int32_t ig = sat16(tpl_mbqm(i * g, p->input_mul_multiplier, p->input_mul_shift));
    int32_t cell = sat16(fc + ig);
    if (p->cell_clip >= 0) cell = tpl_clamp_i32(cell, -p->cell_clip, p->cell_clip);
    c[r] = (int16_t)cell;
    /* Hidden: tanh(c) * o, requantized to the hidden state's int8 scale and zero point. */
    const int32_t t = tpl_lstm_tanh16(cell, p->cell_tanh_multiplier, p->cell_tanh_shift);
    const int32_t hv = tpl_mbqm(t * o, p->hidden_mul_multiplier, p->hidden_mul_shift) + p->hidden_zp;
    h_new[r] = (int8_t)tpl_clamp_i32(hv, INT8_MIN, INT8_MAX);
  }
}

void tpl_unidirectional_sequence_lstm(const tpl_lstm_params_t *p, const int8_t *input,
                                      int8_t *hidden_state, int16_t *cell_state, int8_t *output,
                                      void *scratch) {
  const int32_t B = p->batches, T = p->time_steps, I = p->input_size, S = p->state_size;
  int8_t *h_new = (int8_t *)scratch;
  if (p->reset_state) {
    memset(hidden_state, (int8_t)p->hidden_zp, (size_t)(B * S));
    memset(cell_state, 0, (size_t)(B * S) * sizeof(int16_t));
  }
  for (int32_t b = 0; b < B; ++b) {
    int8_t *h = hidden_state + b * S;
    int16_t *c = cell_state + b * S;
    for (int32_t t = 0; t < T; ++t) {
      const int32_t row = p->time_major ? t * B + b : b * T + t;
      lstm_step(p, input + row * I, h, c, h_new);
      memcpy(h, h_new, (size_t)S);
      memcpy(output + row * S, h_new, (size_t)S);
    }
  }
}
