"""The strategy registry and the one Keras wrapper every weight-quantization strategy uses.

A *weight quantizer* (a strategy: TWN, TTQ, alpha-blending, ...) maps a float weight to the weight
the forward pass uses, and says which weight the exported kernel will hold. It owns no layer:
:class:`QuantizeWeights` wraps any layer, swaps each listed weight attribute for its quantized
value during ``call`` (the mechanism tfmot's QuantizeWrapper uses), and restores it afterwards.
Strategies are registered by name (``@register("twn")``) and live one per file.

:func:`apply` wraps the layers a :class:`LayerPolicy` selects; :func:`strip` returns a plain float
Keras model whose weights are the exported (quantized) values, ready for the int8 converter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..tf import keras, tf

_STRATEGIES: dict[str, type] = {}


def register(name: str) -> Callable[[type], type]:
    """Class decorator: make a weight quantizer available as ``get(name, **config)``."""
    def deco(cls: type) -> type:
        if name in _STRATEGIES and _STRATEGIES[name] is not cls:
            raise ValueError(f"quantization strategy {name!r} is registered twice")
        cls.strategy_name = name
        _STRATEGIES[name] = cls
        keras.utils.register_keras_serializable(package="tflm_pipeline")(cls)
        return cls
    return deco


def get(name: str, **config) -> "WeightQuantizer":
    """Instantiate the registered strategy ``name`` (raises naming the known strategies)."""
    if name not in _STRATEGIES:
        raise KeyError(f"unknown quantization strategy {name!r}; known: {sorted(_STRATEGIES)}")
    return _STRATEGIES[name](**config)


def strategies() -> list[str]:
    return sorted(_STRATEGIES)


class WeightQuantizer:
    """Base class of a weight-quantization strategy.

    Subclasses implement :meth:`quantize` (TensorFlow, used in the forward pass, with whatever
    gradient the method prescribes) and :meth:`export` (NumPy: the float weight the converted
    model holds, equal to the forward value at the end of training).
    """

    strategy_name = "base"

    def build(self, wrapper: keras.layers.Layer, attr: str, weight: tf.Variable) -> None:
        """Create the strategy's own variables (learned scales, alpha) on ``wrapper``."""

    def initialize(self, wrapper: keras.layers.Layer, attr: str, weight: np.ndarray) -> None:
        """Set the strategy's variables from the (pre-trained) float weight."""

    def quantize(self, wrapper: keras.layers.Layer, attr: str, w: tf.Tensor, training) -> tf.Tensor:
        raise NotImplementedError

    def export(self, wrapper: keras.layers.Layer, attr: str, w: np.ndarray) -> np.ndarray:
        """The weight the exported kernel holds; by default the forward value at inference."""
        return np.asarray(self.quantize(wrapper, attr, tf.constant(w), False), np.float32)

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "WeightQuantizer":
        return cls(**config)


#: Kernel attributes used by ``call`` for the standard layers; compressed layers add theirs.
WEIGHT_ATTRS: dict[str, tuple[str, ...]] = {
    "Dense": ("kernel",),
    "Conv1D": ("kernel",),
    "Conv2D": ("kernel",),
    "DepthwiseConv2D": ("depthwise_kernel",),
}
#: Layers whose kernel's output channels are ``in * mult`` (TFLite's depthwise layout).
DEPTHWISE = {"DepthwiseConv2D"}


def weight_attrs_of(layer) -> tuple[str, ...]:
    for cls in type(layer).__mro__:
        if cls.__name__ in WEIGHT_ATTRS:
            return WEIGHT_ATTRS[cls.__name__]
    return ()


@keras.utils.register_keras_serializable(package="tflm_pipeline")
class QuantizeWeights(keras.layers.Wrapper):
    """Run ``layer`` with its weights ``attrs`` replaced by ``quantizer``'s output.

    Args:
      layer: the wrapped layer (Dense, Conv, DepthwiseConv2D, or a compressed layer whose class
        is listed in :data:`WEIGHT_ATTRS`).
      quantizer: a :class:`WeightQuantizer` (one instance per wrapper: it may own variables).
      attrs: attribute names of the weights ``layer.call`` reads; default from ``WEIGHT_ATTRS``.
    """

    def __init__(self, layer, quantizer: WeightQuantizer, attrs: tuple[str, ...] | None = None, **kwargs):
        kwargs.setdefault("name", f"{layer.name}_q")
        super().__init__(layer, **kwargs)
        self.quantizer = quantizer
        self.attrs = tuple(attrs) if attrs else weight_attrs_of(layer)
        if not self.attrs:
            raise ValueError(
                f"layer {layer.name!r} ({type(layer).__name__}) has no known weight attribute to "
                f"quantize; known layer types: {sorted(WEIGHT_ATTRS)}")
        self.depthwise = type(layer).__name__ in DEPTHWISE

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
        for attr in self.attrs:
            self.quantizer.build(self, attr, getattr(self.layer, attr))
        super().build(input_shape)

    def call(self, inputs, training=None):
        if training is None:
            training = keras.backend.learning_phase()
        saved = {a: getattr(self.layer, a) for a in self.attrs}
        # object.__setattr__ bypasses Keras' attribute tracking: the layer's weight list (and so
        # get_weights order and checkpoints) must not see the temporary tensors
        try:
            for a, w in saved.items():
                object.__setattr__(self.layer, a, self.quantizer.quantize(self, a, w, training))
            return self.layer.call(inputs)
        finally:
            for a, w in saved.items():
                object.__setattr__(self.layer, a, w)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def exported_weights(self) -> dict[str, np.ndarray]:
        """Attribute -> the float weight the converted kernel will hold."""
        return {a: self.quantizer.export(self, a, getattr(self.layer, a).numpy()) for a in self.attrs}

    def get_config(self):
        config = super().get_config()
        config["quantizer"] = keras.utils.serialize_keras_object(self.quantizer)
        config["attrs"] = list(self.attrs)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        quantizer = keras.utils.deserialize_keras_object(config.pop("quantizer"))
        layer = keras.layers.deserialize(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, quantizer, **config)


# ------------------------------------------------------------------------------------- policies

@dataclass(frozen=True)
class LayerPolicy:
    """Which layers a low-bit strategy quantizes; the others stay int8 (plain PTQ/QAT).

    By default every layer with a known weight attribute is quantized except the first and the
    last such layer (their sensitivity is highest and their share of the parameters small).
    ``include``/``exclude`` name layers explicitly and take precedence.
    """

    keep_first: bool = True
    keep_last: bool = True
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    min_params: int = 0

    def select(self, model) -> list[str]:
        candidates = [l for l in _flat_layers(model) if weight_attrs_of(l)]
        chosen = []
        for i, layer in enumerate(candidates):
            if layer.name in self.include:
                chosen.append(layer.name)
                continue
            if layer.name in self.exclude:
                continue
            if self.keep_first and i == 0 or self.keep_last and i == len(candidates) - 1:
                continue
            if layer.count_params() < self.min_params:
                continue
            chosen.append(layer.name)
        return chosen


def _flat_layers(model):
    return [l for l in model.layers if not isinstance(l, keras.layers.InputLayer)]


def apply(model, make_quantizer: Callable[[keras.layers.Layer], WeightQuantizer],
          policy: LayerPolicy | None = None):
    """Clone ``model`` with the layers ``policy`` selects wrapped in :class:`QuantizeWeights`.

    The float weights are copied; each quantizer's variables are initialized from them.
    """
    policy = policy or LayerPolicy()
    names = set(policy.select(model))
    if not names:
        raise ValueError(f"the policy {policy} selects no layer of model {model.name!r}")

    def clone(layer):
        new = layer.__class__.from_config(layer.get_config())
        if layer.name in names:
            return QuantizeWeights(new, make_quantizer(layer))
        return new

    qmodel = keras.models.clone_model(model, clone_function=clone)
    by_name = {l.name: l for l in _flat_layers(model)}
    for layer in _flat_layers(qmodel):
        inner = layer.layer if isinstance(layer, QuantizeWeights) else layer
        src = by_name[inner.name]
        inner.set_weights(src.get_weights())
        if isinstance(layer, QuantizeWeights):
            for a in layer.attrs:
                layer.quantizer.initialize(layer, a, getattr(inner, a).numpy())
    return qmodel


def strip(qmodel):
    """A plain float model (no wrappers) holding the exported quantized weights."""
    def clone(layer):
        if isinstance(layer, QuantizeWeights):
            return layer.layer.__class__.from_config(layer.layer.get_config())
        return layer.__class__.from_config(layer.get_config())

    plain = keras.models.clone_model(qmodel, clone_function=clone)
    by_name = {}
    for layer in _flat_layers(qmodel):
        by_name[layer.layer.name if isinstance(layer, QuantizeWeights) else layer.name] = layer
    for layer in _flat_layers(plain):
        src = by_name[layer.name]
        if isinstance(src, QuantizeWeights):
            exported = src.exported_weights()
            values = []
            for var, val in zip(src.layer.weights, src.layer.get_weights()):
                attr = next((a for a in src.attrs if getattr(src.layer, a) is var), None)
                values.append(exported[attr] if attr else val)
            layer.set_weights(values)
        else:
            layer.set_weights(src.get_weights())
    return plain


def wrappers(model) -> list[QuantizeWeights]:
    return [l for l in _flat_layers(model) if isinstance(l, QuantizeWeights)]


def for_conversion(model):
    """The model the int8 converter should see: :func:`strip` ped if it holds quantization
    wrappers (ternary / intN / alpha-blending training), else ``model`` itself."""
    return strip(model) if wrappers(model) else model
