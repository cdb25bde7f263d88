"""RESHAPE, SQUEEZE, EXPAND_DIMS: the output shares the input's memory (no code at all).

Sharing is safe because neither tensor is ever written again: the input was produced by an
earlier operator (or is a model input), and the output is only read. Two cases cannot share, and
get a byte copy instead (TFLM's reshape is a memcpy there too):

* the input is a constant (in flash) and the output is a model output, which must live in the
  arena where ``tpl_model_output`` points;
* the input is a variable tensor (persistent state), which a later operator may overwrite while
  the reshaped view is still to be read.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import KernelCall, OpContext, register


@dataclass(frozen=True)
class ReshapeParams:
    bytes: int


def needs_copy(ctx: OpContext) -> bool:
    """True where the output cannot alias the input (see the module docstring)."""
    comp = ctx._c  # the compiler: alias roots and the graph's outputs
    root = ctx.tensors[comp.root(ctx.input(0).index)]
    is_model_output = ctx.op.outputs[0] in comp.graph.outputs
    return root.is_variable or (root.is_constant and is_model_output)


@register("RESHAPE", "SQUEEZE", "EXPAND_DIMS")
def prepare(ctx: OpContext) -> KernelCall:
    x, y = ctx.input(0), ctx.output(0)
    if x.dtype != y.dtype:
        raise ctx.unsupported(f"input is {x.dtype} but output is {y.dtype}; they must match")
    if x.nbytes != y.nbytes:
        raise ctx.unsupported(f"input shape {list(x.shape)} and output shape {list(y.shape)} "
                              "hold different numbers of elements")
    if needs_copy(ctx):
        return KernelCall("tpl_reshape", "tpl_reshape.h", "tpl_reshape_params_t",
                          ReshapeParams(bytes=y.nbytes), [ctx.ptr(x), ctx.ptr(y, const=False)])
    return KernelCall("", "", None, None, alias=True)
