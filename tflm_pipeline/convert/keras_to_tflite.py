"""Full-integer int8 conversion of a Keras model with TFLiteConverter.

Facts measured on TensorFlow 2.21 that shape this module:

* TFLM needs batch size 1 on every input, so the model is rebuilt from its config with the batch
  dimension fixed to 1 (weights copied over);
* a rolled GRU/SimpleRNN becomes a WHILE loop whose int8 calibration segfaults, so recurrent
  layers are rebuilt unrolled; an LSTM is unrolled too unless ``fused_lstm`` is asked for, in
  which case it stays rolled and becomes UNIDIRECTIONAL_SEQUENCE_LSTM;
* weights are quantized per channel, inputs and outputs are int8.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from ..errors import PipelineError
from ..tf import keras, tf
from .float_islands import rewrite_float_islands

_RECURRENT = {"GRU", "SimpleRNN", "RNN", "LSTM"}


def load_keras_model(path: str | Path, custom_objects: dict | None = None):
    """Load a ``.keras``/``.h5`` file or a SavedModel folder written by tf_keras."""
    path = Path(path)
    if not path.exists():
        raise PipelineError(f"model not found: {path}")
    _register_project_layers()
    try:
        return keras.models.load_model(path, custom_objects=custom_objects, compile=False)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PipelineError(
            f"cannot load Keras model {path}: {first[:300]} "
            "(save it with tf_keras: model.save('model.keras'))") from None


def _register_project_layers() -> None:
    """Import the project's custom layers so their serialized names resolve on load."""
    for module in ("tflm_pipeline.compression", "tflm_pipeline.quantization"):
        try:
            __import__(module)
        except ImportError:
            pass


def representative_from_npz(path: str | Path, max_samples: int = 200) -> list[np.ndarray]:
    """Read representative inputs from an ``.npz`` holding ``x`` (or ``x0``, ``x1``... for
    multi-input models). Returns one float32 array per model input, examples on axis 0."""
    path = Path(path)
    try:
        data = np.load(path)
    except Exception as exc:
        raise PipelineError(f"cannot read representative data {path}: {exc}".splitlines()[0]) from None
    if "x" in data:
        arrays = [data["x"]]
    else:
        keys = sorted((k for k in data.files if k[:1] == "x" and k[1:].isdigit()), key=lambda k: int(k[1:]))
        if not keys:
            raise PipelineError(
                f"{path} holds no array named 'x': save representative inputs with np.savez(path, x=inputs)")
        arrays = [data[k] for k in keys]
    return [np.asarray(a[:max_samples], dtype=np.float32) for a in arrays]


def _with_batch_one(model, fused_lstm: bool):
    """Rebuild ``model`` with batch 1 on every input and recurrent layers unrolled."""
    config = copy.deepcopy(model.get_config())

    def fix_layer(layer_cfg):
        cls = layer_cfg.get("class_name")
        cfg = layer_cfg.get("config", {})
        if cls == "InputLayer":
            shape = cfg.get("batch_input_shape") or cfg.get("batch_shape")
            if shape is not None:
                key = "batch_input_shape" if "batch_input_shape" in cfg else "batch_shape"
                cfg[key] = [1] + list(shape[1:])
        if "batch_input_shape" in cfg and cls != "InputLayer":
            cfg["batch_input_shape"] = [1] + list(cfg["batch_input_shape"][1:])
        if cls in _RECURRENT and not (cls == "LSTM" and fused_lstm):
            cfg["unroll"] = True
        if cls == "Bidirectional":
            fix_layer(cfg["layer"])
            if "backward_layer" in cfg:
                fix_layer(cfg["backward_layer"])
        if cls in ("Sequential", "Functional", "Model") and "layers" in cfg:
            for inner in cfg["layers"]:
                fix_layer(inner)

    for layer_cfg in config.get("layers", []):
        fix_layer(layer_cfg)
    from tf_keras.src.saving.serialization_lib import SafeModeScope

    try:
        # The config comes from the caller's own in-memory model, so its Lambda layers are code
        # the caller already runs: rebuilding them adds no risk (loading from a file stays safe).
        with SafeModeScope(False):
            if isinstance(model, keras.Sequential):
                rebuilt = keras.Sequential.from_config(config)
            else:
                rebuilt = keras.Model.from_config(config)
        rebuilt.set_weights(model.get_weights())
    except Exception as exc:
        raise PipelineError(
            f"cannot rebuild the model with batch size 1 ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:200] if str(exc) else ''}); give every Input a fixed "
            "shape and make custom layers serializable (get_config)") from None
    return rebuilt


def convert_keras_model(model, representative: list[np.ndarray], *, fused_lstm: bool = False,
                        float_io: bool = False, calibration_steps: int = 200,
                        rewrite_islands: bool = True) -> bytes:
    """Convert a Keras model to a full-integer int8 TFLite flatbuffer.

    Args:
      model: a tf_keras model with a fixed input shape (batch may be None; it is set to 1).
      representative: one float32 array per model input, examples stacked on axis 0 (each
        example without the batch axis, or with a leading batch axis of 1).
      fused_lstm: keep LSTM layers rolled so they become UNIDIRECTIONAL_SEQUENCE_LSTM.
      float_io: keep float32 model inputs/outputs (QUANTIZE/DEQUANTIZE at the edges).
      rewrite_islands: turn the converter's DEQUANTIZE -> SPLIT -> QUANTIZE float islands into
        the same split on int8 where that is exactly equivalent (see :mod:`.float_islands`).
    Returns:
      the flatbuffer bytes. Per-channel int8 weights, int32 biases, int8 activations.
    """
    if model.inputs is None:
        raise PipelineError("the model has no defined input shape: build it with keras.Input(shape=...)")
    if len(representative) != len(model.inputs):
        raise PipelineError(
            f"the model has {len(model.inputs)} inputs but the representative data holds "
            f"{len(representative)} arrays (x0, x1, ...)")
    model1 = _with_batch_one(model, fused_lstm)
    shapes = [tuple(int(d) for d in t.shape[1:]) for t in model1.inputs]
    examples = []
    for i, (arr, shape) in enumerate(zip(representative, shapes)):
        arr = np.asarray(arr, np.float32)
        if arr.shape[1:] == (1,) + shape:
            arr = arr[:, 0]
        if arr.shape[1:] != shape:
            raise PipelineError(
                f"representative input {i} has examples of shape {list(arr.shape[1:])}, "
                f"the model expects {list(shape)}")
        examples.append(arr)
    n = min(len(a) for a in examples)
    if n == 0:
        raise PipelineError("the representative data holds no example")

    names = list(model1.input_names)

    def rep():
        # Keyed by input name: the converter's own input order need not be Keras's.
        for k in range(min(n, calibration_steps)):
            yield {name: a[k:k + 1] for name, a in zip(names, examples)}

    converter = tf.lite.TFLiteConverter.from_keras_model(model1)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = rep
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    try:
        result = bytes(converter.convert())
    except Exception as exc:
        text = str(exc).strip().splitlines()
        detail = next((ln for ln in text if "error" in ln.lower()), text[0] if text else type(exc).__name__)
        raise PipelineError(f"TFLite conversion failed: {detail.strip()[:300]}") from None
    return rewrite_float_islands(result) if rewrite_islands else result
