"""Alpha-blending: gradient path, schedule, and exactness on TFLite's int8 grid at alpha = 1."""

from __future__ import annotations

import numpy as np
import pytest

from tflm_pipeline.flatbuffer import parse
from tflm_pipeline.quantization import alpha_blending as ab
from tflm_pipeline.quantization import base, grids, ptq, ternary
from tflm_pipeline.tf import keras, tf

from quant_models import mlp


def _model_and_data(seed=0):
    m = mlp(seed=seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(256, 20)).astype(np.float32)
    y = (x[:, :4].sum(1) > 0).astype(np.int64) + 2 * (x[:, 4] > 0.7)
    return m, x, y


def test_gradient_reaches_w_only_through_one_minus_alpha():
    qm = ab.alpha_blend_model(mlp(), "int8")
    w = base.wrappers(qm)[1]
    k = w.layer.kernel
    ab.set_alpha(qm, 0.3)
    g = tf.random.normal(k.shape, seed=2)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w.quantizer.quantize(w, "kernel", k, True) * g)
    np.testing.assert_allclose(tape.gradient(loss, k).numpy(), 0.7 * g.numpy(), rtol=1e-6)
    blended = w.quantizer.quantize(w, "kernel", k, True).numpy()
    np.testing.assert_allclose(blended, 0.7 * k.numpy() + 0.3 * grids.fake_quant(k.numpy()), rtol=1e-5, atol=1e-7)


def test_alpha_is_a_non_trainable_variable_per_layer():
    qm = ab.alpha_blend_model(mlp(), "ternary")
    alphas = ab.alpha_variables(qm)
    assert len(alphas) == 2 and all(not v.trainable for v in alphas)
    assert all(v.name.endswith("kernel_alpha:0") for v in alphas)


@pytest.mark.parametrize("schedule", ["linear", "cubic", "exp", lambda p: p ** 2])
def test_schedule_ramps_from_zero_to_one(schedule):
    s = ab.AlphaSchedule(10, 110, schedule)
    values = [s.alpha_at(t) for t in range(0, 130)]
    assert values[0] == 0.0 and values[10] == 0.0
    assert values[110] == 1.0 and values[-1] == 1.0
    assert all(b >= a for a, b in zip(values, values[1:]))
    assert 0.0 < values[60] < 1.0


def test_schedule_rejects_empty_ramp():
    with pytest.raises(ValueError, match="end_step"):
        ab.AlphaSchedule(5, 5)


def _train_to_alpha_one(target, policy=None):
    m, x, y = _model_and_data()
    qm = ab.alpha_blend_model(m, target, policy)
    qm.compile(keras.optimizers.Adam(1e-2), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    steps = 2 * int(np.ceil(len(x) / 32))
    qm.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=[ab.AlphaSchedule(0, steps, "cubic")])
    assert all(v.numpy() == 1.0 for v in ab.alpha_variables(qm))
    return qm, x


def test_int8_alpha_one_export_is_exact_and_conversion_changes_no_weight():
    """Must-show: at alpha = 1 every exported weight equals the forward weight, lies on TFLite's
    int8 grid, and the converter stores exactly it (codes * scale == float weight, bit for bit)."""
    qm, x = _train_to_alpha_one("int8")
    plain = base.strip(qm)
    b = ptq.convert_int8(plain, x[:100])
    sg = parse(b).main
    fc = [sg.tensors[op.inputs[1]] for op in sg.operators if op.name == "FULLY_CONNECTED"]
    wrappers = base.wrappers(qm)
    assert len(wrappers) == len(fc) == 4
    for w, layer, t in zip(wrappers, plain.layers[1:], fc):
        forward = w.quantizer.quantize(w, "kernel", w.layer.kernel, False).numpy()
        exported = layer.kernel.numpy()
        np.testing.assert_array_equal(exported, forward)             # blend at alpha=1 == q(w)
        assert grids.on_grid(exported)                               # on the int8 grid
        stored = (t.data.astype(np.float32) * t.scale[:, None]).astype(np.float32)
        np.testing.assert_array_equal(stored, exported.T)            # conversion changed nothing
        q, s = grids.quantize(exported)
        np.testing.assert_array_equal(t.data, q.T)
        np.testing.assert_array_equal(t.scale, s)


def test_ternary_alpha_one_exports_unit_codes_with_exact_scales():
    qm, x = _train_to_alpha_one("ternary")
    plain = base.strip(qm)
    stock = ternary.export_ternary(ptq.convert_int8(plain, x[:100]))
    sg = parse(stock).main
    fc = [sg.tensors[op.inputs[1]] for op in sg.operators]
    for w, layer, t in zip(base.wrappers(qm), plain.layers[2:4], fc[1:3]):
        assert set(np.unique(t.data)) <= {-1, 0, 1}
        exported = layer.kernel.numpy()
        np.testing.assert_array_equal((t.data.astype(np.float32) * t.scale[:, None]).T, exported)


def test_int4_alpha_one_weights_are_on_the_int4_grid():
    qm, _ = _train_to_alpha_one("int4")
    plain = base.strip(qm)
    for w in base.wrappers(qm):
        k = plain.get_layer(w.layer.name).kernel.numpy()
        assert grids.on_grid(k, bits=4)
        assert max(len(np.unique(k[:, c])) for c in range(k.shape[1])) <= 15
