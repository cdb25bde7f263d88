"""Refuse converted graphs that TFLM would run badly or not at all.

A full-integer model must hold no float operator, no WHILE loop and no Flex (TensorFlow) op.
Converters sometimes leave a float island (for example DEQUANTIZE -> SPLIT -> QUANTIZE in stacked
unrolled LSTMs); the user may accept those with ``allow_float``; WHILE and Flex are never accepted.
"""

from __future__ import annotations

from collections import Counter

from ..errors import UnsupportedOpError
from ..flatbuffer import Model

_FLOAT = {"FLOAT32", "FLOAT16", "FLOAT64"}


def float_ops(model: Model) -> Counter:
    """Count operators that read or write a float activation (float constants alone don't count)."""
    found: Counter = Counter()
    sg = model.main
    for op in sg.operators:
        tensors = [sg.tensors[i] for i in op.inputs + op.outputs if i >= 0]
        if any(t.dtype in _FLOAT and not t.is_constant for t in tensors):
            found[op.name] += 1
    return found


def check_integer_only(model: Model, allow_float: bool = False) -> Counter:
    """Raise :class:`UnsupportedOpError` naming the offending ops; return the float ops allowed."""
    names = [op.name for sg in model.subgraphs for op in sg.operators]
    banned = sorted({n for n in names if n == "WHILE" or n.startswith("Flex")})
    if banned:
        raise UnsupportedOpError(
            f"the converted model holds {', '.join(banned)}, which TFLM cannot run: "
            "unroll recurrent layers (unroll=True) and use only TFLite builtin ops")
    found = float_ops(model)
    if found and not allow_float:
        listing = ", ".join(f"{name} x{count}" for name, count in found.items())
        raise UnsupportedOpError(
            f"the converted model still computes in float ({listing}); "
            "pass --allow-float to keep these ops, or change the layers that produce them")
    return found
