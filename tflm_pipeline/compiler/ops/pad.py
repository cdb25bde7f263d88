"""PAD and PADV2, int8, constant paddings, up to 5-D.

TFLM copies quantized values unchanged and fills with the output zero point (PAD) or the
single ``constant_values`` element (PADV2, which TFLM requires to share the output's
quantization; so do we).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import KernelCall, OpContext, register

DIMS = 5


@dataclass(frozen=True)
class PadParams:
    in_dims: tuple
    out_dims: tuple
    before: tuple
    pad_value: int


@register("PAD", "PADV2")
def prepare(ctx: OpContext) -> KernelCall:
    x, pads, y = ctx.input(0), ctx.input(1), ctx.output(0)
    for t in (x, y):
        ctx.require_dtype(t, "INT8")
    if pads is None or not pads.is_constant:
        raise ctx.unsupported("non-constant paddings are not supported")
    ctx.require_dtype(pads, "INT32", "INT64")
    rank = len(x.shape)
    if rank > DIMS:
        raise ctx.unsupported(f"rank {rank}; supported: up to {DIMS}")
    pv = pads.data.reshape(-1, 2).astype(np.int64)
    if pv.shape[0] != rank or (pv < 0).any():
        raise ctx.unsupported(f"paddings {pv.tolist()} for rank {rank}; supported: one non-negative "
                              "(before, after) pair per dim")
    out = tuple(int(n + a + b) for n, (a, b) in zip(x.shape, pv.tolist()))
    if out != tuple(y.shape):
        raise ctx.unsupported(f"output shape {list(y.shape)} disagrees with the padded shape {list(out)}")
    pad_value = int(y.zero_point[0]) if len(y.zero_point) else 0
    cv = ctx.input(2) if ctx.op.name == "PADV2" else None
    if cv is not None:
        ctx.require_dtype(cv, "INT8")
        if not cv.is_constant:
            raise ctx.unsupported("non-constant constant_values is not supported")
        if (not np.array_equal(cv.zero_point, y.zero_point)
                or not np.array_equal(np.float64(cv.scale), np.float64(y.scale))):
            raise ctx.unsupported("constant_values quantization differs from the output's "
                                  "(TFLM requires them equal)")
        pad_value = int(cv.data.reshape(-1)[0])
    ext = DIMS - rank
    params = PadParams(
        in_dims=(1,) * ext + tuple(int(n) for n in x.shape),
        out_dims=(1,) * ext + out,
        before=(0,) * ext + tuple(int(a) for a, _ in pv.tolist()),
        pad_value=pad_value)
    return KernelCall("tpl_pad", "tpl_pad.h", "tpl_pad_params_t", params,
                      [ctx.ptr(x), ctx.ptr(y, const=False)])
