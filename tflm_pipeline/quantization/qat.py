"""Quantization-aware training with tensorflow-model-optimization, extended to the project's
compressed layers and RNN cells.

Standard layers (Dense, Conv2D, DepthwiseConv2D, pooling, ...) use tfmot's default 8-bit scheme.
tfmot knows none of the project's layers, nor Conv1D, so this module gives them QuantizeConfigs:

* ``Conv1D``: symmetric per-tensor weights (tfmot's per-axis quantizer needs rank-4 kernels);
* every :class:`~tflm_pipeline.compression.base.StructuredDense` (KP, HKP, HMD, low-rank, dense):
  the layers never materialize ``W``; the exported graph multiplies by each factor, so each
  *factor* is fake-quantized (per tensor, symmetric, narrow range: the int8 weight the factor's
  FULLY_CONNECTED will hold) and the layer's activation output gets a moving-average range;
* ``keras.layers.RNN`` over a :class:`~tflm_pipeline.compression.cells.StructuredRNNCell`: every
  factor of the input and recurrent matrices is fake-quantized, and the RNN output gets a
  range. Gate internals have no fake-quant op; the converter calibrates them on the
  representative set (``convert_qat`` passes it), which is what TFLite does for unrolled RNNs.

The factors are replaced during ``call`` through the attribute that holds them on the
structured matrix (found once by identity), so the quantized value is exactly the tensor the
layer's own ``matvec`` multiplies by.
"""

from __future__ import annotations

import numpy as np

from ..tf import keras


def _tfmot():
    import tensorflow_model_optimization as tfmot
    return tfmot


def _weight_quantizer(per_axis: bool = False):
    q = _tfmot().quantization.keras.quantizers
    return q.LastValueQuantizer(num_bits=8, per_axis=per_axis, symmetric=True, narrow_range=True)


def _activation_quantizer():
    q = _tfmot().quantization.keras.quantizers
    return q.MovingAverageQuantizer(num_bits=8, per_axis=False, symmetric=False, narrow_range=False)


def _factor_slots(matrices) -> list[tuple[object, str]]:
    """(matrix, attribute) of every factor variable, found by identity."""
    slots = []
    for m in matrices:
        for v in m.weights():
            names = [k for k, val in vars(m).items() if val is v]
            if len(names) != 1:
                raise ValueError(f"cannot locate factor {v.name} on {type(m).__name__} "
                                 f"(matched attributes {names}); QAT needs one attribute per factor")
            slots.append((m, names[0]))
    return slots


def _make_configs():
    """Define the QuantizeConfig classes lazily (tfmot import is slow)."""
    tfmot = _tfmot()
    QuantizeConfig = tfmot.quantization.keras.QuantizeConfig

    @keras.utils.register_keras_serializable(package="tflm_pipeline")
    class FactorQuantizeConfig(QuantizeConfig):
        """QAT config for StructuredDense layers and RNN layers with structured cells."""

        def _matrices(self, layer):
            if isinstance(layer, keras.layers.RNN):
                cell = layer.cell
                return [cell.input_matrix, cell.recurrent_matrix]
            return [layer.matrix]

        def get_weights_and_quantizers(self, layer):
            slots = _factor_slots(self._matrices(layer))
            layer._tpl_qat_slots = slots
            return [(getattr(m, a), _weight_quantizer()) for m, a in slots]

        def get_activations_and_quantizers(self, layer):
            if isinstance(layer, keras.layers.RNN):
                return []
            return [(layer.activation, _activation_quantizer())]

        def set_quantize_weights(self, layer, quantize_weights):
            for (m, a), q in zip(layer._tpl_qat_slots, quantize_weights):
                setattr(m, a, q)

        def set_quantize_activations(self, layer, quantize_activations):
            if not isinstance(layer, keras.layers.RNN):
                layer.activation = quantize_activations[0]

        def get_output_quantizers(self, layer):
            return [_activation_quantizer()] if isinstance(layer, keras.layers.RNN) else []

        def get_config(self):
            return {}

    @keras.utils.register_keras_serializable(package="tflm_pipeline")
    class Conv1DQuantizeConfig(QuantizeConfig):
        """Conv1D: symmetric per-tensor kernel (tfmot's per-axis quantizer only handles rank-4
        kernels), activation range."""

        def get_weights_and_quantizers(self, layer):
            return [(layer.kernel, _weight_quantizer(per_axis=False))]

        def get_activations_and_quantizers(self, layer):
            return [(layer.activation, _activation_quantizer())]

        def set_quantize_weights(self, layer, quantize_weights):
            layer.kernel = quantize_weights[0]

        def set_quantize_activations(self, layer, quantize_activations):
            layer.activation = quantize_activations[0]

        def get_output_quantizers(self, layer):
            return []

        def get_config(self):
            return {}

    return FactorQuantizeConfig, Conv1DQuantizeConfig


_CONFIGS = None


def configs():
    global _CONFIGS
    if _CONFIGS is None:
        _CONFIGS = _make_configs()
    return _CONFIGS


def config_for(layer):
    """The project's QuantizeConfig for ``layer``, or None when tfmot's default applies."""
    from ..compression.base import StructuredDense
    from ..compression.cells import StructuredRNNCell
    factor_cfg, conv1d_cfg = configs()
    if isinstance(layer, StructuredDense):
        return factor_cfg()
    if isinstance(layer, keras.layers.RNN) and isinstance(layer.cell, StructuredRNNCell):
        return factor_cfg()
    if type(layer) is keras.layers.Conv1D:
        return conv1d_cfg()
    return None


def custom_objects() -> dict:
    factor_cfg, conv1d_cfg = configs()
    from .. import compression
    objs = {"FactorQuantizeConfig": factor_cfg, "Conv1DQuantizeConfig": conv1d_cfg}
    for name in compression.__all__:
        obj = getattr(compression, name)
        if isinstance(obj, type) and issubclass(obj, keras.layers.Layer):
            objs[name] = obj
    return objs


def qat_model(model):
    """Clone ``model`` for quantization-aware training (tfmot + the project's configs).

    Train the result (a few epochs from the float weights), then :func:`convert_qat`.
    """
    tfmot = _tfmot()
    annotate = tfmot.quantization.keras.quantize_annotate_layer

    def clone(layer):
        new = layer.__class__.from_config(layer.get_config())
        if isinstance(layer, keras.layers.InputLayer):
            return new
        return annotate(new, config_for(layer))   # None: tfmot's default for the layer type

    with tfmot.quantization.keras.quantize_scope(custom_objects()):
        annotated = keras.models.clone_model(model, clone_function=clone)
        annotated.set_weights(model.get_weights())
        return tfmot.quantization.keras.quantize_apply(annotated)


def convert_qat(qmodel, representative: np.ndarray, calibration_steps: int = 200) -> bytes:
    """Convert a QAT model to full-integer int8 (int8 I/O), batch 1.

    The fake-quant ranges learned in training are used; tensors without one (gate internals of
    RNN cells, intermediate products of factored layers) are calibrated on ``representative``.
    """
    from .ptq import convert_int8
    return convert_int8(qmodel, representative, calibration_steps=calibration_steps)
