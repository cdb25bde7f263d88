"""FULLY_CONNECTED: int8 x int8 -> int8 with int32 bias; per-tensor or per-channel weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import quant
from .base import KernelCall, OpContext, register


@dataclass(frozen=True)
class FullyConnectedParams:
    batches: int
    accum_depth: int
    output_depth: int
    input_offset: int
    output_offset: int
    act_min: int
    act_max: int
    per_channel: int
    multiplier: str
    shift: str


def requant_arrays(ctx: OpContext, x, w, y) -> tuple[str, str, int]:
    """Per-channel or per-tensor multipliers as flash arrays, exactly as TFLM's Prepare."""
    if len(w.scale) > 1:
        mults, shifts = quant.conv_per_channel_multipliers(x.scale[0], w.scale, y.scale[0])
        per_channel = 1
    else:
        m, s = quant.quantize_multiplier(quant.conv_per_tensor_multiplier(x.scale[0], w.scale[0], y.scale[0]))
        mults, shifts, per_channel = [m], [s], 0
    return (ctx.const_array(mults, np.int32, "multiplier"), ctx.const_array(shifts, np.int32, "shift"),
            per_channel)


@register("FULLY_CONNECTED")
def prepare(ctx: OpContext) -> KernelCall:
    x, w, b, y = ctx.input(0), ctx.input(1), ctx.input(2), ctx.output(0)
    for t in (x, w, y):
        ctx.require_dtype(t, "INT8")
    if not w.is_constant:
        raise ctx.unsupported("non-constant weights are not supported")
    if b is not None:
        ctx.require_dtype(b, "INT32")
    if w.zero_point.any():
        raise ctx.unsupported("weights with a non-zero zero point are not supported (int8 weights are symmetric)")
    output_depth, accum_depth = w.shape
    batches = int(np.prod(x.shape)) // accum_depth
    act_min, act_max = quant.activation_range(ctx.options.fusedActivationFunction, y.scale[0], int(y.zero_point[0]))
    mult, shift, per_channel = requant_arrays(ctx, x, w, y)
    params = FullyConnectedParams(
        batches=batches, accum_depth=accum_depth, output_depth=output_depth,
        input_offset=-int(x.zero_point[0]), output_offset=int(y.zero_point[0]),
        act_min=act_min, act_max=act_max, per_channel=per_channel, multiplier=mult, shift=shift)
    return KernelCall(
        "tpl_fully_connected", "tpl_fully_connected.h", "tpl_fully_connected_params_t", params,
        [ctx.ptr(x), ctx.ptr(w), ctx.ptr(b), ctx.ptr(y, const=False)],
        macs=batches * accum_depth * output_depth)
