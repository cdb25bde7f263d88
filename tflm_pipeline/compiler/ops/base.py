"""The contract between the compiler core and one operator's code generator.

Each supported operator has a module in this package with a function decorated by
:func:`register`. It receives an :class:`OpContext` (the operator, its tensors, and ways to place
constants in flash and scratch in the arena) and returns a :class:`KernelCall`: which C function
to call, with which precomputed parameters, on which buffers. All arithmetic a TFLM kernel would
do in Prepare happens there, in Python, once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ...errors import UnsupportedOpError
from ...flatbuffer import Operator, Tensor

#: builtin or custom op name -> prepare function
REGISTRY: dict[str, Callable[["OpContext"], "KernelCall"]] = {}


def register(*names: str):
    """Register a prepare function for one or more operator names."""
    def deco(fn):
        for name in names:
            REGISTRY[name] = fn
        return fn
    return deco


@dataclass(frozen=True)
class Arg:
    """One pointer argument of a kernel call: an activation tensor, a constant, or scratch."""

    expr: str  # C expression yielding the pointer


@dataclass
class KernelCall:
    """What the generated ``tpl_model_invoke`` runs for one operator.

    ``params`` is a frozen dataclass whose field names equal the C struct's (``params_type``);
    ``None`` for kernels that take no params struct. ``args`` follow the params pointer.
    ``alias`` marks ops that only reinterpret a buffer (RESHAPE...): no call is emitted and the
    output shares the input's memory.
    """

    function: str
    header: str
    params_type: str | None
    params: object | None
    args: list[Arg] = field(default_factory=list)
    sources: tuple[str, ...] = ()  # extra C sources (custom ops) needed to link this call
    include_dirs: tuple[str, ...] = ()  # where those sources' headers live
    alias: bool = False
    macs: int = 0


class OpContext:
    """Everything a prepare function may use; built by :class:`~..codegen.ModelCompiler`."""

    def __init__(self, compiler, op: Operator):
        self._c = compiler
        self.op = op
        self.tensors = compiler.graph.tensors

    # -- tensors -----------------------------------------------------------------------------
    def input(self, i: int) -> Tensor | None:
        idx = self.op.inputs[i] if i < len(self.op.inputs) else -1
        return self.tensors[idx] if idx >= 0 else None

    def output(self, i: int = 0) -> Tensor:
        return self.tensors[self.op.outputs[i]]

    @property
    def options(self):
        return self.op.options

    # -- pointers for kernel arguments -------------------------------------------------------
    def ptr(self, tensor: Tensor | None, *, const: bool = True) -> Arg:
        """Pointer to a tensor's data: flash symbol for constants, arena offset otherwise."""
        if tensor is None:
            return Arg("NULL")
        return Arg(self._c.tensor_expr(tensor, const=const))

    def const_array(self, values, dtype, name: str) -> str:
        """Place a constant array in flash (deduplicated); return its C symbol."""
        return self._c.add_constant(np.asarray(values).astype(dtype), name)

    def scratch(self, nbytes: int) -> Arg:
        """Arena scratch alive only during this operator."""
        return Arg(self._c.add_scratch(self.op, nbytes))

    # -- errors ------------------------------------------------------------------------------
    def unsupported(self, what: str) -> UnsupportedOpError:
        return UnsupportedOpError(f"{self.op.name} (operator #{self.op.index}): {what}")

    def require_dtype(self, tensor: Tensor, *dtypes: str) -> None:
        if tensor.dtype not in dtypes:
            raise self.unsupported(
                f"tensor '{tensor.name}' is {tensor.dtype}; supported: {', '.join(dtypes)}")


def params_fields(params) -> list[str]:
    return [f.name for f in dataclasses.fields(params)]
