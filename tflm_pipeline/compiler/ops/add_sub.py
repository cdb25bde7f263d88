"""ADD and SUB, int8: TFLM's general rescaling path, with NumPy broadcasting.

Prepare (TFLM ``CalculateOpDataAdd`` / ``CalculateOpDataSub``): both inputs are brought to a common
scale ``2 * max(s1, s2)`` with 20 bits of headroom (``left_shift``), added or subtracted, and
rescaled to the output::

    v_k   = mbqm((q_k - zp_k) << 20, M_k, e_k)        M_k ~ s_k / (2 max(s1, s2))
    out   = clamp(mbqm(v_1 +/- v_2, M_o, e_o) + zp_o)  M_o ~ 2 max(s1, s2) / (2^20 s_o)

A TFLM quirk reproduced here: ADD divides the scales in double, SUB in float (then widens).

``v_k`` depends on ``q_k`` only, so the compiler tabulates it (256 int32 per input, negated for
SUB's second input: 2 KiB of flash per op, shared between ops with equal quantization) and the
kernel runs one requantization per element instead of three.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import quant
from .base import KernelCall, OpContext, register
from .broadcast import Broadcast4, broadcast_geometry, reference_broadcast

LEFT_SHIFT_INT8 = 20


@dataclass(frozen=True)
class AddSubArithmetic:
    """Everything TFLM's Prepare computes for int8 ADD/SUB."""

    input1_offset: int
    input2_offset: int
    left_shift: int
    input1_multiplier: int
    input1_shift: int
    input2_multiplier: int
    input2_shift: int
    output_multiplier: int
    output_shift: int
    output_offset: int
    act_min: int
    act_max: int


@dataclass(frozen=True)
class AddSubParams:
    """The C struct: per-input tables replace the input offsets, shifts and multipliers."""

    bcast: Broadcast4
    input1_table: str
    input2_table: str
    output_multiplier: int
    output_shift: int
    output_offset: int
    act_min: int
    act_max: int

TABLE_BYTES = 2 * 256 * 4


def rescale_multipliers(s1, s2, s_out, subtract: bool) -> tuple[float, float, float]:
    """The three real multipliers of TFLM's Prepare (ADD: double division; SUB: float)."""
    s1, s2, s_out = np.float32(s1), np.float32(s2), np.float32(s_out)
    if subtract:
        twice_max = np.float32(2) * max(s1, s2)
        return (float(np.float32(s1 / twice_max)), float(np.float32(s2 / twice_max)),
                float(np.float32(twice_max / (np.float32(1 << LEFT_SHIFT_INT8) * s_out))))
    twice_max = 2.0 * float(max(s1, s2))
    return (float(s1) / twice_max, float(s2) / twice_max,
            twice_max / ((1 << LEFT_SHIFT_INT8) * float(s_out)))


def scaled_input(q, offset: int, left_shift: int, multiplier: int, shift: int) -> np.ndarray:
    """``v = mbqm((q + offset) << left_shift, M, e)``: one input on the common scale."""
    return quant.multiply_by_quantized_multiplier((np.asarray(q, np.int64) + offset) << left_shift,
                                                  multiplier, shift)


def input_tables(p: AddSubArithmetic, subtract: bool) -> tuple[np.ndarray, np.ndarray]:
    """int32 tables indexed by (uint8_t)q: v1, and v2 (negated for SUB)."""
    from .lookup import TABLE_INPUTS
    t1 = scaled_input(TABLE_INPUTS, p.input1_offset, p.left_shift, p.input1_multiplier, p.input1_shift)
    t2 = scaled_input(TABLE_INPUTS, p.input2_offset, p.left_shift, p.input2_multiplier, p.input2_shift)
    return t1.astype(np.int32), (-t2 if subtract else t2).astype(np.int32)


def add_sub_reference(x1, x2, p: AddSubArithmetic, subtract: bool, out_shape) -> np.ndarray:
    """NumPy reference of TFLM's AddFunc / SubElementwise."""
    def fn(a, b):
        v1 = scaled_input(a, p.input1_offset, p.left_shift, p.input1_multiplier, p.input1_shift)
        v2 = scaled_input(b, p.input2_offset, p.left_shift, p.input2_multiplier, p.input2_shift)
        raw = v1 - v2 if subtract else v1 + v2
        out = quant.multiply_by_quantized_multiplier(raw, p.output_multiplier, p.output_shift)
        return np.clip(out + p.output_offset, p.act_min, p.act_max).astype(np.int8)
    return reference_broadcast(fn, x1, x2, out_shape)


def binary_int8_operands(ctx: OpContext, per_tensor: bool = True):
    """The two int8 inputs, the int8 output and their broadcast geometry of a binary op.

    ``per_tensor``: also require one scale per tensor (ops that rescale their operands).
    """
    x1, x2, y = ctx.input(0), ctx.input(1), ctx.output(0)
    for t in (x1, x2, y):
        ctx.require_dtype(t, "INT8")
        if per_tensor and len(t.scale) != 1:
            raise ctx.unsupported(f"tensor '{t.name}' is not per-tensor quantized; supported: per-tensor int8")
    g = broadcast_geometry(x1.shape, x2.shape, y.shape)
    if g is None:
        raise ctx.unsupported(
            f"broadcast of {list(x1.shape)} with {list(x2.shape)} to {list(y.shape)} needs more than "
            "4 loops after merging dimensions; supported: broadcasts that fold into at most 4")
    return x1, x2, y, g


def prepare_add_sub(ctx: OpContext, subtract: bool) -> KernelCall:
    x1, x2, y, g = binary_int8_operands(ctx)
    r1, r2, ro = rescale_multipliers(x1.scale[0], x2.scale[0], y.scale[0], subtract)
    m1, e1 = quant.quantize_multiplier_smaller_than_one(r1)
    m2, e2 = quant.quantize_multiplier_smaller_than_one(r2)
    if not 0.0 < ro < 1.0:
        raise ctx.unsupported(f"output rescale {ro} outside (0, 1) (TFLM rejects it too)")
    mo, eo = quant.quantize_multiplier_smaller_than_one(ro)
    act_min, act_max = quant.activation_range(ctx.options.fusedActivationFunction, y.scale[0],
                                              int(y.zero_point[0]))
    a = AddSubArithmetic(
        input1_offset=-int(x1.zero_point[0]), input2_offset=-int(x2.zero_point[0]),
        left_shift=LEFT_SHIFT_INT8, input1_multiplier=m1, input1_shift=e1,
        input2_multiplier=m2, input2_shift=e2, output_multiplier=mo, output_shift=eo,
        output_offset=int(y.zero_point[0]), act_min=act_min, act_max=act_max)
    t1, t2 = input_tables(a, subtract)
    params = AddSubParams(
        bcast=g, input1_table=ctx.const_array(t1, np.int32, "add_in1"),
        input2_table=ctx.const_array(t2, np.int32, "sub_in2" if subtract else "add_in2"),
        output_multiplier=mo, output_shift=eo, output_offset=a.output_offset,
        act_min=act_min, act_max=act_max)
    return KernelCall("tpl_add_sub", "tpl_add_sub.h", "tpl_add_sub_params_t",
                      params, [ctx.ptr(x1), ctx.ptr(x2), ctx.ptr(y, const=False)])


@register("ADD")
def prepare_add(ctx: OpContext) -> KernelCall:
    return prepare_add_sub(ctx, subtract=False)


@register("SUB")
def prepare_sub(ctx: OpContext) -> KernelCall:
    return prepare_add_sub(ctx, subtract=True)
