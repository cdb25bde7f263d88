"""UNIDIRECTIONAL_SEQUENCE_LSTM: int8 activations/weights, int16 cell state (TFLM integer LSTM).

What a rolled Keras LSTM becomes with ``convert(..., fused_lstm=True)``: a standard LSTM (no
peephole, projection, layer norm or CIFG), 24 inputs in TFLM's ``lstm_shared.h`` order, the hidden
(int8) and cell (int16) states as variable tensors.

Prepare reproduces TFLM's ``UnidirectionalSequenceLstmPrepare`` (lstm_eval_common.cc):

* each gate has two FULLY_CONNECTEDs, input -> int16 and hidden -> int16, both with output scale
  2^-12 (Q3.12); the multiplier is s_in * s_w / 2^-12 with the product in *double* (measured
  against the TFLM wheel: the float product of the per-tensor ``GetQuantizedConvolutionMultipler``
  is off by tens of units of the Q31 multiplier, which flips the first rounding of
  MultiplyByQuantizedMultiplier on near-ties, ~1 output in 3000 of a stacked LSTM); the gate
  bias goes to the input FC only;
* the cell state scale must be 2^p (``CheckedLog2``; TFLM rounds log2 and ignores the check);
  tanh(cell) rescales its input by ``3 << (12 + p)`` (or ``3 >> -(12 + p)`` with rounding);
* the element-wise products use ``CreateInterGateMulParams``: scales multiplied and divided in
  double: f x c -> c (2^-15 * s_c / s_c), i x g -> c (2^-30 / s_c), tanh(c) x o -> h
  (2^-30 / s_h, plus the hidden zero point);
* cell clip: ``int16(clamp(clip / s_c))`` (double, truncated), applied only when clip > 0.

State: TFLM resets variable tensors (int8 to their zero point, others to 0) when the interpreter
is allocated or reset, and keeps them across invokes otherwise. A Keras LSTM that is not
``stateful`` starts every sequence from zero state, and the oracle (``tflm_host.run``) resets the
interpreter between examples, so the compiled kernel resets the state at the start of every call
(``reset_state = 1``): every ``tpl_model_invoke`` is one independent sequence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ... import quant
from .base import KernelCall, OpContext, register

# Input indices (tensorflow/lite/micro/kernels/lstm_shared.h).
INPUT = 0
INPUT_TO_GATE = {"input": 1, "forget": 2, "cell": 3, "output": 4}
RECURRENT_TO_GATE = {"input": 5, "forget": 6, "cell": 7, "output": 8}
PEEPHOLE = (9, 10, 11)
GATE_BIAS = {"input": 12, "forget": 13, "cell": 14, "output": 15}
PROJECTION = (16, 17)
HIDDEN_STATE, CELL_STATE = 18, 19
LAYER_NORM = (20, 21, 22, 23)

GATE_INPUT_SCALE = 2.0 ** -12   # Q3.12: FC outputs, input of sigmoid/tanh
GATE_OUTPUT_SCALE = 2.0 ** -15  # Q0.15: sigmoid/tanh outputs

ACT_TANH = 4  # schema ActivationFunctionType.TANH (the schema has no sigmoid for this option)


@dataclass(frozen=True)
class LstmGate:
    input_weights: str
    recurrent_weights: str
    input_bias: str
    recurrent_bias: str
    input_multiplier: int
    input_shift: int
    recurrent_multiplier: int
    recurrent_shift: int


@dataclass(frozen=True)
class LstmParams:
    batches: int
    time_steps: int
    input_size: int
    state_size: int
    time_major: int
    hidden_zp: int
    reset_state: int
    cell_tanh_multiplier: int
    cell_tanh_shift: int
    cell_clip: int
    forget_mul_multiplier: int
    forget_mul_shift: int
    input_mul_multiplier: int
    input_mul_shift: int
    hidden_mul_multiplier: int
    hidden_mul_shift: int
    input_gate: LstmGate
    forget_gate: LstmGate
    cell_gate: LstmGate
    output_gate: LstmGate


def checked_log2(scale) -> tuple[int, bool]:
    """TFLite ``CheckedLog2`` in float: (rounded log2, whether it is a power of two)."""
    x_log2 = np.float32(math.log(float(np.float32(scale)))) * (np.float32(1.0) / np.float32(math.log(2.0)))
    rounded = round_half_away_f32(x_log2)
    return int(rounded), abs(float(x_log2) - rounded) < 1e-3


def round_half_away_f32(x) -> float:
    return float(quant.round_half_away(float(x)))


def tanh_input_rescale(cell_scale_power: int) -> tuple[int, int]:
    """TFLM lstm_internal::Tanh: Q(cell) -> Q3.12 with the LUT's 3/4 range factor folded in."""
    left = 15 + cell_scale_power - 3
    if left < 0:
        return 3, -left           # (c * 3 + round) >> -left
    return 3 << left, 0           # c * (3 << left)


def inter_gate_mul(s1: float, s2: float, s_out) -> tuple[int, int]:
    """CreateInterGateMulParams: double(s1) * double(s2) / double(s_out), QuantizeMultiplier."""
    return quant.quantize_multiplier(float(np.float32(s1)) * float(np.float32(s2)) / float(np.float32(s_out)))


def quantized_cell_clip(cell_clip: float, cell_scale) -> int:
    """CreateLstmCellStateInfo; -1 encodes TFLM's "no clipping" (clip == 0)."""
    if not cell_clip > 0:
        return -1
    q = float(np.float32(cell_clip)) / float(np.float32(cell_scale))
    return int(math.trunc(min(max(q, -32768.0), 32767.0)))


def gate_fc_multiplier(input_scale, weight_scale) -> float:
    """Gate FC requantization to Q3.12: scales multiplied in *double* (measured against TFLM: the
    float product of ``GetQuantizedConvolutionMultipler`` differs in the last bits of the
    multiplier and flips double-rounding near-ties about once in 3000 outputs)."""
    return float(np.float32(input_scale)) * float(np.float32(weight_scale)) / GATE_INPUT_SCALE


def _gate(ctx: OpContext, name: str, x, h) -> LstmGate:
    w, r, b = ctx.input(INPUT_TO_GATE[name]), ctx.input(RECURRENT_TO_GATE[name]), ctx.input(GATE_BIAS[name])
    for t in (w, r):
        ctx.require_dtype(t, "INT8")
        if not t.is_constant:
            raise ctx.unsupported(f"{name} gate weights '{t.name}' are not constant")
        if len(t.scale) != 1 or t.zero_point.any():
            raise ctx.unsupported(f"{name} gate weights '{t.name}' must be per-tensor symmetric int8")
    if b is None or not b.is_constant:
        raise ctx.unsupported(f"{name} gate bias is missing or not constant")
    ctx.require_dtype(b, "INT32")
    w_data = w.data.astype(np.int64)
    r_data = r.data.astype(np.int64)
    in_bias = b.data.astype(np.int64) - int(x.zero_point[0]) * w_data.sum(axis=1)
    rec_bias = -int(h.zero_point[0]) * r_data.sum(axis=1)
    im, ish = quant.quantize_multiplier(gate_fc_multiplier(x.scale[0], w.scale[0]))
    rm, rsh = quant.quantize_multiplier(gate_fc_multiplier(h.scale[0], r.scale[0]))
    return LstmGate(
        input_weights=ctx.ptr(w).expr, recurrent_weights=ctx.ptr(r).expr,
        input_bias=ctx.const_array(in_bias, np.int32, f"lstm_{name}_input_bias"),
        recurrent_bias=ctx.const_array(rec_bias, np.int32, f"lstm_{name}_recurrent_bias"),
        input_multiplier=im, input_shift=ish, recurrent_multiplier=rm, recurrent_shift=rsh)


@register("UNIDIRECTIONAL_SEQUENCE_LSTM")
def prepare(ctx: OpContext) -> KernelCall:
    opts = ctx.options
    x, y = ctx.input(INPUT), ctx.output(0)
    h, c = ctx.input(HIDDEN_STATE), ctx.input(CELL_STATE)
    if len(ctx.op.inputs) != 24:
        raise ctx.unsupported(f"{len(ctx.op.inputs)} inputs; supported: the 24-input form")
    missing = [n for n, i in (("input-to-input weights", 1), ("recurrent-to-input weights", 5))
               if ctx.input(i) is None]
    if missing:
        raise ctx.unsupported(f"CIFG LSTM ({', '.join(missing)} absent) is not supported")
    for what, idxs in (("peephole", PEEPHOLE), ("projection", PROJECTION), ("layer norm", LAYER_NORM)):
        if any(ctx.input(i) is not None for i in idxs):
            raise ctx.unsupported(f"{what} LSTM is not supported; supported: standard Keras LSTM")
    ctx.require_dtype(x, "INT8")
    ctx.require_dtype(y, "INT8")
    if h is None or c is None or not (h.is_variable and c.is_variable):
        raise ctx.unsupported("hidden and cell states must be variable tensors")
    ctx.require_dtype(h, "INT8")
    ctx.require_dtype(c, "INT16")
    if int(c.zero_point[0]) != 0:
        raise ctx.unsupported(f"cell state zero point {int(c.zero_point[0])}; supported: 0")
    if len(x.shape) != 3 or len(y.shape) != 3:
        raise ctx.unsupported(f"input shape {x.shape}, output shape {y.shape}; supported: 3-D")
    time_major = bool(opts.timeMajor)
    time_steps, batches = (x.shape[0], x.shape[1]) if time_major else (x.shape[1], x.shape[0])
    input_size = x.shape[2]
    state_size = ctx.input(INPUT_TO_GATE["forget"]).shape[0]
    if int(np.prod(h.shape)) != batches * state_size or int(np.prod(c.shape)) != batches * state_size:
        raise ctx.unsupported(f"state shapes {h.shape}/{c.shape} do not match batch {batches} x {state_size}")
    if opts.fusedActivationFunction != ACT_TANH:
        raise ctx.unsupported(f"cell gate activation {opts.fusedActivationFunction}; supported: TANH (4)")
    if opts.cellClip < 0:
        raise ctx.unsupported(f"cell_clip {opts.cellClip} < 0")
    power, _ = checked_log2(c.scale[0])  # TFLM ignores the power-of-two check; so do we
    tanh_mult, tanh_shift = tanh_input_rescale(power)
    fm, fs = inter_gate_mul(GATE_OUTPUT_SCALE, c.scale[0], c.scale[0])
    im, ish = inter_gate_mul(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, c.scale[0])
    hm, hs = inter_gate_mul(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, h.scale[0])
    gates = {name: _gate(ctx, name, x, h) for name in ("input", "forget", "cell", "output")}
    params = LstmParams(
        batches=batches, time_steps=time_steps, input_size=input_size, state_size=state_size,
        time_major=int(time_major), hidden_zp=int(h.zero_point[0]), reset_state=1,
        cell_tanh_multiplier=tanh_mult, cell_tanh_shift=tanh_shift,
        cell_clip=quantized_cell_clip(opts.cellClip, c.scale[0]),
        forget_mul_multiplier=fm, forget_mul_shift=fs, input_mul_multiplier=im, input_mul_shift=ish,
        hidden_mul_multiplier=hm, hidden_mul_shift=hs,
        input_gate=gates["input"], forget_gate=gates["forget"], cell_gate=gates["cell"],
        output_gate=gates["output"])
    macs = batches * time_steps * 4 * state_size * (input_size + state_size)
    return KernelCall(
        "tpl_unidirectional_sequence_lstm", "tpl_lstm.h", "tpl_lstm_params_t", params,
        [ctx.ptr(x), ctx.ptr(h, const=False), ctx.ptr(c, const=False), ctx.ptr(y, const=False),
         ctx.scratch(state_size)],
        macs=macs)
