"""Post-training full-integer int8 quantization and the float-vs-int8 accuracy report.

:func:`convert_int8` is the plain TFLiteConverter recipe (per-channel int8 weights, int8
activations calibrated on a representative set, int8 input/output) for feed-forward models with a
fixed input shape; ``tflm_pipeline.convert`` adds batch-1 rebuilding of RNNs and the artefacts of
``tflm-deploy convert``. Accuracy of the int8 model is always measured on the TFLM host
interpreter (:mod:`tflm_pipeline.tflm_host`), the oracle our firmware must match.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import numpy as np

from .. import tflm_host
from ..flatbuffer import parse
from ..tf import tf


def convert_int8(model, representative: np.ndarray | list[np.ndarray], *,
                 calibration_steps: int = 200) -> bytes:
    """Convert a single-input Keras model to full-integer int8 (batch 1).

    Args:
      model: tf_keras model with a fixed input shape (feed-forward; RNNs go through
        ``tflm_pipeline.convert``).
      representative: float inputs, examples on axis 0 (without the batch axis).
      calibration_steps: number of representative examples used.
    """
    x = np.asarray(representative[0] if isinstance(representative, list) else representative, np.float32)
    shape = (1,) + tuple(int(d) for d in model.inputs[0].shape[1:])
    fn = tf.function(lambda t: model(t, training=False)).get_concrete_function(
        tf.TensorSpec(shape, tf.float32))

    def rep():
        for k in range(min(len(x), calibration_steps)):
            yield [x[k:k + 1].reshape(shape)]

    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn], model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = rep
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    with _quiet():
        return bytes(converter.convert())


@contextlib.contextmanager
def _quiet():
    """Silence C++ chatter on fd 1/2 (converter, TFLM's 'Output index out of range')."""
    saved = [os.dup(1), os.dup(2)]
    with open(os.devnull, "wb") as null:
        try:
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def quantize_input(model_bytes: bytes, x: np.ndarray) -> np.ndarray:
    """Float inputs -> the int8 tensor of input 0 (``round(x / scale) + zero_point``, clamped)."""
    t = parse(model_bytes).main
    inp = t.tensors[t.inputs[0]]
    q = np.round(np.asarray(x, np.float32) / inp.scale[0]) + inp.zero_point[0]
    return np.clip(q, -128, 127).astype(np.int8).reshape((len(x),) + inp.shape)


def run_tflm(model_bytes: bytes, x_int8: np.ndarray) -> np.ndarray:
    """Run TFLM on int8 inputs (examples on axis 0); returns the int8 outputs of output 0."""
    with _quiet():
        return tflm_host.run(model_bytes, [x_int8])[0]


def tflm_predict(model_bytes: bytes, x: np.ndarray) -> np.ndarray:
    """Dequantized float outputs of the int8 model on the TFLM host, one row per example."""
    sg = parse(model_bytes).main
    out = sg.tensors[sg.outputs[0]]
    y = run_tflm(model_bytes, quantize_input(model_bytes, x)).reshape(len(x), -1)
    return (y.astype(np.float32) - out.zero_point[0]) * out.scale[0]


def tflm_accuracy(model_bytes: bytes, x: np.ndarray, y: np.ndarray) -> float:
    """Top-1 accuracy of the flatbuffer on the TFLM host interpreter."""
    return float(np.mean(np.argmax(tflm_predict(model_bytes, x), axis=1) == np.asarray(y).reshape(-1)))


@dataclass(frozen=True)
class AccuracyReport:
    """Float model vs its int8 flatbuffer on the same examples."""

    examples: int
    float_accuracy: float
    int8_accuracy: float        # measured on the TFLM host interpreter
    agreement: float            # fraction of examples where both predict the same class
    model_bytes: int

    @property
    def drop(self) -> float:
        return self.float_accuracy - self.int8_accuracy

    def as_dict(self) -> dict:
        return {"examples": self.examples, "float_accuracy": self.float_accuracy,
                "int8_accuracy": self.int8_accuracy, "agreement": self.agreement,
                "drop": self.drop, "model_bytes": self.model_bytes}


def accuracy_report(model, model_bytes: bytes, x: np.ndarray, y: np.ndarray) -> AccuracyReport:
    """Float Keras accuracy vs int8 TFLM accuracy on ``(x, y)`` (class labels)."""
    y = np.asarray(y).reshape(-1)
    pf = np.argmax(model.predict(x, verbose=0, batch_size=256), axis=1)
    pq = np.argmax(tflm_predict(model_bytes, x), axis=1)
    return AccuracyReport(len(y), float(np.mean(pf == y)), float(np.mean(pq == y)),
                          float(np.mean(pf == pq)), len(model_bytes))


def ptq(model, representative, x_eval: np.ndarray, y_eval: np.ndarray, **kw) -> tuple[bytes, AccuracyReport]:
    """Convert ``model`` to int8 and report float vs int8 (TFLM) accuracy."""
    b = convert_int8(model, representative, **kw)
    return b, accuracy_report(model, b, x_eval, y_eval)
