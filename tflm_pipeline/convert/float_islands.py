"""Remove the float islands the converter leaves in unrolled RNNs: DEQUANTIZE -> SPLIT -> QUANTIZE.

Stacked (and some single) unrolled LSTM/GRU models convert with small float detours such as

    int8 --DEQUANTIZE--> float --SPLIT / SPLIT_V / UNPACK--> float pieces --QUANTIZE--> int8

A split only moves values, so the detour computes, per element, ``Q_out(D_in(q))`` with TFLM's
dequantize ``f = float(s_in * (q - z_in))`` and quantize ``round(f / s_out) + z_out`` (scales in
double, std::round, clamp to int8). When the QUANTIZE has the DEQUANTIZE input's own scale and
zero point that composition is the identity on every int8 value: ``|f/s - k| <= |k| * 2**-24``
for ``|k| <= 255``, far below 0.5. So the island is replaced by the same split on int8 data
and the QUANTIZE disappears. When the parameters differ, the QUANTIZE is kept as an int8 -> int8
requantize, but only if TFLM's integer requantize gives the same result as the float detour on
all 256 inputs (checked here exhaustively); otherwise the island is left alone.

:func:`rewrite_float_islands` works on flatbuffer bytes with the schema object API and returns new
bytes; anything it does not recognise exactly is left untouched.
"""

from __future__ import annotations

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from .. import quant
from ..errors import PipelineError

_SPLIT_OPS = {"SPLIT": 1, "SPLIT_V": 0, "UNPACK": 0}  # op name -> index of its data input
_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
_INT8, _FLOAT32 = schema.TensorType.INT8, schema.TensorType.FLOAT32


def _per_tensor(t) -> tuple[float, int] | None:
    q = t.quantization
    if q is None or q.scale is None or len(q.scale) != 1:
        return None
    zp = int(q.zeroPoint[0]) if q.zeroPoint is not None and len(q.zeroPoint) else 0
    return float(np.float32(q.scale[0])), zp


def float_detour(q: np.ndarray, s_in: float, z_in: int, s_out: float, z_out: int) -> np.ndarray:
    """TFLM DEQUANTIZE then QUANTIZE on int8 values (float32 in between, double scales)."""
    f = (float(s_in) * (q.astype(np.int64) - z_in)).astype(np.float32)
    v = f.astype(np.float64) / float(s_out)
    r = np.where(v >= 0, np.floor(v + 0.5), -np.floor(-v + 0.5))  # std::round
    return np.clip(r.astype(np.int64) + z_out, -128, 127)


def integer_requantize(q: np.ndarray, s_in: float, z_in: int, s_out: float, z_out: int) -> np.ndarray:
    """TFLM QUANTIZE int8 -> int8: MultiplyByQuantizedMultiplier(q - z_in, s_in / s_out) + z_out."""
    mult, shift = quant.quantize_multiplier(float(s_in) / float(s_out))
    out = quant.multiply_by_quantized_multiplier(q.astype(np.int64) - z_in, mult, shift) + z_out
    return np.clip(out, -128, 127)


def _requantize_is_exact(p_in: tuple[float, int], p_out: tuple[float, int]) -> bool:
    q = np.arange(-128, 128, dtype=np.int64)
    return bool(np.array_equal(float_detour(q, *p_in, *p_out), integer_requantize(q, *p_in, *p_out)))


def _rewrite_subgraph(sg, names: list[str]) -> int:
    """Rewrite every recognised island of one subgraph in place; return how many."""
    ops = sg.operators or []
    consumers: dict[int, list] = {}
    for op in ops:
        for t in op.inputs if op.inputs is not None else []:
            if t >= 0:
                consumers.setdefault(int(t), []).append(op)
    graph_outputs = {int(t) for t in (sg.outputs if sg.outputs is not None else [])}
    tensors = sg.tensors
    removed: set[int] = set()     # id() of operators to drop
    replace: dict[int, int] = {}  # tensor index -> tensor index that now holds its values
    count = 0
    for deq in ops:
        if names[deq.opcodeIndex] != "DEQUANTIZE":
            continue
        q_idx, f_idx = int(deq.inputs[0]), int(deq.outputs[0])
        qt, ft = tensors[q_idx], tensors[f_idx]
        p_in = _per_tensor(qt)
        if qt.type != _INT8 or ft.type != _FLOAT32 or p_in is None or f_idx in graph_outputs:
            continue
        users = consumers.get(f_idx, [])
        if len(users) != 1 or names[users[0].opcodeIndex] not in _SPLIT_OPS:
            continue
        split = users[0]
        data_pos = _SPLIT_OPS[names[split.opcodeIndex]]
        if int(split.inputs[data_pos]) != f_idx or list(split.inputs).count(f_idx) != 1:
            continue
        plan = []  # (QUANTIZE op, split output index, keep as int8 requantize?)
        ok = True
        for o in split.outputs:
            o = int(o)
            if o in graph_outputs or tensors[o].type != _FLOAT32:
                ok = False
                break
            for user in consumers.get(o, []):
                if names[user.opcodeIndex] != "QUANTIZE" or tensors[int(user.outputs[0])].type != _INT8:
                    ok = False
                    break
                p_out = _per_tensor(tensors[int(user.outputs[0])])
                if p_out is None:
                    ok = False
                    break
                if p_out == p_in:
                    plan.append((user, o, False))
                elif _requantize_is_exact(p_in, p_out):
                    plan.append((user, o, True))
                else:
                    ok = False
                    break
            if not ok:
                break
        if not ok:
            continue
        # the split now reads the int8 tensor and writes int8 pieces with its parameters
        inputs = list(split.inputs)
        inputs[data_pos] = q_idx
        split.inputs = inputs
        for o in split.outputs:
            t = tensors[int(o)]
            t.type = _INT8
            t.quantization = _copy_quantization(qt.quantization)
        for user, o, keep in plan:
            if not keep:
                replace[int(user.outputs[0])] = o
                removed.add(id(user))
        removed.add(id(deq))
        count += 1
    if not count:
        return 0
    sg.operators = [op for op in ops if id(op) not in removed]
    for op in sg.operators:
        if op.inputs is not None:
            op.inputs = [replace.get(int(t), int(t)) for t in op.inputs]
    sg.outputs = [replace.get(int(t), int(t)) for t in sg.outputs]
    return count


def _copy_quantization(q):
    new = schema.QuantizationParametersT()
    new.scale = list(q.scale)
    new.zeroPoint = list(q.zeroPoint) if q.zeroPoint is not None else [0] * len(q.scale)
    new.quantizedDimension = q.quantizedDimension
    return new


def _drop_unused_tensors(model, sg_index: int, old_outputs: list[int]) -> None:
    """Delete tensors no operator or graph edge uses; renumber every reference (signatures too)."""
    sg = model.subgraphs[sg_index]
    used: set[int] = set(int(t) for t in sg.inputs) | set(int(t) for t in sg.outputs)
    for op in sg.operators:
        for field in (op.inputs, op.outputs, op.intermediates):
            if field is not None:
                used.update(int(t) for t in field if t >= 0)
    keep = [i for i in range(len(sg.tensors)) if i in used or sg.tensors[i].isVariable]
    new_index = {old: new for new, old in enumerate(keep)}

    def remap(seq):
        return None if seq is None else [new_index[int(t)] if t >= 0 else int(t) for t in seq]

    sg.tensors = [sg.tensors[i] for i in keep]
    for op in sg.operators:
        op.inputs, op.outputs = remap(op.inputs), remap(op.outputs)
        if op.intermediates is not None:
            op.intermediates = remap(op.intermediates)
    new_outputs = remap(sg.outputs)
    moved = dict(zip(old_outputs, new_outputs))  # a model output may now be another tensor
    sg.inputs, sg.outputs = remap(sg.inputs), new_outputs
    for sig in model.signatureDefs or []:
        if sig.subgraphIndex != sg_index:
            continue
        for t in sig.inputs or []:
            t.tensorIndex = new_index[int(t.tensorIndex)]
        for t in sig.outputs or []:
            t.tensorIndex = moved[int(t.tensorIndex)]


def rewrite_float_islands(tflite_bytes: bytes) -> bytes:
    """Return ``tflite_bytes`` with every exactly-equivalent float split island made int8.

    Bytes without any island come back unchanged (the same object).
    """
    model = schema.ModelT.InitFromPackedBuf(bytearray(tflite_bytes), 0)
    if any(b.offset > 1 for b in model.buffers or []):
        raise PipelineError("the model stores its weights outside the flatbuffer (buffer offsets); "
                            "float islands can only be rewritten in a self-contained .tflite")
    names = [_NAMES.get(max(int(c.builtinCode), int(c.deprecatedBuiltinCode)), "?")
             for c in model.operatorCodes or []]
    total = 0
    for i, sg in enumerate(model.subgraphs or []):
        old_outputs = [int(t) for t in sg.outputs]
        n = _rewrite_subgraph(sg, names)
        if n:
            _drop_unused_tensors(model, i, old_outputs)
            total += n
    if not total:
        return tflite_bytes
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())
