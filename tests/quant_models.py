"""Small models shared by the tests/test_quant_*.py files (no training: weights are set)."""

from __future__ import annotations

import functools

import numpy as np

from tflm_pipeline.quantization import base, ptq, ternary
from tflm_pipeline.tf import keras


def mlp(sizes=(20, 33, 24, 17, 5), seed=0, activations=("relu", "relu6", None, None)):
    """Dense stack with random non-zero biases (the converter drops all-zero biases)."""
    keras.utils.set_random_seed(seed)
    inp = keras.Input((sizes[0],))
    h = inp
    for i, (n, act) in enumerate(zip(sizes[1:], activations)):
        h = keras.layers.Dense(n, activation=act, name=f"fc{i}",
                               bias_initializer=keras.initializers.RandomNormal(0, 0.1))(h)
    return keras.Model(inp, h)


@functools.lru_cache(maxsize=None)
def ternary_flatbuffers(method: str = "twn", seed: int = 0):
    """(int8 bytes, stock ternary bytes, packed bytes, x float) of an untrained ternarized MLP.

    The middle layers are ternarized by ``method`` (its forward value is set as the float weight,
    no training needed for the flatbuffer tests); first and last layer stay int8.
    """
    model = mlp(seed=seed)
    qm = ternary.ternary_model(model, method)
    if method == "ttq":   # make the learned magnitudes differ so p_c != n_c
        for w in base.wrappers(qm):
            v = getattr(w, "_ttq_kernel_pos")
            v.assign(v.numpy() * np.linspace(0.6, 1.4, v.shape[0]).astype(np.float32))
    plain = base.strip(qm)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, 20)).astype(np.float32)
    int8 = ptq.convert_int8(plain, x)
    stock = ternary.export_ternary(int8)
    from tflm_pipeline.quantization import packing
    packed = packing.pack_ternary(stock)
    return int8, stock, packed, x


def random_int8_inputs(model_bytes: bytes, n: int, seed: int = 1) -> np.ndarray:
    from tflm_pipeline.flatbuffer import parse
    sg = parse(model_bytes).main
    shape = sg.tensors[sg.inputs[0]].shape
    return np.random.default_rng(seed).integers(-128, 128, size=(n,) + shape).astype(np.int8)


__all__ = ["mlp", "ternary_flatbuffers", "random_int8_inputs"]
