"""CONV_2D, DEPTHWISE_CONV_2D, pooling, MEAN and PAD through the compiler, bit-exact with TFLM.

Table-driven, tolerance 0, through the user's path (Keras -> convert -> compile -> host build)
on uniform random int8 inputs. Several ops share one small model per case to keep the file fast.
The host build runs the portable C loops; the Cortex-M DSP paths are checked by the emulator.
"""

import numpy as np
import pytest

from oracle import assert_bit_exact_on_host, convert
from tflm_pipeline.tf import keras, tf

L = keras.layers


def _model(shape, layers):
    keras.backend.clear_session()
    keras.utils.set_random_seed(7)
    return keras.Sequential([keras.Input(shape)] + layers)


def _bn_relu():
    return [L.BatchNormalization(beta_initializer="random_normal", gamma_initializer="random_uniform",
                                 moving_mean_initializer="random_normal",
                                 moving_variance_initializer="ones"), L.ReLU()]


def ds_cnn(filters=16):
    """Keyword-spotting DS-CNN (Conv 10x4/2 -> [DW 3x3 + BN + ReLU -> 1x1 + BN + ReLU] x4 -> GAP -> Dense)."""
    layers = [L.Conv2D(filters, (10, 4), strides=2, padding="same", use_bias=False), *_bn_relu()]
    for _ in range(4):
        layers += [L.DepthwiseConv2D(3, padding="same", use_bias=False), *_bn_relu(),
                   L.Conv2D(filters, 1, use_bias=False), *_bn_relu()]
    layers += [L.GlobalAveragePooling2D(), L.Dense(12)]
    return _model((49, 10, 1), layers)


CASES = {
    # name: (input shape, layers, expected operators)
    "conv_variants": ((12, 11, 4), [
        L.Conv2D(6, 3, strides=(2, 1), padding="valid", activation="relu6", bias_initializer="random_normal"),
        L.Conv2D(6, (3, 2), dilation_rate=(2, 1), padding="same", bias_initializer="random_normal"),
        L.Conv2D(4, 3, groups=2, padding="same", bias_initializer="random_normal"),
        L.Conv2D(4, 2, padding="valid", use_bias=False, activation="relu"),
        L.Conv2D(4, 1, strides=2, bias_initializer="random_normal"),
    ], ["CONV_2D"]),
    "depthwise_variants": ((11, 9, 4), [
        L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", bias_initializer="random_normal"),
        L.DepthwiseConv2D((3, 2), strides=2, padding="valid", activation="relu"),
        L.DepthwiseConv2D(3, dilation_rate=2, padding="same", use_bias=False, activation="relu6"),
        L.DepthwiseConv2D((2, 3), strides=(1, 2), padding="same", depth_multiplier=3),
    ], ["DEPTHWISE_CONV_2D"]),
    "gap1d": ((14, 6), [L.GlobalAveragePooling1D()], ["MEAN"]),
    "conv1d": ((32, 3), [  # Conv1D/pooling1D become RESHAPE + CONV_2D / MAX_POOL_2D
        L.Conv1D(8, 5, padding="same", activation="relu", bias_initializer="random_normal"),
        L.MaxPooling1D(2),
        L.Conv1D(8, 3, dilation_rate=2, bias_initializer="random_normal"),
        L.AveragePooling1D(2, padding="same"),
        L.GlobalAveragePooling1D(),
        L.Dense(3),
    ], ["RESHAPE", "CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN", "FULLY_CONNECTED"]),
    "pad_pool_mean": ((15, 13, 5), [
        L.ZeroPadding2D(((1, 0), (0, 3))),
        L.AveragePooling2D(3, strides=2, padding="same"),
        L.MaxPooling2D((2, 3), strides=(1, 2), padding="same"),
        L.AveragePooling2D(2, padding="valid"),
        L.MaxPooling2D(2, strides=1, padding="valid"),
        L.GlobalAveragePooling2D(keepdims=True),
    ], ["PAD", "AVERAGE_POOL_2D", "MAX_POOL_2D", "MEAN"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_cases_bit_exact(name):
    shape, layers, ops = CASES[name]
    compiled = assert_bit_exact_on_host(convert(_model(shape, layers), n_rep=16), n=100)
    assert sorted(set(compiled.op_names)) == sorted(ops)


def test_ds_cnn_bit_exact():
    compiled = assert_bit_exact_on_host(convert(ds_cnn(), n_rep=16), n=50)
    assert compiled.op_names == (["CONV_2D"] + ["DEPTHWISE_CONV_2D", "CONV_2D"] * 4
                                 + ["MEAN", "FULLY_CONNECTED"])
    assert compiled.macs == (25 * 5 * 16 * 40 + 4 * (25 * 5 * 16 * 9 + 25 * 5 * 16 * 16) + 16 * 12)


def test_tf_ops_padv2_reduce_mean_bit_exact():
    """tf.pad with a non-zero constant (PADV2), reduce_mean over several axis sets."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(8)
    x = keras.Input((5, 6, 4), name="image")
    h = tf.pad(x, [[0, 0], [2, 1], [1, 0], [0, 0]], constant_values=0.5)
    h = L.Conv2D(8, 3, activation="relu")(h)
    outs = [tf.reduce_mean(h, axis=[1, 2]),            # 4-D, keep_dims False
            tf.reduce_mean(h, axis=-1),                # channel mean
            tf.reduce_mean(h, axis=[2], keepdims=True)]
    compiled = assert_bit_exact_on_host(convert(keras.Model(x, outs), n_rep=16), n=100)
    assert {"PADV2", "CONV_2D", "MEAN"} <= set(compiled.op_names)


def _rewrite_quant(tflite_bytes: bytes, op_name: str, input_index: int, *, like_output=False,
                   zero_point=None) -> bytes:
    """Edit the quantization of the first `op_name`: copy its input's onto its output
    (like_output) or set the zero points of input `input_index`."""
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    from tflm_pipeline import flatbuffer

    parsed = flatbuffer.parse(tflite_bytes)
    op = next(o for o in parsed.main.operators if o.name == op_name)
    m = schema.ModelT.InitFromPackedBuf(bytearray(tflite_bytes), 0)
    tensors = m.subgraphs[0].tensors
    src = tensors[op.inputs[input_index]].quantization
    if like_output:
        dst = tensors[op.outputs[0]].quantization
        dst.scale, dst.zeroPoint = list(src.scale), list(src.zeroPoint)
    if zero_point is not None:
        src.zeroPoint = [zero_point] * len(src.scale)
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def test_mean_same_quantization_path_bit_exact():
    """Older TFLM took a truncating shortcut for equal input/output quantization; ours must not."""
    model = _model((6, 5, 7), [L.GlobalAveragePooling2D()])
    assert_bit_exact_on_host(_rewrite_quant(convert(model, n_rep=16), "MEAN", 0, like_output=True), n=200)


def test_nonzero_filter_zero_point_is_refused():
    """Unsupported variants raise at compile time, naming what was received."""
    from tflm_pipeline import flatbuffer
    from tflm_pipeline.compiler import compile_model
    from tflm_pipeline.errors import UnsupportedOpError

    data = convert(_model((5, 5, 2), [L.Conv2D(4, 3, padding="same")]), n_rep=8)
    data = _rewrite_quant(data, "CONV_2D", 1, zero_point=3)
    with pytest.raises(UnsupportedOpError, match="non-zero zero point"):
        compile_model(flatbuffer.parse(data))
