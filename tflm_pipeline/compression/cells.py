"""RNN cells (StructuredLSTMCell, StructuredGRUCell, FastRNNCell, FastGRNNCell) whose input and recurrent matrices can each be dense,
Kronecker (``"kp"``), hybrid Kronecker (``"hkp"``), HMD (``"hmd"``) or low-rank (``"lowrank"``).

Keras cell/layer split: a cell owns its weights and computes one time step; wrap it in
``keras.layers.RNN`` (``unroll=True`` for TFLite/TFLM export) or ``keras.layers.Bidirectional``.
The gates of a cell are stacked into one input matrix ``W`` (``G h x d``) and one recurrent
matrix ``U`` (``G h x h``), and the chosen structure applies to each stacked matrix as a whole,
as in KPRNN (arXiv 1906.02876) and HMD (arXiv 1906.04886).

Cell equations (``h`` = state size, ``sigma`` = logistic, ``*`` element-wise):

* LSTM:     ``[i f g o] = W x + U h + b``; ``c' = sigma(f) c + sigma(i) tanh(g)``;
  ``h' = sigma(o) tanh(c')`` (G = 4, forget bias initialized to 1).
* GRU (reset after, as Keras/CuDNN): ``[xz xr xn] = W x + b_x``; ``[hz hr hn] = U h + b_h``;
  ``z = sigma(xz + hz)``, ``r = sigma(xr + hr)``, ``n = tanh(xn + r hn)``; ``h' = z h + (1 - z) n``.
* FastRNN (EdgeML): ``c = tanh(W x + U h + b)``; ``h' = sigma(alpha) c + sigma(beta) h`` with
  trainable scalars alpha (init -3) and beta (init 3).
* FastGRNN (EdgeML): ``p = W x + U h``; ``z = sigma(p + b_g)``; ``c = tanh(p + b_u)``;
  ``h' = (sigma(zeta) (1 - z) + sigma(nu)) c + z h`` with scalars zeta (init 1) and nu (init -4).
"""

from __future__ import annotations

from ..tf import keras, tf
from .accounting import matrices_stats
from .base import check_kind, make_matrix
from . import hmd, hybrid_kronecker, kronecker, low_rank  # noqa: F401  (register matrix kinds)


def split_gates(z, count: int, units: int):
    """Split the stacked gate pre-activations with slices (STRIDED_SLICE stays int8 in TFLite;
    tf.split sometimes leaves a DEQUANTIZE -> SPLIT -> QUANTIZE float island)."""
    return [z[:, k * units:(k + 1) * units] for k in range(count)]


class StructuredRNNCell(keras.layers.Layer):
    """Base of the cells: stacked input/recurrent matrices of a chosen kind.

    Args:
        units: the state size h.
        input_kind, recurrent_kind: ``"dense"``, ``"kp"``, ``"hkp"``, ``"hmd"`` or ``"lowrank"``.
        input_options, recurrent_options: the kind's options, e.g. ``{"rank": 4}``,
            ``{"dense_rows": 16, "rank": 1}`` or ``{"factor_shapes": ((16, 2), (8, 3))}``.
    """

    gates = 1

    def __init__(self, units, input_kind="dense", recurrent_kind="dense", input_options=None,
                 recurrent_options=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ValueError(f"{name}: units must be a positive integer, got {units!r}")
        check_kind(input_kind, input_options, f"{name} input matrix")
        check_kind(recurrent_kind, recurrent_options, f"{name} recurrent matrix")
        self.units = units
        self.input_kind, self.recurrent_kind = input_kind, recurrent_kind
        self.input_options = dict(input_options or {})
        self.recurrent_options = dict(recurrent_options or {})

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def build(self, input_shape):
        d = input_shape[-1]
        name = type(self).__name__
        if d is None:
            raise ValueError(f"{name}: the input feature dimension must be known")
        self.input_dim = int(d)
        g = self.gates * self.units
        self.input_matrix = make_matrix(self.input_kind, g, self.input_dim,
                                        f"{name} input matrix", self.input_options)
        self.recurrent_matrix = make_matrix(self.recurrent_kind, g, self.units,
                                            f"{name} recurrent matrix", self.recurrent_options)
        self.input_matrix.build(self, "kernel")
        self.recurrent_matrix.build(self, "recurrent_kernel")
        self.build_extras()
        super().build(input_shape)

    def build_extras(self):
        """Biases and scalars of the subclass."""

    def vector_params(self) -> int:
        return self.gates * self.units

    def scalar_params(self) -> int:
        return 0

    def get_prunable_weights(self):
        """Matrix weights (factors included) for tfmot magnitude pruning."""
        return self.input_matrix.weights() + self.recurrent_matrix.weights()

    def compression_stats(self):
        """Per-time-step parameters, int8 bytes, MACs and compression against the dense cell."""
        if not self.built:
            raise ValueError(f"{self.name}: build the cell (run it on an input) before counting")
        return matrices_stats(self.name, [self.input_matrix, self.recurrent_matrix],
                              self.vector_params(), self.scalar_params())

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, input_kind=self.input_kind,
                      recurrent_kind=self.recurrent_kind,
                      input_options=_jsonable(self.input_options),
                      recurrent_options=_jsonable(self.recurrent_options))
        return config


def _jsonable(options: dict) -> dict:
    def conv(v):
        return [conv(x) for x in v] if isinstance(v, (tuple, list)) else v
    return {k: conv(v) for k, v in options.items()}


@keras.utils.register_keras_serializable(package="tflm_pipeline")
class StructuredLSTMCell(StructuredRNNCell):
    """LSTM cell with structured matrices; state ``[h, c]``. See the module docstring."""

    gates = 4

    @property
    def state_size(self):
        return [self.units, self.units]

    def build_extras(self):
        h = self.units

        def init(shape, dtype=None):
            return tf.concat([tf.zeros((h,)), tf.ones((h,)), tf.zeros((2 * h,))], 0)

        self.bias = self.add_weight(name="bias", shape=(4 * h,), initializer=init)

    def call(self, inputs, states):
        h, c = states[0], states[1]
        z = self.input_matrix.matvec(inputs) + self.recurrent_matrix.matvec(h) + self.bias
        i, f, g, o = split_gates(z, 4, self.units)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        h = tf.sigmoid(o) * tf.tanh(c)
        return h, [h, c]


@keras.utils.register_keras_serializable(package="tflm_pipeline")
class StructuredGRUCell(StructuredRNNCell):
    """GRU cell (reset gate after the recurrent product) with structured matrices."""

    gates = 3

    def build_extras(self):
        self.input_bias = self.add_weight(name="input_bias", shape=(3 * self.units,), initializer="zeros")
        self.recurrent_bias = self.add_weight(name="recurrent_bias", shape=(3 * self.units,),
                                              initializer="zeros")

    def vector_params(self):
        return 6 * self.units

    def call(self, inputs, states):
        h = states[0] if isinstance(states, (list, tuple)) else states
        xz, xr, xn = split_gates(self.input_matrix.matvec(inputs) + self.input_bias, 3, self.units)
        hz, hr, hn = split_gates(self.recurrent_matrix.matvec(h) + self.recurrent_bias, 3, self.units)
        z = tf.sigmoid(xz + hz)
        r = tf.sigmoid(xr + hr)
        n = tf.tanh(xn + r * hn)
        h = z * h + (1.0 - z) * n
        return h, [h]


@keras.utils.register_keras_serializable(package="tflm_pipeline")
class FastRNNCell(StructuredRNNCell):
    """EdgeML FastRNN: ``h' = sigma(alpha) tanh(W x + U h + b) + sigma(beta) h``.

    Args:
        alpha_init, beta_init: initial values of the pre-sigmoid scalars (EdgeML: -3 and 3).
    """

    gates = 1

    def __init__(self, units, alpha_init=-3.0, beta_init=3.0, **kwargs):
        super().__init__(units, **kwargs)
        self.alpha_init, self.beta_init = float(alpha_init), float(beta_init)

    def build_extras(self):
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.alpha = self.add_weight(name="alpha", shape=(1,),
                                     initializer=keras.initializers.Constant(self.alpha_init))
        self.beta = self.add_weight(name="beta", shape=(1,),
                                    initializer=keras.initializers.Constant(self.beta_init))

    def scalar_params(self):
        return 2

    def call(self, inputs, states):
        h = states[0] if isinstance(states, (list, tuple)) else states
        c = tf.tanh(self.input_matrix.matvec(inputs) + self.recurrent_matrix.matvec(h) + self.bias)
        h = tf.sigmoid(self.alpha) * c + tf.sigmoid(self.beta) * h
        return h, [h]

    def get_config(self):
        config = super().get_config()
        config.update(alpha_init=self.alpha_init, beta_init=self.beta_init)
        return config


@keras.utils.register_keras_serializable(package="tflm_pipeline")
class FastGRNNCell(StructuredRNNCell):
    """EdgeML FastGRNN: gate and update share ``W x + U h``; see the module docstring.

    Args:
        zeta_init, nu_init: initial values of the pre-sigmoid scalars (EdgeML: 1 and -4).
    """

    gates = 1

    def __init__(self, units, zeta_init=1.0, nu_init=-4.0, **kwargs):
        super().__init__(units, **kwargs)
        self.zeta_init, self.nu_init = float(zeta_init), float(nu_init)

    def build_extras(self):
        self.gate_bias = self.add_weight(name="gate_bias", shape=(self.units,), initializer="ones")
        self.update_bias = self.add_weight(name="update_bias", shape=(self.units,), initializer="ones")
        self.zeta = self.add_weight(name="zeta", shape=(1,),
                                    initializer=keras.initializers.Constant(self.zeta_init))
        self.nu = self.add_weight(name="nu", shape=(1,), initializer=keras.initializers.Constant(self.nu_init))

    def vector_params(self):
        return 2 * self.units

    def scalar_params(self):
        return 2

    def call(self, inputs, states):
        h = states[0] if isinstance(states, (list, tuple)) else states
        p = self.input_matrix.matvec(inputs) + self.recurrent_matrix.matvec(h)
        z = tf.sigmoid(p + self.gate_bias)
        c = tf.tanh(p + self.update_bias)
        h = (tf.sigmoid(self.zeta) * (1.0 - z) + tf.sigmoid(self.nu)) * c + z * h
        return h, [h]

    def get_config(self):
        config = super().get_config()
        config.update(zeta_init=self.zeta_init, nu_init=self.nu_init)
        return config


# ``.h5`` files store an RNN's cell by its bare class name (tf_keras' RNN.get_config), which the
# legacy loader looks up without the package prefix: register the bare names too. The LSTM and
# GRU cells carry a "Structured" prefix so they never shadow Keras' own LSTMCell/GRUCell there.
for _cls in (StructuredLSTMCell, StructuredGRUCell, FastRNNCell, FastGRNNCell):
    keras.utils.get_custom_objects().setdefault(_cls.__name__, _cls)
