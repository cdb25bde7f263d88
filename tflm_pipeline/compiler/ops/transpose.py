"""TRANSPOSE with a constant permutation: an affine byte gather (the strided-slice kernel)."""

from __future__ import annotations

from .base import KernelCall, OpContext, register
from .concatenation import check_same_dtype, const_int, elem_size
from .strided_slice import gather_call, gather_params, row_major_strides


@register("TRANSPOSE")
def prepare(ctx: OpContext) -> KernelCall:
    x, y = ctx.input(0), ctx.output(0)
    check_same_dtype(ctx, [x], y)
    perm = [int(p) for p in const_int(ctx, ctx.input(1), "the permutation")]
    rank = len(x.shape)
    if sorted(perm) != list(range(rank)):
        raise ctx.unsupported(f"permutation {perm} is not a permutation of {rank} axes")
    if tuple(y.shape) != tuple(x.shape[p] for p in perm):
        raise ctx.unsupported(f"output shape {list(y.shape)} does not match permutation {perm}")
    in_strides = row_major_strides(x.shape)
    return gather_call(ctx, x, y, gather_params(
        ctx, 0, [x.shape[p] for p in perm], [in_strides[p] for p in perm], elem_size(x)))
