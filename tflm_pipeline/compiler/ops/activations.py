"""Standalone int8 activations: RELU, RELU6, LEAKY_RELU, HARD_SWISH, each a 256-entry table.

Keras emits them when they cannot be fused into the producer (after ADD/MUL chains such as
hard_sigmoid's, LeakyReLU always). Arithmetic, per TFLM's Prepare/Eval:

* RELU (``CalculateReluOpData``, ``ReluQuantized``): ``M ~ s_in / s_out`` (double);
  ``clamp(zp_out + mbqm(q - zp_in, M, e), max(-128, zp_out), 127)``.
* RELU6 (``Relu6Prepare``): clamps in the *input* scale, output quantization ignored:
  ``clamp(q, zp_in, clamp(round(6f / s_in) + zp_in))``.
* LEAKY_RELU (``CalculateOpDataLeakyRelu``): multipliers from float32 products
  ``s_in * alpha / s_out`` and ``s_in / s_out``; ``x = q - zp_in``;
  ``clamp(zp_out + mbqm(x, x >= 0 ? M_identity : M_alpha))``.
"""

from __future__ import annotations

import numpy as np

from ... import quant
from ..fixedpoint import rdbpot
from .base import KernelCall, OpContext, register
from .lookup import lut_call


def relu_reference(q, s_in, zp_in: int, s_out, zp_out: int) -> np.ndarray:
    m, e = quant.quantize_multiplier(float(np.float32(s_in)) / float(np.float32(s_out)))
    v = zp_out + quant.multiply_by_quantized_multiplier(np.asarray(q, np.int64) - zp_in, m, e)
    return np.clip(v, max(-128, zp_out), 127).astype(np.int8)


def relu6_reference(q, s_in, zp_in: int) -> np.ndarray:
    six = quant.round_half_away(float(np.float32(6.0) / np.float32(s_in))) + zp_in
    six = min(max(int(six), -128), 127)
    return np.clip(np.asarray(q, np.int64), zp_in, six).astype(np.int8)


def leaky_relu_reference(q, alpha, s_in, zp_in: int, s_out, zp_out: int) -> np.ndarray:
    s_in, s_out, alpha = np.float32(s_in), np.float32(s_out), np.float32(alpha)
    ma, ea = quant.quantize_multiplier(float(np.float32(np.float32(s_in * alpha) / s_out)))
    mi, ei = quant.quantize_multiplier(float(np.float32(s_in / s_out)))
    x = np.asarray(q, np.int64) - zp_in
    v = np.where(x >= 0, quant.multiply_by_quantized_multiplier(x, mi, ei),
                 quant.multiply_by_quantized_multiplier(x, ma, ea)) + zp_out
    return np.clip(v, -128, 127).astype(np.int8)


def _quant(t):
    return t.scale[0], int(t.zero_point[0])


@register("RELU")
def prepare_relu(ctx: OpContext) -> KernelCall:
    (si, zi), (so, zo) = _quant(ctx.input(0)), _quant(ctx.output(0))
    return lut_call(ctx, lambda v: relu_reference(v, si, zi, so, zo), "relu")


@register("RELU6")
def prepare_relu6(ctx: OpContext) -> KernelCall:
    si, zi = _quant(ctx.input(0))
    return lut_call(ctx, lambda v: relu6_reference(v, si, zi), "relu6")


@register("LEAKY_RELU")
def prepare_leaky_relu(ctx: OpContext) -> KernelCall:
    (si, zi), (so, zo) = _quant(ctx.input(0)), _quant(ctx.output(0))
    alpha = ctx.options.alpha
    return lut_call(ctx, lambda v: leaky_relu_reference(v, alpha, si, zi, so, zo), "leaky_relu")


# ---- HARD_SWISH ------------------------------------------------------------------------------
# The converter fuses Keras' x * relu6(x + 3) / 6 (MobileNetV3's hard_swish) into HARD_SWISH.
# TFLM's int8 kernel works in int16 fixed point (reference_ops::HardSwish); reproduced here.

def _i16(x: int) -> int:
    return ((x + 32768) & 0xFFFF) - 32768


def _srdhm16(a: int, b: int) -> int:
    if a == b == -32768:
        return 32767
    ab = a * b
    r = ab + ((1 << 14) if ab >= 0 else 1 - (1 << 14))
    q = abs(r) >> 15  # C division truncates toward zero
    return _i16(q if r >= 0 else -q)


def _sdhm16(a: int, b: int) -> int:
    """SaturatingDoublingHighMul: like srdhm but truncating toward zero."""
    if a == b == -32768:
        return 32767
    ab = a * b
    q = abs(ab) >> 15
    return _i16(q if ab >= 0 else -q)


def _sat_shl16(v: int, amount: int) -> int:
    return min(max(v * (1 << amount), -32768), 32767)


def _downscale_to_int16(m32: int) -> int:
    if m32 >= (1 << 31) - 1 - (1 << 15):
        return 32767
    return (m32 + (1 << 15)) >> 16


def hard_swish_multipliers(s_in, s_out) -> tuple[int, int, int, int]:
    """(output_mult16, output_exp, reluish_mult16, reluish_exp) as TFLM's HardSwishPrepare."""
    hires = np.float32(1.0 / 128.0) * np.float32(s_in)
    mo, eo = quant.quantize_multiplier(float(np.float32(hires / np.float32(s_out))))
    mr, er = quant.quantize_multiplier(float(np.float32(hires / (np.float32(3.0) / np.float32(32768.0)))))
    return _downscale_to_int16(mo), eo, _downscale_to_int16(mr), er


def hard_swish_reference(q, s_in, zp_in: int, s_out, zp_out: int) -> np.ndarray:
    om, oe, rm, re_ = hard_swish_multipliers(s_in, s_out)
    out = []
    for v in np.asarray(q, np.int64).reshape(-1).tolist():
        hires = _i16(_i16(v - zp_in) * 128)
        preshift = _srdhm16(hires, om)
        reluish = hires
        if re_ > 0:
            reluish = _sat_shl16(reluish, re_ - 1)
        reluish = _srdhm16(reluish, rm)
        if re_ > 0:
            reluish = _sat_shl16(reluish, 1)
        if re_ < 0:
            reluish = rdbpot(reluish, -re_)
        reluish = (reluish + (1 << 15)) >> 1
        value = _i16(rdbpot(_sdhm16(reluish, preshift), -oe) + zp_out)
        out.append(min(max(value, -128), 127))
    return np.asarray(out, np.int8).reshape(np.shape(q))


@register("HARD_SWISH")
def prepare_hard_swish(ctx: OpContext) -> KernelCall:
    (si, zi), (so, zo) = _quant(ctx.input(0)), _quant(ctx.output(0))
    if hard_swish_multipliers(si, so)[1] > 0:
        raise ctx.unsupported("output scale below input scale / 128 (TFLM's HARD_SWISH rejects it too)")
    return lut_call(ctx, lambda v: hard_swish_reference(v, si, zi, so, zo), "hard_swish")
