"""Read a .tflite flatbuffer into plain Python objects (no TensorFlow import).

Uses the schema bindings shipped with the ``tflite-micro`` wheel, so the reader describes the
flatbuffer exactly as TFLM sees it. Everything downstream (inspection, the ahead-of-time
compiler, the float/WHILE/Flex check of conversion) works on :class:`Model` and never touches the
generated bindings directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from .errors import CorruptModelError

_BUILTIN_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
_TYPE_NAMES = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
_NUMPY_TYPES = {
    "FLOAT32": np.float32, "FLOAT16": np.float16, "INT32": np.int32, "UINT8": np.uint8,
    "INT64": np.int64, "INT16": np.int16, "INT8": np.int8, "BOOL": np.bool_, "UINT32": np.uint32,
    "UINT16": np.uint16, "FLOAT64": np.float64,
}


@dataclass
class Tensor:
    """One tensor of a subgraph; ``data`` is set for constants (weights, biases, shapes)."""

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str                      # schema name: "INT8", "INT32", "FLOAT32", ...
    data: np.ndarray | None         # constant contents in ``shape`` and dtype, else None
    scale: np.ndarray               # per-tensor: 1 element; per-channel: one per channel
    zero_point: np.ndarray
    quantized_dimension: int
    is_variable: bool

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def numpy_dtype(self):
        return _NUMPY_TYPES[self.dtype]

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.numpy_dtype).itemsize


@dataclass
class Operator:
    """One operator: its name (builtin name, or the custom code), tensor indices and options."""

    index: int
    name: str                       # "FULLY_CONNECTED", ... or the custom code of a CUSTOM op
    is_custom: bool
    inputs: tuple[int, ...]         # -1 marks an omitted optional input
    outputs: tuple[int, ...]
    options: object | None          # schema *OptionsT object (None when the op has none)
    custom_options: bytes | None
    intermediates: tuple[int, ...] = ()


@dataclass
class Subgraph:
    name: str
    tensors: list[Tensor]
    operators: list[Operator]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass
class Model:
    """A parsed flatbuffer. ``subgraphs[0]`` is the main graph TFLM runs."""

    data: bytes = field(repr=False)
    subgraphs: list[Subgraph]
    description: str

    @property
    def main(self) -> Subgraph:
        return self.subgraphs[0]

    @cached_property
    def op_names(self) -> list[str]:
        """Distinct operator names of all subgraphs, in order of first use."""
        seen: dict[str, None] = {}
        for sg in self.subgraphs:
            for op in sg.operators:
                seen.setdefault(op.name, None)
        return list(seen)


def _quant(t) -> tuple[np.ndarray, np.ndarray, int]:
    q = t.quantization
    if q is None or q.scale is None or len(q.scale) == 0:
        return np.zeros(0, np.float32), np.zeros(0, np.int64), 0
    zp = q.zeroPoint if q.zeroPoint is not None else [0] * len(q.scale)
    return np.asarray(q.scale, np.float32), np.asarray(zp, np.int64), int(q.quantizedDimension)


def _tensor(index, t, buffers, raw: bytes) -> Tensor:
    dtype = _TYPE_NAMES.get(t.type, f"TYPE_{t.type}")
    shape = tuple(int(d) for d in (t.shape if t.shape is not None else ()))
    data = None
    buf = buffers[t.buffer] if 0 < t.buffer < len(buffers) else None
    if buf is not None:
        payload = None
        if buf.data is not None and len(buf.data):
            payload = np.asarray(buf.data, dtype=np.uint8).tobytes()
        elif buf.offset > 1 and buf.size:
            payload = raw[buf.offset: buf.offset + buf.size]
        if payload is not None and dtype in _NUMPY_TYPES:
            arr = np.frombuffer(payload, dtype=_NUMPY_TYPES[dtype])
            expected = int(np.prod(shape, dtype=np.int64)) if shape else 1
            if arr.size != expected:
                raise CorruptModelError(
                    f"tensor '{t.name.decode() if isinstance(t.name, bytes) else t.name}' holds "
                    f"{arr.size} values but its shape {list(shape)} needs {expected}: "
                    "the .tflite file is corrupt; convert the model again")
            data = arr.reshape(shape).copy()
    scale, zp, qdim = _quant(t)
    name = t.name.decode() if isinstance(t.name, bytes) else (t.name or f"t{index}")
    return Tensor(index, name, shape, dtype, data, scale, zp, qdim, bool(t.isVariable))


def _op_name(code) -> tuple[str, bool]:
    builtin = max(int(code.builtinCode), int(code.deprecatedBuiltinCode))
    name = _BUILTIN_NAMES.get(builtin, f"BUILTIN_{builtin}")
    if name == "CUSTOM":
        custom = code.customCode.decode() if isinstance(code.customCode, bytes) else code.customCode
        return custom or "CUSTOM", True
    return name, False


def parse(data: bytes, source: str = "model") -> Model:
    """Parse flatbuffer bytes; raise :class:`CorruptModelError` with one line if unreadable."""
    data = bytes(data)
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise CorruptModelError(
            f"{source} is not a TFLite flatbuffer (missing the 'TFL3' identifier): "
            "pass a .tflite file written by the TFLite converter or `tflm-deploy convert`")
    try:
        m = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
        buffers = m.buffers or []
        codes = [_op_name(c) for c in (m.operatorCodes or [])]
        subgraphs = []
        for sg in m.subgraphs or []:
            tensors = [_tensor(i, t, buffers, data) for i, t in enumerate(sg.tensors or [])]
            ops = []
            for i, o in enumerate(sg.operators or []):
                name, custom = codes[o.opcodeIndex]
                ops.append(Operator(
                    i, name, custom,
                    tuple(int(x) for x in (o.inputs if o.inputs is not None else ())),
                    tuple(int(x) for x in (o.outputs if o.outputs is not None else ())),
                    o.builtinOptions,
                    bytes(bytearray(o.customOptions)) if o.customOptions is not None else None,
                    tuple(int(x) for x in (o.intermediates if o.intermediates is not None else ())),
                ))
            sg_name = sg.name.decode() if isinstance(sg.name, bytes) else (sg.name or "")
            subgraphs.append(Subgraph(
                sg_name, tensors, ops,
                tuple(int(x) for x in (sg.inputs if sg.inputs is not None else ())),
                tuple(int(x) for x in (sg.outputs if sg.outputs is not None else ()))))
    except CorruptModelError:
        raise
    except Exception:  # the generated bindings raise anything on truncated data
        raise CorruptModelError(
            f"{source} is a corrupt or truncated TFLite flatbuffer (unreadable at {len(data)} bytes): "
            "convert the model again") from None
    if not subgraphs:
        raise CorruptModelError(f"{source} holds no subgraph: convert the model again")
    desc = m.description.decode() if isinstance(m.description, bytes) else (m.description or "")
    return Model(data, subgraphs, desc)


def load(path: str | Path) -> Model:
    """Read and parse a .tflite file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorruptModelError(f"cannot read {path}: {exc.strerror}") from None
    return parse(data, source=str(path))
