"""NumPy reference of the TPL_TERNARY_FC custom op: the exact integer semantics, bit for bit.

TPL_TERNARY_FC is TFLM's int8 FULLY_CONNECTED with its weights restricted to codes {-1, 0, 1}
and stored 2 bits per weight. Its output equals FULLY_CONNECTED on the unpacked codes bit for bit,
so a model runs the same on any TFLM (stock form: int8 codes) and on a runtime that knows the
packed op. The semantics, as the tflite-micro wheel computes them (checked in
``tests/test_quant_ternary_fc.py`` against :func:`tflm_pipeline.tflm_host.run`):

Prepare (once, :func:`prepare`)::

    input_offset  = -input_zero_point
    output_offset =  output_zero_point
    M_c = double(input_scale) * double(weight_scale_c) / double(output_scale)   # per channel
    M   = double(float(input_scale) * float(weight_scale)) / double(output_scale)  # per tensor
    (multiplier_c, shift_c) = QuantizeMultiplier(M_c)     # frexp, Q31 mantissa, round half away
    (act_min, act_max)      = CalculateActivationRangeQuantized(activation, output quant)

Eval (per batch row ``b``, output channel ``c``)::

    acc  = bias_c + sum_k (x[b, k] + input_offset) * w[c, k]          # int32
    acc  = MultiplyByQuantizedMultiplier(acc, multiplier_c, shift_c)   # double rounding:
         = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(acc << max(shift, 0),
                                                                  multiplier_c), max(-shift, 0))
    y[b, c] = clamp(acc + output_offset, act_min, act_max)

The wheel uses gemmlowp's double rounding (``TFLITE_SINGLE_ROUNDING`` is not defined): single
rounding disagrees with it on about 4% of random inputs of a two-layer model.

Levels: ``levels[c] = (p_c, n_c)`` are the int8 weight values of codes +1 and -1 in channel
``c`` (1, 1 for TWN's stock form {-1, 0, 1}; TTQ learns p_c != n_c); since the accumulation is
exact integer arithmetic, ``p_c * sum_{+} (x + off) - n_c * sum_{-} (x + off)`` equals the FC sum.

Packed weights: row ``c`` holds ``ceil(K / 4)`` bytes; weight ``k`` sits in byte ``k // 4`` at
bits ``2 * (k % 4)`` (little end first) as ``0b00 = 0``, ``0b01 = +1``, ``0b11 = -1``; ``0b10``
is invalid and the padding codes of the last byte are 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Custom operator code in the flatbuffer.
OP_NAME = "TPL_TERNARY_FC"
#: Version of the custom options / packing layout.
OP_VERSION = 1

#: TFLite's ActivationFunctionType values supported by FULLY_CONNECTED.
ACT_NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6 = 0, 1, 2, 3

_CODE_TO_BITS = {0: 0b00, 1: 0b01, -1: 0b11}


@dataclass(frozen=True)
class TernaryFcParams:
    """Everything Prepare computes; mirrors ``tpl_ternary_fc_params_t`` in ``ternary_fc.h``."""

    in_features: int            # K
    out_features: int           # N
    input_offset: int           # -input zero point
    output_offset: int          # output zero point
    output_multiplier: tuple[int, ...]   # per output channel, Q31
    output_shift: tuple[int, ...]        # per output channel, >0 = left shift
    act_min: int
    act_max: int


# ------------------------------------------------------------------------------------ fixed point

def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLite's ``QuantizeMultiplier``: ``real ~= multiplier * 2**(shift - 31)``."""
    if real == 0.0:
        return 0, 0
    frac, shift = math.frexp(real)
    q = int(math.floor(abs(frac) * (1 << 31) + 0.5)) * (1 if frac > 0 else -1)  # TfLiteRound
    if q == (1 << 31):
        q //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q, shift


def _srdhm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """gemmlowp SaturatingRoundingDoublingHighMul on int64 arrays holding int32 values."""
    a = a.astype(np.int64)
    b = np.broadcast_to(np.asarray(b, np.int64), a.shape)
    overflow = (a == b) & (a == -(1 << 31))
    ab = a * b
    nudge = np.where(ab >= 0, np.int64(1 << 30), np.int64(1 - (1 << 30)))
    v = ab + nudge
    q = np.where(v >= 0, v >> 31, -((-v) >> 31))   # C division truncates toward zero
    return np.where(overflow, np.int64((1 << 31) - 1), q)


def _rounding_divide_by_pot(x: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    exponent = np.broadcast_to(np.asarray(exponent, np.int64), x.shape)
    mask = (np.int64(1) << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + (remainder > threshold)


def multiply_by_quantized_multiplier(x: np.ndarray, multiplier, shift) -> np.ndarray:
    """TFLite's ``MultiplyByQuantizedMultiplier`` (double rounding), element-wise, int64 out."""
    x = np.asarray(x, np.int64)
    shift = np.asarray(shift, np.int64)
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    return _rounding_divide_by_pot(_srdhm(x << left, multiplier), right)


def activation_range(activation: int, output_scale: float, output_zero_point: int) -> tuple[int, int]:
    """TFLite's ``CalculateActivationRangeQuantized`` for int8 outputs."""
    lo, hi = -128, 127
    scale = np.float32(output_scale)

    def q(f: float) -> int:  # zero_point + TfLiteRound(f / scale), float arithmetic
        v = np.float32(f) / scale
        return int(output_zero_point) + int(np.sign(v) * np.floor(np.abs(v) + np.float32(0.5)))

    if activation == ACT_NONE:
        return lo, hi
    if activation == ACT_RELU:
        return max(lo, q(0.0)), hi
    if activation == ACT_RELU6:
        return max(lo, q(0.0)), min(hi, q(6.0))
    if activation == ACT_RELU_N1_TO_1:
        return max(lo, q(-1.0)), min(hi, q(1.0))
    raise ValueError(f"fused activation {activation} is not supported by FULLY_CONNECTED "
                     "(supported: NONE, RELU, RELU_N1_TO_1, RELU6)")


def prepare(*, in_features: int, out_features: int, input_scale: float, input_zero_point: int,
            weight_scales, output_scale: float, output_zero_point: int,
            activation: int = ACT_NONE) -> TernaryFcParams:
    """Compute the op's parameters from tensor quantization (TFLM's Prepare, in Python)."""
    ws = np.asarray(weight_scales, np.float32).reshape(-1)
    per_tensor = ws.size == 1
    if per_tensor:
        ws = np.repeat(ws, out_features)
    if ws.size != out_features:
        raise ValueError(f"{ws.size} weight scales for {out_features} output channels")
    mults, shifts = [], []
    for s in ws:
        # TFLM takes input * filter / output in double, per channel and per tensor alike.
        real = float(np.float32(input_scale)) * float(s) / float(np.float32(output_scale))
        m, sh = quantize_multiplier(real)
        mults.append(m)
        shifts.append(sh)
    lo, hi = activation_range(activation, output_scale, output_zero_point)
    return TernaryFcParams(int(in_features), int(out_features), -int(input_zero_point),
                           int(output_zero_point), tuple(mults), tuple(shifts), lo, hi)


# ------------------------------------------------------------------------------------------ eval

def fully_connected(p: TernaryFcParams, x: np.ndarray, weights: np.ndarray,
                    bias: np.ndarray | None) -> np.ndarray:
    """int8 FULLY_CONNECTED: ``x`` int8 with ``K`` values per row, ``weights`` int8 ``[N, K]``."""
    x = np.asarray(x, np.int8).reshape(-1, p.in_features).astype(np.int64)
    w = np.asarray(weights, np.int8).reshape(p.out_features, p.in_features).astype(np.int64)
    acc = (x + p.input_offset) @ w.T
    if bias is not None:
        acc = acc + np.asarray(bias, np.int32).astype(np.int64)[None, :]
    acc = multiply_by_quantized_multiplier(acc, np.asarray(p.output_multiplier, np.int64)[None, :],
                                           np.asarray(p.output_shift, np.int64)[None, :])
    return np.clip(acc + p.output_offset, p.act_min, p.act_max).astype(np.int8)


def ternary_weights(packed: np.ndarray, levels: np.ndarray, in_features: int) -> np.ndarray:
    """The int8 weights ``[N, K]`` the packed op stands for: code +1 -> levels[c, 0], -1 ->
    -levels[c, 1] (levels are 1, 1 for TWN)."""
    codes = unpack(packed, in_features).astype(np.int32)
    lv = np.asarray(levels, np.int8).reshape(-1, 2).astype(np.int32)
    w = np.where(codes > 0, lv[:, :1], np.where(codes < 0, -lv[:, 1:], 0))
    return w.astype(np.int8)


def ternary_fc(p: TernaryFcParams, x: np.ndarray, packed: np.ndarray,
               bias: np.ndarray | None, levels: np.ndarray) -> np.ndarray:
    """TPL_TERNARY_FC: decode the 2-bit codes, then exactly :func:`fully_connected`."""
    return fully_connected(p, x, ternary_weights(packed, levels, p.in_features), bias)


# --------------------------------------------------------------------------------------- packing

def packed_row_bytes(in_features: int) -> int:
    return (int(in_features) + 3) // 4


def pack(codes: np.ndarray) -> np.ndarray:
    """Pack ``[N, K]`` codes in {-1, 0, 1} into ``[N, ceil(K/4)]`` uint8 (4 codes per byte)."""
    codes = np.asarray(codes)
    if codes.ndim != 2:
        raise ValueError(f"pack expects [out, in] codes, got shape {codes.shape}")
    bad = ~np.isin(codes, (-1, 0, 1))
    if bad.any():
        raise ValueError(f"ternary packing got the code {int(codes[bad][0])}; only -1, 0, 1 fit 2 bits")
    n, k = codes.shape
    kp = packed_row_bytes(k) * 4
    padded = np.zeros((n, kp), np.int64)
    padded[:, :k] = codes
    bits = np.where(padded == 1, 0b01, np.where(padded == -1, 0b11, 0b00)).reshape(n, kp // 4, 4)
    out = bits[..., 0] | (bits[..., 1] << 2) | (bits[..., 2] << 4) | (bits[..., 3] << 6)
    return out.astype(np.uint8)


def unpack(packed: np.ndarray, in_features: int) -> np.ndarray:
    """Inverse of :func:`pack`: ``[N, ceil(K/4)]`` uint8 -> ``[N, K]`` int8 codes."""
    packed = np.asarray(packed, np.uint8)
    shifts = np.array([0, 2, 4, 6], np.uint8)
    bits = (packed[..., None] >> shifts) & 0b11
    if (bits == 0b10).any():
        raise ValueError("packed ternary weights hold the invalid 2-bit code 0b10")
    codes = np.where(bits == 0b01, 1, np.where(bits == 0b11, -1, 0)).astype(np.int8)
    return codes.reshape(packed.shape[0], -1)[:, :in_features]
