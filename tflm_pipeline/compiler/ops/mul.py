"""MUL, int8 x int8 -> int8, with NumPy broadcasting (TFLM ``reference_integer_ops::Mul``).

Prepare: ``M ~ s1 * s2 / s_out`` computed in double (TFLM ``CalculateOpDataMul``). Eval::

    out = clamp(mbqm((q1 - zp1) * (q2 - zp2), M, e) + zp_out)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import quant
from .add_sub import binary_int8_operands
from .base import KernelCall, OpContext, register
from .broadcast import Broadcast4, reference_broadcast


@dataclass(frozen=True)
class MulParams:
    bcast: Broadcast4
    input1_offset: int
    input2_offset: int
    output_multiplier: int
    output_shift: int
    output_offset: int
    act_min: int
    act_max: int


def mul_multiplier(s1, s2, s_out) -> float:
    return float(np.float32(s1)) * float(np.float32(s2)) / float(np.float32(s_out))


def mul_reference(x1, x2, p: MulParams, out_shape) -> np.ndarray:
    def fn(a, b):
        prod = (a + p.input1_offset) * (b + p.input2_offset)
        out = quant.multiply_by_quantized_multiplier(prod, p.output_multiplier, p.output_shift)
        return np.clip(out + p.output_offset, p.act_min, p.act_max).astype(np.int8)
    return reference_broadcast(fn, x1, x2, out_shape)


@register("MUL")
def prepare(ctx: OpContext) -> KernelCall:
    x1, x2, y, g = binary_int8_operands(ctx)
    m, e = quant.quantize_multiplier(mul_multiplier(x1.scale[0], x2.scale[0], y.scale[0]))
    act_min, act_max = quant.activation_range(ctx.options.fusedActivationFunction, y.scale[0],
                                              int(y.zero_point[0]))
    params = MulParams(bcast=g, input1_offset=-int(x1.zero_point[0]),
                       input2_offset=-int(x2.zero_point[0]), output_multiplier=m, output_shift=e,
                       output_offset=int(y.zero_point[0]), act_min=act_min, act_max=act_max)
    return KernelCall("tpl_mul", "tpl_mul.h", "tpl_mul_params_t", params,
                      [ctx.ptr(x1), ctx.ptr(x2), ctx.ptr(y, const=False)])
