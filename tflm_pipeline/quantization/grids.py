"""Quantization grids shared by every strategy: symmetric per-channel intN and ternary.

One home for the arithmetic: the training-time fake quantizers (TensorFlow) and the export /
test code (NumPy) both come from here, and the int8 grid is the one TFLite's converter uses,
measured on TensorFlow 2.21 (``tests/test_quant_grids.py`` converts and compares):

* per output channel ``c``: ``scale_c = max|w_c| / 127`` computed in float32 (narrow range,
  zero point 0; the converter stores exactly this float32 value);
* codes ``q = clip(round_half_away_from_zero(w / scale_c), -127, 127)`` (the converter rounds
  ties away from zero, not to even);
* a float32 weight already on the grid (``w = fl32(scale_c * q)``) is a fixed point: the
  converter finds the same scale and the same codes again, so conversion changes no weight.

The output channel is the last axis of a Keras kernel (Dense ``(in, out)``, Conv ``(kh, kw, in,
out)``); a DepthwiseConv2D kernel ``(kh, kw, in, mult)`` has channels ``in * mult`` as in TFLite,
pass ``depthwise=True``.

intN for N < 8 (int4: ``qmax = 7``) uses the same formula with ``qmax = 2**(N-1) - 1``. Ternary
weights are ``{-a_c, 0, +a_c}``; their int8 export stores codes {-1, 0, 1} with scale ``a_c``.
"""

from __future__ import annotations

import numpy as np

INT8_QMAX = 127


def qmax_for_bits(bits: int) -> int:
    """Largest code of the symmetric narrow-range grid with ``bits`` bits (int8: 127, int4: 7)."""
    if not 2 <= bits <= 8:
        raise ValueError(f"bits must be in 2..8, got {bits}")
    return 2 ** (bits - 1) - 1


# ----------------------------------------------------------------------------------------- numpy

def _channels_last(w: np.ndarray, depthwise: bool) -> np.ndarray:
    w = np.asarray(w, np.float32)
    if depthwise:
        return w.reshape(w.shape[:-2] + (w.shape[-2] * w.shape[-1],))
    return w


def round_half_away(x: np.ndarray) -> np.ndarray:
    """Round to nearest, ties away from zero (TFLite's converter and ``std::round``)."""
    x = np.asarray(x)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def channel_scale(w: np.ndarray, bits: int = 8, depthwise: bool = False) -> np.ndarray:
    """Per-output-channel float32 scale ``max|w_c| / qmax`` (an all-zero channel gets 1.0)."""
    wc = _channels_last(w, depthwise)
    m = np.max(np.abs(wc.reshape(-1, wc.shape[-1])), axis=0).astype(np.float32)
    s = (m / np.float32(qmax_for_bits(bits))).astype(np.float32)
    return np.where(m > 0, s, np.float32(1.0)).astype(np.float32)


def quantize(w: np.ndarray, bits: int = 8, depthwise: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Codes (int8 array shaped like ``w``) and per-channel scales of the symmetric grid."""
    w = np.asarray(w, np.float32)
    s = channel_scale(w, bits, depthwise)
    qmax = qmax_for_bits(bits)
    wc = _channels_last(w, depthwise)
    q = np.clip(round_half_away(wc / s), -qmax, qmax).astype(np.int8)
    return q.reshape(w.shape), s


def fake_quant(w: np.ndarray, bits: int = 8, depthwise: bool = False) -> np.ndarray:
    """``scale * codes`` in float32: the weight a converted model really holds."""
    w = np.asarray(w, np.float32)
    q, s = quantize(w, bits, depthwise)
    wc = _channels_last(q.astype(np.float32), depthwise)
    return (wc * s).astype(np.float32).reshape(w.shape)


def on_grid(w: np.ndarray, bits: int = 8, depthwise: bool = False) -> bool:
    """True when ``w`` is exactly representable: fake-quantizing it changes nothing."""
    return bool(np.array_equal(fake_quant(w, bits, depthwise), np.asarray(w, np.float32)))


def twn_threshold(w: np.ndarray, depthwise: bool = False, factor: float = 0.7) -> np.ndarray:
    """TWN threshold per output channel: ``delta_c = factor * mean|w_c|``."""
    wc = _channels_last(w, depthwise)
    return (np.float32(factor) * np.mean(np.abs(wc.reshape(-1, wc.shape[-1])), axis=0)).astype(np.float32)


def ternary_codes(w: np.ndarray, delta: np.ndarray, depthwise: bool = False) -> np.ndarray:
    """Codes in {-1, 0, 1}: ``sign(w)`` where ``|w| > delta_c``, else 0."""
    wc = _channels_last(w, depthwise)
    t = np.where(np.abs(wc) > delta, np.sign(wc), 0).astype(np.int8)
    return t.reshape(np.shape(w))


# ------------------------------------------------------------------------------------ tensorflow

def _tf():
    from ..tf import tf
    return tf


def tf_round_half_away(x):
    tf = _tf()
    return tf.sign(x) * tf.floor(tf.abs(x) + 0.5)


def tf_channel_scale(w, bits: int = 8, depthwise: bool = False):
    """TensorFlow twin of :func:`channel_scale` (same float32 operations, same result)."""
    tf = _tf()
    wc = _tf_channels_last(w, depthwise)
    m = tf.reduce_max(tf.abs(tf.reshape(wc, (-1, wc.shape[-1]))), axis=0)
    s = m / tf.constant(qmax_for_bits(bits), tf.float32)
    return tf.where(m > 0, s, tf.ones_like(s))


def _tf_channels_last(w, depthwise: bool):
    tf = _tf()
    if depthwise:
        shape = w.shape
        return tf.reshape(w, tuple(shape[:-2]) + (shape[-2] * shape[-1],))
    return w


def tf_fake_quant(w, bits: int = 8, depthwise: bool = False):
    """Symmetric per-channel fake quantization, forward only (no gradient through round).

    Equal to :func:`fake_quant` element for element; wrap with :func:`ste` or alpha-blending for
    training.
    """
    tf = _tf()
    wc = _tf_channels_last(w, depthwise)
    s = tf_channel_scale(w, bits, depthwise)
    qmax = float(qmax_for_bits(bits))
    q = tf.clip_by_value(tf_round_half_away(wc / s), -qmax, qmax)
    return tf.reshape(q * s, tf.shape(w))


def ste(w, wq, grad_scale=None):
    """Straight-through estimator: forward exactly ``wq``, backward ``grad_scale`` (1) to ``w``.

    Written ``stop_gradient(wq) + g * (w - stop_gradient(w))`` so the forward value is ``wq``
    bit for bit (``w - w`` is exactly 0), unlike the common ``w + stop_gradient(wq - w)``.
    """
    tf = _tf()
    delta = w - tf.stop_gradient(w)
    if grad_scale is not None:
        delta = tf.stop_gradient(grad_scale) * delta
    return tf.stop_gradient(wq) + delta


def tf_snap_scale(a, qmax: int = INT8_QMAX):
    """Snap a per-channel magnitude ``a`` so ``a / qmax`` round-trips through float32.

    ``fl(fl(a / 127) * 127)``: TFLite's converter stores ``scale = fl(max|w| / 127)``; with ``a``
    snapped, ``fl(scale * 127) == a`` again, so a ternary export recovers ``a`` exactly.
    """
    q = float(qmax)
    return (a / q) * q
