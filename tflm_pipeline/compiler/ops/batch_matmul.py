"""BATCH_MATMUL int8 (activations x activations, or x a constant rhs), adj_x / adj_y, broadcast
batch dimensions. TFLM semantics: per-tensor scales, multiplier from GetQuantizedConvolutionMultipler
(lhs*rhs scale product in float, divided by the output scale in double), no fused activation
(output clamped to the full int8 range), both zero points subtracted exactly.

Transposes (adj_x false/true, adj_y) and broadcasting are strides and per-batch offset tables;
a constant rhs is re-laid out in flash so its depth is contiguous.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ... import quant
from .base import Arg, KernelCall, OpContext, register
from .strided_slice import row_major_strides


@dataclass(frozen=True)
class BatchMatmulParams:
    batches: int
    rows: int
    cols: int
    depth: int
    lhs_row_step: int
    lhs_depth_step: int
    rhs_col_step: int
    rhs_depth_step: int
    lhs_batch: str
    rhs_batch: str
    lhs_offset: int
    rhs_offset: int
    output_offset: int
    multiplier: int
    shift: int
    act_min: int
    act_max: int


def _batch_offsets(ctx, lhs_shape, rhs_shape, out_batch):
    """Element offset of each output batch's lhs and rhs matrices (numpy-style broadcasting)."""
    rank = len(out_batch)
    lb = (1,) * (rank - (len(lhs_shape) - 2)) + tuple(lhs_shape[:-2])
    rb = (1,) * (rank - (len(rhs_shape) - 2)) + tuple(rhs_shape[:-2])
    lmat, rmat = lhs_shape[-2] * lhs_shape[-1], rhs_shape[-2] * rhs_shape[-1]
    ls, rs = row_major_strides(lb), row_major_strides(rb)
    loffs, roffs = [], []
    for idx in itertools.product(*(range(d) for d in out_batch)):
        loffs.append(sum((i if lb[k] > 1 else 0) * ls[k] for k, i in enumerate(idx)) * lmat)
        roffs.append(sum((i if rb[k] > 1 else 0) * rs[k] for k, i in enumerate(idx)) * rmat)
    return loffs or [0], roffs or [0]


@register("BATCH_MATMUL")
def prepare(ctx: OpContext) -> KernelCall:
    lhs, rhs, y = ctx.input(0), ctx.input(1), ctx.output(0)
    for t in (lhs, rhs, y):
        ctx.require_dtype(t, "INT8")
    for t in (lhs, rhs, y):
        if len(t.scale) != 1:
            raise ctx.unsupported(f"tensor '{t.name}' has {len(t.scale)} scales; only per-tensor "
                                  "quantization is supported (as in TFLM)")
    if not (2 <= len(lhs.shape) <= 5 and 2 <= len(rhs.shape) <= 5):
        raise ctx.unsupported(f"operand ranks {len(lhs.shape)}, {len(rhs.shape)}; 2..5 supported")
    adj_x, adj_y = bool(ctx.options.adjX), bool(ctx.options.adjY)
    rows = lhs.shape[-1] if adj_x else lhs.shape[-2]
    depth = lhs.shape[-2] if adj_x else lhs.shape[-1]
    rdepth = rhs.shape[-1] if adj_y else rhs.shape[-2]
    cols = rhs.shape[-2] if adj_y else rhs.shape[-1]
    if depth != rdepth:
        raise ctx.unsupported(f"inner dimensions differ: lhs {list(lhs.shape)} adj_x={adj_x}, "
                              f"rhs {list(rhs.shape)} adj_y={adj_y}")
    lb, rb = lhs.shape[:-2], rhs.shape[:-2]
    rank = max(len(lb), len(rb))
    lb1, rb1 = (1,) * (rank - len(lb)) + lb, (1,) * (rank - len(rb)) + rb
    if any(a != b and a != 1 and b != 1 for a, b in zip(lb1, rb1)):
        raise ctx.unsupported(f"batch dimensions {list(lb)} and {list(rb)} do not broadcast")
    out_batch = tuple(max(a, b) for a, b in zip(lb1, rb1))
    if tuple(y.shape) != out_batch + (rows, cols):
        raise ctx.unsupported(f"output shape {list(y.shape)}, expected {list(out_batch + (rows, cols))}")
    loffs, roffs = _batch_offsets(ctx, lhs.shape, rhs.shape, out_batch)

    lhs_row_step, lhs_depth_step = (1, rows) if adj_x else (depth, 1)
    if rhs.is_constant and not adj_y:
        # re-lay the constant rhs as [..., cols, depth] so the inner loop reads it contiguously
        data = np.swapaxes(rhs.data.reshape(rhs.shape), -1, -2)
        rhs_arg = Arg(ctx.const_array(np.ascontiguousarray(data), np.int8, rhs.name + "_t"))
        rhs_col_step, rhs_depth_step = depth, 1
    else:
        rhs_arg = ctx.ptr(rhs)
        rhs_col_step, rhs_depth_step = (depth, 1) if adj_y else (1, cols)

    mult, shift = quant.quantize_multiplier(
        quant.conv_per_tensor_multiplier(lhs.scale[0], rhs.scale[0], y.scale[0]))
    params = BatchMatmulParams(
        batches=len(loffs), rows=rows, cols=cols, depth=depth,
        lhs_row_step=lhs_row_step, lhs_depth_step=lhs_depth_step,
        rhs_col_step=rhs_col_step, rhs_depth_step=rhs_depth_step,
        lhs_batch=ctx.const_array(loffs, np.int32, "lhs_batch"),
        rhs_batch=ctx.const_array(roffs, np.int32, "rhs_batch"),
        lhs_offset=-int(lhs.zero_point[0]), rhs_offset=-int(rhs.zero_point[0]),
        output_offset=int(y.zero_point[0]), multiplier=mult, shift=shift,
        act_min=quant.INT8_MIN, act_max=quant.INT8_MAX)
    return KernelCall("tpl_batch_matmul", "tpl_batch_matmul.h", "tpl_batch_matmul_params_t", params,
                      [ctx.ptr(lhs), rhs_arg, ctx.ptr(y, const=False)],
                      macs=len(loffs) * rows * cols * depth)
