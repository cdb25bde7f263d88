"""Kronecker-product matrices (KPRNN, arXiv 1906.02876) and the ``KroneckerDense`` layer.

``W = A kron B`` with ``A`` of shape ``m1 x n1`` and ``B`` of shape ``m2 x n2``
(``m = m1 m2``, ``n = n1 n2``). With the input reshaped row-major to ``X`` (``n1 x n2``),
``W x = vec(A X B^T)``, so the layer costs ``m1 n1 + m2 n2`` parameters and
``min(n1 n2 m2 + m1 n1 m2, m1 n1 n2 + m1 n2 m2)`` MACs instead of ``m n`` of each.
``W`` is never formed: the exported graph holds ``A`` and ``B`` as two FULLY_CONNECTED weights
with RESHAPE/TRANSPOSE between them.
"""

from __future__ import annotations

import math

from ..tf import keras, tf
from .base import (StructuredDense, StructuredMatrix, glorot_variance, register_matrix_kind,
                   uniform_with_variance)
from .factor_shapes import (KroneckerShapes, check_factor_shapes, kron_macs_a_first,
                            kron_macs_b_first, kronecker_factor_shapes, parse_factor_shapes)


def kron_matvec(x, a, b, shapes: KroneckerShapes):
    """``x (A kron B)^T`` for ``x`` of shape (batch, n1 n2), in the cheaper order."""
    m1, n1, m2, n2 = shapes.m1, shapes.n1, shapes.m2, shapes.n2
    if kron_macs_b_first(shapes) <= kron_macs_a_first(shapes):
        t = tf.matmul(tf.reshape(x, (-1, n2)), b, transpose_b=True)          # (batch n1, m2)
        t = tf.transpose(tf.reshape(t, (-1, n1, m2)), (0, 2, 1))              # (batch, m2, n1)
        y = tf.matmul(tf.reshape(t, (-1, n1)), a, transpose_b=True)           # (batch m2, m1)
        y = tf.transpose(tf.reshape(y, (-1, m2, m1)), (0, 2, 1))              # (batch, m1, m2)
    else:
        t = tf.transpose(tf.reshape(x, (-1, n1, n2)), (0, 2, 1))              # (batch, n2, n1)
        t = tf.matmul(tf.reshape(t, (-1, n1)), a, transpose_b=True)           # (batch n2, m1)
        t = tf.transpose(tf.reshape(t, (-1, n2, m1)), (0, 2, 1))              # (batch, m1, n2)
        y = tf.matmul(tf.reshape(t, (-1, n2)), b, transpose_b=True)           # (batch m1, m2)
    return tf.reshape(y, (-1, m1 * m2))


def kron_materialize(a, b):
    """``A kron B`` as a dense tensor (tests and inspection only)."""
    m1, n1 = a.shape
    m2, n2 = b.shape
    w = a[:, None, :, None] * b[None, :, None, :]                              # (m1, m2, n1, n2)
    return tf.reshape(w, (m1 * m2, n1 * n2))


def build_kron_factors(layer, prefix: str, shapes: KroneckerShapes, target_var: float):
    """Create ``A`` and ``B`` so that each entry of ``A kron B`` has variance ``target_var``."""
    factor_var = math.sqrt(target_var)
    a = layer.add_weight(name=f"{prefix}_a", shape=(shapes.m1, shapes.n1),
                         initializer=uniform_with_variance(factor_var))
    b = layer.add_weight(name=f"{prefix}_b", shape=(shapes.m2, shapes.n2),
                         initializer=uniform_with_variance(factor_var))
    return a, b


@register_matrix_kind
class KroneckerMatrix(StructuredMatrix):
    """``W = A kron B``. Option ``factor_shapes``: ``((m1, n1), (m2, n2))`` or None (automatic)."""

    kind = "kp"
    option_defaults = {"factor_shapes": None}

    @classmethod
    def check_options(cls, options, owner):
        parse_factor_shapes(options.get("factor_shapes"), owner)

    def validate(self):
        s = parse_factor_shapes(self.options["factor_shapes"], self.owner)
        if s is None:
            s = kronecker_factor_shapes(self.rows, self.cols)
        check_factor_shapes(s, self.rows, self.cols, self.owner)
        self.shapes = s

    @property
    def params(self):
        return self.shapes.params

    @property
    def macs(self):
        return self.shapes.macs

    def resolved_options(self):
        return {"factor_shapes": self.shapes.as_tuple()}

    def describe(self):
        return f"kp {self.shapes}"

    def build(self, layer, prefix):
        self.a, self.b = build_kron_factors(layer, prefix, self.shapes,
                                            glorot_variance(self.rows, self.cols))

    def matvec(self, x):
        return kron_matvec(x, self.a, self.b, self.shapes)

    def materialize(self):
        return kron_materialize(tf.convert_to_tensor(self.a), tf.convert_to_tensor(self.b))

    def weights(self):
        return [self.a, self.b]


@keras.utils.register_keras_serializable(package="tflm_pipeline")
class KroneckerDense(StructuredDense):
    """Dense layer whose kernel is a Kronecker product: ``y = act((A kron B) x + b)``.

    Computed as ``vec(A X B^T)`` with ``X`` the input reshaped to ``n1 x n2``; ``A kron B`` is
    never materialized.

    Args:
        units: m, the output size.
        factor_shapes: ``((m1, n1), (m2, n2))`` with ``m1 m2 = units`` and ``n1 n2 = inputs``, or
            None to pick the parameter-minimal shapes that can still give a full-rank product.
        activation, use_bias, bias_initializer: as for ``Dense``.

    Input shape: ``(..., n)``. Output shape: ``(..., units)``.

    >>> layer = KroneckerDense(64, factor_shapes=((8, 4), (8, 8)))
    >>> layer(tf.zeros((2, 32))).shape.as_list(), layer.compression_stats().weight_params
    ([2, 64], 96)
    """

    matrix_kind = "kp"

    def __init__(self, units, factor_shapes=None, **kwargs):
        self.factor_shapes = factor_shapes
        super().__init__(units, **kwargs)

    def matrix_options(self):
        return {"factor_shapes": self.factor_shapes}

    def get_config(self):
        config = super().get_config()
        fs = parse_factor_shapes(self.factor_shapes, type(self).__name__)
        config["factor_shapes"] = [list(p) for p in fs.as_tuple()] if fs is not None else None
        return config
