"""Structured weight matrices and the Dense layer they plug into.

Every compressed layer and cell in this package holds one or more *structured matrices*: an
``m x n`` matrix ``W`` (m = output units = rows, n = inputs = columns, ``y = W x``) stored as
factors and never materialized, neither in training nor in the exported graph. A structured
matrix knows how to

* create its factors as weights of the Keras layer that owns it (:meth:`StructuredMatrix.build`),
* compute ``x W^T`` for a batch of row vectors from the factors (:meth:`StructuredMatrix.matvec`),
  using only MatMul/Reshape/Transpose/Concat, which the TFLite converter turns into
  FULLY_CONNECTED, RESHAPE, TRANSPOSE and CONCATENATION (all TFLM builtins),
* materialize ``W`` for tests and inspection (:meth:`StructuredMatrix.materialize`),
* count its parameters and MACs.

Kinds are registered by name (``"dense"``, ``"kp"``, ``"hkp"``, ``"hmd"``, ``"lowrank"``) so the
RNN cells can choose the structure of their input and recurrent matrices with a string.

Initialization: every kind draws its factors so that the *product* ``W`` has Glorot's variance
``2 / (m + n)`` (factors of a product each get a root of it), not each factor.
"""

from __future__ import annotations

import math

from ..tf import keras, tf

#: kind name -> StructuredMatrix subclass; filled by the modules that define the kinds.
MATRIX_KINDS: dict[str, type["StructuredMatrix"]] = {}


def register_matrix_kind(cls):
    MATRIX_KINDS[cls.kind] = cls
    return cls


def glorot_variance(m: int, n: int) -> float:
    return 2.0 / (m + n)


def uniform_with_variance(var: float):
    """A uniform initializer whose draws have variance ``var`` (limit ``sqrt(3 var)``)."""
    limit = math.sqrt(3.0 * var)
    return keras.initializers.RandomUniform(-limit, limit)


class StructuredMatrix:
    """An ``rows x cols`` matrix kept as factors; subclasses define the structure.

    Args:
        rows: m, the number of outputs.
        cols: n, the number of inputs.
        owner: the owning layer's class name, used in error messages.
        **options: the kind's own options (see each subclass).
    """

    kind = "?"
    #: options this kind accepts, with their defaults (None = chosen from the shape).
    option_defaults: dict = {}

    def __init__(self, rows: int, cols: int, owner: str = "layer", **options):
        unknown = set(options) - set(self.option_defaults)
        if unknown:
            raise ValueError(
                f"{owner}: matrix kind '{self.kind}' takes options "
                f"{sorted(self.option_defaults) or 'none'}, got unknown {sorted(unknown)}")
        if rows < 1 or cols < 1:
            raise ValueError(f"{owner}: a {self.kind} matrix needs positive shape, got {rows}x{cols}")
        self.rows, self.cols, self.owner = int(rows), int(cols), owner
        self.options = {**self.option_defaults, **options}
        self.validate()

    # -- structure -------------------------------------------------------------------------
    @classmethod
    def check_options(cls, options: dict, owner: str) -> None:
        """Check the options that do not depend on the shape (called from ``__init__``)."""

    def validate(self) -> None:
        """Check the options against the shape; raise ValueError with one line."""

    @property
    def params(self) -> int:
        raise NotImplementedError

    @property
    def macs(self) -> int:
        """Multiply-accumulates of one ``W x`` (the structured evaluation, not the dense one)."""
        raise NotImplementedError

    def resolved_options(self) -> dict:
        """Options with automatic choices filled in (for reports)."""
        return dict(self.options)

    # -- weights and math -------------------------------------------------------------------
    def build(self, layer, prefix: str) -> None:
        raise NotImplementedError

    def matvec(self, x):
        """``x W^T`` for ``x`` of shape (batch, cols) -> (batch, rows)."""
        raise NotImplementedError

    def materialize(self):
        """The dense ``rows x cols`` matrix (tests and inspection only)."""
        raise NotImplementedError

    def weights(self) -> list:
        raise NotImplementedError

    def describe(self) -> str:
        return self.kind


@register_matrix_kind
class DenseMatrix(StructuredMatrix):
    """An unconstrained ``m x n`` matrix: the baseline every structure is compared with."""

    kind = "dense"

    @property
    def params(self) -> int:
        return self.rows * self.cols

    @property
    def macs(self) -> int:
        return self.rows * self.cols

    def build(self, layer, prefix):
        self.w = layer.add_weight(
            name=prefix, shape=(self.rows, self.cols),
            initializer=uniform_with_variance(glorot_variance(self.rows, self.cols)))

    def matvec(self, x):
        return tf.matmul(x, self.w, transpose_b=True)

    def materialize(self):
        return tf.convert_to_tensor(self.w)

    def weights(self):
        return [self.w]


def make_matrix(kind: str, rows: int, cols: int, owner: str = "layer", options: dict | None = None
                ) -> StructuredMatrix:
    """Create a structured matrix of registered ``kind`` (``"dense"``, ``"kp"``, ...)."""
    if kind not in MATRIX_KINDS:
        raise ValueError(f"{owner}: unknown matrix kind '{kind}', supported: {sorted(MATRIX_KINDS)}")
    return MATRIX_KINDS[kind](rows, cols, owner=owner, **(options or {}))


def check_kind(kind: str, options: dict | None, owner: str) -> None:
    """Validate a kind name and its option names early (in ``__init__``, shapes not known yet)."""
    if kind not in MATRIX_KINDS:
        raise ValueError(f"{owner}: unknown matrix kind '{kind}', supported: {sorted(MATRIX_KINDS)}")
    unknown = set(options or {}) - set(MATRIX_KINDS[kind].option_defaults)
    if unknown:
        raise ValueError(
            f"{owner}: matrix kind '{kind}' takes options "
            f"{sorted(MATRIX_KINDS[kind].option_defaults) or 'none'}, got unknown {sorted(unknown)}")
    MATRIX_KINDS[kind].check_options(options or {}, owner)


class StructuredDense(keras.layers.Layer):
    """``y = activation(W x + b)`` with ``W`` a structured matrix of the subclass's kind.

    Input shape: ``(..., n)``. Output shape: ``(..., units)``.
    """

    matrix_kind = "dense"

    def __init__(self, units, activation=None, use_bias=True, bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ValueError(f"{type(self).__name__}: units must be a positive integer, got {units!r}")
        self.units = units
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        check_kind(self.matrix_kind, self.matrix_options(), type(self).__name__)

    def matrix_options(self) -> dict:
        return {}

    def build(self, input_shape):
        n = input_shape[-1]
        if n is None:
            raise ValueError(f"{type(self).__name__}: the last input dimension must be known, got "
                             f"shape {tuple(input_shape)}")
        self.input_dim = int(n)
        self.matrix = make_matrix(self.matrix_kind, self.units, self.input_dim,
                                  owner=type(self).__name__, options=self.matrix_options())
        self.matrix.build(self, "kernel")
        self.bias = (self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer)
                     if self.use_bias else None)
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: self.input_dim})
        super().build(input_shape)

    def call(self, inputs):
        x = inputs
        if x.shape.rank != 2:
            lead = tf.shape(x)[:-1]
            x = tf.reshape(x, (-1, self.input_dim))
        y = self.matrix.matvec(x)
        if self.bias is not None:
            y = y + self.bias
        if inputs.shape.rank != 2:
            y = tf.reshape(y, tf.concat([lead, [self.units]], 0))
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return tf.TensorShape(input_shape)[:-1].concatenate([self.units])

    def materialized_kernel(self):
        """The dense ``units x inputs`` matrix ``W`` this layer applies (for checks only)."""
        return self.matrix.materialize()

    def compression_stats(self):
        """Parameters, int8 bytes, MACs and compression factor against ``Dense(units)``."""
        from .accounting import dense_layer_stats
        return dense_layer_stats(self)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            activation=keras.activations.serialize(self.activation),
            use_bias=self.use_bias,
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
        )
        return config
