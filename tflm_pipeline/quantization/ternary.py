"""Ternary weights {-a, 0, +a}: TWN and TTQ quantizers (straight-through estimator) and the
export of a converted int8 model to the stock-TFLM ternary form.

TWN (Li & Liu, 2016), per output channel ``c``::

    delta_c = 0.7 * mean|w_c|
    t       = sign(w) * [|w| > delta_c]                        in {-1, 0, 1}
    a_c     = mean(|w_c| over |w| > delta_c)                   (snapped, see below)
    forward: a_c * t          backward: identity to w (STE)

TTQ (Zhu et al., 2017), per output channel: ``delta = 0.05 * max|w|`` per layer, learned positive
and negative magnitudes ``Wp_c, Wn_c`` (initialized from the mean |w| above/below the threshold)::

    forward: Wp_c on w > delta, -Wn_c on w < -delta, 0 elsewhere
    backward: dL/dWp_c = sum of dL/dw_t over the positive set, dL/dWn_c = -sum over the negative
              set; the latent w gets Wp_c * g, g, Wn_c * g on the positive, zero, negative set.

Grids: every value the forward pass uses sits exactly on TFLite's int8 per-channel grid (see
``grids.py``), so the converter stores it without change. TWN's ``a_c`` is snapped with
``fl(fl(a / 127) * 127)``; the converter stores codes ``{-127, 0, 127}`` with scale ``a_c / 127``
and :func:`export_ternary` rewrites them to codes ``{-1, 0, 1}`` with scale ``a_c`` (exact).
TTQ's ``Wp_c, Wn_c`` are snapped to the int8 grid of ``max(Wp_c, Wn_c)``: the stock form holds
the int8 codes ``{-n_c, 0, p_c}``; when ``Wp_c == Wn_c`` they are rewritten to ``{-1, 0, 1}``.

Policy: :class:`~tflm_pipeline.quantization.base.LayerPolicy` (first and last layer stay int8).
"""

from __future__ import annotations

import numpy as np

from ..errors import PipelineError
from ..tf import keras, tf
from . import base, grids

TWN_THRESHOLD = 0.7
TTQ_THRESHOLD = 0.05


def _per_channel(w, depthwise: bool):
    """View ``w`` as ``[-1, C]`` with C output channels (TFLite's channel order)."""
    shape = w.shape
    c = shape[-2] * shape[-1] if depthwise else shape[-1]
    return tf.reshape(w, (-1, c))


def twn_ternarize(w, depthwise: bool = False, threshold: float = TWN_THRESHOLD):
    """TWN forward value ``a_c * t`` (float32, exactly on the int8 grid) and its parts."""
    wc = _per_channel(w, depthwise)
    absw = tf.abs(wc)
    delta = threshold * tf.reduce_mean(absw, axis=0)
    mask = tf.cast(absw > delta, tf.float32)
    count = tf.reduce_sum(mask, axis=0)
    alpha = tf.reduce_sum(absw * mask, axis=0) / tf.maximum(count, 1.0)
    alpha = grids.tf_snap_scale(alpha)
    t = tf.sign(wc) * mask
    return tf.reshape(t * alpha, tf.shape(w)), t, alpha


@base.register("twn")
class TWN(base.WeightQuantizer):
    """Ternary Weight Networks quantizer with per-channel scale and STE."""

    def __init__(self, threshold: float = TWN_THRESHOLD):
        self.threshold = float(threshold)

    def quantize(self, wrapper, attr, w, training):
        wq, _, _ = twn_ternarize(w, wrapper.depthwise, self.threshold)
        return grids.ste(w, wq)

    def get_config(self):
        return {"threshold": self.threshold}


@base.register("ttq")
class TTQ(base.WeightQuantizer):
    """Trained Ternary Quantization: learned per-channel positive and negative magnitudes."""

    def __init__(self, threshold: float = TTQ_THRESHOLD):
        self.threshold = float(threshold)

    def build(self, wrapper, attr, weight):
        c = _per_channel(tf.zeros(weight.shape), wrapper.depthwise).shape[-1]
        for sign in ("pos", "neg"):
            v = wrapper.add_weight(name=f"{attr}_ttq_{sign}", shape=(c,), dtype=tf.float32,
                                   initializer="ones", trainable=True,
                                   constraint=keras.constraints.NonNeg())
            setattr(wrapper, f"_ttq_{attr}_{sign}", v)

    def initialize(self, wrapper, attr, weight):
        wc = _per_channel(tf.constant(weight), wrapper.depthwise).numpy()
        delta = self.threshold * np.max(np.abs(wc))
        for sign, sel in (("pos", wc > delta), ("neg", wc < -delta)):
            n = np.maximum(sel.sum(axis=0), 1)
            mean = (np.abs(wc) * sel).sum(axis=0) / n
            mean = np.where(mean > 0, mean, np.mean(np.abs(wc), axis=0) + 1e-8)
            getattr(wrapper, f"_ttq_{attr}_{sign}").assign(mean.astype(np.float32))

    def quantize(self, wrapper, attr, w, training):
        wc = _per_channel(w, wrapper.depthwise)
        delta = self.threshold * tf.reduce_max(tf.abs(tf.stop_gradient(wc)))
        pos = tf.cast(wc > delta, tf.float32)
        neg = tf.cast(wc < -delta, tf.float32)
        wp = getattr(wrapper, f"_ttq_{attr}_pos")
        wn = getattr(wrapper, f"_ttq_{attr}_neg")
        # snap both magnitudes to the int8 grid of max(Wp, Wn) (exact, STE for the scales)
        s = tf.maximum(tf.maximum(wp, wn), 1e-12) / 127.0
        wp_s = grids.ste(wp, grids.tf_round_half_away(wp / s) * s)
        wn_s = grids.ste(wn, grids.tf_round_half_away(wn / s) * s)
        wq = wp_s * pos - wn_s * neg
        # latent weight: scaled straight-through gradient (Wp, 1, Wn on the three sets)
        g = tf.stop_gradient(wp * pos + wn * neg + (1.0 - pos - neg))
        out = wq + g * (wc - tf.stop_gradient(wc))
        return tf.reshape(out, tf.shape(w))

    def get_config(self):
        return {"threshold": self.threshold}


def ternary_model(model, method: str = "twn", policy: base.LayerPolicy | None = None, **config):
    """Clone ``model`` with the policy's layers ternarized by ``method`` ("twn" or "ttq").

    Train the result as usual (the STE gives gradients); then :func:`~base.strip` it and convert
    to int8 with the converter, and call :func:`export_ternary` on the flatbuffer.
    """
    if method not in ("twn", "ttq"):
        raise ValueError(f"ternary method must be 'twn' or 'ttq', got {method!r}")
    return base.apply(model, lambda layer: base.get(method, **config), policy)


# ------------------------------------------------------------------------------ flatbuffer export

_WEIGHT_OPS = {"FULLY_CONNECTED": 1, "CONV_2D": 1, "DEPTHWISE_CONV_2D": 1}


def _levels(codes: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Per channel (positive level, negative level) if every channel holds <= 3 values."""
    c = np.moveaxis(codes.astype(np.int32), axis, 0).reshape(codes.shape[axis], -1)
    pos = np.where(c > 0, c, 0).max(axis=1)
    neg = np.where(c < 0, -c, 0).max(axis=1)
    ok = ((c == 0) | (c == pos[:, None]) | (c == -neg[:, None])).all()
    return (pos, neg) if ok else None


def ternary_weight_tensors(model_bytes: bytes, min_fan_in: int = 4) -> dict[int, tuple[int, int]]:
    """Weight tensors of FC/CONV/DEPTHWISE ops whose channels hold at most {-n, 0, p} codes.

    Returns ``{tensor index: (op index, input index)}`` for subgraph 0. Layers kept int8 never
    match (a trained layer with ``min_fan_in`` or more weights per channel has more than 3 codes).
    """
    from ..flatbuffer import parse
    sg = parse(model_bytes).main
    found = {}
    for op in sg.operators:
        if op.name not in _WEIGHT_OPS or len(op.inputs) < 2:
            continue
        t = sg.tensors[op.inputs[1]]
        if t.dtype != "INT8" or t.data is None or len(t.scale) == 0:
            continue
        axis = t.quantized_dimension if len(t.scale) > 1 else 0
        if t.data.size // t.data.shape[axis] < min_fan_in:
            continue
        if _levels(t.data, axis) is not None and np.any(t.data != 0):
            found[t.index] = (op.index, 1)
    return found


def export_ternary(model_bytes: bytes, *, tensors: set[int] | None = None) -> bytes:
    """Rewrite a converted int8 model into the stock-TFLM ternary form.

    Every weight tensor of a FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D op that holds only
    symmetric ternary codes ``{-m_c, 0, m_c}`` per channel (what the converter makes of a
    TWN-trained layer: ``m_c = 127``) becomes codes ``{-1, 0, 1}`` with scale ``fl(s_c * m_c)``;
    the int32 bias is rescaled to the new ``input_scale * weight_scale`` (``round(b / m_c)``, ties
    away from zero). Asymmetric TTQ channels keep their int8 codes ``{-n_c, 0, p_c}``. Layers kept
    int8 are untouched. Any TFLM runs the result with its stock kernels.

    Args:
      model_bytes: a full-integer int8 flatbuffer (the converter's output for a stripped ternary
        model: ``convert(base.strip(trained))``).
      tensors: restrict to these weight tensor indices (default: :func:`ternary_weight_tensors`).
    Returns:
      the new flatbuffer bytes. Raises PipelineError when no weight tensor is ternary.
    """
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    from .packing import serialize
    found = ternary_weight_tensors(model_bytes)
    if tensors is not None:
        missing = set(tensors) - set(found)
        if missing:
            raise PipelineError(f"tensors {sorted(missing)} are not ternary weight tensors")
        found = {k: v for k, v in found.items() if k in tensors}
    if not found:
        raise PipelineError(
            "no FULLY_CONNECTED/CONV_2D/DEPTHWISE_CONV_2D weight holds ternary codes: train the "
            "model with quantization.ternary (TWN/TTQ) and convert the stripped model")
    m = schema.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    sg = m.subgraphs[0]
    for ti, (oi, _) in found.items():
        t = sg.tensors[ti]
        buf = m.buffers[t.buffer]
        shape = tuple(int(d) for d in t.shape)
        codes = np.asarray(buf.data, np.uint8).view(np.int8).reshape(shape)
        q = t.quantization
        scales = np.asarray(q.scale, np.float32)
        axis = int(q.quantizedDimension) if len(scales) > 1 else 0
        pos, neg = _levels(codes, axis)
        sym = (pos == neg) & (pos > 0)
        if len(scales) == 1:
            if not (sym.all() and (pos == pos[0]).all()):
                continue                      # per-tensor scale: one multiplier for all channels
            mult = np.full(1, pos[0], np.int32)
            axis = 0
        else:
            mult = np.where(sym, pos, 1).astype(np.int32)
        bshape = [1] * codes.ndim
        bshape[axis] = len(mult)
        codes = (codes.astype(np.int32) // mult.reshape(bshape)).astype(np.int8)
        new_scales = (scales * mult.astype(np.float32)).astype(np.float32)
        buf.data = codes.reshape(-1).view(np.uint8).copy()
        q.scale = new_scales
        op = sg.operators[oi]
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            bt = sg.tensors[op.inputs[2]]
            bbuf = m.buffers[bt.buffer]
            if bbuf.data is not None and len(bbuf.data):
                b = np.asarray(bbuf.data, np.uint8).view(np.int32).astype(np.int64)
                mm = np.broadcast_to(mult, b.shape).astype(np.int64)
                nb = np.sign(b) * ((np.abs(b) * 2 + mm) // (2 * mm))   # round half away
                bbuf.data = nb.astype(np.int32).view(np.uint8).copy()
                if bt.quantization is not None and bt.quantization.scale is not None:
                    bs = np.asarray(bt.quantization.scale, np.float32)
                    bt.quantization.scale = (bs * np.broadcast_to(mult, bs.shape)).astype(np.float32)
    return serialize(m)


def to_ternary_flatbuffer(model_bytes: bytes, *, packed: bool = False) -> bytes:
    """``tflm-deploy convert --quantize ternary`` in one call: int8 flatbuffer of a stripped
    ternary-trained model -> stock ternary form (any TFLM) or, with ``packed``, the 2-bit
    TPL_TERNARY_FC form (needs the custom op: our runtime or a TFLM build with the wrapper)."""
    from .packing import pack_ternary
    stock = export_ternary(model_bytes)
    return pack_ternary(stock) if packed else stock
