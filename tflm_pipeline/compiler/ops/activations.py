"""Standalone int8 activations: RELU, RELU6, LEAKY_RELU, each run as a 256-entry table.

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

from .. import quant
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
