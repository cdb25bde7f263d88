"""DEQUANTIZE: int8 -> float32 (outputs of float-I/O models), TFLM ``reference_ops::Dequantize``::

    out = s * (float)(q - zp)        one float32 multiplication

A single IEEE multiplication of exact operands is correctly rounded on every target, so the C
kernel matches TFLM bit for bit without a table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import KernelCall, OpContext, register


@dataclass(frozen=True)
class DequantizeParams:
    size: int
    scale: float
    zero_point: int


def dequantize_reference(q, scale, zero_point: int) -> np.ndarray:
    return np.float32(scale) * (np.asarray(q, np.int64) - zero_point).astype(np.float32)


@register("DEQUANTIZE")
def prepare(ctx: OpContext) -> KernelCall:
    x, y = ctx.input(0), ctx.output(0)
    ctx.require_dtype(x, "INT8")
    ctx.require_dtype(y, "FLOAT32")
    if len(x.scale) != 1:
        raise ctx.unsupported("per-channel input quantization; supported: per-tensor")
    params = DequantizeParams(size=int(np.prod(x.shape, dtype=np.int64)),
                              scale=float(np.float32(x.scale[0])), zero_point=int(x.zero_point[0]))
    return KernelCall("tpl_dequantize_s8_f32", "tpl_dequantize.h", "tpl_dequantize_params_t", params,
                      [ctx.ptr(x), ctx.ptr(y, const=False)])
