"""SOFTMAX, int8 in, int8 out (TFLM ``reference_ops::Softmax``, gemmlowp fixed point).

Prepare (TFLM ``CalculateSoftmaxParams`` / ``PreprocessSoftmaxScaling``, kScaledDiffIntegerBits 5)::

    (M, e)   = QuantizeMultiplierGreaterThanOne(min(beta * s_in * 2^26, 2^31 - 1))   (double)
    diff_min = -floor(31 * 2^26 / 2^e)

Per row, with ``d = q - max(row)`` in [-255, 0], TFLM computes ``exp_q0(d) =
exp_on_negative_values(srdhm(d * 2^e, M))`` (Q5.26 in, Q0.31 out) when ``d >= diff_min``. That
depends on ``d`` only, so the compiler tabulates it: ``exp_lut[-d]`` (256 int32, 1 KiB of flash;
0 where ``d < diff_min``, which yields exactly TFLM's skipped terms and -128 outputs). The kernel
then sums ``rdbpot(exp, 12)`` (Q12.19), takes gemmlowp's reciprocal of the sum and writes
``clamp(rdbpot(srdhm(recip, exp), bits_over_unit + 23) - 128)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import fixedpoint as fp
from ... import quant
from .base import Arg, KernelCall, OpContext, register

SCALED_DIFF_INTEGER_BITS = 5
ACCUM_INTEGER_BITS = 12
EXP_LUT_BYTES = 256 * 4


@dataclass(frozen=True)
class SoftmaxParams:
    rows: int
    depth: int


@dataclass(frozen=True)
class SoftmaxScaling:
    multiplier: int
    left_shift: int
    diff_min: int


def softmax_scaling(beta, input_scale) -> SoftmaxScaling:
    real = min(float(np.float32(beta)) * float(np.float32(input_scale))
               * (1 << (31 - SCALED_DIFF_INTEGER_BITS)), (1 << 31) - 1.0)
    m, shift = quant.quantize_multiplier(real)
    if not 0 <= shift <= 31 or real <= 1.0:
        raise ValueError(f"beta * input scale = {real / (1 << 26)} is outside what the int8 kernel handles")
    radius = math.floor(1.0 * ((1 << SCALED_DIFF_INTEGER_BITS) - 1)
                        * (1 << (31 - SCALED_DIFF_INTEGER_BITS)) / (1 << shift))
    return SoftmaxScaling(m, shift, -radius)


def exp_table(s: SoftmaxScaling) -> np.ndarray:
    """``table[k] = exp_q0(-k)`` for k = max - q in 0..255 (0 where TFLM skips the term)."""
    table = np.zeros(256, np.int32)
    for k in range(256):
        d = -k
        if d >= s.diff_min:
            rescaled = fp.srdhm(fp.wrap32(d * (1 << s.left_shift)), s.multiplier)
            table[k] = fp.exp_on_negative_values(rescaled, SCALED_DIFF_INTEGER_BITS)
    return table


def get_reciprocal(x: int, integer_bits: int) -> tuple[int, int]:
    """TFLite GetReciprocal: (1/x in Q0.31 scaled into [0.5, 1), num_bits_over_unit)."""
    headroom_plus_one = 32 - int(x & 0xFFFFFFFF).bit_length()
    num_bits_over_unit = integer_bits - headroom_plus_one
    shifted_minus_one = fp.wrap32(((x << headroom_plus_one) & 0xFFFFFFFF) - (1 << 31))
    return fp.one_over_one_plus_x_for_x_in_0_1(shifted_minus_one), num_bits_over_unit


def softmax_reference(x: np.ndarray, s: SoftmaxScaling) -> np.ndarray:
    """int8 softmax over the last axis, step for step as TFLM."""
    table = exp_table(s)
    x = np.asarray(x, np.int64)
    rows = x.reshape(-1, x.shape[-1])
    out = np.empty(rows.shape, np.int8)
    for r, row in enumerate(rows):
        exps = [int(table[int(row.max()) - int(v)]) for v in row]
        total = 0
        for e in exps:
            total = fp.wrap32(total + fp.rdbpot(e, ACCUM_INTEGER_BITS))
        recip, bits = get_reciprocal(total, ACCUM_INTEGER_BITS)
        exponent = bits + 31 - 8
        for c, e in enumerate(exps):
            v = fp.rdbpot(fp.srdhm(recip, e), exponent) - 128
            out[r, c] = min(max(v, -128), 127)
    return out.reshape(x.shape)


@register("SOFTMAX")
def prepare(ctx: OpContext) -> KernelCall:
    x, y = ctx.input(0), ctx.output(0)
    ctx.require_dtype(x, "INT8")
    ctx.require_dtype(y, "INT8")
    if int(y.zero_point[0]) != -128 or np.float32(y.scale[0]) != np.float32(1.0 / 256):
        raise ctx.unsupported(
            f"output quantization scale {float(y.scale[0])}, zero point {int(y.zero_point[0])}; "
            "int8 SOFTMAX needs 1/256 and -128 (as TFLM)")
    try:
        s = softmax_scaling(ctx.options.beta, x.scale[0])
    except ValueError as exc:
        raise ctx.unsupported(str(exc)) from None
    depth = int(x.shape[-1]) if x.shape else 1
    rows = x.nbytes // max(depth, 1)
    if depth >= 1 << 12:  # the Q12.19 sum of exps (each <= 1.0) would overflow int32, as in TFLM
        raise ctx.unsupported(f"softmax over {depth} values; supported: up to 4095")
    lut = ctx.const_array(exp_table(s), np.int32, "softmax_exp_lut")
    return KernelCall("tpl_softmax_s8", "tpl_softmax.h", "tpl_softmax_params_t",
                      SoftmaxParams(rows=rows, depth=depth),
                      [Arg(lut), ctx.ptr(x), ctx.ptr(y, const=False)])
