"""TPL_TERNARY_FC (custom): int8 fully connected with 2-bit packed ternary weights.

Written by the quantization work (``tflm_pipeline/quantization/packing.py`` emits the op). The
kernel is the portable core in ``custom_ops/ternary_fc/ternary_fc.c``; its parameters come from
``custom_ops/ternary_fc/reference.py:prepare`` (the same code the NumPy reference and the tests
use), so the compiled model equals the stock FULLY_CONNECTED form on TFLM bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from flatbuffers import flexbuffers

from custom_ops import ternary_fc as tfc_pkg
from custom_ops.ternary_fc import reference as tfc

from .base import KernelCall, OpContext, register


@dataclass(frozen=True)
class TernaryFcCParams:
    """``tpl_ternary_fc_params_t`` (field names equal the C struct's)."""

    batches: int
    in_features: int
    out_features: int
    input_offset: int
    output_offset: int
    act_min: int
    act_max: int
    output_multiplier: str
    output_shift: str


@register(tfc.OP_NAME)
def prepare(ctx: OpContext) -> KernelCall:
    x, w, b, lv, y = ctx.input(0), ctx.input(1), ctx.input(2), ctx.input(3), ctx.output(0)
    for t, dt in ((x, "INT8"), (w, "UINT8"), (lv, "INT8"), (y, "INT8")):
        if t is None:
            raise ctx.unsupported("expects 4 inputs (input, packed weights, bias or -1, levels)")
        ctx.require_dtype(t, dt)
    if b is not None:
        ctx.require_dtype(b, "INT32")
    if not (w.is_constant and lv.is_constant):
        raise ctx.unsupported("packed weights and levels must be constant")
    opts = flexbuffers.Loads(bytearray(ctx.op.custom_options or b""))
    if opts.get("version") != tfc.OP_VERSION:
        raise ctx.unsupported(f"custom options version {opts.get('version')}; supported: {tfc.OP_VERSION}")
    k = int(opts["in_features"])
    n = int(w.shape[0])
    if w.shape != (n, tfc.packed_row_bytes(k)) or lv.shape != (n, 2):
        raise ctx.unsupported(f"packed weights {list(w.shape)} / levels {list(lv.shape)} do not match "
                              f"in_features {k}")
    p = tfc.prepare(in_features=k, out_features=n, input_scale=x.scale[0],
                    input_zero_point=int(x.zero_point[0]), weight_scales=w.scale,
                    output_scale=y.scale[0], output_zero_point=int(y.zero_point[0]),
                    activation=int(opts["fused_activation_function"]))
    batches = int(np.prod(x.shape)) // k
    params = TernaryFcCParams(
        batches=batches, in_features=k, out_features=n, input_offset=p.input_offset,
        output_offset=p.output_offset, act_min=p.act_min, act_max=p.act_max,
        output_multiplier=ctx.const_array(p.output_multiplier, np.int32, "multiplier"),
        output_shift=ctx.const_array(p.output_shift, np.int32, "shift"))
    return KernelCall(
        "tpl_ternary_fc", "ternary_fc.h", "tpl_ternary_fc_params_t", params,
        [ctx.ptr(x), ctx.ptr(w), ctx.ptr(b), ctx.ptr(lv), ctx.ptr(y, const=False)],
        sources=tuple(str(s) for s in tfc_pkg.C_SOURCES),
        include_dirs=tuple(sorted({str(Path(s).parent) for s in tfc_pkg.C_SOURCES})), macs=batches * k * n)
