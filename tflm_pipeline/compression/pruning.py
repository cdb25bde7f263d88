"""Magnitude pruning baseline through tensorflow-model-optimization (polynomial decay).

Pruning keeps the dense shapes: a pruned int8 TFLite model is as large as the dense one in flash
(TFLM stores weights densely), so its "compression" is the count of non-zero weights only. The
benchmarks report both. Our cells and structured Dense layers are prunable: they expose their
matrix weights through ``get_prunable_weights`` (tfmot's PrunableLayer protocol).
"""

from __future__ import annotations

import numpy as np

from ..tf import keras  # noqa: F401  (sets up tf_keras before tfmot is imported)
import tensorflow_model_optimization as tfmot  # noqa: E402

from .base import StructuredDense
from .cells import StructuredRNNCell

_sparsity = tfmot.sparsity.keras


def _structured_dense_prunable_weights(self):
    return self.matrix.weights()


StructuredDense.get_prunable_weights = _structured_dense_prunable_weights
_sparsity.PrunableLayer.register(StructuredDense)
_sparsity.PrunableLayer.register(StructuredRNNCell)


def prune_low_magnitude(model, final_sparsity: float, end_step: int, begin_step: int = 0,
                        initial_sparsity: float = 0.0, frequency: int = 10):
    """Wrap every prunable layer of ``model`` for magnitude pruning with a polynomial schedule.

    ``final_sparsity`` is reached at ``end_step`` (optimizer steps). Train with
    :func:`pruning_callbacks` and call :func:`strip_pruning` before export.
    """
    if not 0.0 <= final_sparsity < 1.0:
        raise ValueError(f"prune_low_magnitude: final_sparsity must be in [0, 1), got {final_sparsity}")
    if end_step <= begin_step:
        raise ValueError(f"prune_low_magnitude: end_step ({end_step}) must exceed begin_step ({begin_step})")
    schedule = _sparsity.PolynomialDecay(initial_sparsity=initial_sparsity, final_sparsity=final_sparsity,
                                         begin_step=begin_step, end_step=end_step, frequency=frequency)
    return _sparsity.prune_low_magnitude(model, pruning_schedule=schedule)


def pruning_callbacks():
    """Callbacks ``model.fit`` needs while pruning (advances the pruning step)."""
    return [_sparsity.UpdatePruningStep()]


def strip_pruning(model):
    """Remove the pruning wrappers (keeps the zeros) so the model saves and converts plainly."""
    return _sparsity.strip_pruning(model)


def sparsity(model) -> float:
    """Fraction of zeros over all matrix (rank-2) weights of ``model``."""
    total = zeros = 0
    for w in model.weights:
        if len(w.shape) == 2:
            v = np.asarray(w)
            total += v.size
            zeros += int((v == 0).sum())
    return zeros / total if total else 0.0
