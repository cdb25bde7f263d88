"""QUANTIZE: float32 -> int8 (model inputs of float-I/O models) and int8 -> int8 requantize.

float32 -> int8 (TFLM ``reference_ops::AffineQuantize``, measured on the tflite-micro wheel)::

    out = clamp(round_half_away(x / s_out) + zp_out)     division in float32, std::round

int8 -> int8 (TFLM ``reference_ops::Requantize``): ``M ~ s_in / s_out`` (double),
``out = clamp(mbqm(q - zp_in, M, e) + zp_out)``, run as a 256-entry table (:mod:`.lookup`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import quant
from .base import KernelCall, OpContext, register
from .lookup import lut_call


@dataclass(frozen=True)
class QuantizeParams:
    size: int
    scale: float
    zero_point: int


def quantize_reference(x, scale, zero_point: int) -> np.ndarray:
    """float32 -> int8 as TFLM: float32 division, round half away from zero, clamp."""
    q = (np.asarray(x, np.float32) / np.float32(scale)).astype(np.float32).astype(np.float64)
    r = np.sign(q) * np.floor(np.abs(q) + 0.5)
    return np.clip(r + zero_point, -128, 127).astype(np.int8)


def requantize_reference(q, input_zero_point: int, multiplier: int, shift: int,
                         output_zero_point: int) -> np.ndarray:
    out = quant.multiply_by_quantized_multiplier(np.asarray(q, np.int64) - input_zero_point,
                                                 multiplier, shift) + output_zero_point
    return np.clip(out, -128, 127).astype(np.int8)


@register("QUANTIZE")
def prepare(ctx: OpContext) -> KernelCall:
    x, y = ctx.input(0), ctx.output(0)
    ctx.require_dtype(y, "INT8")
    if len(y.scale) != 1:
        raise ctx.unsupported("per-channel output quantization; supported: per-tensor")
    if x.dtype == "FLOAT32":
        params = QuantizeParams(size=int(np.prod(x.shape, dtype=np.int64)),
                                scale=float(np.float32(y.scale[0])), zero_point=int(y.zero_point[0]))
        return KernelCall("tpl_quantize_f32_s8", "tpl_quantize.h", "tpl_quantize_params_t", params,
                          [ctx.ptr(x), ctx.ptr(y, const=False)])
    if x.dtype == "INT8":
        m, e = quant.quantize_multiplier(float(np.float32(x.scale[0])) / float(np.float32(y.scale[0])))
        zin, zout = int(x.zero_point[0]), int(y.zero_point[0])
        return lut_call(ctx, lambda v: requantize_reference(v, zin, m, e, zout), "requantize")
    raise ctx.unsupported(f"input type {x.dtype} -> {y.dtype}; supported: FLOAT32 -> INT8, INT8 -> INT8")
