"""The magnitude-pruning baseline: tfmot wraps our cells and layers, the polynomial schedule
reaches its sparsity, and strip_pruning leaves a plain model that saves and loads."""

from __future__ import annotations

import numpy as np
import pytest

from tflm_pipeline.compression import KroneckerDense, StructuredGRUCell
from tflm_pipeline.compression.pruning import prune_low_magnitude, pruning_callbacks, sparsity, strip_pruning
from tflm_pipeline.tf import keras


def test_pruning_reaches_target_sparsity_and_strips(tmp_path):
    keras.utils.set_random_seed(0)
    inp = keras.Input((4, 6))
    h = keras.layers.RNN(StructuredGRUCell(8))(inp)
    h = KroneckerDense(16, factor_shapes=((4, 4), (4, 2)))(h)
    model = keras.Model(inp, keras.layers.Dense(3)(h))
    x = np.random.RandomState(0).randn(64, 4, 6).astype(np.float32)
    y = np.random.RandomState(1).randint(0, 3, 64)
    pruned = prune_low_magnitude(model, 0.5, end_step=6, frequency=2)
    pruned.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    pruned.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=pruning_callbacks())
    stripped = strip_pruning(pruned)
    assert [type(layer).__name__ for layer in stripped.layers] == [type(layer).__name__ for layer in model.layers]
    for w in stripped.layers[1].cell.get_prunable_weights() + stripped.layers[2].get_prunable_weights():
        assert abs(float((np.asarray(w) == 0).mean()) - 0.5) < 0.1, w.name
    assert sparsity(stripped) > 0.4
    stripped.save(tmp_path / "pruned.keras")
    loaded = keras.models.load_model(tmp_path / "pruned.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), stripped.predict(x, verbose=0), atol=1e-6)


def test_pruning_rejects_bad_schedule():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="final_sparsity must be in"):
        prune_low_magnitude(model, 1.0, end_step=10)
    with pytest.raises(ValueError, match="end_step .* must exceed begin_step"):
        prune_low_magnitude(model, 0.5, end_step=0)
