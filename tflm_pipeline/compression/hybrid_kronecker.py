"""Hybrid Kronecker product matrices (HKP) and the ``HybridKroneckerDense`` layer.

``W = [R ; A kron B]``: the first ``r`` rows ``R`` (``r x n``) are unconstrained, the other
``m - r`` rows are a Kronecker product ``A (m1 x n1) kron B (m2 x n2)`` with ``m1 m2 = m - r``
and ``n1 n2 = n``. ``r`` moves the compression factor in steps of one row between KP's and
dense's: parameters ``r n + m1 n1 + m2 n2``, MACs ``r n + KP MACs``.
"""

from __future__ import annotations

from ..tf import keras, tf
from .base import (StructuredDense, StructuredMatrix, glorot_variance, register_matrix_kind,
                   uniform_with_variance)
from .factor_shapes import check_factor_shapes, kronecker_factor_shapes, parse_factor_shapes
from .kronecker import build_kron_factors, kron_materialize, kron_matvec


def check_dense_rows(r, owner: str) -> None:
    if not isinstance(r, int) or isinstance(r, bool) or r < 0:
        raise ValueError(f"{owner}: dense_rows must be a non-negative integer, got {r!r}")


def default_dense_rows(m: int, n: int) -> int:
    """The r in [m // 8, m // 4] whose HKP matrix has the fewest parameters (so that ``m - r``
    factors well; a prime ``m - r`` would leave a near-dense Kronecker block)."""
    lo, hi = m // 8, max(m // 8, m // 4)
    return min(range(lo, min(hi, m - 1) + 1),
               key=lambda r: (r * n + kronecker_factor_shapes(m - r, n).params, r))


def dense_rows_for_compression(m: int, n: int, factor: float, bias: int = 0) -> int:
    """The r whose HKP matrix (automatic factor shapes) comes closest to ``factor`` times fewer
    parameters than dense, counting ``bias`` extra values on both sides."""
    dense = m * n + bias
    return min(range(0, m), key=lambda r: (abs(dense / (r * n + kronecker_factor_shapes(m - r, n).params + bias)
                                               - factor), r))


@register_matrix_kind
class HybridKroneckerMatrix(StructuredMatrix):
    """``W = [R ; A kron B]``. Options: ``dense_rows`` (r), ``factor_shapes`` of the KP block."""

    kind = "hkp"
    option_defaults = {"dense_rows": None, "factor_shapes": None}

    @classmethod
    def check_options(cls, options, owner):
        if options.get("dense_rows") is not None:
            check_dense_rows(options["dense_rows"], owner)
        parse_factor_shapes(options.get("factor_shapes"), owner)

    def validate(self):
        r = self.options["dense_rows"]
        if r is None:
            r = default_dense_rows(self.rows, self.cols)
        check_dense_rows(r, self.owner)
        if r >= self.rows:
            raise ValueError(
                f"{self.owner}: dense_rows={r} must be smaller than the row count {self.rows} "
                "(the Kronecker block needs at least one row)")
        s = parse_factor_shapes(self.options["factor_shapes"], self.owner)
        if s is None:
            s = kronecker_factor_shapes(self.rows - r, self.cols)
        check_factor_shapes(s, self.rows - r, self.cols, self.owner + f" (Kronecker block below {r} dense rows)")
        self.r, self.shapes = r, s

    @property
    def params(self):
        return self.r * self.cols + self.shapes.params

    @property
    def macs(self):
        return self.r * self.cols + self.shapes.macs

    def resolved_options(self):
        return {"dense_rows": self.r, "factor_shapes": self.shapes.as_tuple()}

    def describe(self):
        return f"hkp r={self.r} + {self.shapes}"

    def build(self, layer, prefix):
        var = glorot_variance(self.rows, self.cols)
        self.dense_rows = (layer.add_weight(name=f"{prefix}_rows", shape=(self.r, self.cols),
                                            initializer=uniform_with_variance(var))
                           if self.r else None)
        self.a, self.b = build_kron_factors(layer, prefix, self.shapes, var)

    def matvec(self, x):
        y = kron_matvec(x, self.a, self.b, self.shapes)
        if self.dense_rows is None:
            return y
        return tf.concat([tf.matmul(x, self.dense_rows, transpose_b=True), y], axis=-1)

    def materialize(self):
        w = kron_materialize(tf.convert_to_tensor(self.a), tf.convert_to_tensor(self.b))
        return w if self.dense_rows is None else tf.concat([self.dense_rows, w], 0)

    def weights(self):
        return ([self.dense_rows] if self.dense_rows is not None else []) + [self.a, self.b]


@keras.utils.register_keras_serializable(package="tflm_pipeline")
class HybridKroneckerDense(StructuredDense):
    """Dense layer with a hybrid Kronecker kernel ``W = [R ; A kron B]``.

    Args:
        units: m, the output size.
        dense_rows: r, rows of ``W`` kept unconstrained (``0 <= r < units``); None = the r in
            ``[units // 8, units // 4]`` with the fewest parameters.
        factor_shapes: shapes of the KP block (``m1 m2 = units - r``), or None for automatic.
        activation, use_bias, bias_initializer: as for ``Dense``.

    Input shape: ``(..., n)``. Output shape: ``(..., units)``.

    >>> HybridKroneckerDense(64, dense_rows=4)(tf.zeros((1, 32))).shape.as_list()
    [1, 64]
    """

    matrix_kind = "hkp"

    def __init__(self, units, dense_rows=None, factor_shapes=None, **kwargs):
        self.dense_rows, self.factor_shapes = dense_rows, factor_shapes
        super().__init__(units, **kwargs)

    def matrix_options(self):
        return {"dense_rows": self.dense_rows, "factor_shapes": self.factor_shapes}

    def get_config(self):
        config = super().get_config()
        fs = parse_factor_shapes(self.factor_shapes, type(self).__name__)
        config.update(dense_rows=self.dense_rows,
                      factor_shapes=[list(p) for p in fs.as_tuple()] if fs is not None else None)
        return config
