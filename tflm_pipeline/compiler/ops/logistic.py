"""LOGISTIC, int8: TFLM's reference integer path (gemmlowp fixed point), run as a 256-entry table.

Prepare (TFLM ``CalculateArithmeticOpDataLogistic``): the input is rescaled to Q4.27::

    (M, e) = frexp(s_in * 2^27);  M = round(M * 2^31)       (no 2^31 overflow fix-up, as TFLM)
    radius = floor(15 * 2^27 / 2^e)

Eval (``reference_integer_ops::Logistic``), for ``x = q - zp_in``: ``-128`` if ``x <= -radius``,
``127`` if ``x >= radius``, else ``clamp(rdbpot(logistic_q0(mbqm(x, M, e)), 23) - 128)``. The
output scale is implied (1/256, zero point -128, which TFLM requires).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import fixedpoint as fp
from ... import quant
from .base import KernelCall, OpContext, register
from .lookup import lut_call

INPUT_INTEGER_BITS = 4


@dataclass(frozen=True)
class SigmoidInputScaling:
    zero_point: int
    multiplier: int
    left_shift: int
    range_radius: int


def sigmoid_input_scaling(scale, zero_point: int) -> SigmoidInputScaling:
    """The Prepare arithmetic shared by int8 LOGISTIC and TANH (kInputIntegerBits = 4)."""
    real = float(np.float32(scale)) * float(1 << (31 - INPUT_INTEGER_BITS))
    q, shift = math.frexp(real)
    multiplier = int(quant.round_half_away(q * (1 << 31)))
    if not 0 <= shift <= 30 or multiplier >= 1 << 31:
        raise ValueError(f"input scale {float(scale)} is outside what the int8 kernel handles")
    radius = math.floor(1.0 * ((1 << INPUT_INTEGER_BITS) - 1)
                        * (1 << (31 - INPUT_INTEGER_BITS)) / (1 << shift))
    return SigmoidInputScaling(int(zero_point), multiplier, shift, radius)


def to_q4(x: int, s: SigmoidInputScaling) -> int:
    """MultiplyByQuantizedMultiplier(x, M, e) with e >= 0 (a left shift, then the high mul)."""
    return fp.srdhm(fp.wrap32(x << s.left_shift), s.multiplier)


def saturating_table(q, s: SigmoidInputScaling, inside) -> np.ndarray:
    """TFLM's int8 LOGISTIC/TANH shape: -128 / 127 outside the input radius, else
    ``clamp(inside(q - zp_in))``; shared by both ops' references."""
    out = []
    for v in np.asarray(q, np.int64).reshape(-1).tolist():
        x = v - s.zero_point
        if x <= -s.range_radius:
            out.append(-128)
        elif x >= s.range_radius:
            out.append(127)
        else:
            out.append(min(max(inside(x), -128), 127))
    return np.asarray(out, np.int8).reshape(np.shape(q))


def logistic_reference(q, s: SigmoidInputScaling) -> np.ndarray:
    """int8 LOGISTIC of int8 values ``q`` (any int array), exactly as TFLM computes it."""
    return saturating_table(
        q, s, lambda x: fp.rdbpot(fp.logistic(to_q4(x, s), INPUT_INTEGER_BITS), 31 - 8) - 128)


@register("LOGISTIC")
def prepare(ctx: OpContext) -> KernelCall:
    x, y = ctx.input(0), ctx.output(0)
    ctx.require_dtype(x, "INT8")
    if int(y.zero_point[0]) != -128:
        raise ctx.unsupported(f"output zero point {int(y.zero_point[0])}; int8 LOGISTIC needs -128 (as TFLM)")
    try:
        s = sigmoid_input_scaling(x.scale[0], int(x.zero_point[0]))
    except ValueError as exc:
        raise ctx.unsupported(str(exc)) from None
    return lut_call(ctx, lambda v: logistic_reference(v, s), "logistic")
