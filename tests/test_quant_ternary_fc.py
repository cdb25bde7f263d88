"""TPL_TERNARY_FC: reference, C core, packed flatbuffer and compiled model, all bit-exact with TFLM.

Tolerance is 0 everywhere: the op must equal TFLM's int8 FULLY_CONNECTED on the unpacked codes.
"""

from __future__ import annotations

import ctypes
import dataclasses
import shutil
import subprocess

import numpy as np
import pytest

from custom_ops import ternary_fc as tfc_pkg
from custom_ops.ternary_fc import reference as R
from tflm_pipeline.flatbuffer import parse
from tflm_pipeline.quantization import packing, ptq

from quant_models import mlp, random_int8_inputs, ternary_flatbuffers


# ------------------------------------------------------------------ helpers: run a chain of FCs

def _fc_params(sg, op, weight_scales):
    x, y = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if op.is_custom:
        opts = packing.parse_custom_options(op.custom_options)
        k, act = int(opts["in_features"]), int(opts["fused_activation_function"])
        n = sg.tensors[op.inputs[1]].shape[0]
    else:
        n, k = sg.tensors[op.inputs[1]].shape
        act = op.options.fusedActivationFunction
    return R.prepare(in_features=k, out_features=n, input_scale=x.scale[0],
                     input_zero_point=int(x.zero_point[0]), weight_scales=weight_scales,
                     output_scale=y.scale[0], output_zero_point=int(y.zero_point[0]), activation=act)


def run_reference(model_bytes: bytes, x: np.ndarray, fc_impl=None) -> np.ndarray:
    """Run a model made only of FULLY_CONNECTED / TPL_TERNARY_FC with the NumPy reference
    (all examples at once: FC treats every row independently)."""
    sg = parse(model_bytes).main
    n = len(x)
    vals = {sg.inputs[0]: x}
    for op in sg.operators:
        w = sg.tensors[op.inputs[1]]
        b = sg.tensors[op.inputs[2]].data if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
        p = _fc_params(sg, op, w.scale)
        xin = vals[op.inputs[0]].reshape(-1, p.in_features)
        if op.name == R.OP_NAME:
            lv = sg.tensors[op.inputs[3]].data
            y = (fc_impl or R.ternary_fc)(p, xin, w.data, b, lv)
        else:
            assert op.name == "FULLY_CONNECTED", op.name
            y = R.fully_connected(p, xin, w.data, b)
        vals[op.outputs[0]] = y.reshape((n,) + sg.tensors[op.outputs[0]].shape)
    return vals[sg.outputs[0]]


# ------------------------------------------------------------------------------------ the C core

@pytest.fixture(scope="module")
def c_core(tmp_path_factory):
    cc = shutil.which("gcc")
    if cc is None:
        pytest.skip("gcc not installed")
    lib = tmp_path_factory.mktemp("tfc") / "libternary_fc.so"
    subprocess.run([cc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                    *map(str, tfc_pkg.C_SOURCES), "-o", str(lib)], check=True)
    dll = ctypes.CDLL(str(lib))
    dll.tpl_ternary_fc.argtypes = [ctypes.c_void_p] * 6
    dll.tpl_ternary_fc.restype = None
    return dll


class _CParams(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int32) for n in ("batches", "in_features", "out_features", "input_offset",
                                               "output_offset", "act_min", "act_max")] + [
        ("output_multiplier", ctypes.POINTER(ctypes.c_int32)),
        ("output_shift", ctypes.POINTER(ctypes.c_int32))]


def c_ternary_fc(lib, p: R.TernaryFcParams, x, packed, bias, levels):
    x = np.ascontiguousarray(x, np.int8).reshape(-1)
    batches = x.size // p.in_features
    mult = np.ascontiguousarray(p.output_multiplier, np.int32)
    shift = np.ascontiguousarray(p.output_shift, np.int32)
    cp = _CParams(batches, p.in_features, p.out_features, p.input_offset, p.output_offset, p.act_min,
                  p.act_max, mult.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)),
                  shift.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)))
    packed = np.ascontiguousarray(packed, np.uint8)
    levels = np.ascontiguousarray(levels, np.int8)
    out = np.zeros(batches * p.out_features, np.int8)
    b = None if bias is None else np.ascontiguousarray(bias, np.int32)
    lib.tpl_ternary_fc(ctypes.byref(cp), x.ctypes.data, packed.ctypes.data,
                       None if b is None else b.ctypes.data, levels.ctypes.data, out.ctypes.data)
    return out.reshape(batches, p.out_features)


# ------------------------------------------------------------------------------------------ tests

@pytest.mark.parametrize("k", [1, 3, 4, 5, 17, 64])
def test_pack_unpack_round_trip(k):
    rng = np.random.default_rng(k)
    codes = rng.integers(-1, 2, size=(7, k)).astype(np.int8)
    packed = R.pack(codes)
    assert packed.shape == (7, (k + 3) // 4) and packed.dtype == np.uint8
    np.testing.assert_array_equal(R.unpack(packed, k), codes)


def test_pack_layout_is_documented_bit_order():
    # weights k=0..3 -> bits 0-1, 2-3, 4-5, 6-7; +1 = 0b01, -1 = 0b11, 0 = 0b00
    assert R.pack(np.array([[1, -1, 0, 1]])).tolist() == [[0b01_00_11_01]]
    assert R.pack(np.array([[-1]])).tolist() == [[0b11]]


def test_pack_rejects_non_ternary():
    with pytest.raises(ValueError, match="only -1, 0, 1"):
        R.pack(np.array([[2, 0]]))
    with pytest.raises(ValueError, match="invalid"):
        R.unpack(np.array([[0b10]], np.uint8), 1)


def test_reference_fixed_point_agrees_with_compiler_quant():
    """The two homes of TFLM's fixed-point rules (reference.py, tflm_pipeline/quant.py) agree."""
    from tflm_pipeline import quant
    rng = np.random.default_rng(0)
    for real in np.exp(rng.uniform(-25, 5, 300)):
        m, s = R.quantize_multiplier(float(real))
        assert (m, s) == quant.quantize_multiplier(float(real))
        x = rng.integers(-2**20, 2**20, 50)
        np.testing.assert_array_equal(R.multiply_by_quantized_multiplier(x, m, s),
                                      quant.multiply_by_quantized_multiplier(x, m, s))
    for act in range(4):
        assert R.activation_range(act, 0.047, -3) == quant.activation_range(act, 0.047, -3)


@pytest.mark.parametrize("seed", [0, 1])
def test_reference_fc_equals_tflm_fully_connected(seed):
    """The NumPy FULLY_CONNECTED reference equals TFLM on a converted int8 MLP (random inputs)."""
    m = mlp(seed=seed)
    x = np.random.default_rng(seed).normal(size=(200, 20)).astype(np.float32)
    b = ptq.convert_int8(m, x)
    xi = random_int8_inputs(b, 400, seed)
    np.testing.assert_array_equal(run_reference(b, xi), ptq.run_tflm(b, xi))


def test_reference_fc_per_tensor_weights_equal_tflm():
    """Per-tensor FC weights (float input*filter product in TFLM's Prepare) also match."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema
    m = mlp(seed=3)
    x = np.random.default_rng(3).normal(size=(200, 20)).astype(np.float32)
    b = ptq.convert_int8(m, x)
    mt = schema.ModelT.InitFromPackedBuf(bytearray(b), 0)
    sg = mt.subgraphs[0]
    for op in sg.operators:   # requantize every weight tensor to one scale
        t = sg.tensors[op.inputs[1]]
        codes = np.asarray(mt.buffers[t.buffer].data, np.uint8).view(np.int8).reshape(t.shape).astype(np.float64)
        sc = np.asarray(t.quantization.scale, np.float64)
        w = codes * sc[:, None]
        s = np.float32(np.abs(w).max() / 127)
        mt.buffers[t.buffer].data = np.clip(np.round(w / s), -127, 127).astype(np.int8).view(np.uint8)
        t.quantization.scale = np.array([s], np.float32)
        t.quantization.zeroPoint = np.array([0], np.int64)
        if op.inputs[2] >= 0:
            bt = sg.tensors[op.inputs[2]]
            bq = np.asarray(mt.buffers[bt.buffer].data, np.uint8).view(np.int32).astype(np.float64)
            xin = sg.tensors[op.inputs[0]].quantization.scale[0]
            bf = bq * np.asarray(bt.quantization.scale, np.float64)
            mt.buffers[bt.buffer].data = np.round(bf / (xin * s)).astype(np.int32).view(np.uint8)
            bt.quantization.scale = np.array([xin * s], np.float32)
            bt.quantization.zeroPoint = np.array([0], np.int64)
    b1 = packing.serialize(mt)
    assert all(len(parse(b1).main.tensors[op.inputs[1]].scale) == 1 for op in parse(b1).main.operators)
    xi = random_int8_inputs(b1, 400, 5)
    np.testing.assert_array_equal(run_reference(b1, xi), ptq.run_tflm(b1, xi))


@pytest.mark.parametrize("method", ["twn", "ttq"])
def test_packed_reference_equals_stock_on_tflm(method):
    """Packed form (NumPy reference of the custom op) == stock form on the TFLM interpreter."""
    _, stock, packed, _ = ternary_flatbuffers(method)
    assert R.OP_NAME in parse(packed).op_names
    xi = random_int8_inputs(stock, 300)
    expected = ptq.run_tflm(stock, xi)
    np.testing.assert_array_equal(run_reference(stock, xi), expected)
    np.testing.assert_array_equal(run_reference(packed, xi), expected)


@pytest.mark.parametrize("method", ["twn", "ttq"])
def test_c_core_equals_stock_on_tflm(c_core, method):
    """The portable C kernel, run in the packed model, equals TFLM on the stock model."""
    _, stock, packed, _ = ternary_flatbuffers(method)
    xi = random_int8_inputs(stock, 300, 7)
    impl = lambda p, x, w, b, lv: c_ternary_fc(c_core, p, x, w, b, lv)  # noqa: E731
    np.testing.assert_array_equal(run_reference(packed, xi, fc_impl=impl), ptq.run_tflm(stock, xi))


def test_c_core_equals_reference_random_params(c_core):
    """Table of random shapes/parameters (odd K, negative and positive shifts, clamps, TTQ levels)."""
    rng = np.random.default_rng(11)
    for case in range(40):
        k, n, batches = int(rng.integers(1, 70)), int(rng.integers(1, 20)), int(rng.integers(1, 4))
        p = R.prepare(in_features=k, out_features=n, input_scale=float(rng.uniform(0.001, 0.2)),
                      input_zero_point=int(rng.integers(-128, 128)),
                      weight_scales=rng.uniform(0.001, 2.0, n if case % 2 else 1),
                      output_scale=float(rng.uniform(0.001, 0.3)), output_zero_point=int(rng.integers(-128, 128)),
                      activation=int(case % 4))
        codes = rng.integers(-1, 2, size=(n, k)).astype(np.int8)
        levels = rng.integers(1, 128, size=(n, 2)).astype(np.int8) if case % 3 else np.ones((n, 2), np.int8)
        bias = rng.integers(-5000, 5000, n).astype(np.int32) if case % 5 else None
        x = rng.integers(-128, 128, size=(batches, k)).astype(np.int8)
        packed = R.pack(codes)
        want = R.fully_connected(p, x, R.ternary_weights(packed, levels, k), bias)
        np.testing.assert_array_equal(c_ternary_fc(c_core, p, x, packed, bias, levels), want)
        np.testing.assert_array_equal(R.ternary_fc(p, x, packed, bias, levels), want)


def test_compiled_packed_model_equals_stock_on_tflm():
    """Our runtime (AOT compiler, host build): packed and stock forms == TFLM on the stock form."""
    pytest.importorskip("tflm_pipeline.compiler")
    from tflm_pipeline.compiler import compile_model, run_on_host
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    _, stock, packed, _ = ternary_flatbuffers("ttq")
    xi = random_int8_inputs(stock, 200, 3)
    expected = ptq.run_tflm(stock, xi)
    sg = parse(stock).main
    out = sg.tensors[sg.outputs[0]]
    for form in (stock, packed):
        compiled = compile_model(parse(form))
        # the custom op's header lives beside its C core
        compiled = dataclasses.replace(
            compiled, include_dirs=tuple(compiled.include_dirs) + (str(tfc_pkg.SOURCE_DIR),))
        got = run_on_host(compiled, [xi], [(out.shape, np.int8)])[0]
        np.testing.assert_array_equal(got, expected)
    assert compile_model(parse(packed)).constant_bytes < compile_model(parse(stock)).constant_bytes
