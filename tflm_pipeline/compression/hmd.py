"""Hybrid Matrix Decomposition (HMD, arXiv 1906.04886) and the ``HMDDense`` layer.

``W = [R ; U V]``: the first ``r`` rows ``R`` (``r x n``) are unconstrained, the remaining
``m - r`` rows are a sum of ``k`` rank-1 blocks ``sum_j u_j v_j^T = U V`` with ``U`` of shape
``(m - r) x k`` and ``V`` of shape ``k x n``. Parameters and MACs: ``r n + k (m - r + n)``.
"""

from __future__ import annotations

from ..tf import keras, tf
from .base import (StructuredDense, StructuredMatrix, glorot_variance, register_matrix_kind,
                   uniform_with_variance)
from .hybrid_kronecker import check_dense_rows
from .low_rank import build_low_rank_factors, check_rank, low_rank_matvec


def dense_rows_for_compression(m: int, n: int, factor: float, rank: int = 1, bias: int = 0) -> int:
    """The r whose HMD matrix of rank ``rank`` comes closest to ``factor`` times fewer parameters
    than dense, counting ``bias`` extra values on both sides."""
    dense = m * n + bias
    return min(range(0, m - rank + 1),
               key=lambda r: (abs(dense / (r * n + rank * (m - r + n) + bias) - factor), r))


@register_matrix_kind
class HMDMatrix(StructuredMatrix):
    """``W = [R ; U V]``. Options: ``dense_rows`` (r, None = m // 2), ``rank`` (k, default 1)."""

    kind = "hmd"
    option_defaults = {"dense_rows": None, "rank": 1}

    @classmethod
    def check_options(cls, options, owner):
        if options.get("dense_rows") is not None:
            check_dense_rows(options["dense_rows"], owner)
        check_rank(options.get("rank", 1), owner)

    def validate(self):
        r = self.options["dense_rows"]
        if r is None:
            r = self.rows // 2
        check_dense_rows(r, self.owner)
        if r >= self.rows:
            raise ValueError(
                f"{self.owner}: dense_rows={r} must be smaller than the row count {self.rows} "
                "(the low-rank block needs at least one row)")
        k = self.options["rank"]
        check_rank(k, self.owner)
        if k > min(self.rows - r, self.cols):
            raise ValueError(
                f"{self.owner}: rank={k} exceeds min(rows - dense_rows, cols) = "
                f"{min(self.rows - r, self.cols)} of the {self.rows - r}x{self.cols} low-rank block")
        self.r, self.k = r, k

    @property
    def params(self):
        return self.r * self.cols + self.k * (self.rows - self.r + self.cols)

    @property
    def macs(self):
        return self.params

    def resolved_options(self):
        return {"dense_rows": self.r, "rank": self.k}

    def describe(self):
        return f"hmd r={self.r} k={self.k}"

    def build(self, layer, prefix):
        var = glorot_variance(self.rows, self.cols)
        self.dense_rows = (layer.add_weight(name=f"{prefix}_rows", shape=(self.r, self.cols),
                                            initializer=uniform_with_variance(var))
                           if self.r else None)
        self.u, self.v = build_low_rank_factors(layer, prefix, self.rows - self.r, self.cols, self.k, var)

    def matvec(self, x):
        y = low_rank_matvec(x, self.u, self.v)
        if self.dense_rows is None:
            return y
        return tf.concat([tf.matmul(x, self.dense_rows, transpose_b=True), y], axis=-1)

    def materialize(self):
        w = tf.matmul(self.u, self.v)
        return w if self.dense_rows is None else tf.concat([self.dense_rows, w], 0)

    def weights(self):
        return ([self.dense_rows] if self.dense_rows is not None else []) + [self.u, self.v]


@keras.utils.register_keras_serializable(package="tflm_pipeline")
class HMDDense(StructuredDense):
    """Dense layer with a hybrid-matrix-decomposition kernel ``W = [R ; U V]``.

    Args:
        units: m, the output size.
        dense_rows: r, unconstrained rows (``0 <= r < units``); None = ``units // 2``.
        rank: k, the number of rank-1 blocks of the other ``units - r`` rows (default 1).
        activation, use_bias, bias_initializer: as for ``Dense``.

    >>> HMDDense(64, dense_rows=16, rank=2)(tf.zeros((1, 32))).shape.as_list()
    [1, 64]
    """

    matrix_kind = "hmd"

    def __init__(self, units, dense_rows=None, rank=1, **kwargs):
        self.dense_rows, self.rank = dense_rows, rank
        super().__init__(units, **kwargs)

    def matrix_options(self):
        return {"dense_rows": self.dense_rows, "rank": self.rank}

    def get_config(self):
        config = super().get_config()
        config.update(dense_rows=self.dense_rows, rank=self.rank)
        return config
