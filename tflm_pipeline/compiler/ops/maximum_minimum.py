"""MAXIMUM and MINIMUM, int8, with NumPy broadcasting (TFLM ``MaximumMinimumBroadcastSlow``).

TFLM compares the raw int8 values and rescales nothing (the converter gives both inputs and the
output one quantization). Keras' hard_sigmoid converts to MUL, ADD, MINIMUM(x, 6-ish const), RELU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .add_sub import binary_int8_operands
from .base import KernelCall, OpContext, register
from .broadcast import Broadcast4, reference_broadcast


@dataclass(frozen=True)
class MaxMinParams:
    bcast: Broadcast4


def maximum_minimum_reference(x1, x2, maximum: bool, out_shape) -> np.ndarray:
    return reference_broadcast(np.maximum if maximum else np.minimum, x1, x2, out_shape).astype(np.int8)


def _prepare(ctx: OpContext, maximum: bool) -> KernelCall:
    x1, x2, y, g = binary_int8_operands(ctx, per_tensor=False)
    return KernelCall("tpl_maximum_s8" if maximum else "tpl_minimum_s8", "tpl_maximum_minimum.h",
                      "tpl_maximum_minimum_params_t", MaxMinParams(bcast=g),
                      [ctx.ptr(x1), ctx.ptr(x2), ctx.ptr(y, const=False)])


@register("MAXIMUM")
def prepare_maximum(ctx: OpContext) -> KernelCall:
    return _prepare(ctx, True)


@register("MINIMUM")
def prepare_minimum(ctx: OpContext) -> KernelCall:
    return _prepare(ctx, False)
