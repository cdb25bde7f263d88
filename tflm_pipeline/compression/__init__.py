"""Compressed Keras layers and RNN cells: Kronecker (KP), hybrid Kronecker (HKP), hybrid matrix
decomposition (HMD), low-rank (LMF) and the magnitude-pruning baseline, with accounting.

Every layer's only required argument is ``units``; every cell's only required argument is its
state size. All are registered Keras serializables (package ``tflm_pipeline``), so ``.keras`` and
``.h5`` files load with a plain ``keras.models.load_model``.
"""

from .accounting import LayerStats, compression_summary, layer_stats, model_stats, total_stats
from .base import MATRIX_KINDS, StructuredDense, StructuredMatrix, make_matrix
from .factor_shapes import KroneckerShapes, kronecker_factor_shapes
from .hmd import HMDDense, HMDMatrix
from .hybrid_kronecker import HybridKroneckerDense, HybridKroneckerMatrix
from .kronecker import KroneckerDense, KroneckerMatrix
from .low_rank import LowRankDense, LowRankMatrix
from .cells import FastGRNNCell, FastRNNCell, StructuredGRUCell, StructuredLSTMCell, StructuredRNNCell
from .pruning import prune_low_magnitude, pruning_callbacks, strip_pruning

__all__ = [
    "KroneckerDense", "HybridKroneckerDense", "HMDDense", "LowRankDense", "StructuredDense",
    "StructuredLSTMCell", "StructuredGRUCell", "FastRNNCell", "FastGRNNCell", "StructuredRNNCell",
    "KroneckerMatrix", "HybridKroneckerMatrix", "HMDMatrix", "LowRankMatrix", "StructuredMatrix",
    "MATRIX_KINDS", "make_matrix", "KroneckerShapes", "kronecker_factor_shapes",
    "LayerStats", "layer_stats", "model_stats", "total_stats", "compression_summary",
    "prune_low_magnitude", "pruning_callbacks", "strip_pruning",
]
