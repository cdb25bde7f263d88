"""Alpha-blending quantization (Liu & Mattina, arXiv 1903.01061).

Forward weight of every selected layer::

    w_ab = (1 - alpha) * w + alpha * stop_gradient(q(w))

so the gradient reaches the float weight ``w`` only through ``(1 - alpha) * w``. ``alpha`` is a
non-trainable variable per wrapped layer, ramped 0 -> 1 by :class:`AlphaSchedule` (a Keras
callback). At ``alpha = 1`` the forward weight is exactly ``q(w)`` (``0 * w + q = q`` in float32).

``q`` is one of:

* ``"int8"``: TFLite's per-channel symmetric grid, exactly (``grids.tf_fake_quant``): converting
  the stripped model at ``alpha = 1`` changes no weight;
* ``"int4"``: the same grid with ``qmax = 7`` (exported as int8 codes in [-7, 7] * 127/7 rounding
  by the converter, see docs/quantization.md);
* ``"ternary"``: TWN's ``a_c * t`` (``ternary.twn_ternarize``), exported with
  :func:`~tflm_pipeline.quantization.ternary.export_ternary`.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..tf import keras, tf
from . import base, grids
from .ternary import twn_ternarize

TARGETS = ("int8", "int4", "ternary")


def target_quantize(target: str, w, depthwise: bool):
    """``q(w)`` for an alpha-blending target (forward value only)."""
    if target == "int8":
        return grids.tf_fake_quant(w, 8, depthwise)
    if target == "int4":
        return grids.tf_fake_quant(w, 4, depthwise)
    if target == "ternary":
        return twn_ternarize(w, depthwise)[0]
    raise ValueError(f"alpha-blending target must be one of {TARGETS}, got {target!r}")


@base.register("alpha_blend")
class AlphaBlend(base.WeightQuantizer):
    """``(1 - alpha) w + alpha q(w)``; ``alpha`` lives on the wrapper as ``<attr>_alpha``."""

    def __init__(self, target: str = "int8"):
        if target not in TARGETS:
            raise ValueError(f"alpha-blending target must be one of {TARGETS}, got {target!r}")
        self.target = target

    def build(self, wrapper, attr, weight):
        v = wrapper.add_weight(name=f"{attr}_alpha", shape=(), dtype=tf.float32,
                               initializer="zeros", trainable=False)
        setattr(wrapper, f"_alpha_{attr}", v)

    def quantize(self, wrapper, attr, w, training):
        alpha = getattr(wrapper, f"_alpha_{attr}")
        q = tf.stop_gradient(target_quantize(self.target, w, wrapper.depthwise))
        return (1.0 - alpha) * w + alpha * q

    def export(self, wrapper, attr, w):
        """The exported weight is always ``q(w)``: the blend is a training device."""
        return np.asarray(target_quantize(self.target, tf.constant(w), wrapper.depthwise), np.float32)

    def get_config(self):
        return {"target": self.target}


def alpha_blend_model(model, target: str = "int8", policy: base.LayerPolicy | None = None):
    """Clone ``model`` with alpha-blended weights (alpha = 0: behaves as the float model).

    The default policy blends every layer with a kernel (``keep_first/keep_last=False``) for the
    int8 target, and keeps the first and last layer at int8 for the ternary/int4 targets.
    """
    if policy is None:
        policy = (base.LayerPolicy(keep_first=False, keep_last=False) if target == "int8"
                  else base.LayerPolicy())
    return base.apply(model, lambda layer: AlphaBlend(target), policy)


def alpha_variables(model) -> list[tf.Variable]:
    out = []
    for w in base.wrappers(model):
        for a in w.attrs:
            v = getattr(w, f"_alpha_{a}", None)
            if v is not None:
                out.append(v)
    return out


def set_alpha(model, alpha: float) -> None:
    for v in alpha_variables(model):
        v.assign(float(alpha))


SCHEDULES: dict[str, Callable[[float], float]] = {
    "linear": lambda p: p,
    # the paper's choice: alpha = 1 - (1 - p)^3, fast at first, gentle as alpha -> 1
    "cubic": lambda p: 1.0 - (1.0 - p) ** 3,
    "exp": lambda p: float((np.exp(4.0 * p) - 1.0) / (np.exp(4.0) - 1.0)),
}


class AlphaSchedule(keras.callbacks.Callback):
    """Ramp alpha from 0 to 1 between batch ``start_step`` and ``end_step`` of training.

    Args:
      start_step, end_step: global training steps (batches) where the ramp starts and ends;
        alpha stays 1 after ``end_step`` (fine-tune the rest of the model on the final grid).
      schedule: ``"linear"``, ``"cubic"`` (paper), ``"exp"`` or a callable mapping progress
        p in [0, 1] to alpha.
    """

    def __init__(self, start_step: int, end_step: int, schedule: str | Callable[[float], float] = "cubic"):
        super().__init__()
        if end_step <= start_step:
            raise ValueError(f"end_step ({end_step}) must be after start_step ({start_step})")
        self.start_step, self.end_step = int(start_step), int(end_step)
        self.fn = SCHEDULES[schedule] if isinstance(schedule, str) else schedule
        self.step = 0

    def alpha_at(self, step: int) -> float:
        p = min(max((step - self.start_step) / (self.end_step - self.start_step), 0.0), 1.0)
        return 1.0 if p >= 1.0 else float(min(max(self.fn(p), 0.0), 1.0))

    def on_train_batch_begin(self, batch, logs=None):
        set_alpha(self.model, self.alpha_at(self.step))
        self.step += 1

    def on_train_end(self, logs=None):
        if self.step >= self.end_step:
            set_alpha(self.model, 1.0)
