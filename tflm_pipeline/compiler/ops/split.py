"""SPLIT, SPLIT_V and UNPACK: consecutive blocks of the input to each output (byte copies).

Float32 is accepted too: stacked unrolled LSTMs/GRUs convert with a float island
DEQUANTIZE -> SPLIT -> QUANTIZE, which the user may keep with --allow-float (or remove with
:func:`tflm_pipeline.convert.float_islands.rewrite_float_islands`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import KernelCall, OpContext, register
from .concatenation import check_same_dtype, const_int, elem_size, pointer_array, positive_axis


@dataclass(frozen=True)
class SplitParams:
    outer: int
    num_outputs: int
    block_bytes: str


def _split(ctx: OpContext, x, axis: int, sizes: list[int], keep_axis: bool) -> KernelCall:
    outputs = [ctx.output(j) for j in range(len(ctx.op.outputs))]
    check_same_dtype(ctx, [x], outputs[0])
    check_same_dtype(ctx, outputs, x)
    if sum(sizes) != x.shape[axis]:
        raise ctx.unsupported(f"split sizes {sizes} do not add up to the axis size {x.shape[axis]}")
    for t, s in zip(outputs, sizes):
        expect = x.shape[:axis] + ((s,) if keep_axis else ()) + x.shape[axis + 1:]
        if tuple(t.shape) != expect:
            raise ctx.unsupported(f"output shape {list(t.shape)}, expected {list(expect)}")
    outer = int(np.prod(x.shape[:axis], dtype=np.int64))
    inner = int(np.prod(x.shape[axis + 1:], dtype=np.int64)) * elem_size(x)
    params = SplitParams(outer=outer, num_outputs=len(outputs),
                         block_bytes=ctx.const_array([s * inner for s in sizes], np.int32, "block_bytes"))
    return KernelCall("tpl_split", "tpl_split.h", "tpl_split_params_t", params,
                      [ctx.ptr(x), pointer_array([ctx.ptr(t, const=False) for t in outputs], const=False)])


@register("SPLIT")
def prepare_split(ctx: OpContext) -> KernelCall:
    axis_t, x = ctx.input(0), ctx.input(1)
    axis = positive_axis(ctx, const_int(ctx, axis_t, "the split axis")[0], len(x.shape))
    n = len(ctx.op.outputs)
    if x.shape[axis] % n:
        raise ctx.unsupported(f"axis size {x.shape[axis]} is not divisible into {n} splits")
    return _split(ctx, x, axis, [x.shape[axis] // n] * n, keep_axis=True)


@register("SPLIT_V")
def prepare_split_v(ctx: OpContext) -> KernelCall:
    x, axis_t = ctx.input(0), ctx.input(2)
    axis = positive_axis(ctx, const_int(ctx, axis_t, "the split axis")[0], len(x.shape))
    # size_splits may hold one -1; the converter already resolved it in the output shapes
    sizes = [ctx.output(j).shape[axis] for j in range(len(ctx.op.outputs))]
    return _split(ctx, x, axis, sizes, keep_axis=True)


@register("UNPACK")
def prepare_unpack(ctx: OpContext) -> KernelCall:
    x = ctx.input(0)
    axis = positive_axis(ctx, ctx.options.axis, len(x.shape))
    if len(ctx.op.outputs) != x.shape[axis]:
        raise ctx.unsupported(f"{len(ctx.op.outputs)} outputs for an axis of size {x.shape[axis]}")
    return _split(ctx, x, axis, [1] * x.shape[axis], keep_axis=False)
