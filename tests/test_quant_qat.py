"""QAT: tfmot for standard layers plus the project's configs for every compressed layer kind and
structured RNN cell; the trained model converts to an all-int8 flatbuffer TFLM runs."""

from __future__ import annotations

import numpy as np
import pytest

from tflm_pipeline import compression as C
from tflm_pipeline.flatbuffer import parse
from tflm_pipeline.quantization import ptq, qat
from tflm_pipeline.tf import keras


def _check_all_int8(model_bytes):
    sg = parse(model_bytes).main
    dtypes = {t.dtype for t in sg.tensors}
    assert dtypes <= {"INT8", "INT32"}, dtypes          # int32 = biases and shape operands
    for op in sg.operators:
        if op.name in ("FULLY_CONNECTED", "CONV_2D"):
            assert sg.tensors[op.inputs[1]].dtype == "INT8"
    io = [sg.tensors[i] for i in sg.inputs + sg.outputs]
    assert all(t.dtype == "INT8" for t in io)


def _fit(model, x, y):
    model.compile(keras.optimizers.Adam(1e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)


def test_qat_structured_dense_kinds_convert_to_all_int8():
    keras.utils.set_random_seed(0)
    inp = keras.Input((32, 6))
    h = keras.layers.Conv1D(8, 5, strides=4, activation="relu")(inp)
    h = keras.layers.Flatten()(h)
    h = C.KroneckerDense(32, activation="relu")(h)
    h = C.HybridKroneckerDense(24, activation="relu")(h)
    h = C.HMDDense(16, activation="relu")(h)
    h = C.LowRankDense(16, rank=4, activation="relu")(h)
    out = keras.layers.Dense(4)(h)
    model = keras.Model(inp, out)
    qm = qat.qat_model(model)
    wrapped = [type(l.layer).__name__ for l in qm.layers if hasattr(l, "quantize_config")]
    for kind in ("KroneckerDense", "HybridKroneckerDense", "HMDDense", "LowRankDense", "Conv1D", "Dense"):
        assert kind in wrapped
    # every factor of every compressed layer is fake-quantized
    kp = next(l for l in qm.layers if type(getattr(l, "layer", None)).__name__ == "KroneckerDense")
    assert len(kp._weight_vars) == 2
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 32, 6)).astype(np.float32)
    y = rng.integers(0, 4, 128)
    _fit(qm, x, y)
    b = qat.convert_qat(qm, x[:64])
    _check_all_int8(b)
    ref = qm.predict(x[:64], verbose=0).argmax(1)
    assert np.mean(np.argmax(ptq.tflm_predict(b, x[:64]), 1) == ref) > 0.8


@pytest.mark.parametrize("cell,kinds", [
    ("FastGRNNCell", ("kp", "lowrank")),
    pytest.param("StructuredLSTMCell", ("hmd", "hkp"), marks=pytest.mark.slow),
    pytest.param("StructuredGRUCell", ("lowrank", "dense"), marks=pytest.mark.slow),
    pytest.param("FastRNNCell", ("hkp", "kp"), marks=pytest.mark.slow),
])
def test_qat_structured_rnn_cells_convert_to_all_int8(cell, kinds):
    keras.utils.set_random_seed(0)
    cls = getattr(C, cell)
    opts = {"lowrank": {"rank": 2}, "hmd": {}, "hkp": {}, "kp": {}, "dense": {}}
    layer = keras.layers.RNN(cls(16, input_kind=kinds[0], recurrent_kind=kinds[1],
                                 input_options=opts[kinds[0]], recurrent_options=opts[kinds[1]]),
                             unroll=True)
    inp = keras.Input((6, 8))
    out = keras.layers.Dense(3)(layer(inp))
    qm = qat.qat_model(keras.Model(inp, out))
    rnn = next(l for l in qm.layers if isinstance(getattr(l, "layer", None), keras.layers.RNN))
    cellobj = rnn.layer.cell
    n_factors = len(cellobj.input_matrix.weights()) + len(cellobj.recurrent_matrix.weights())
    assert len(rnn._weight_vars) == n_factors
    rng = np.random.default_rng(1)
    x = rng.normal(size=(96, 6, 8)).astype(np.float32)
    _fit(qm, x, rng.integers(0, 3, 96))
    b = qat.convert_qat(qm, x[:48])
    _check_all_int8(b)
    assert ptq.tflm_predict(b, x[:4]).shape == (4, 3)
