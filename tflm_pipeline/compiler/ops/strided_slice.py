"""STRIDED_SLICE (begin/end/strides, begin/end/shrink-axis masks): an affine byte gather.

Start/stop per axis follow TFLM's StridedSliceStartForAxis / EndForAxis exactly (negative
indices wrap once, then clamp to [0, n] for positive strides and [-1, n-1] for negative ones;
masks override; a shrunk axis takes one element, none if begin is past the end). TFLM ignores
ellipsis_mask, new_axis_mask and the ``offset`` option, so we refuse them rather than guess.
:func:`gather_params` is shared with TRANSPOSE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import KernelCall, OpContext, register
from .concatenation import check_same_dtype, const_int, elem_size

MAX_DIMS = 8  # TPL_STRIDED_SLICE_MAX_DIMS


@dataclass(frozen=True)
class StridedSliceParams:
    num_dims: int
    offset: int
    dims: tuple
    step: tuple


def row_major_strides(shape) -> list[int]:
    strides, s = [0] * len(shape), 1
    for d in range(len(shape) - 1, -1, -1):
        strides[d] = s
        s *= int(shape[d])
    return strides


def gather_params(ctx: OpContext, offset: int, counts: list[int], steps: list[int], esize: int) -> StridedSliceParams:
    """``out[i...] = in[offset + sum i_k*steps[k]]`` (elements) as byte-level kernel params.

    Appends the element-byte dimension, drops size-1 dimensions and merges dimensions that are
    contiguous in both tensors, so the kernel's innermost loop is as long as possible.
    """
    dims = [(int(c), int(s) * esize) for c, s in zip(counts, steps)] + [(esize, 1)]
    if any(c == 0 for c, _ in dims):  # empty output: nothing to read
        dims, offset = [(0, 1)], 0
    dims = [d for d in dims if d[0] != 1] or [(1, 1)]
    merged = [dims[-1]]
    for c, s in reversed(dims[:-1]):
        ic, is_ = merged[0]
        if s == ic * is_:
            merged[0] = (c * ic, is_)
        else:
            merged.insert(0, (c, s))
    if len(merged) > MAX_DIMS:
        raise ctx.unsupported(f"{len(merged)} non-mergeable dimensions; at most {MAX_DIMS} are supported")
    pad = MAX_DIMS - len(merged)
    return StridedSliceParams(
        num_dims=len(merged), offset=int(offset) * esize,
        dims=tuple(c for c, _ in merged) + (0,) * pad, step=tuple(s for _, s in merged) + (0,) * pad)


def gather_call(ctx: OpContext, x, y, params: StridedSliceParams) -> KernelCall:
    return KernelCall("tpl_strided_slice", "tpl_strided_slice.h", "tpl_strided_slice_params_t", params,
                      [ctx.ptr(x), ctx.ptr(y, const=False)])


def _clamp(v: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, v))


def slice_axis(n: int, begin: int, end: int, stride: int, begin_masked: bool, end_masked: bool,
               shrink: bool) -> tuple[int, int]:
    """(start, count) of one axis, TFLM semantics."""
    start = begin + n if begin < 0 else begin
    start = _clamp(start, 0, n) if stride > 0 else _clamp(start, -1, n - 1)
    if begin_masked:
        start = 0 if stride > 0 else n - 1
    if shrink:
        stop = start if start >= n else start + 1
    else:
        stop = end + n if end < 0 else end
        stop = _clamp(stop, 0, n) if stride > 0 else _clamp(stop, -1, n - 1)
        if end_masked:
            stop = n if stride > 0 else -1
    count = -(-(stop - start) // stride) if stride > 0 else -(-(start - stop) // -stride)
    return start, max(count, 0)


@register("STRIDED_SLICE")
def prepare(ctx: OpContext) -> KernelCall:
    x, y = ctx.input(0), ctx.output(0)
    check_same_dtype(ctx, [x], y)
    o = ctx.options
    if o.ellipsisMask or o.newAxisMask:
        raise ctx.unsupported(f"ellipsis_mask={o.ellipsisMask}, new_axis_mask={o.newAxisMask}; "
                              "TFLM ignores these, only 0 is supported")
    if getattr(o, "offset", False):
        raise ctx.unsupported("offset=true; TFLM ignores it, only false is supported")
    rank = len(x.shape)
    begin = const_int(ctx, ctx.input(1), "begin")
    end = const_int(ctx, ctx.input(2), "end")
    strides = const_int(ctx, ctx.input(3), "strides")
    if not len(begin) == len(end) == len(strides) == rank:
        raise ctx.unsupported(f"begin/end/strides of lengths {len(begin)}/{len(end)}/{len(strides)} "
                              f"for an input of rank {rank}")
    if any(s == 0 for s in strides):
        raise ctx.unsupported("a stride of 0")
    in_strides = row_major_strides(x.shape)
    offset, counts, steps, out_shape = 0, [], [], []
    for a in range(rank):
        shrink = bool(o.shrinkAxisMask >> a & 1)
        start, count = slice_axis(x.shape[a], int(begin[a]), int(end[a]), int(strides[a]),
                                  bool(o.beginMask >> a & 1), bool(o.endMask >> a & 1), shrink)
        if count:
            offset += start * in_strides[a]
        counts.append(count)
        steps.append(int(strides[a]) * in_strides[a])
        if not shrink:
            out_shape.append(count)
    if int(np.prod(out_shape, dtype=np.int64)) != int(np.prod(y.shape, dtype=np.int64)):
        raise ctx.unsupported(f"slice gives shape {out_shape} but the output is {list(y.shape)}")
    return gather_call(ctx, x, y, gather_params(ctx, offset, counts, steps, elem_size(x)))
