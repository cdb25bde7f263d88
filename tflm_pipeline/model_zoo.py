"""Small reference models that together use every kernel the runtime claims to support.

Used by the bit-exactness tests (host and emulated boards), the arena table in ``benchmarks/``
and the instruction-count benchmark. Each entry builds an untrained tf_keras model with fixed
seeds; conversion settings that belong to the model (fused LSTM) travel with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .tf import keras


@dataclass(frozen=True)
class ZooModel:
    name: str
    build: Callable[[], "keras.Model"]
    fused_lstm: bool = False
    float_io: bool = False
    description: str = ""


def _mlp():
    return keras.Sequential([
        keras.Input((32,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(32, activation="relu6"),
        keras.layers.Dense(6, activation="softmax"),
    ], name="mlp")


def _cnn():
    return keras.Sequential([
        keras.Input((16, 16, 2)),
        keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(12, 3, strides=2, padding="valid", activation="relu"),
        keras.layers.AveragePooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ], name="cnn")


def ds_cnn(input_shape=(49, 10, 1), filters: int = 64, blocks: int = 4, classes: int = 12, name="ds_cnn"):
    """DS-CNN for keyword spotting (Zhang et al. 2017, "Hello Edge"); filters=64 is DS-CNN-S."""
    inp = keras.Input(input_shape)
    x = keras.layers.Conv2D(filters, (10, 4), strides=(2, 2), padding="same", use_bias=False)(inp)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    for _ in range(blocks):
        x = keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.Conv2D(filters, 1, use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    out = keras.layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inp, out, name=name)


def _ds_cnn_small():
    return ds_cnn(filters=16, blocks=2, name="ds_cnn_small")


def _conv1d():
    return keras.Sequential([
        keras.Input((32, 6)),
        keras.layers.Conv1D(12, 5, activation="relu"),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(4),
    ], name="conv1d")


def _elementwise():
    a = keras.Input((8, 6))
    b = keras.Input((8, 6))
    s = keras.layers.Add()([a, b])
    d = keras.layers.Subtract()([a, b])
    m = keras.layers.Multiply()([keras.layers.Activation("tanh")(s), keras.layers.Activation("sigmoid")(d)])
    c = keras.layers.Concatenate()([m, s])
    p = keras.layers.ZeroPadding1D(1)(c)
    t = keras.layers.Permute((2, 1))(p)
    out = keras.layers.Dense(3)(keras.layers.Flatten()(t))
    return keras.Model([a, b], out, name="elementwise")


def _lstm_unrolled():
    return keras.Sequential([keras.Input((10, 8)), keras.layers.LSTM(16, unroll=True),
                             keras.layers.Dense(4)], name="lstm_unrolled")


def _gru_unrolled():
    return keras.Sequential([keras.Input((10, 8)), keras.layers.GRU(16, unroll=True),
                             keras.layers.Dense(4)], name="gru_unrolled")


def _lstm_stacked():
    return keras.Sequential([keras.Input((8, 6)), keras.layers.LSTM(12, unroll=True, return_sequences=True),
                             keras.layers.LSTM(12, unroll=True), keras.layers.Dense(3)], name="lstm_stacked")


def _lstm_fused():
    return keras.Sequential([keras.Input((10, 8)), keras.layers.LSTM(16), keras.layers.Dense(4)],
                            name="lstm_fused")


ZOO: dict[str, ZooModel] = {m.name: m for m in [
    ZooModel("mlp", _mlp, description="3 dense layers, relu/relu6/softmax"),
    ZooModel("cnn", _cnn, description="conv, max/avg pool, dense"),
    ZooModel("ds_cnn_small", _ds_cnn_small, description="DS-CNN, 16 filters, 2 blocks"),
    ZooModel("ds_cnn_s", ds_cnn, description="DS-CNN-S (64 filters, 4 blocks), 49x10 MFCC"),
    ZooModel("conv1d", _conv1d, description="Conv1D + global average pooling"),
    ZooModel("elementwise", _elementwise, description="add/sub/mul/tanh/sigmoid/concat/pad/transpose"),
    ZooModel("lstm_unrolled", _lstm_unrolled, description="LSTM(16) unrolled over 10 steps"),
    ZooModel("gru_unrolled", _gru_unrolled,
             description="GRU(16) unrolled over 10 steps, float SPLIT island rewritten to int8"),
    ZooModel("lstm_stacked", _lstm_stacked, description="two stacked unrolled LSTMs"),
    ZooModel("lstm_fused", _lstm_fused, fused_lstm=True, description="UNIDIRECTIONAL_SEQUENCE_LSTM"),
]}


def build(name: str, seed: int = 0):
    keras.utils.set_random_seed(seed)
    return ZOO[name].build()
