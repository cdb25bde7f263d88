"""Compressed Dense layers: exact math against the materialized W, gradients, accounting,
errors at build time, and one shared harness (config round trip, .keras/.h5 save and load,
parameter count) run on every layer and every cell."""

from __future__ import annotations

import numpy as np
import pytest

from tflm_pipeline.tf import keras, tf
from tflm_pipeline.compression import (
    FastGRNNCell, FastRNNCell, StructuredGRUCell, HMDDense, HybridKroneckerDense, KroneckerDense, LowRankDense,
    StructuredLSTMCell, compression_summary, kronecker_factor_shapes, layer_stats)
from tflm_pipeline.compression.factor_shapes import KroneckerShapes
from tflm_pipeline.compression.hmd import dense_rows_for_compression as hmd_rows
from tflm_pipeline.compression.hybrid_kronecker import dense_rows_for_compression as hkp_rows

LAYERS = {
    "kp_auto": lambda: KroneckerDense(24),
    "kp_explicit": lambda: KroneckerDense(24, factor_shapes=((4, 5), (6, 4)), activation="tanh"),
    "hkp": lambda: HybridKroneckerDense(24, dense_rows=4),
    "hkp_explicit": lambda: HybridKroneckerDense(24, dense_rows=8, factor_shapes=((4, 4), (4, 5))),
    "hmd": lambda: HMDDense(24, dense_rows=6, rank=2),
    "hmd_no_rows": lambda: HMDDense(24, dense_rows=0, rank=3, use_bias=False),
    "lowrank": lambda: LowRankDense(24, rank=3, activation="relu"),
}
IN = 20


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_forward_equals_materialized_dense(name):
    keras.utils.set_random_seed(1)
    layer = LAYERS[name]()
    x = tf.random.normal((5, IN))
    y = layer(x)
    w = layer.materialized_kernel()
    assert w.shape == (24, IN)
    ref = tf.matmul(x, w, transpose_b=True)
    if layer.use_bias:
        layer.bias.assign(tf.random.normal((24,)))
        ref = tf.matmul(x, w, transpose_b=True) + layer.bias
        y = layer(x)
    np.testing.assert_allclose(y.numpy(), layer.activation(ref).numpy(), rtol=1e-5, atol=1e-5)
    # leading dimensions are kept: (batch, time, n) -> (batch, time, units)
    x3 = tf.random.normal((2, 3, IN))
    np.testing.assert_allclose(layer(x3).numpy().reshape(6, 24),
                               layer(tf.reshape(x3, (6, IN))).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_gradients_reach_every_factor(name):
    layer = LAYERS[name]()
    x = tf.random.normal((4, IN))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) ** 2) + tf.reduce_sum(layer(x))
    grads = tape.gradient(loss, layer.trainable_weights)
    assert len(layer.trainable_weights) == len(layer.matrix.weights()) + int(layer.use_bias)
    for w, g in zip(layer.trainable_weights, grads):
        assert g is not None, w.name
        assert float(tf.reduce_max(tf.abs(g))) > 0, w.name


def test_kronecker_both_evaluation_orders_match():
    # (2x10) kron (12x2): B-first costs 10*2*12 + 2*10*12 = 480, A-first 2*10*2 + 2*2*12 = 88
    for shapes in [((2, 10), (12, 2)), ((12, 2), (2, 10))]:
        layer = KroneckerDense(24, factor_shapes=shapes, use_bias=False)
        x = tf.random.normal((3, 20))
        np.testing.assert_allclose(layer(x).numpy(), (x @ tf.transpose(layer.materialized_kernel())).numpy(),
                                   rtol=1e-5, atol=1e-5)


def test_kronecker_materialization_is_numpy_kron():
    layer = KroneckerDense(24, factor_shapes=((4, 5), (6, 4)), use_bias=False)
    layer.build((None, 20))
    np.testing.assert_allclose(layer.materialized_kernel().numpy(),
                               np.kron(layer.matrix.a.numpy(), layer.matrix.b.numpy()), rtol=1e-6)


def test_compression_arithmetic_on_known_shapes():
    # 256 x 64 (a 4-gate LSTM input matrix, h=64, d=64): A 16x8, B 16x8 -> 256 params (64x)
    s = kronecker_factor_shapes(256, 64)
    assert s == KroneckerShapes(16, 8, 16, 8) and s.params == 256 and s.max_rank >= 64
    assert s.macs == min(8 * 8 * 16 + 16 * 8 * 16, 16 * 8 * 8 + 16 * 8 * 16) == 3072
    # automatic shapes keep full rank possible and minimize parameters over all divisor pairs
    for m, n in [(128, 6), (96, 32), (60, 28), (7, 5)]:
        s = kronecker_factor_shapes(m, n)
        assert s.shape == (m, n) and s.max_rank >= min(m, n)
        best = min(a * b + (m // a) * (n // b) for a in range(1, m + 1) if m % a == 0
                   for b in range(1, n + 1) if n % b == 0
                   if min(a, b) * min(m // a, n // b) >= min(m, n))
        assert s.params == best

    layer = KroneckerDense(64, factor_shapes=((8, 4), (8, 8)))
    layer.build((None, 32))
    st = layer.compression_stats()
    assert (st.weight_params, st.vector_params, st.params) == (32 + 64, 64, 160)
    assert st.dense_params == 64 * 32 + 64 and st.compression == pytest.approx(2112 / 160)
    assert st.int8_bytes == 96 + 4 * 64 and st.dense_int8_bytes == 2048 + 256
    assert st.macs == min(4 * 8 * 8 + 8 * 4 * 8, 8 * 4 * 8 + 8 * 8 * 8) == 512 and st.dense_macs == 2048

    hkp = HybridKroneckerDense(64, dense_rows=16, use_bias=False)   # 48x32 block: (8x4) kron (6x8)
    hkp.build((None, 32))
    assert hkp.compression_stats().weight_params == 16 * 32 + kronecker_factor_shapes(48, 32).params
    hmd = HMDDense(64, dense_rows=16, rank=2, use_bias=False)
    hmd.build((None, 32))
    assert hmd.compression_stats().params == 16 * 32 + 2 * (48 + 32) == hmd.compression_stats().macs
    assert hmd.compression_stats().compression == pytest.approx(2048 / 672)
    lr = LowRankDense(64, rank=4, use_bias=False)
    lr.build((None, 32))
    assert lr.compression_stats().params == 4 * 96
    # the target-compression helpers land close to the asked factor
    r = hmd_rows(128, 64, 2.0)
    assert abs(128 * 64 / (r * 64 + (128 - r + 64)) - 2.0) < 0.05
    r = hkp_rows(128, 64, 4.0)
    assert abs(128 * 64 / (r * 64 + kronecker_factor_shapes(128 - r, 64).params) - 4.0) < 0.2


def test_product_variance_matches_glorot():
    keras.utils.set_random_seed(3)
    target = 2.0 / (256 + 256)
    for layer in [KroneckerDense(256, factor_shapes=((16, 16), (16, 16))), LowRankDense(256, rank=32),
                  HMDDense(256, dense_rows=0, rank=32)]:
        layer.build((None, 256))
        var = float(tf.math.reduce_variance(layer.materialized_kernel()))
        assert 0.5 * target < var < 2.0 * target, (type(layer).__name__, var, target)


@pytest.mark.parametrize("make, message", [
    (lambda: KroneckerDense(16, factor_shapes=((3, 4), (5, 5))),
     "KroneckerDense: factor shapes (3x4) kron (5x5) give 15x20, but the layer maps 32 inputs to 16 units"),
    (lambda: KroneckerDense(16, factor_shapes=((4, 4), (4,))), "factor_shapes must be ((m1, n1), (m2, n2))"),
    (lambda: HybridKroneckerDense(16, dense_rows=16), "dense_rows=16 must be smaller than the row count 16"),
    (lambda: HybridKroneckerDense(16, dense_rows=20), "dense_rows=20 must be smaller than the row count 16"),
    (lambda: HybridKroneckerDense(16, dense_rows=4, factor_shapes=((4, 4), (4, 8))),
     "give 16x32, but the layer maps 32 inputs to 12 units"),
    (lambda: HMDDense(16, dense_rows=17), "dense_rows=17 must be smaller than the row count 16"),
    (lambda: HMDDense(16, dense_rows=12, rank=5), "rank=5 exceeds min(rows - dense_rows, cols) = 4"),
    (lambda: LowRankDense(16, rank=17), "rank=17 exceeds min(rows, cols) = 16"),
    (lambda: LowRankDense(16, rank=0), "rank must be a positive integer, got 0"),
    (lambda: HMDDense(16, dense_rows=-1), "dense_rows must be a non-negative integer, got -1"),
    (lambda: KroneckerDense(0), "units must be a positive integer, got 0"),
    (lambda: StructuredLSTMCell(8, input_kind="kron"), "unknown matrix kind 'kron'"),
    (lambda: StructuredGRUCell(8, recurrent_kind="lowrank", recurrent_options={"ranks": 2}), "got unknown ['ranks']"),
    (lambda: FastRNNCell(8, input_kind="hkp", input_options={"dense_rows": 8}),
     "FastRNNCell input matrix: dense_rows=8 must be smaller than the row count 8"),
])
def test_bad_configurations_raise_one_clear_line(make, message):
    with pytest.raises(ValueError) as err:
        layer = make()
        if isinstance(layer, keras.layers.Layer) and not hasattr(layer, "state_size"):
            layer.build((None, 32))
        else:
            keras.layers.RNN(layer)(tf.zeros((1, 3, 32)))
    text = str(err.value)
    assert message in text and "\n" not in text, text


# ---- the shared harness: every layer and every cell ------------------------------------------

CELL_KINDS = [("dense", None), ("kp", None), ("hkp", {"dense_rows": 2}), ("hmd", {"dense_rows": 3, "rank": 2}),
              ("lowrank", {"rank": 3})]
CELLS = {f"{cell.__name__}-{kind}": (cell, kind, opts) for cell in (StructuredLSTMCell, StructuredGRUCell, FastRNNCell, FastGRNNCell)
         for kind, opts in CELL_KINDS}


def _model_of_layer(name, bidirectional=False):
    if name in LAYERS:
        inp = keras.Input((IN,))
        return keras.Model(inp, LAYERS[name]()(inp))
    cell, kind, opts = CELLS[name]
    rnn = keras.layers.RNN(cell(8, input_kind=kind, recurrent_kind="kp" if kind == "dense" else kind,
                                input_options=opts, recurrent_options=opts if kind in ("lowrank",) else None))
    inp = keras.Input((5, 6))
    return keras.Model(inp, (keras.layers.Bidirectional(rnn) if bidirectional else rnn)(inp))


def _roundtrip(model, tmp_path, fmt):
    path = tmp_path / f"m.{fmt}"
    model.save(path)
    return keras.models.load_model(path)


# every layer in both formats; cells alternate formats so each cell type meets both
HARNESS = ([(name, fmt) for name in sorted(LAYERS) for fmt in ("keras", "h5")]
           + [(name, ("keras", "h5")[i % 2]) for i, name in enumerate(CELLS)])


@pytest.mark.parametrize("name, fmt", HARNESS)
def test_harness_config_save_load_params(name, fmt, tmp_path):
    keras.utils.set_random_seed(2)
    model = _model_of_layer(name, bidirectional=name.startswith("StructuredGRUCell"))
    x = np.random.RandomState(0).randn(3, *model.input_shape[1:]).astype(np.float32)
    y = model(x).numpy()
    layer = model.layers[-1]
    # config round trip gives an identical layer
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    # save/load in both formats gives the same outputs
    loaded = _roundtrip(model, tmp_path, fmt)
    np.testing.assert_allclose(loaded(x).numpy(), y, rtol=1e-6, atol=1e-6)
    # the accounting counts exactly the trainable values
    st = layer_stats(layer)
    assert st.params == sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
    assert st.dense_params >= st.params or "dense" in st.structure


def test_model_summary_prints_every_layer_and_total():
    inp = keras.Input((10, 6))
    h = keras.layers.RNN(StructuredLSTMCell(16, input_kind="kp", recurrent_kind="hmd",
                                  recurrent_options={"dense_rows": 32, "rank": 2}))(inp)
    h = HybridKroneckerDense(32, dense_rows=8)(h)
    out = keras.layers.Dense(3)(h)
    model = keras.Model(inp, out)
    lines = []
    rows = compression_summary(model, print_fn=lines.append)
    text = lines[0]
    assert [r.name for r in rows] == [model.layers[1].name, model.layers[2].name, model.layers[3].name, "total"]
    for r in rows:
        assert r.name in text
    assert rows[-1].params == model.count_params()
    cell = model.layers[1].cell.compression_stats()
    assert rows[0].macs == 10 * cell.macs       # whole sequence
    assert rows[-1].params == sum(r.params for r in rows[:-1])
    assert rows[-1].int8_bytes == sum(r.int8_bytes for r in rows[:-1])


def test_docstring_examples_run():
    import doctest

    from tflm_pipeline.compression import factor_shapes, hmd, hybrid_kronecker, kronecker, low_rank

    for module in (factor_shapes, kronecker, hybrid_kronecker, hmd, low_rank):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
