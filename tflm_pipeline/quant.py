"""TFLite/TFLM quantization arithmetic: the one home of TFLM's fixed-point rules.

These functions reproduce, step for step, what TFLM's Prepare functions compute on the device
(frexp-based multipliers, float vs double products, round-half-away-from-zero), so the firmware
gets bit-identical parameters. Every per-op prepare in :mod:`tflm_pipeline.compiler.ops` and the
exactness checks of :mod:`tflm_pipeline.convert.float_islands` take their numbers from here.
"""

from __future__ import annotations

import math

import numpy as np

INT8_MIN, INT8_MAX = -128, 127
INT16_MIN, INT16_MAX = -32768, 32767


def round_half_away(x: float) -> float:
    """``std::round``: halves round away from zero (numpy's round is half-to-even)."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLite's QuantizeMultiplier: ``real ~= multiplier * 2**(shift - 31)``, multiplier in Q31.

    Returns ``(multiplier, shift)``; shift > 0 means a left shift. TFLM builds with
    TFLITE_SINGLE_ROUNDING off, so shifts above 30 are not clamped.
    """
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = int(round_half_away(q * (1 << 31)))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    return q_fixed, shift


def quantize_multiplier_smaller_than_one(real: float) -> tuple[int, int]:
    """TFLite's QuantizeMultiplierSmallerThanOneExp (same rounding, asserts real < 1)."""
    if not 0.0 <= real < 1.0:
        raise ValueError(f"multiplier {real} outside [0, 1)")
    return quantize_multiplier(real)


def f32(x) -> np.float32:
    return np.float32(x)


def conv_per_tensor_multiplier(input_scale, filter_scale, output_scale) -> float:
    """GetQuantizedConvolutionMultipler: input * filter / output, every product in *double*.

    Measured on the tflite-micro wheel with a crafted 1x1 FULLY_CONNECTED whose float-product and
    double-product multipliers round an accumulator differently: TFLM gives the double result
    (tests/test_compiler_fully_connected.py::test_per_tensor_multiplier_uses_double_product).
    """
    return float(f32(input_scale)) * float(f32(filter_scale)) / float(f32(output_scale))


def conv_per_channel_multipliers(input_scale, filter_scales, output_scale) -> tuple[list[int], list[int]]:
    """PopulateConvolutionQuantizationParams: per channel, products in *double*."""
    mults, shifts = [], []
    for s in np.asarray(filter_scales, np.float32):
        real = float(f32(input_scale)) * float(s) / float(f32(output_scale))
        m, sh = quantize_multiplier(real)
        mults.append(m)
        shifts.append(sh)
    return mults, shifts


def quantize_value(value: float, scale, zero_point: int) -> int:
    """TFLite's Quantize(f) used by activation ranges: float32 division, std::round."""
    q = np.float32(value) / np.float32(scale)
    return int(zero_point) + int(round_half_away(float(q)))


def activation_range(activation: int, scale, zero_point: int, qmin: int = INT8_MIN,
                     qmax: int = INT8_MAX) -> tuple[int, int]:
    """CalculateActivationRangeQuantized for a fused activation (schema enum value)."""
    from tflite_micro.tensorflow.lite.micro.python.schema_py_generated import ActivationFunctionType as A

    if activation == A.NONE:
        return qmin, qmax
    if activation == A.RELU:
        return max(qmin, quantize_value(0.0, scale, zero_point)), qmax
    if activation == A.RELU6:
        return (max(qmin, quantize_value(0.0, scale, zero_point)),
                min(qmax, quantize_value(6.0, scale, zero_point)))
    if activation == A.RELU_N1_TO_1:
        return (max(qmin, quantize_value(-1.0, scale, zero_point)),
                min(qmax, quantize_value(1.0, scale, zero_point)))
    from ..errors import UnsupportedOpError
    raise UnsupportedOpError(f"fused activation {activation} is not supported (NONE, RELU, RELU6, RELU_N1_TO_1 are)")


# ---- integer reference arithmetic (numpy), the semantics the C kernels implement -------------

def saturating_rounding_doubling_high_mul(a: np.ndarray, b: int) -> np.ndarray:
    """gemmlowp SaturatingRoundingDoublingHighMul on int32 arrays (int64 math)."""
    a = np.asarray(a, np.int64)
    ab = a * np.int64(b)
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    res = (ab + nudge)
    # C++ division truncates toward zero.
    q = np.where(res >= 0, res // (1 << 31), -((-res) // (1 << 31)))
    overflow = (a == INT32_MIN) & (b == INT32_MIN)
    return np.where(overflow, INT32_MAX, q).astype(np.int64)


INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def rounding_divide_by_pot(x: np.ndarray, exponent: int) -> np.ndarray:
    """gemmlowp RoundingDivideByPOT (round half away from zero)."""
    x = np.asarray(x, np.int64)
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + (remainder > threshold)


def multiply_by_quantized_multiplier(x, multiplier: int, shift: int) -> np.ndarray:
    """TFLM's MultiplyByQuantizedMultiplier (double rounding, TFLITE_SINGLE_ROUNDING off)."""
    left = shift if shift > 0 else 0
    right = 0 if shift > 0 else -shift
    x = np.asarray(x, np.int64) * (1 << left)
    x = np.clip(x, INT32_MIN, INT32_MAX)  # int32 wrap is UB in C; TFLM never reaches it
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, multiplier), right)
