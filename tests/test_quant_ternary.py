"""Ternary weights: TWN/TTQ quantizers (STE), layer policy, stock export and packed form."""

from __future__ import annotations

import numpy as np
import pytest

from custom_ops.ternary_fc import reference as R
from tflm_pipeline.errors import PipelineError
from tflm_pipeline.flatbuffer import parse
from tflm_pipeline.quantization import base, packing, ptq, ternary
from tflm_pipeline.tf import keras, tf

from quant_models import mlp, random_int8_inputs, ternary_flatbuffers


def _wrapper(method="twn"):
    qm = ternary.ternary_model(mlp(), method)
    return qm, base.wrappers(qm)


def test_policy_keeps_first_and_last_layer_int8():
    qm, wrappers = _wrapper()
    assert [w.layer.name for w in wrappers] == ["fc1", "fc2"]
    assert base.LayerPolicy(keep_first=False, exclude=("fc2",)).select(mlp()) == ["fc0", "fc1"]
    assert base.LayerPolicy(include=("fc3",)).select(mlp()) == ["fc1", "fc2", "fc3"]


def test_twn_forward_is_ternary_per_channel_with_documented_threshold():
    qm, (w, _) = _wrapper()
    k = w.layer.kernel
    wq = w.quantizer.quantize(w, "kernel", k, False).numpy()
    kn = k.numpy()
    delta = 0.7 * np.mean(np.abs(kn), axis=0)
    mask = np.abs(kn) > delta
    for c in range(kn.shape[1]):
        vals = np.unique(np.abs(wq[:, c]))
        assert len(vals) == 2 and vals[0] == 0
        np.testing.assert_array_equal(wq[:, c] != 0, mask[:, c])
        np.testing.assert_allclose(vals[1], np.abs(kn[mask[:, c], c]).mean(), rtol=1e-6)
        np.testing.assert_array_equal(np.sign(wq[:, c]), np.sign(kn[:, c]) * mask[:, c])


def test_twn_straight_through_gradient_is_identity():
    qm, (w, _) = _wrapper()
    k = w.layer.kernel
    g = tf.random.normal(k.shape, seed=1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w.quantizer.quantize(w, "kernel", k, True) * g)
    np.testing.assert_array_equal(tape.gradient(loss, k).numpy(), g.numpy())


def test_ttq_learns_positive_and_negative_scales():
    qm, (w, _) = _wrapper("ttq")
    k = w.layer.kernel
    wp, wn = w._ttq_kernel_pos, w._ttq_kernel_neg
    g = tf.ones(k.shape)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w.quantizer.quantize(w, "kernel", k, True) * g)
    gk, gp, gn = tape.gradient(loss, [k, wp, wn])
    kn = k.numpy()
    delta = 0.05 * np.abs(kn).max()
    np.testing.assert_allclose(gp.numpy(), (kn > delta).sum(0))       # dL/dWp = sum over I_p
    np.testing.assert_allclose(gn.numpy(), -(kn < -delta).sum(0))     # dL/dWn = -sum over I_n
    expect = np.where(kn > delta, wp.numpy(), np.where(kn < -delta, wn.numpy(), 1.0))
    np.testing.assert_allclose(gk.numpy(), expect, rtol=1e-6)
    wq = w.quantizer.quantize(w, "kernel", k, False).numpy()
    assert all(len(np.unique(wq[:, c])) <= 3 for c in range(wq.shape[1]))


def test_wrapped_model_saves_and_loads(tmp_path):
    qm, _ = _wrapper("ttq")
    x = np.random.default_rng(0).normal(size=(4, 20)).astype(np.float32)
    path = tmp_path / "t.keras"
    qm.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded(x).numpy(), qm(x).numpy())


def test_stock_form_holds_only_unit_codes_with_exact_scales():
    int8, stock, _, _ = ternary_flatbuffers("twn")
    qm = ternary.ternary_model(mlp(), "twn")
    sg = parse(stock).main
    fc_weights = [sg.tensors[op.inputs[1]] for op in sg.operators]
    # middle layers: codes {-1, 0, 1}; first and last layer keep real int8 codes
    for t in fc_weights[1:3]:
        assert set(np.unique(t.data)) <= {-1, 0, 1}
    for t in (fc_weights[0], fc_weights[3]):
        assert len(np.unique(t.data)) > 3
    # scale of a ternary channel == the trained magnitude a_c, exactly
    for w, t in zip(base.wrappers(qm), fc_weights[1:3]):
        _, _, alpha = ternary.twn_ternarize(w.layer.kernel)
        np.testing.assert_array_equal(t.scale, alpha.numpy())
    assert set(ternary.ternary_weight_tensors(stock)) == {t.index for t in fc_weights[1:3]}


def test_stock_form_stays_close_to_the_converted_int8_model():
    """Only the int32 bias is re-rounded (to the 127x coarser ``input_scale * a_c`` grid, at most
    half an accumulator unit): outputs move by at most 2 LSB, by less than 0.5 LSB on average."""
    int8, stock, _, _ = ternary_flatbuffers("twn")
    xi = random_int8_inputs(int8, 200)
    a, b = ptq.run_tflm(int8, xi).astype(int), ptq.run_tflm(stock, xi).astype(int)
    assert np.abs(a - b).max() <= 2
    assert np.abs(a - b).mean() < 0.5


def test_packed_form_and_flash_saving():
    _, stock, packed, _ = ternary_flatbuffers("twn")
    sg = parse(packed).main
    assert [op.name for op in sg.operators] == ["FULLY_CONNECTED", R.OP_NAME, R.OP_NAME, "FULLY_CONNECTED"]
    rows = packing.weight_bits(packed)
    assert [r.bits_per_weight == 8.0 for r in rows] == [True, False, False, True]
    # 33x24 and 24x17 ternary weights: N*ceil(K/4) + 2N bytes instead of N*K
    expected = (24 * 33 - (24 * 9 + 48)) + (17 * 24 - (17 * 6 + 34))
    assert packing.flash_saving(packed) == expected
    # the file really shrinks (minus the levels tensors' and custom options' metadata)
    assert len(stock) - len(packed) >= expected // 2
    assert packing.flash_saving(stock) == 0


def test_export_rejects_a_model_without_ternary_weights():
    int8, _, _, _ = ternary_flatbuffers("twn")
    plain = ptq.convert_int8(mlp(seed=4), np.random.default_rng(0).normal(size=(50, 20)).astype(np.float32))
    with pytest.raises(PipelineError, match="ternary"):
        ternary.export_ternary(plain)
    with pytest.raises(PipelineError, match="FULLY_CONNECTED holds ternary"):
        packing.pack_ternary(plain)


@pytest.mark.slow
def test_twn_training_learns_and_converts():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 20)).astype(np.float32)
    y = (x[:, :5].sum(1) > 0).astype(np.int64) + (x[:, 5] > 0.5)
    m = mlp(activations=("relu", "relu", "relu", None))
    qm = ternary.ternary_model(m, "twn")
    qm.compile(keras.optimizers.Adam(3e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    qm.fit(x, y, epochs=15, batch_size=64, verbose=0)
    stock = ternary.export_ternary(ptq.convert_int8(base.strip(qm), x[:200]))
    assert ptq.tflm_accuracy(stock, x[:500], y[:500]) > 0.8
