"""Rewrite a stock-ternary .tflite into the packed form: 2-bit weights in a CUSTOM op.

Each FULLY_CONNECTED whose int8 weights hold at most three codes per output channel
(``{-1, 0, 1}`` after :func:`~tflm_pipeline.quantization.ternary.export_ternary`, or TTQ's
``{-n_c, 0, p_c}``) becomes ``TPL_TERNARY_FC`` (``custom_ops/ternary_fc``) with inputs

====  ======================================  ===========================================
 0    input (int8, unchanged)
 1    packed codes, UINT8 ``[N, ceil(K/4)]``  the weight tensor's scales / zero points kept
 2    bias (int32, unchanged; -1 if none)
 3    levels, INT8 ``[N, 2]``                 ``(p_c, n_c)``: the int8 value of code +1 / -1
====  ======================================  ===========================================

and custom options (a FlexBuffer map) ``{"version": 1, "in_features": K,
"fused_activation_function": <TFLite ActivationFunctionType>}``. The kernel computes exactly the
stock FULLY_CONNECTED on the int8 weights ``levels[c] * code`` (``custom_ops/ternary_fc/
reference.py``), so outputs are equal bit for bit. The int8 buffer is replaced, so the flash
saving is real: ``N*K`` bytes become ``N*ceil(K/4) + 2N``.

The flatbuffer is rebuilt with the schema object API of the tflite-micro wheel; buffers are
16-byte aligned like the converter's (int32 bias reads on Cortex-M0 need at least 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import flatbuffers
import numpy as np
from flatbuffers import flexbuffers
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from custom_ops.ternary_fc import reference as tfc

from ..errors import PipelineError
from ..flatbuffer import Model, parse

BUFFER_ALIGNMENT = 16
_FILE_IDENTIFIER = b"TFL3"


class _AlignedBufferT(schema.BufferT):
    """BufferT whose data vector starts on a 16-byte boundary."""

    def Pack(self, builder):
        data = None
        if self.data is not None and len(self.data):
            raw = np.asarray(self.data, np.uint8).tobytes()
            builder.StartVector(1, len(raw), BUFFER_ALIGNMENT)
            builder.head = builder.head - len(raw)
            builder.Bytes[builder.head:builder.head + len(raw)] = raw
            builder.vectorNumElems = len(raw)
            data = builder.EndVector()
        schema.BufferStart(builder)
        if data is not None:
            schema.BufferAddData(builder, data)
        schema.BufferAddOffset(builder, self.offset)
        schema.BufferAddSize(builder, self.size)
        return schema.BufferEnd(builder)


def serialize(model: schema.ModelT) -> bytes:
    """Pack a ``ModelT`` into .tflite bytes (identifier ``TFL3``, 16-byte aligned buffers)."""
    for i, b in enumerate(model.buffers or []):
        if not isinstance(b, _AlignedBufferT):
            nb = _AlignedBufferT()
            nb.data, nb.offset, nb.size = b.data, b.offset, b.size
            model.buffers[i] = nb
    size = sum(len(b.data) for b in model.buffers if b.data is not None)
    builder = flatbuffers.Builder(size + 65536)
    builder.Finish(model.Pack(builder), file_identifier=_FILE_IDENTIFIER)
    return bytes(builder.Output())


def custom_options(in_features: int, activation: int) -> bytes:
    return bytes(flexbuffers.Dumps({"version": tfc.OP_VERSION, "in_features": int(in_features),
                                    "fused_activation_function": int(activation)}))


def parse_custom_options(data: bytes) -> dict:
    """Decode TPL_TERNARY_FC custom options (raises on a version this code does not know)."""
    opts = flexbuffers.Loads(bytearray(data))
    if opts.get("version") != tfc.OP_VERSION:
        raise PipelineError(f"{tfc.OP_NAME} options version {opts.get('version')} is not supported "
                            f"(supported: {tfc.OP_VERSION})")
    return opts


def _custom_opcode(m: schema.ModelT) -> int:
    for i, c in enumerate(m.operatorCodes):
        name = c.customCode.decode() if isinstance(c.customCode, bytes) else c.customCode
        if max(c.builtinCode, c.deprecatedBuiltinCode) == schema.BuiltinOperator.CUSTOM and name == tfc.OP_NAME:
            return i
    code = schema.OperatorCodeT()
    code.builtinCode = schema.BuiltinOperator.CUSTOM
    code.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
    code.customCode = tfc.OP_NAME
    code.version = 1
    m.operatorCodes.append(code)
    return len(m.operatorCodes) - 1


def pack_ternary(model_bytes: bytes) -> bytes:
    """Replace every ternary FULLY_CONNECTED by TPL_TERNARY_FC with 2-bit packed weights.

    Raises PipelineError if no FULLY_CONNECTED holds ternary weights, or if a ternary weight
    buffer is shared with another tensor (packing it would change the other user).
    """
    from .ternary import _levels, ternary_weight_tensors

    found = ternary_weight_tensors(model_bytes)
    m = schema.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    sg = m.subgraphs[0]
    fc_code = schema.BuiltinOperator.FULLY_CONNECTED
    targets = []
    for ti, (oi, _) in found.items():
        op = sg.operators[oi]
        code = m.operatorCodes[op.opcodeIndex]
        if max(code.builtinCode, code.deprecatedBuiltinCode) != fc_code:
            continue
        if op.builtinOptions is not None and op.builtinOptions.weightsFormat != 0:
            continue
        targets.append((ti, oi))
    if not targets:
        raise PipelineError("no FULLY_CONNECTED holds ternary weights: run export_ternary on a "
                            "model trained with quantization.ternary first")
    users: dict[int, int] = {}
    for t in sg.tensors:
        users[t.buffer] = users.get(t.buffer, 0) + 1
    custom = _custom_opcode(m)
    for ti, oi in targets:
        t = sg.tensors[ti]
        op = sg.operators[oi]
        if users[t.buffer] != 1:
            raise PipelineError(f"weight tensor {t.name!r} shares its buffer with another tensor; "
                                "cannot pack it in place")
        n, k = (int(d) for d in t.shape)
        codes = np.asarray(m.buffers[t.buffer].data, np.uint8).view(np.int8).reshape(n, k)
        pos, neg = _levels(codes, 0)
        unit = np.sign(codes).astype(np.int8)
        levels = np.stack([np.where(pos > 0, pos, 1), np.where(neg > 0, neg, 1)], 1).astype(np.int8)
        packed = tfc.pack(unit)
        m.buffers[t.buffer].data = packed.reshape(-1)
        t.type = schema.TensorType.UINT8
        t.shape = np.array(packed.shape, np.int32)
        t.shapeSignature = None
        lt = schema.TensorT()
        lt.name = (t.name.decode() if isinstance(t.name, bytes) else t.name) + "/ternary_levels"
        lt.type = schema.TensorType.INT8
        lt.shape = np.array([n, 2], np.int32)
        buf = _AlignedBufferT()
        buf.data = levels.reshape(-1).view(np.uint8)
        m.buffers.append(buf)
        lt.buffer = len(m.buffers) - 1
        sg.tensors.append(lt)
        opts = op.builtinOptions
        act = int(opts.fusedActivationFunction) if opts is not None else 0
        tfc.activation_range(act, 1.0, 0)     # raises on an activation FC does not support
        inputs = list(int(x) for x in op.inputs)
        while len(inputs) < 3:
            inputs.append(-1)
        op.inputs = np.array(inputs[:3] + [len(sg.tensors) - 1], np.int32)
        op.opcodeIndex = custom
        op.builtinOptionsType = schema.BuiltinOptions.NONE
        op.builtinOptions = None
        op.customOptions = np.frombuffer(custom_options(k, act), np.uint8).copy()
        op.customOptionsFormat = schema.CustomOptionsFormat.FLEXBUFFERS
    return serialize(m)


@dataclass(frozen=True)
class LayerWeightBits:
    """One weight-bearing op of a model, for ``tflm-deploy inspect``."""

    op_index: int
    op_name: str
    weight_tensor: str
    weights: int          # logical weight count
    stored_bytes: int     # bytes the weight data occupies in flash (incl. ternary levels)
    bits_per_weight: float  # stored bits per weight (8 for int8, ~2 for packed ternary)
    distinct_codes: int   # distinct values per channel at most (3 = ternary)
    int8_bytes: int       # what the same weights cost as int8

    @property
    def saved_bytes(self) -> int:
        return self.int8_bytes - self.stored_bytes


def weight_bits(model: Model | bytes) -> list[LayerWeightBits]:
    """Weight storage per layer: bits per weight and bytes (packing saving included)."""
    if isinstance(model, (bytes, bytearray)):
        model = parse(model)
    sg = model.main
    rows = []
    for op in sg.operators:
        if op.name == tfc.OP_NAME:
            wt = sg.tensors[op.inputs[1]]
            lt = sg.tensors[op.inputs[3]]
            k = int(parse_custom_options(op.custom_options)["in_features"])
            n = wt.shape[0]
            stored = wt.nbytes + lt.nbytes
            rows.append(LayerWeightBits(op.index, op.name, wt.name, n * k, stored,
                                        8.0 * stored / (n * k), 3, n * k))
        elif op.name in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV") \
                and len(op.inputs) > 1 and op.inputs[1] >= 0:
            wt = sg.tensors[op.inputs[1]]
            if wt.data is None:
                continue
            axis = wt.quantized_dimension if len(wt.scale) > 1 else 0
            d = np.moveaxis(wt.data, axis, 0).reshape(wt.data.shape[axis], -1)
            distinct = max(len(np.unique(r)) for r in d)
            bits = 8 * np.dtype(wt.numpy_dtype).itemsize
            rows.append(LayerWeightBits(op.index, op.name, wt.name, wt.data.size, wt.nbytes,
                                        float(bits), int(distinct), wt.data.size))
    return rows


def flash_saving(model: Model | bytes) -> int:
    """Bytes of weight storage the 2-bit packing saves against int8."""
    return sum(r.saved_bytes for r in weight_bits(model))
