"""LOGISTIC, TANH, SOFTMAX, (DE)QUANTIZE, RELU, RELU6, LEAKY_RELU, HARD_SWISH bit-exact with TFLM.

Keras models cover what users convert (Dense -> sigmoid / tanh / softmax stacks, float I/O which
adds QUANTIZE and DEQUANTIZE, LeakyReLU, hard_sigmoid's standalone RELU). The table-driven ops
are also swept over *every* int8 input value at many scales and zero points in hand-built models
(tests/single_op.py), since their tables are computed by the compiler's Python reference.
"""

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as s

from oracle import assert_bit_exact_on_host, convert
from single_op import Op, Spec, all_int8, assert_outputs_equal, compare_with_tflm, ops_model
from tflm_pipeline import flatbuffer
from tflm_pipeline.compiler import compile_model
from tflm_pipeline.errors import UnsupportedOpError
from tflm_pipeline.tf import keras

L = keras.layers


def test_dense_sigmoid_tanh_softmax_float_io():
    keras.utils.set_random_seed(5)
    model = keras.Sequential([
        keras.Input((10,)),
        L.Dense(16, activation="sigmoid", bias_initializer="random_normal"),
        L.Dense(12, activation="tanh", bias_initializer="random_normal"),
        L.Dense(6, kernel_initializer=keras.initializers.RandomNormal(stddev=2.0)),
        L.Softmax(),
    ])
    tfl = convert(model, float_io=True)
    compiled = assert_bit_exact_on_host(tfl, n=200)  # float inputs N(0,1), float outputs
    assert compiled.op_names == ["QUANTIZE", "FULLY_CONNECTED", "LOGISTIC", "FULLY_CONNECTED",
                                 "TANH", "FULLY_CONNECTED", "SOFTMAX", "DEQUANTIZE"]
    # flash for tables: 2 x 256 B (logistic, tanh) + 1 KiB (softmax exp)
    assert {c.function for c in compiled.calls} >= {"tpl_lut_s8", "tpl_softmax_s8"}


def test_int8_io_activations_leaky_relu_hard_sigmoid_softmax_rows():
    keras.utils.set_random_seed(6)
    inp = keras.Input((5, 8))
    x = L.Dense(8)(inp)
    a = L.LeakyReLU(0.2)(x)
    b = L.Activation("sigmoid")(L.Dense(8)(a))
    c = L.Activation("tanh")(a)
    d = L.Softmax()(L.Dense(7)(c))                      # 5 rows of 7
    e = L.ReLU()(L.Add()([a, c]))
    tfl = convert(keras.Model(inp, [b, d, e]))
    compiled = assert_bit_exact_on_host(tfl, n=150)
    assert {"LEAKY_RELU", "LOGISTIC", "TANH", "SOFTMAX"} <= set(compiled.op_names)


def test_hard_sigmoid_and_hard_swish_patterns():
    """hard_sigmoid -> MUL, ADD, MINIMUM, RELU; x * relu6(x + 3) / 6 -> HARD_SWISH."""
    keras.utils.set_random_seed(7)
    inp = keras.Input((4, 4, 3))
    x = L.Conv2D(4, 1)(inp)
    hs = L.Multiply()([x, L.Rescaling(1 / 6)(L.ReLU(6.0)(L.Rescaling(1.0, offset=3.0)(x)))])
    tfl = convert(keras.Model(inp, [hs, L.Activation("hard_sigmoid")(x)]))
    compiled = assert_bit_exact_on_host(tfl, n=150)
    assert {"HARD_SWISH", "MINIMUM", "RELU"} <= set(compiled.op_names)


def _sweep(rng, n):
    return [(float(np.float32(10 ** rng.uniform(-3.5, 0.3))), int(rng.integers(-128, 128)))
            for _ in range(n)]


def _check_all_values(ops):
    """Every input of every op gets all 256 int8 values."""
    tfl = ops_model(ops)
    model = flatbuffer.parse(tfl)
    inputs = [all_int8(model.main.tensors[i].shape[1:]).reshape((1,) + model.main.tensors[i].shape)
              for i in model.main.inputs]
    expected, got = compare_with_tflm(tfl, inputs)
    assert_outputs_equal(expected, got)


def test_logistic_tanh_every_input_value_many_scales():
    rng = np.random.default_rng(20)
    ops = [Op("LOGISTIC", [Spec((1, 256), "INT8", sc, zp)], Spec((1, 256), "INT8", 1 / 256, -128))
           for sc, zp in _sweep(rng, 24)]
    ops += [Op("TANH", [Spec((1, 256), "INT8", sc, zp)], Spec((1, 256), "INT8", 1 / 128, 0))
            for sc, zp in _sweep(rng, 24)]
    _check_all_values(ops)


def test_relu_relu6_leaky_relu_requantize_hard_swish_every_input_value():
    rng = np.random.default_rng(21)
    ops = []
    for (si, zi), (so, zo) in zip(_sweep(rng, 12), _sweep(rng, 12)):
        ops.append(Op("RELU", [Spec((1, 259), "INT8", si, zi)], Spec((1, 259), "INT8", so, zo)))
        ops.append(Op("RELU6", [Spec((1, 259), "INT8", si * 20, zi)], Spec((1, 259), "INT8", si * 20, zi)))
        opt = s.LeakyReluOptionsT()
        opt.alpha = float(rng.choice([0.01, 0.1, 0.2, 0.3, 0.5]))
        ops.append(Op("LEAKY_RELU", [Spec((1, 259), "INT8", si, zi)], Spec((1, 259), "INT8", so, zo),
                      opt, s.BuiltinOptions.LeakyReluOptions))
        ops.append(Op("QUANTIZE", [Spec((1, 259), "INT8", si, zi)], Spec((1, 259), "INT8", so, zo)))
        ops.append(Op("HARD_SWISH", [Spec((1, 259), "INT8", si, zi)],
                      Spec((1, 259), "INT8", si * float(rng.uniform(0.1, 2.0)), zo)))
    _check_all_values(ops)


def test_softmax_random_rows_wide_and_narrow_ranges():
    rng = np.random.default_rng(22)
    ops, shapes = [], [(4, 10), (1, 3), (2, 3, 33), (1, 200)]
    for k, (sc, zp) in enumerate(_sweep(rng, 12)):
        opt = s.SoftmaxOptionsT()
        opt.beta = float([1.0, 1.0, 0.5, 2.0, 0.1][k % 5])
        shape = shapes[k % len(shapes)]
        ops.append(Op("SOFTMAX", [Spec(shape, "INT8", sc, zp)], Spec(shape, "INT8", 1 / 256, -128),
                      opt, s.BuiltinOptions.SoftmaxOptions))
    tfl = ops_model(ops)
    n, inputs = 60, []
    for op in ops:
        shape = op.inputs[0].shape
        lo = rng.integers(-128, 128, size=(n,) + (1,) * len(shape))
        span = rng.choice([1, 2, 5, 20, 64, 256], size=(n,) + (1,) * len(shape))
        inputs.append(np.clip(lo + rng.integers(0, 1 << 16, size=(n,) + shape) % span, -128, 127)
                      .astype(np.int8))
    expected, got = compare_with_tflm(tfl, inputs)
    assert_outputs_equal(expected, got, "SOFTMAX")


def test_quantize_float_halves_and_dequantize_every_value():
    rng = np.random.default_rng(23)
    ops, inputs = [], []
    for sc, zp in _sweep(rng, 6):
        ops.append(Op("QUANTIZE", [Spec((1, 64), "FLOAT32")], Spec((1, 64), "INT8", sc, zp)))
        k = np.concatenate([np.arange(-8, 8) + 0.5, rng.uniform(-300, 300, 48)]).astype(np.float32)
        x = (k * np.float32(sc)).astype(np.float32)          # lands on (or next to) rounding ties
        inputs.append(x.reshape(1, 1, 64))
        ops.append(Op("DEQUANTIZE", [Spec((1, 256), "INT8", sc, zp)], Spec((1, 256), "FLOAT32")))
        inputs.append(all_int8())
    expected, got = compare_with_tflm(ops_model(ops), inputs)
    assert_outputs_equal(expected, got, "QUANTIZE/DEQUANTIZE")


@pytest.mark.parametrize("op,inputs,output,match", [
    ("SOFTMAX", [Spec((1, 8), "INT8", 0.1, 0)], Spec((1, 8), "INT8", 1 / 128, 0), "1/256"),
    ("QUANTIZE", [Spec((1, 8), "INT16", 0.1, 0)], Spec((1, 8), "INT8", 0.1, 0), "INT16"),
    ("LOGISTIC", [Spec((1, 8), "INT8", 0.1, 0)], Spec((1, 8), "INT8", 1 / 256, 0), "zero point"),
])
def test_unsupported_variants_raise(op, inputs, output, match):
    opt, opt_type = (s.SoftmaxOptionsT(), s.BuiltinOptions.SoftmaxOptions) if op == "SOFTMAX" else (None, None)
    if opt is not None:
        opt.beta = 1.0
    with pytest.raises(UnsupportedOpError, match=match):
        compile_model(flatbuffer.parse(ops_model([Op(op, inputs, output, opt, opt_type)])))


def test_params_dataclasses_match_c_structs():
    import dataclasses
    import re

    from tflm_pipeline.compiler import KERNEL_DIR
    from tflm_pipeline.compiler.ops.dequantize import DequantizeParams
    from tflm_pipeline.compiler.ops.lookup import LutParams
    from tflm_pipeline.compiler.ops.quantize import QuantizeParams
    from tflm_pipeline.compiler.ops.softmax import SoftmaxParams
    for params, header in ((LutParams, "tpl_lut.h"), (SoftmaxParams, "tpl_softmax.h"),
                           (QuantizeParams, "tpl_quantize.h"), (DequantizeParams, "tpl_dequantize.h")):
        text = (KERNEL_DIR / "include" / header).read_text()
        for f in dataclasses.fields(params):
            assert re.search(rf"[ *]{f.name};", text), f"{f.name} missing from {header}"


@pytest.mark.emulator
def test_mixed_elementwise_nonlinear_model_on_cortex_m4f():
    """Every op of this group in one float-I/O model, on the emulated M4F (hard-float ABI)."""
    from oracle import output_specs, random_inputs
    from tflm_pipeline import tflm_host
    from tflm_pipeline.emulate.run import emulate

    keras.utils.set_random_seed(5)
    inp = keras.Input((4, 4, 3))
    x = L.Conv2D(8, 1)(inp)
    hs = L.Multiply()([x, L.Rescaling(1 / 6)(L.ReLU(6.0)(L.Rescaling(1.0, offset=3.0)(x)))])
    y = L.LeakyReLU(0.1)(L.Add()([hs, L.Activation("hard_sigmoid")(x)]))
    y = L.Subtract()([y, L.GlobalAveragePooling2D(keepdims=True)(y)])
    f = L.Flatten()(y)
    a = L.Dense(12, activation="tanh")(L.Dense(16, activation="sigmoid")(f))
    tfl = convert(keras.Model(inp, [L.Dense(6, activation="softmax")(a), L.Dense(5)(f)]), float_io=True)
    parsed = flatbuffer.parse(tfl)
    compiled = compile_model(parsed)
    assert {"QUANTIZE", "MUL", "ADD", "SUB", "MINIMUM", "RELU", "HARD_SWISH", "LEAKY_RELU",
            "LOGISTIC", "TANH", "SOFTMAX", "DEQUANTIZE"} <= set(compiled.op_names)
    xs = random_inputs(parsed, 30)
    scale = parsed.main.tensors[parsed.main.operators[0].outputs[0]].scale[0]
    xs[0][:5] = (np.round(xs[0][:5] / scale * 2) / 2 * scale).astype(np.float32)  # rounding ties
    result = emulate(compiled.sources, "mps2-an386", xs, output_specs=output_specs(parsed),
                     extra_sources=compiled.extra_sources, extra_include_dirs=compiled.include_dirs)
    for want, got in zip(tflm_host.run(tfl, xs), result.outputs):
        assert np.count_nonzero(want.view(np.uint8) != got.view(np.uint8)) == 0
