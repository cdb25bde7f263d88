"""MEAN (Keras GlobalAveragePooling1D/2D, reduce_mean), int8, constant axes.

TFLM's int8 MEAN (the version in our oracle; verified by test, including equal input/output
quantization, where older TFLM releases took a truncating integer-mean shortcut and even older
ones a float path) is the integer ``QuantizedMeanOrSum``: ``QuantizeMultiplier(in/out)`` (double), then,
as TFLM's Eval does at run time and we do here once, 1/count folded into the multiplier:
``k = min(floor(log2 count), 32, 31 + shift)``, ``multiplier = (multiplier << k) // count``,
``shift -= k``; out = mbqm(sum - zp_in * count) + zp_out, clamped. ``keep_dims`` does not
change the memory layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import quant
from .base import KernelCall, OpContext, register

MAX_DIMS = 6


@dataclass(frozen=True)
class MeanParams:
    ndim: int
    dims: tuple
    out_strides: tuple
    num_outputs: int
    count: int
    sum_offset: int
    multiplier: int
    shift: int
    output_zero_point: int


def merged_dims(shape: tuple[int, ...], axes: set[int]) -> list[tuple[int, bool]]:
    """Neighbouring dims with the same reduced flag merged; size-1 dims dropped."""
    groups: list[list] = []
    for d, n in enumerate(shape):
        if n == 1:
            continue
        red = d in axes
        if groups and groups[-1][1] == red:
            groups[-1][0] *= n
        else:
            groups.append([n, red])
    return [(int(n), bool(r)) for n, r in groups] or [(1, False)]


def mean_multiplier(real: float, count: int) -> tuple[int, int]:
    """QuantizeMultiplier(real) with 1/count folded in, as TFLM's QuantizedMeanOrSum."""
    mult, shift = quant.quantize_multiplier(real)
    k = min(count.bit_length() - 1, 32, 31 + shift)
    return (mult << k) // count, shift - k


@register("MEAN")
def prepare(ctx: OpContext) -> KernelCall:
    x, ax, y = ctx.input(0), ctx.input(1), ctx.output(0)
    for t in (x, y):
        ctx.require_dtype(t, "INT8")
    if ax is None or not ax.is_constant:
        raise ctx.unsupported("non-constant axis tensor is not supported")
    ctx.require_dtype(ax, "INT32")
    rank = len(x.shape)
    axes = set()
    for a in ax.data.reshape(-1).tolist():
        if not -rank <= a < rank:
            raise ctx.unsupported(f"axis {a} out of range for rank {rank}")
        axes.add(a % rank)
    count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64)) if axes else 1
    num_outputs = int(np.prod(x.shape, dtype=np.int64)) // max(count, 1)
    if num_outputs != int(np.prod(y.shape, dtype=np.int64)) or count < 1:
        raise ctx.unsupported(f"output shape {list(y.shape)} does not match reducing {list(x.shape)} "
                              f"over axes {sorted(axes)}")
    groups = merged_dims(x.shape, axes)
    if len(groups) > MAX_DIMS:
        raise ctx.unsupported(f"{len(groups)} alternating reduced/kept dims; supported: up to {MAX_DIMS}")
    strides, s = [], 1
    for n, red in reversed(groups):
        strides.append(0 if red else s)
        s *= 1 if red else n
    strides.reverse()
    pad = MAX_DIMS - len(groups)
    in_scale, out_scale = np.float32(x.scale[0]), np.float32(y.scale[0])
    zp_in, zp_out = int(x.zero_point[0]), int(y.zero_point[0])
    mult, shift = mean_multiplier(float(in_scale) / float(out_scale), count)
    params = MeanParams(
        ndim=len(groups), dims=tuple(n for n, _ in groups) + (1,) * pad,
        out_strides=tuple(strides) + (0,) * pad, num_outputs=num_outputs, count=count,
        sum_offset=-zp_in * count, multiplier=mult, shift=shift,
        output_zero_point=zp_out)
    return KernelCall("tpl_mean", "tpl_mean.h", "tpl_mean_params_t", params,
                      [ctx.ptr(x), ctx.ptr(y, const=False), ctx.scratch(4 * num_outputs)])
