"""Low-rank matrix factorization (LMF), the classic baseline: ``W = U V``.

``U`` is ``m x k`` and ``V`` is ``k x n``; parameters and MACs are ``k (m + n)``. The exported
graph holds ``V`` and ``U`` as two FULLY_CONNECTED weights.
"""

from __future__ import annotations

import math

from ..tf import keras, tf
from .base import (StructuredDense, StructuredMatrix, glorot_variance, register_matrix_kind,
                   uniform_with_variance)


def check_rank(k, owner: str) -> None:
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"{owner}: rank must be a positive integer, got {k!r}")


def build_low_rank_factors(layer, prefix: str, m: int, n: int, k: int, target_var: float):
    """``U`` (m x k), ``V`` (k x n) with ``Var((U V)_ij) = k Var(U) Var(V) = target_var``."""
    factor_var = math.sqrt(target_var / k)
    u = layer.add_weight(name=f"{prefix}_u", shape=(m, k), initializer=uniform_with_variance(factor_var))
    v = layer.add_weight(name=f"{prefix}_v", shape=(k, n), initializer=uniform_with_variance(factor_var))
    return u, v


def low_rank_matvec(x, u, v):
    return tf.matmul(tf.matmul(x, v, transpose_b=True), u, transpose_b=True)


@register_matrix_kind
class LowRankMatrix(StructuredMatrix):
    """``W = U V`` of rank ``k``. Option ``rank``: k (None = ``max(1, min(m, n) // 4)``)."""

    kind = "lowrank"
    option_defaults = {"rank": None}

    @classmethod
    def check_options(cls, options, owner):
        if options.get("rank") is not None:
            check_rank(options["rank"], owner)

    def validate(self):
        k = self.options["rank"]
        if k is None:
            k = max(1, min(self.rows, self.cols) // 4)
        check_rank(k, self.owner)
        if k > min(self.rows, self.cols):
            raise ValueError(
                f"{self.owner}: rank={k} exceeds min(rows, cols) = {min(self.rows, self.cols)} "
                f"of the {self.rows}x{self.cols} matrix")
        self.k = k

    @property
    def params(self):
        return self.k * (self.rows + self.cols)

    @property
    def macs(self):
        return self.k * (self.rows + self.cols)

    def resolved_options(self):
        return {"rank": self.k}

    def describe(self):
        return f"lowrank k={self.k}"

    def build(self, layer, prefix):
        self.u, self.v = build_low_rank_factors(layer, prefix, self.rows, self.cols, self.k,
                                                glorot_variance(self.rows, self.cols))

    def matvec(self, x):
        return low_rank_matvec(x, self.u, self.v)

    def materialize(self):
        return tf.matmul(self.u, self.v)

    def weights(self):
        return [self.u, self.v]


@keras.utils.register_keras_serializable(package="tflm_pipeline")
class LowRankDense(StructuredDense):
    """Dense layer with a rank-``k`` kernel ``W = U V`` (the LMF baseline).

    Args:
        units: m, the output size.
        rank: k (``1 <= k <= min(m, n)``); None = ``max(1, min(m, n) // 4)``.
        activation, use_bias, bias_initializer: as for ``Dense``.

    >>> LowRankDense(64, rank=4)(tf.zeros((1, 32))).shape.as_list()
    [1, 64]
    """

    matrix_kind = "lowrank"

    def __init__(self, units, rank=None, **kwargs):
        self.rank = rank
        super().__init__(units, **kwargs)

    def matrix_options(self):
        return {"rank": self.rank}

    def get_config(self):
        config = super().get_config()
        config["rank"] = self.rank
        return config
