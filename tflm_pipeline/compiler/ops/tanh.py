"""TANH, int8: TFLM's reference integer path (gemmlowp fixed point), run as a 256-entry table.

Prepare is LOGISTIC's (see :func:`.logistic.sigmoid_input_scaling`). Eval
(``reference_integer_ops::Tanh``), for ``x = q - zp_in``: ``-128`` / ``127`` outside the radius,
else ``clamp(rdbpot(tanh_q0(mbqm(x, M, e)), 24))``. TFLM ignores the output quantization (it is
1/128, zero point 0 for converted models); so does this kernel.
"""

from __future__ import annotations

import numpy as np

from .. import fixedpoint as fp
from .base import KernelCall, OpContext, register
from .logistic import (INPUT_INTEGER_BITS, SigmoidInputScaling, saturating_table, sigmoid_input_scaling,
                       to_q4)
from .lookup import lut_call


def tanh_reference(q, s: SigmoidInputScaling) -> np.ndarray:
    """int8 TANH of int8 values ``q``, exactly as TFLM computes it."""
    return saturating_table(q, s, lambda x: fp.rdbpot(fp.tanh(to_q4(x, s), INPUT_INTEGER_BITS), 31 - 7))


@register("TANH")
def prepare(ctx: OpContext) -> KernelCall:
    x = ctx.input(0)
    ctx.require_dtype(x, "INT8")
    try:
        s = sigmoid_input_scaling(x.scale[0], int(x.zero_point[0]))
    except ValueError as exc:
        raise ctx.unsupported(str(exc)) from None
    return lut_call(ctx, lambda v: tanh_reference(v, s), "tanh")
