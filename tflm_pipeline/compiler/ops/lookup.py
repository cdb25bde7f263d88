"""Int8 -> int8 table lookup: how every unary int8 operator with a per-value result runs.

LOGISTIC, TANH, RELU, RELU6, LEAKY_RELU and int8 -> int8 QUANTIZE compute each output from its
input value alone. The compiler evaluates the op's exact TFLM integer arithmetic (its NumPy/Python
reference) on all 256 int8 values at compile time and places the 256-byte table in flash; the
kernel is ``out[i] = table[(uint8_t)in[i]]``. Bit-exactness therefore rests entirely on the
reference, which the op tests check against TFLM over every input value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import Arg, KernelCall, OpContext

#: the int8 value each table index stands for: index = (uint8_t)value
TABLE_INPUTS = np.arange(256, dtype=np.uint8).view(np.int8)

LUT_BYTES = 256


@dataclass(frozen=True)
class LutParams:
    size: int


def lut_call(ctx: OpContext, table_of_value, name: str) -> KernelCall:
    """KernelCall for ``output = table_of_value(input)`` on int8 tensors.

    ``table_of_value`` maps an int64 array of int8 values to their int8 outputs.
    """
    x, y = ctx.input(0), ctx.output(0)
    for t in (x, y):
        ctx.require_dtype(t, "INT8")
    if x.nbytes != y.nbytes:
        raise ctx.unsupported(f"input {list(x.shape)} and output {list(y.shape)} differ in size")
    values = np.asarray(table_of_value(TABLE_INPUTS.astype(np.int64)))
    if values.min() < -128 or values.max() > 127:
        raise AssertionError(f"{name} table holds values outside int8")
    symbol = ctx.const_array(values.astype(np.int8), np.int8, f"{name}_lut")
    return KernelCall("tpl_lut_s8", "tpl_lut.h", "tpl_lut_params_t", LutParams(size=x.nbytes),
                      [Arg(symbol), ctx.ptr(x), ctx.ptr(y, const=False)])
