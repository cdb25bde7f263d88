"""rewrite_float_islands: DEQUANTIZE -> SPLIT -> QUANTIZE made int8, proven on the TFLM host.

Fixtures are converter outputs that hold the island (the converter does not always produce it,
so the models are stored): a stacked unrolled LSTM (8 then 4 units, 6 steps; one split output is
unused) and an unrolled GRU (8 units).
"""

from pathlib import Path

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

import flatbuffers
from oracle import random_inputs
from tflm_pipeline import flatbuffer, tflm_host
from tflm_pipeline.convert.float_islands import (_requantize_is_exact, float_detour,
                                                 integer_requantize, rewrite_float_islands)
from tflm_pipeline.convert.graph_check import check_integer_only, float_ops

FIXTURES = Path(__file__).parent / "fixtures"
ISLAND_MODELS = ["float_island_lstm_stack.tflite", "float_island_gru.tflite"]


def _assert_same_on_tflm(a: bytes, b: bytes, n: int = 200):
    xs = random_inputs(flatbuffer.parse(a), n)
    for j, (e, g) in enumerate(zip(tflm_host.run(a, xs), tflm_host.run(b, xs))):
        assert np.array_equal(e, g), f"output {j}: {np.count_nonzero(e != g)} values differ"


@pytest.mark.parametrize("name", ISLAND_MODELS)
def test_island_becomes_int8_and_outputs_are_identical(name):
    original = (FIXTURES / name).read_bytes()
    before = float_ops(flatbuffer.parse(original))
    assert before["DEQUANTIZE"] >= 1 and before["QUANTIZE"] >= 1
    rewritten = rewrite_float_islands(original)
    model = flatbuffer.parse(rewritten)
    assert not float_ops(model)
    check_integer_only(model)  # passes without --allow-float
    names = [op.name for op in model.main.operators]
    assert "DEQUANTIZE" not in names and "QUANTIZE" not in names
    _assert_same_on_tflm(original, rewritten)


def test_model_without_island_is_returned_unchanged():
    original = (FIXTURES / "float_island_gru.tflite").read_bytes()
    once = rewrite_float_islands(original)
    assert rewrite_float_islands(once) is once


def _with_quantize_output_scale(data: bytes, factor: float, dz: int) -> bytes:
    """The fixture with every island QUANTIZE writing at scale*factor, zero point+dz."""
    m = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in m.operatorCodes]
    sg = m.subgraphs[0]
    for op in sg.operators:
        if codes[op.opcodeIndex] == schema.BuiltinOperator.QUANTIZE and \
                sg.tensors[op.inputs[0]].type == schema.TensorType.FLOAT32:
            q = sg.tensors[op.outputs[0]].quantization
            q.scale = [float(np.float32(q.scale[0] * factor))]
            q.zeroPoint = [int(q.zeroPoint[0]) + dz]
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


@pytest.mark.parametrize("factor,dz,exact", [(1.37, 3, True), (0.9, -5, True), (2.0, 0, False)])
def test_different_quantize_params_become_int8_requantize_only_when_exact(factor, dz, exact):
    original = _with_quantize_output_scale((FIXTURES / "float_island_gru.tflite").read_bytes(), factor, dz)
    rewritten = rewrite_float_islands(original)
    names = [op.name for op in flatbuffer.parse(rewritten).main.operators]
    if exact:
        assert "DEQUANTIZE" not in names and "QUANTIZE" in names  # int8 -> int8 requantize kept
        assert not float_ops(flatbuffer.parse(rewritten))
    else:
        assert rewritten is original  # ties round differently in integer requantize: left alone
    _assert_same_on_tflm(original, rewritten)


def test_requantize_exactness_check_is_exhaustive():
    q = np.arange(-128, 128)
    s = float(np.float32(0.017))
    # identical parameters: the float detour is the identity on every int8 value
    assert np.array_equal(float_detour(q, s, -27, s, -27), q)
    # halving the scale: ties (odd q - z) round away from zero in float, toward zero in integer
    assert not np.array_equal(float_detour(q, s, 1, 2 * s, 1), integer_requantize(q, s, 1, 2 * s, 1))
    assert not _requantize_is_exact((s, 1), (2 * s, 1))
