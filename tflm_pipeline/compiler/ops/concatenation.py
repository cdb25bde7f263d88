"""CONCATENATION and PACK: block copies into the output (any element type, no requantization).

TFLM copies int8 inputs unchanged even when their scales differ from the output's, so a byte
copy is bit-exact. Also holds the helpers the other data-movement ops share (axis
normalization, pointer arrays, supported dtypes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import Arg, KernelCall, OpContext, register

#: element types the pure data-movement kernels (byte copies) accept
COPY_DTYPES = ("INT8", "INT16", "INT32", "FLOAT32")


def elem_size(t) -> int:
    return np.dtype(t.numpy_dtype).itemsize


def positive_axis(ctx: OpContext, axis: int, rank: int) -> int:
    a = int(axis) + rank if int(axis) < 0 else int(axis)
    if not 0 <= a < max(rank, 1):
        raise ctx.unsupported(f"axis {axis} is out of range for rank {rank}")
    return a


def const_int(ctx: OpContext, t, what: str) -> np.ndarray:
    if t is None or not t.is_constant:
        raise ctx.unsupported(f"{what} must be a constant tensor (got a computed one)")
    return np.asarray(t.data).astype(np.int64).reshape(-1)


def pointer_array(args: list[Arg], const: bool) -> Arg:
    """A C99 compound literal holding several tensor pointers (one kernel argument)."""
    qual = "const void *const" if const else "void *const"
    return Arg(f"({qual}[]){{{', '.join(a.expr for a in args)}}}")


def check_same_dtype(ctx: OpContext, tensors, out) -> None:
    ctx.require_dtype(out, *COPY_DTYPES)
    for t in tensors:
        if t.dtype != out.dtype:
            raise ctx.unsupported(f"tensor '{t.name}' is {t.dtype} but the output is {out.dtype}; "
                                  "they must match")


@dataclass(frozen=True)
class ConcatenationParams:
    outer: int
    num_inputs: int
    block_bytes: str


def _call(ctx: OpContext, inputs, y, outer: int, blocks: list[int]) -> KernelCall:
    params = ConcatenationParams(outer=outer, num_inputs=len(inputs),
                                 block_bytes=ctx.const_array(blocks, np.int32, "block_bytes"))
    return KernelCall("tpl_concatenation", "tpl_concatenation.h", "tpl_concatenation_params_t", params,
                      [pointer_array([ctx.ptr(t) for t in inputs], const=True), ctx.ptr(y, const=False)])


@register("CONCATENATION")
def prepare_concatenation(ctx: OpContext) -> KernelCall:
    inputs = [ctx.input(i) for i in range(len(ctx.op.inputs))]
    y = ctx.output(0)
    check_same_dtype(ctx, inputs, y)
    if ctx.options.fusedActivationFunction != 0:
        raise ctx.unsupported(f"fused activation {ctx.options.fusedActivationFunction}; "
                              "TFLM supports only NONE")
    rank = len(y.shape)
    axis = positive_axis(ctx, ctx.options.axis, rank)
    outer = int(np.prod(y.shape[:axis], dtype=np.int64))
    inner = int(np.prod(y.shape[axis + 1:], dtype=np.int64)) * elem_size(y)
    for t in inputs:
        if len(t.shape) != rank or any(t.shape[d] != y.shape[d] for d in range(rank) if d != axis):
            raise ctx.unsupported(f"input shape {list(t.shape)} does not concatenate into "
                                  f"{list(y.shape)} along axis {axis}")
    if sum(t.shape[axis] for t in inputs) != y.shape[axis]:
        raise ctx.unsupported(f"inputs' axis sizes do not add up to the output's {y.shape[axis]}")
    return _call(ctx, inputs, y, outer, [t.shape[axis] * inner for t in inputs])


@register("PACK")
def prepare_pack(ctx: OpContext) -> KernelCall:
    inputs = [ctx.input(i) for i in range(len(ctx.op.inputs))]
    y = ctx.output(0)
    check_same_dtype(ctx, inputs, y)
    shape = inputs[0].shape
    if any(t.shape != shape for t in inputs):
        raise ctx.unsupported(f"inputs have different shapes {[list(t.shape) for t in inputs]}")
    axis = positive_axis(ctx, ctx.options.axis, len(shape) + 1)
    expect = shape[:axis] + (len(inputs),) + shape[axis:]
    if tuple(y.shape) != expect:
        raise ctx.unsupported(f"output shape {list(y.shape)}, expected {list(expect)}")
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    block = int(np.prod(shape[axis:], dtype=np.int64)) * elem_size(y)
    return _call(ctx, inputs, y, outer, [block] * len(inputs))
