"""DEPTHWISE_CONV_2D: int8, per-channel weights, any depth multiplier, dilation, SAME/VALID.

Prepare as TFLM's depthwise Prepare (padding, per-channel double-product multipliers,
activation range); the ``input_offset * sum(w[.][.][c])`` term is folded into a per-channel bias
used for pixels whose window lies fully inside the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import quant
from .base import KernelCall, OpContext, register
from .conv_2d import (accumulator_bound, channel_multiplier_values, check_int8_conv, fast_requant, folded_bias,
                      spatial_geometry)


@dataclass(frozen=True)
class DepthwiseConv2DParams:
    batches: int
    in_h: int
    in_w: int
    in_ch: int
    out_h: int
    out_w: int
    out_ch: int
    depth_multiplier: int
    filter_h: int
    filter_w: int
    stride_h: int
    stride_w: int
    dilation_h: int
    dilation_w: int
    pad_top: int
    pad_left: int
    input_offset: int
    output_offset: int
    act_min: int
    act_max: int
    bias: str
    bias_folded: str
    multiplier: str
    shift: str
    fast_rq: int
    rq_add: str
    rq_rsh: str
    filter_dsp: str


def dsp_filter(ctx: OpContext, filt: np.ndarray, dm: int) -> str:
    """3x3, depth multiplier 1: the filter widened for the Cortex-M DSP loop (tpl_depthwise_conv_2d.h).

    Two bytes per weight more flash; saves the per-use sign extension in the inner loop."""
    _, fh, fw, ch = filt.shape
    if dm != 1 or (fh, fw) != (3, 3) or ch < 4:
        return "NULL"
    groups = ch // 4
    w = np.asarray(filt, np.int64).reshape(9, ch)[:, :4 * groups].reshape(9, groups, 4).transpose(1, 0, 2)
    words = np.stack([(w[..., 0] & 0xFFFF) | (w[..., 2] << 16), (w[..., 1] & 0xFFFF) | (w[..., 3] << 16)], -1)
    return ctx.const_array(words.reshape(-1).astype(np.uint32).view(np.int32), np.int32, "filter_dsp")


@register("DEPTHWISE_CONV_2D")
def prepare(ctx: OpContext) -> KernelCall:
    x, w, b, y = ctx.input(0), ctx.input(1), ctx.input(2), ctx.output(0)
    check_int8_conv(ctx, x, w, b, y)
    o = ctx.options
    if len(w.shape) != 4 or w.shape[0] != 1:
        raise ctx.unsupported(f"filter shape {list(w.shape)}; supported: [1, H, W, C*multiplier]")
    _, fh, fw, out_ch = w.shape
    in_ch = x.shape[3] if len(x.shape) == 4 else 0
    if in_ch < 1 or out_ch % in_ch or y.shape[-1] != out_ch:
        raise ctx.unsupported(f"input channels {in_ch}, filter {list(w.shape)}, output {list(y.shape)}: "
                              "output channels must be input channels * depth_multiplier")
    dm = out_ch // in_ch
    if o.depthMultiplier not in (0, dm) and in_ch != 1:
        raise ctx.unsupported(f"depth_multiplier option {o.depthMultiplier} disagrees with the filter ({dm})")
    dh, dw = int(o.dilationHFactor), int(o.dilationWFactor)
    pt, pl = spatial_geometry(ctx, x, y, fh, fw, o, dh, dw)
    input_offset = -int(x.zero_point[0])
    bias = b.data.reshape(-1).astype(np.int32) if b is not None else np.zeros(out_ch, np.int32)
    act_min, act_max = quant.activation_range(o.fusedActivationFunction, y.scale[0], int(y.zero_point[0]))
    mult_v, shift_v = channel_multiplier_values(ctx, x, w, y, out_ch)
    mult = ctx.const_array(mult_v, np.int32, "multiplier")
    shift = ctx.const_array(shift_v, np.int32, "shift")
    w_abs = np.abs(w.data.reshape(-1, out_ch).astype(np.int64)).sum(0)
    rq = fast_requant(ctx, mult_v, shift_v, accumulator_bound(bias, w_abs, -input_offset), int(y.zero_point[0]))
    params = DepthwiseConv2DParams(
        batches=x.shape[0], in_h=x.shape[1], in_w=x.shape[2], in_ch=in_ch,
        out_h=y.shape[1], out_w=y.shape[2], out_ch=out_ch, depth_multiplier=dm,
        filter_h=fh, filter_w=fw, stride_h=o.strideH, stride_w=o.strideW,
        dilation_h=dh, dilation_w=dw, pad_top=pt, pad_left=pl, input_offset=input_offset,
        output_offset=int(y.zero_point[0]), act_min=act_min, act_max=act_max,
        bias=ctx.const_array(bias, np.int32, "bias"),
        bias_folded=folded_bias(ctx, bias, w.data.reshape(-1, out_ch).astype(np.int64).sum(0), input_offset),
        multiplier=mult, shift=shift, fast_rq=rq.fast, rq_add=rq.add, rq_rsh=rq.rsh,
        filter_dsp=dsp_filter(ctx, w.data, dm))
    return KernelCall("tpl_depthwise_conv_2d", "tpl_depthwise_conv_2d.h",
                      "tpl_depthwise_conv_2d_params_t", params,
                      [ctx.ptr(x), ctx.ptr(w), ctx.ptr(y, const=False)],
                      macs=x.shape[0] * y.shape[1] * y.shape[2] * out_ch * fh * fw)
