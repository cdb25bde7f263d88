"""Compressed layers and cells -> train a few steps -> save/load -> full-integer int8 TFLite with
only TFLM builtin ops -> TFLM host interpreter, outputs close to float; Kronecker factors stay
separate weight tensors (the flash saving is real)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from tflm_pipeline import flatbuffer, tflm_host
from tflm_pipeline.compression import (
    FastGRNNCell, FastRNNCell, HMDDense, HybridKroneckerDense, KroneckerDense, LowRankDense,
    StructuredGRUCell, StructuredLSTMCell, model_stats, total_stats)
from tflm_pipeline.convert import check_integer_only, convert_keras_model
from tflm_pipeline.tf import keras

T, D, H, CLASSES = 3, 6, 8, 3
CELLS = (StructuredLSTMCell, StructuredGRUCell, FastRNNCell, FastGRNNCell)
KINDS = ("dense", "kp", "hkp", "hmd", "lowrank")
OPTIONS = {"dense": None, "kp": None, "hkp": {"dense_rows": 2}, "hmd": {"dense_rows": 3, "rank": 1},
           "lowrank": {"rank": 2}}


def _data(n=96, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randn(n, T, D).astype(np.float32)
    y = (x[:, :, 0].mean(1) > 0).astype(np.int64) + (x[:, :, 1].mean(1) > 0.3)
    return x, y


def _train_save_load(model, tmp_path, fmt="keras"):
    x, y = _data()
    model.compile(keras.optimizers.Adam(0.01), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()) if a.size > 1)
    path = tmp_path / f"model.{fmt}"
    model.save(path)
    loaded = keras.models.load_model(path, compile=False)
    np.testing.assert_allclose(loaded.predict(x[:8], verbose=0), model.predict(x[:8], verbose=0), atol=1e-6)
    return loaded


def _run_tflm(model_bytes, x):
    """Quantize ``x`` with the model's input parameters, run TFLM, dequantize the output."""
    fb = flatbuffer.parse(model_bytes)
    t_in = fb.main.tensors[fb.main.inputs[0]]
    t_out = fb.main.tensors[fb.main.outputs[0]]
    xq = np.clip(np.round(x / t_in.scale[0]) + t_in.zero_point[0], -128, 127).astype(np.int8)
    yq = tflm_host.run(model_bytes, [xq[:, None]])[0]
    y = (yq.astype(np.float32) - t_out.zero_point[0]) * t_out.scale[0]
    return y.reshape(len(x), -1), float(t_out.scale[0])


def _check_converted(model, tmp_path):
    x, _ = _data(n=48, seed=1)
    model_bytes = convert_keras_model(model, [x])
    fb = flatbuffer.parse(model_bytes)
    # only TFLM builtins, no WHILE/Flex, no float activation anywhere
    assert not any(op.is_custom for sg in fb.subgraphs for op in sg.operators)
    assert "WHILE" not in fb.op_names and len(fb.subgraphs) == 1
    assert not check_integer_only(fb)
    main = fb.main
    assert main.tensors[main.inputs[0]].dtype == "INT8" and main.tensors[main.outputs[0]].dtype == "INT8"
    # every weight matrix (FULLY_CONNECTED weight) is int8 and stored once: their values add up
    # to the factor count (the unrolled steps share one tensor per factor)
    fc_weights = {op.inputs[1] for op in main.operators if op.name == "FULLY_CONNECTED"}
    matrices = {hashlib.sha1(main.tensors[i].data.tobytes()).hexdigest() + str(main.tensors[i].shape):
                main.tensors[i] for i in fc_weights}
    assert all(t.dtype == "INT8" for t in matrices.values())
    stats = model_stats(model)
    weight_params = total_stats(stats).weight_params
    stored = sum(t.data.size for t in matrices.values())
    assert stored == weight_params, (stored, weight_params)
    dense_largest = max(s.dense_weight_params for s in stats)
    if total_stats(stats).compression > 1.5:
        assert max(t.data.size for t in matrices.values()) < dense_largest
    # int8 on TFLM stays close to float
    y_float = model.predict(x, verbose=0)
    y_int8, scale = _run_tflm(model_bytes, x)
    err = np.abs(y_int8 - y_float).max()
    assert err <= max(16 * scale, 0.05 * np.abs(y_float).max()), (err, scale)
    assert (y_int8.argmax(1) == y_float.argmax(1)).mean() >= 0.85
    return fb


def test_every_cell_and_matrix_kind_in_one_model(tmp_path):
    """One model holds the four cells (each kind as input and as recurrent matrix somewhere)
    and the four compressed Dense layers; trains, saves, loads, converts and runs on TFLM."""
    keras.utils.set_random_seed(0)
    inp = keras.Input((T, D))
    pairs = [("kp", "hmd"), ("hkp", "lowrank"), ("hmd", "kp"), ("lowrank", "hkp")]
    branches = []
    for cell, (ik, rk) in zip(CELLS, pairs):
        c = cell(H, input_kind=ik, recurrent_kind=rk, input_options=OPTIONS[ik], recurrent_options=OPTIONS[rk])
        branches.append(keras.layers.RNN(c)(inp))
    branches.append(keras.layers.RNN(FastRNNCell(H, input_kind="dense", recurrent_kind="dense"))(inp))
    h = keras.layers.Concatenate()(branches)
    h = KroneckerDense(16, factor_shapes=((4, 8), (4, 5)), activation="relu")(h)
    h = HybridKroneckerDense(12, dense_rows=4, activation="relu")(h)
    h = HMDDense(12, dense_rows=4, rank=2, activation="relu")(h)
    out = LowRankDense(CLASSES, rank=2)(h)
    model = _train_save_load(keras.Model(inp, out), tmp_path)
    fb = _check_converted(model, tmp_path)
    # the KP layer's factors are separate 4x8 and 4x5 weights; no materialized 16x40 matrix
    shapes = {t.shape for t in fb.main.tensors if t.is_constant}
    assert {(4, 8), (4, 5)} <= shapes and (16, 40) not in shapes and (40, 16) not in shapes


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
def test_cell_with_matrix_kind_trains_saves_converts_runs(cell, kind, tmp_path):
    keras.utils.set_random_seed(0)
    inp = keras.Input((T, D))
    rnn = keras.layers.RNN(cell(H, input_kind=kind, recurrent_kind=kind, input_options=OPTIONS[kind],
                                recurrent_options=OPTIONS[kind]))
    out = keras.layers.Dense(CLASSES)(rnn(inp))
    model = _train_save_load(keras.Model(inp, out), tmp_path, fmt="h5" if kind in ("kp", "hmd") else "keras")
    _check_converted(model, tmp_path)


@pytest.mark.slow
def test_bidirectional_kp_lstm_converts(tmp_path):
    keras.utils.set_random_seed(0)
    inp = keras.Input((T, D))
    h = keras.layers.Bidirectional(keras.layers.RNN(StructuredLSTMCell(H, input_kind="kp", recurrent_kind="kp")))(inp)
    model = _train_save_load(keras.Model(inp, keras.layers.Dense(CLASSES)(h)), tmp_path)
    _check_converted(model, tmp_path)
