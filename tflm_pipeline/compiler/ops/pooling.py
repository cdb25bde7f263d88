"""AVERAGE_POOL_2D and MAX_POOL_2D, int8.

TFLM's pooling Prepare computes padding (ComputePaddingHeightWidth, dilation 1) and the output
activation range; Eval ignores the scales and copies quantized values (the converter gives input
and output the same quantization). We mirror that exactly, as the oracle does.
"""

from __future__ import annotations

from dataclasses import dataclass

from ... import quant
from .base import KernelCall, OpContext, register
from .conv_2d import spatial_geometry


@dataclass(frozen=True)
class PoolParams:
    batches: int
    in_h: int
    in_w: int
    channels: int
    out_h: int
    out_w: int
    filter_h: int
    filter_w: int
    stride_h: int
    stride_w: int
    pad_top: int
    pad_left: int
    act_min: int
    act_max: int


def _prepare(ctx: OpContext, function: str) -> KernelCall:
    x, y = ctx.input(0), ctx.output(0)
    for t in (x, y):
        ctx.require_dtype(t, "INT8")
    o = ctx.options
    if o.filterHeight < 1 or o.filterWidth < 1:
        raise ctx.unsupported(f"filter {o.filterHeight}x{o.filterWidth}; must be >= 1")
    pt, pl = spatial_geometry(ctx, x, y, o.filterHeight, o.filterWidth, o)
    if y.shape[3] != x.shape[3]:
        raise ctx.unsupported(f"output channels {y.shape[3]} != input channels {x.shape[3]}")
    act_min, act_max = quant.activation_range(o.fusedActivationFunction, y.scale[0], int(y.zero_point[0]))
    params = PoolParams(
        batches=x.shape[0], in_h=x.shape[1], in_w=x.shape[2], channels=x.shape[3],
        out_h=y.shape[1], out_w=y.shape[2], filter_h=o.filterHeight, filter_w=o.filterWidth,
        stride_h=o.strideH, stride_w=o.strideW, pad_top=pt, pad_left=pl,
        act_min=act_min, act_max=act_max)
    return KernelCall(function, "tpl_pooling.h", "tpl_pool_params_t", params,
                      [ctx.ptr(x), ctx.ptr(y, const=False)])


@register("AVERAGE_POOL_2D")
def prepare_average(ctx: OpContext) -> KernelCall:
    return _prepare(ctx, "tpl_average_pool_2d")


@register("MAX_POOL_2D")
def prepare_max(ctx: OpContext) -> KernelCall:
    return _prepare(ctx, "tpl_max_pool_2d")
