"""CONV_2D: int8 x int8 -> int8 with int32 bias, per-channel (or broadcast per-tensor) weights.

Prepare follows TFLM's conv Prepare: padding from ``ComputePaddingHeightWidth``, one
multiplier/shift per output channel from ``PopulateConvolutionQuantizationParams`` (double
products, also for per-tensor weights, which are broadcast), activation range of the output.
The ``input_offset * sum(w[c])`` term is folded into a per-channel bias here, once; the kernel
feeds padding taps with the input zero point so the fold holds at the borders too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import quant
from .base import KernelCall, OpContext, register

PADDING_SAME, PADDING_VALID = 0, 1


def out_size(padding: int, image: int, filt: int, stride: int, dilation: int) -> int:
    """TFLM ComputeOutSize."""
    eff = (filt - 1) * dilation + 1
    if padding == PADDING_SAME:
        return (image + stride - 1) // stride
    return (image + stride - eff) // stride


def pad_before(padding: int, image: int, filt: int, stride: int, dilation: int) -> tuple[int, int]:
    """TFLM ComputePaddingWithOffset: (output size, padding before); the odd extra pad goes after."""
    out = out_size(padding, image, filt, stride, dilation)
    eff = (filt - 1) * dilation + 1
    total = max((out - 1) * stride + eff - image, 0)
    return out, total // 2


def spatial_geometry(ctx: OpContext, x, y, fh: int, fw: int, opts, dh: int = 1, dw: int = 1):
    """Check the options against the tensors; return (pad_top, pad_left)."""
    if opts.padding not in (PADDING_SAME, PADDING_VALID):
        raise ctx.unsupported(f"padding {opts.padding}; supported: SAME, VALID")
    if opts.strideH < 1 or opts.strideW < 1 or dh < 1 or dw < 1:
        raise ctx.unsupported(f"strides ({opts.strideH}, {opts.strideW}) / dilation ({dh}, {dw}) "
                              "must be >= 1")
    if len(x.shape) != 4 or len(y.shape) != 4:
        raise ctx.unsupported(f"input {list(x.shape)} / output {list(y.shape)}; supported: 4-D NHWC")
    oh, pt = pad_before(opts.padding, x.shape[1], fh, opts.strideH, dh)
    ow, pl = pad_before(opts.padding, x.shape[2], fw, opts.strideW, dw)
    if (oh, ow) != tuple(y.shape[1:3]) or x.shape[0] != y.shape[0]:
        raise ctx.unsupported(f"output shape {list(y.shape)} disagrees with the computed "
                              f"[{x.shape[0]}, {oh}, {ow}, ...]")
    return pt, pl


def channel_multipliers(ctx: OpContext, x, w, y, channels: int) -> tuple[str, str]:
    """PopulateConvolutionQuantizationParams: per-channel Q31 multipliers (broadcast if per-tensor)."""
    mults, shifts = channel_multiplier_values(ctx, x, w, y, channels)
    return ctx.const_array(mults, np.int32, "multiplier"), ctx.const_array(shifts, np.int32, "shift")


def channel_multiplier_values(ctx: OpContext, x, w, y, channels: int) -> tuple[list[int], list[int]]:
    scales = np.asarray(w.scale, np.float32)
    if len(scales) == 1:
        scales = np.repeat(scales, channels)
    elif len(scales) != channels:
        raise ctx.unsupported(f"filter has {len(scales)} scales for {channels} output channels")
    mults, shifts = quant.conv_per_channel_multipliers(x.scale[0], scales, y.scale[0])
    if min(mults) < 0:  # tpl_conv_mbqm relies on it (scales are positive, so it always holds)
        raise ctx.unsupported(f"negative requantization multiplier {min(mults)}")
    return mults, shifts


@dataclass(frozen=True)
class FastRequant:
    """Per-channel tables of the kernels' short requantization form (tpl_conv_rq_fast)."""
    fast: int        # 1 when every channel satisfies the conditions below
    add: str         # nudge + output_offset * 2^e (then, in C: clamp((h + (h >> 31) + add) >> e))
    rsh: str         # e = -shift (>= 1, so the left shift is 0): h = SMMULR(acc << 1, multiplier)


def fast_requant(ctx: OpContext, mults, shifts, acc_bound: np.ndarray, output_offset: int) -> FastRequant:
    """Tables for the short exact requantization, and whether it applies to this layer.

    TFLM: out = RDBPOT(SRDHM(acc << left, m), e) + zp, with left = max(shift, 0), e = max(-shift, 0).
    For 0 <= m < 2^31, SRDHM(a, m) = floor((a*m + 2^30) / 2^31) = floor((2a*m + 2^31) / 2^32), i.e.
    SMMULR(2a, m), exact whenever 2a does not overflow. For e >= 1, RDBPOT(h, e) (half away from
    zero) = floor((h + 2^(e-1) - [h < 0]) / 2^e) and adding zp * 2^e inside the floor adds zp.
    So with |acc| <= acc_bound (the true sum TFLM forms), 2 * acc_bound * 2^left < 2^31, e >= 1 and
    no overflow of h + nudge + zp * 2^e, the result equals TFLM's for every reachable input.
    """
    m = np.asarray(mults, np.int64)
    sh = np.asarray(shifts, np.int64)
    left = np.maximum(sh, 0)
    e = np.maximum(-sh, 0)
    bound = np.asarray(acc_bound, np.int64)
    ok = bool(len(m)) and bool(np.all(e >= 1)) and bool(np.all(e <= 30))
    if ok:
        a2 = bound * 2 * (np.int64(1) << left)
        h = (bound << left) + 1
        ok = bool(np.all(a2 < 2**31 - 1)) and bool(
            np.all(h + (np.int64(1) << (e - 1)) + abs(output_offset) * (np.int64(1) << e) + 2 < 2**31))
    n = len(m)
    if ok:
        add = (np.int64(1) << (e - 1)) + np.int64(output_offset) * (np.int64(1) << e)
        rsh = e
    else:
        add, rsh = np.zeros(n, np.int64), np.zeros(n, np.int64)
    return FastRequant(int(ok), ctx.const_array(add, np.int32, "rq_add"), ctx.const_array(rsh, np.int32, "rq_rsh"))


def accumulator_bound(bias: np.ndarray, w_abs_sums: np.ndarray, input_zero_point: int) -> np.ndarray:
    """Bound on |bias + sum w * (x - zp_in)| over all int8 inputs x (the sum TFLM forms)."""
    xmax = max(abs(-128 - input_zero_point), abs(127 - input_zero_point))
    return np.abs(np.asarray(bias, np.int64)) + xmax * np.asarray(w_abs_sums, np.int64)


def check_int8_conv(ctx: OpContext, x, w, b, y):
    for t in (x, w, y):
        ctx.require_dtype(t, "INT8")
    if not w.is_constant:
        raise ctx.unsupported("non-constant filter is not supported")
    if b is not None:
        ctx.require_dtype(b, "INT32")
        if not b.is_constant:
            raise ctx.unsupported("non-constant bias is not supported")
    if w.zero_point.any():
        raise ctx.unsupported("filter with a non-zero zero point is not supported (int8 weights are symmetric)")


def folded_bias(ctx: OpContext, bias: np.ndarray, w_sums: np.ndarray, input_offset: int) -> str:
    folded = bias.astype(np.int64) + np.int64(input_offset) * w_sums.astype(np.int64)
    if np.abs(folded).max(initial=0) >= 2**31:
        raise ctx.unsupported("bias + input_offset * sum(filter) overflows int32")
    return ctx.const_array(folded, np.int32, "bias_folded")


@dataclass(frozen=True)
class Conv2DParams:
    batches: int
    in_h: int
    in_w: int
    in_ch: int
    out_h: int
    out_w: int
    out_ch: int
    filter_h: int
    filter_w: int
    filter_in_ch: int
    groups: int
    stride_h: int
    stride_w: int
    dilation_h: int
    dilation_w: int
    pad_top: int
    pad_left: int
    input_zero_point: int
    output_offset: int
    act_min: int
    act_max: int
    direct: int
    bias_folded: str
    multiplier: str
    shift: str
    fast_rq: int
    rq_add: str
    rq_rsh: str
    filter_dsp: str


def dsp_filter(ctx: OpContext, filt: np.ndarray) -> str:
    """The filter [out_ch][k] widened for the Cortex-M DSP (SMLAD) loop, see tpl_conv_2d.h.

    Two bytes per weight more flash; saves the per-use sign extension in the hottest loop."""
    w = np.asarray(filt, np.int64)
    out_ch, k = w.shape
    k4 = k // 4
    if k4 == 0:
        return "NULL"
    if out_ch % 2:
        w = np.concatenate([w, w[-1:]], 0)
    g = w[:, :4 * k4].reshape(-1, 2, k4, 4)                       # pair, channel, group, value
    lo = np.stack([g[..., 0], g[..., 1]], -1)                      # (0, 2) / (1, 3) low halves
    hi = np.stack([g[..., 2], g[..., 3]], -1)
    words = (lo & 0xFFFF) | (hi << 16)                             # pair, channel, group, {e, o}
    words = words.transpose(0, 2, 1, 3).reshape(-1)                # pair, group, channel, {e, o}
    return ctx.const_array(words.astype(np.uint32).view(np.int32), np.int32, "filter_dsp")


@register("CONV_2D")
def prepare(ctx: OpContext) -> KernelCall:
    x, w, b, y = ctx.input(0), ctx.input(1), ctx.input(2), ctx.output(0)
    check_int8_conv(ctx, x, w, b, y)
    o = ctx.options
    if len(w.shape) != 4:
        raise ctx.unsupported(f"filter shape {list(w.shape)}; supported: 4-D OHWI")
    out_ch, fh, fw, fic = w.shape
    in_ch = x.shape[3] if len(x.shape) == 4 else -1
    if fic < 1 or in_ch % fic or out_ch % (in_ch // fic) or y.shape[-1] != out_ch:
        raise ctx.unsupported(f"input channels {in_ch}, filter {list(w.shape)}, output {list(y.shape)}: "
                              "channels do not form whole groups")
    dh, dw = int(o.dilationHFactor), int(o.dilationWFactor)
    pt, pl = spatial_geometry(ctx, x, y, fh, fw, o, dh, dw)
    groups = in_ch // fic
    zp_in = int(x.zero_point[0])
    bias = b.data.reshape(-1) if b is not None else np.zeros(out_ch, np.int32)
    act_min, act_max = quant.activation_range(o.fusedActivationFunction, y.scale[0], int(y.zero_point[0]))
    mult_v, shift_v = channel_multiplier_values(ctx, x, w, y, out_ch)
    mult = ctx.const_array(mult_v, np.int32, "multiplier")
    shift = ctx.const_array(shift_v, np.int32, "shift")
    w_abs = np.abs(w.data.reshape(out_ch, -1).astype(np.int64)).sum(1)
    rq = fast_requant(ctx, mult_v, shift_v, accumulator_bound(bias, w_abs, zp_in), int(y.zero_point[0]))
    direct = int(fh == 1 and fw == 1 and pt == 0 and pl == 0 and groups == 1)
    params = Conv2DParams(
        batches=x.shape[0], in_h=x.shape[1], in_w=x.shape[2], in_ch=in_ch,
        out_h=y.shape[1], out_w=y.shape[2], out_ch=out_ch, filter_h=fh, filter_w=fw,
        filter_in_ch=fic, groups=groups, stride_h=o.strideH, stride_w=o.strideW,
        dilation_h=dh, dilation_w=dw, pad_top=pt, pad_left=pl, input_zero_point=zp_in,
        output_offset=int(y.zero_point[0]), act_min=act_min, act_max=act_max, direct=direct,
        bias_folded=folded_bias(ctx, bias, w.data.reshape(out_ch, -1).astype(np.int64).sum(1), -zp_in),
        multiplier=mult, shift=shift, fast_rq=rq.fast, rq_add=rq.add, rq_rsh=rq.rsh,
        filter_dsp=dsp_filter(ctx, w.data.reshape(out_ch, -1)) if groups == 1 else "NULL")
    args = [ctx.ptr(x), ctx.ptr(w), ctx.ptr(y, const=False)]
    k = fh * fw * fic
    # TPL_CONV_2D_SCRATCH(k): enough for the portable, Cortex-M DSP and MVE paths.
    args.append(ctx.scratch(6 * ((k + 3) & ~3)))
    return KernelCall("tpl_conv_2d", "tpl_conv_2d.h", "tpl_conv_2d_params_t", params, args,
                      macs=x.shape[0] * y.shape[1] * y.shape[2] * out_ch * fh * fw * fic)
