/* UNIDIRECTIONAL_SEQUENCE_LSTM: int8 activations and weights, int16 cell state (TFLM's integer
 * LSTM, lstm_eval.h "8x8->16": no peephole, no projection, no layer norm, no CIFG).
 *
 * One time step, per batch row (all arithmetic is row-independent):
 *   gate_g  = act_g(sat16(fc16(x_t, W_g, b_g) + fc16(h, R_g)))     Q3.12 in, Q0.15 out
 *             act = sigmoid for input/forget/output, tanh for the cell gate
 *   c       = clip(sat16(mul16(f, c) + mul16(i, g)))                  cell scale 2^cell_power
 *   h       = mul8(tanh(c), o) + hidden_zp;  output[t] = h
 * The zero-point terms of both FCs are folded into per-gate biases at compile time (exact integer
 * arithmetic, so bit-identical). fc16 is TFLM's int8 x int8 -> int16 FULLY_CONNECTED (int32 acc, MultiplyByQuantizedMultiplier,
 * clamp to int16); mul16/mul8 are reference_integer_ops::MulElementwise on int16 inputs; sigmoid
 * and tanh are TFLM's int16 LUT kernels (reference_integer_ops::Logistic/Tanh).
 */
#ifndef TPL_LSTM_H_
#define TPL_LSTM_H_

#include "tpl_common.h"

typedef struct {
  const int8_t *input_weights;      /* [state_size][input_size] */
  const int8_t *recurrent_weights;  /* [state_size][state_size] */
  const int32_t *input_bias;        /* [state_size]: bias + input_offset * row sums of W */
  const int32_t *recurrent_bias;    /* [state_size]: hidden_offset * row sums of R */
  int32_t input_multiplier;         /* input FC -> Q3.12 requantization */
  int32_t input_shift;
  int32_t recurrent_multiplier;     /* recurrent FC -> Q3.12 requantization */
  int32_t recurrent_shift;
} tpl_lstm_gate_t;

typedef struct {
  int32_t batches;
  int32_t time_steps;
  int32_t input_size;
  int32_t state_size;
  int32_t time_major;               /* 1: input [T][B][I]; 0: input [B][T][I] */
  int32_t hidden_zp;                /* hidden state zero point (its reset value too) */
  int32_t reset_state;              /* 1: h = hidden_zp, c = 0 at the start of every call */
  int32_t cell_tanh_multiplier;     /* tanh(cell): Q3.12 input = (c * mult + round) >> shift */
  int32_t cell_tanh_shift;
  int32_t cell_clip;                /* c = clamp(c, -cell_clip, cell_clip); -1: no clipping */
  int32_t forget_mul_multiplier;    /* forget (Q0.15) x cell -> cell */
  int32_t forget_mul_shift;
  int32_t input_mul_multiplier;     /* input gate (Q0.15) x cell gate (Q0.15) -> cell */
  int32_t input_mul_shift;
  int32_t hidden_mul_multiplier;    /* tanh(cell) (Q0.15) x output gate (Q0.15) -> hidden int8 */
  int32_t hidden_mul_shift;
  tpl_lstm_gate_t input_gate;
  tpl_lstm_gate_t forget_gate;
  tpl_lstm_gate_t cell_gate;
  tpl_lstm_gate_t output_gate;
} tpl_lstm_params_t;

/* Bytes of scratch tpl_unidirectional_sequence_lstm needs: the new hidden row (int8). */
#define TPL_LSTM_SCRATCH_BYTES(state_size) ((uint32_t)(state_size))

/* Runs the whole sequence. hidden_state [B][S] int8 and cell_state [B][S] int16 are the
 * variable tensors (read, then left holding the final state); output is [B][T][S] or [T][B][S]
 * like the input. scratch: TPL_LSTM_SCRATCH_BYTES(state_size). */
void tpl_unidirectional_sequence_lstm(const tpl_lstm_params_t *p, const int8_t *input,
                                      int8_t *hidden_state, int16_t *cell_state, int8_t *output,
                                      void *scratch);

/* TFLM's int16 sigmoid / tanh (reference_integer_ops::Logistic / Tanh, 256-entry LUT with linear
 * interpolation). in is rescaled as (in * multiplier + round) >> shift first. Exposed for tests. */
int16_t tpl_lstm_sigmoid16(int32_t in, int32_t multiplier, int32_t shift);
int16_t tpl_lstm_tanh16(int32_t in, int32_t multiplier, int32_t shift);

#endif /* TPL_LSTM_H_ */
