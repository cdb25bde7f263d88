"""Build small .tflite models by hand, with chosen scales and zero points.

Keras decides quantization parameters through calibration; these builders let the elementwise and
nonlinear op tests sweep them (and feed every int8 value) so that TFLM, the oracle, is compared
with the compiled C on the corner cases, not only the ones a calibrated model happens to hit.
Several independent operators go into one model so that one compile and one host build cover a
whole sweep (the host build dominates test time).
"""

from __future__ import annotations

from dataclasses import dataclass

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as s

from tflm_pipeline import flatbuffer, tflm_host
from tflm_pipeline.compiler import compile_model, run_on_host

_TYPES = {"INT8": s.TensorType.INT8, "INT16": s.TensorType.INT16, "FLOAT32": s.TensorType.FLOAT32,
          "INT32": s.TensorType.INT32}
_NP = {"INT8": np.int8, "INT16": np.int16, "FLOAT32": np.float32, "INT32": np.int32}


class Spec:
    """One tensor: shape, dtype, optional (scale, zero_point) and optional constant data."""

    def __init__(self, shape, dtype="INT8", scale=None, zero_point=0, data=None):
        self.shape, self.dtype, self.scale, self.zero_point = tuple(shape), dtype, scale, zero_point
        self.data = None if data is None else np.asarray(data, _NP[dtype]).reshape(shape)


@dataclass
class Op:
    """One operator of a hand-built model: builtin name, input specs, output spec, options."""

    name: str
    inputs: list
    output: Spec
    options: object = None
    options_type: int | None = None


def ops_model(ops: list[Op]) -> bytes:
    """A model running ``ops`` side by side: each op's non-constant inputs are graph inputs (in
    order) and each op's output is a graph output."""
    buffers, tensors, codes, operators = [s.BufferT()], [], [], []
    graph_inputs, graph_outputs = [], []

    def tensor(spec: Spec) -> int:
        t = s.TensorT()
        t.name = f"t{len(tensors)}".encode()
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
        return len(tensors) - 1

    for op in ops:
        code = getattr(s.BuiltinOperator, op.name)
        if code not in codes:
            codes.append(code)
        o = s.OperatorT()
        o.opcodeIndex = codes.index(code)
        o.inputs = []
        for spec in op.inputs:
            idx = tensor(spec)
            o.inputs.append(idx)
            if spec.data is None:
                graph_inputs.append(idx)
        o.outputs = [tensor(op.output)]
        graph_outputs.append(o.outputs[0])
        if op.options is not None:
            o.builtinOptionsType = op.options_type
            o.builtinOptions = op.options
        operators.append(o)
    opcodes = []
    for code in codes:
        c = s.OperatorCodeT()
        c.builtinCode = code
        c.deprecatedBuiltinCode = min(code, 127)
        c.version = 1
        opcodes.append(c)
    sg = s.SubGraphT()
    sg.tensors, sg.operators, sg.inputs, sg.outputs = tensors, operators, graph_inputs, graph_outputs
    m = s.ModelT()
    m.version, m.operatorCodes, m.subgraphs, m.buffers = 3, opcodes, [sg], buffers
    m.description = b"hand-built test model"
    builder = flatbuffers.Builder(1024)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def single_op_model(op: str, inputs: list[Spec], output: Spec, options=None,
                    options_type: int | None = None) -> bytes:
    return ops_model([Op(op, inputs, output, options, options_type)])


def all_int8(shape=(1, 256)) -> np.ndarray:
    """Every int8 value (tiled to ``shape``), as one example: array of shape ``(1,) + shape``."""
    n = int(np.prod(shape))
    return np.resize(np.arange(-128, 128, dtype=np.int8), n).reshape((1,) + tuple(shape))


def compare_with_tflm(model_bytes: bytes, inputs: list[np.ndarray]):
    """Compile, run on the host and under TFLM; return (expected, got) lists per output."""
    model = flatbuffer.parse(model_bytes)
    compiled = compile_model(model)
    specs = [(model.main.tensors[i].shape, model.main.tensors[i].numpy_dtype) for i in model.main.outputs]
    return tflm_host.run(model_bytes, inputs), run_on_host(compiled, inputs, specs)


def assert_outputs_equal(expected, got, what: str = "") -> None:
    for j, (e, g) in enumerate(zip(expected, got)):
        if e.dtype.kind == "f":
            e, g = e.view(np.int32 if e.itemsize == 4 else np.int64), g.view(e.view(np.int32 if e.itemsize == 4 else np.int64).dtype)
        diff = int(np.count_nonzero(e != g))
        assert diff == 0, f"{what} output {j}: {diff} of {e.size} values differ from TFLM"
