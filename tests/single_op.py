"""Build one-operator .tflite models by hand, with chosen scales and zero points.

Keras decides quantization parameters through calibration; these builders let the elementwise and
nonlinear op tests sweep them (and feed every int8 value) so that TFLM, the oracle, is compared
with the compiled C on the exact corner cases, not only the ones a calibrated model happens to hit.
"""

from __future__ import annotations

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as s

_TYPES = {"INT8": s.TensorType.INT8, "INT16": s.TensorType.INT16, "FLOAT32": s.TensorType.FLOAT32,
          "INT32": s.TensorType.INT32}
_NP = {"INT8": np.int8, "INT16": np.int16, "FLOAT32": np.float32, "INT32": np.int32}


class Spec:
    """One tensor: shape, dtype, optional (scale, zero_point) and optional constant data."""

    def __init__(self, shape, dtype="INT8", scale=None, zero_point=0, data=None):
        self.shape, self.dtype, self.scale, self.zero_point = tuple(shape), dtype, scale, zero_point
        self.data = None if data is None else np.asarray(data, _NP[dtype]).reshape(shape)


def single_op_model(op: str, inputs: list[Spec], output: Spec, options=None,
                    options_type: int | None = None) -> bytes:
    """A model whose only operator is builtin ``op`` (schema name), non-constant inputs as graph
    inputs, ``output`` as the graph output."""
    code = getattr(s.BuiltinOperator, op)
    buffers = [s.BufferT()]
    tensors = []
    for i, spec in enumerate(list(inputs) + [output]):
        t = s.TensorT()
        t.name = f"t{i}".encode()
        t.shape = list(spec.shape)
        t.type = _TYPES[spec.dtype]
        t.buffer = 0
        if spec.scale is not None:
            q = s.QuantizationParametersT()
            q.scale = [float(spec.scale)]
            q.zeroPoint = [int(spec.zero_point)]
            t.quantization = q
        if spec.data is not None:
            b = s.BufferT()
            b.data = list(spec.data.tobytes())
            buffers.append(b)
            t.buffer = len(buffers) - 1
        tensors.append(t)
    n_in = len(inputs)
    opc = s.OperatorCodeT()
    opc.builtinCode = code
    opc.deprecatedBuiltinCode = min(code, 127)
    opc.version = 1
    o = s.OperatorT()
    o.opcodeIndex = 0
    o.inputs = list(range(n_in))
    o.outputs = [n_in]
    if options is not None:
        o.builtinOptionsType = options_type
        o.builtinOptions = options
    sg = s.SubGraphT()
    sg.tensors = tensors
    sg.operators = [o]
    sg.inputs = [i for i, spec in enumerate(inputs) if spec.data is None]
    sg.outputs = [n_in]
    m = s.ModelT()
    m.version = 3
    m.operatorCodes = [opc]
    m.subgraphs = [sg]
    m.buffers = buffers
    m.description = b"single op test model"
    builder = flatbuffers.Builder(1024)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def all_int8(shape=(1, 256)) -> np.ndarray:
    """Every int8 value once (tiled to ``shape``), as one example."""
    n = int(np.prod(shape))
    return np.resize(np.arange(-128, 128, dtype=np.int8), n).reshape((1,) + tuple(shape))
