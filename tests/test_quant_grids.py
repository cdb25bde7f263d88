"""grids.py reproduces TFLite's int8 per-channel weight grid exactly (measured by converting)."""

from __future__ import annotations

import numpy as np
import pytest

from tflm_pipeline.flatbuffer import parse
from tflm_pipeline.quantization import grids, ptq
from tflm_pipeline.tf import keras, tf


def _tflite_kernel_view(layer_kind: str, w: np.ndarray) -> np.ndarray:
    """Keras kernel -> TFLite weight tensor layout."""
    if layer_kind == "dense":          # (in, out) -> (out, in)
        return w.T
    if layer_kind == "conv":           # (kh, kw, in, out) -> (out, kh, kw, in)
        return np.transpose(w, (3, 0, 1, 2))
    if layer_kind == "depthwise":      # (kh, kw, in, mult) -> (1, kh, kw, in*mult)
        return w.reshape(1, w.shape[0], w.shape[1], -1)
    raise ValueError(layer_kind)


@pytest.fixture(scope="module")
def converted():
    keras.utils.set_random_seed(0)
    inp = keras.Input((8, 8, 3))
    h = keras.layers.Conv2D(6, 3, activation="relu", bias_initializer="ones")(inp)
    h = keras.layers.DepthwiseConv2D(3, depth_multiplier=2, bias_initializer="ones")(h)
    h = keras.layers.Flatten()(h)
    out = keras.layers.Dense(7, bias_initializer="ones")(h)
    model = keras.Model(inp, out)
    dense = model.layers[-1]
    w, b = dense.get_weights()
    # exact ties at half a step: 0.5, 1.5, -2.5 steps of the channel scale (max |w| = 1)
    w[:, 0] = 0.0
    w[0, 0], w[1, 0], w[2, 0], w[3, 0], w[4, 0] = 1.0, 0.5 / 127, 1.5 / 127, -2.5 / 127, -0.5 / 127
    dense.set_weights([w, b])
    x = np.random.default_rng(0).normal(size=(50, 8, 8, 3)).astype(np.float32)
    return model, ptq.convert_int8(model, x)


def _weights_of(model_bytes, op_name):
    sg = parse(model_bytes).main
    return [sg.tensors[op.inputs[1]] for op in sg.operators if op.name == op_name]


@pytest.mark.parametrize("kind,op,index", [("conv", "CONV_2D", 1), ("depthwise", "DEPTHWISE_CONV_2D", 2),
                                           ("dense", "FULLY_CONNECTED", 4)])
def test_codes_and_scales_equal_converter(converted, kind, op, index):
    model, b = converted
    w = model.layers[index].get_weights()[0]
    t = _weights_of(b, op)[0]
    q, s = grids.quantize(w, depthwise=kind == "depthwise")
    np.testing.assert_array_equal(t.scale, s)            # float32 scales, bit for bit
    np.testing.assert_array_equal(t.data, _tflite_kernel_view(kind, q))
    assert not t.zero_point.any()


def test_converter_rounds_ties_away_from_zero(converted):
    model, b = converted
    t = _weights_of(b, "FULLY_CONNECTED")[0]
    assert t.data[0, :5].tolist() == [127, 1, 2, -3, -1]     # half-to-even would give 0, 2, -2, 0
    assert grids.round_half_away(np.array([0.5, 1.5, -2.5, -0.5])).tolist() == [1, 2, -3, -1]


def test_tf_fake_quant_equals_numpy():
    rng = np.random.default_rng(1)
    for shape, dw in [((30, 12), False), ((3, 3, 4, 8), False), ((3, 3, 5, 2), True)]:
        w = (rng.normal(size=shape) * rng.uniform(0.01, 3)).astype(np.float32)
        for bits in (8, 4, 2):
            np.testing.assert_array_equal(grids.tf_fake_quant(tf.constant(w), bits, dw).numpy(),
                                          grids.fake_quant(w, bits, dw))


def test_on_grid_weights_are_a_fixed_point():
    """fl32(scale * code) re-quantizes to the same scale and codes: conversion changes nothing."""
    rng = np.random.default_rng(2)
    w = (rng.normal(size=(64, 200)) * np.exp(rng.uniform(-8, 3, 200))).astype(np.float32)
    fq = grids.fake_quant(w)
    q1, s1 = grids.quantize(w)
    q2, s2 = grids.quantize(fq)
    np.testing.assert_array_equal(s1, s2)
    np.testing.assert_array_equal(q1, q2)
    assert grids.on_grid(fq) and not grids.on_grid(w)


def test_snap_scale_round_trips_through_127():
    rng = np.random.default_rng(3)
    a = (np.abs(rng.normal(size=100000)) * np.exp(rng.uniform(-10, 3, 100000))).astype(np.float32)
    snapped = grids.tf_snap_scale(tf.constant(a)).numpy()
    s = snapped / np.float32(127)
    np.testing.assert_array_equal(s * np.float32(127), snapped)


def test_qmax_for_bits():
    assert [grids.qmax_for_bits(b) for b in (8, 4, 2)] == [127, 7, 1]
    with pytest.raises(ValueError):
        grids.qmax_for_bits(9)
