"""FULLY_CONNECTED through the compiler, bit-exact with TFLM on the host build."""

import pytest

from oracle import assert_bit_exact_on_host, convert
from tflm_pipeline.tf import keras


@pytest.mark.parametrize("activation", [None, "relu", "relu6"])
@pytest.mark.parametrize("use_bias", [True, False])
def test_dense_stack_bit_exact(activation, use_bias):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([
        keras.Input((20,)),
        keras.layers.Dense(24, activation=activation, use_bias=use_bias,
                           bias_initializer="random_normal"),
        keras.layers.Dense(5, use_bias=use_bias, bias_initializer="random_normal"),
    ])
    compiled = assert_bit_exact_on_host(convert(model), n=200)
    assert compiled.op_names == ["FULLY_CONNECTED", "FULLY_CONNECTED"]
    assert compiled.macs == 20 * 24 + 24 * 5


def test_dense_on_sequence_input_uses_batches():
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((6, 10)), keras.layers.Dense(7)])
    assert_bit_exact_on_host(convert(model), n=50)


def test_per_tensor_multiplier_uses_double_product():
    """A 1x1 per-tensor FC whose accumulator sits where the float-product multiplier (75) and the
    double-product multiplier (74) round apart: TFLM and our runtime must both give 74."""
    import numpy as np
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    from tflm_pipeline import flatbuffer, tflm_host
    from tflm_pipeline.compiler import compile_model, run_on_host
    from tflm_pipeline.quantization.packing import serialize
    from tflm_pipeline.tf import tf

    s_in, s_w, s_out, bias = np.float32(0.01125741), np.float32(0.0021689113), np.float32(280.33185), 855359018
    model = keras.Sequential([keras.Input((1,), batch_size=1), keras.layers.Dense(1, bias_initializer="ones")])
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([np.ones((1, 1), np.float32) * k] for k in range(-3, 4))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = conv.inference_output_type = tf.int8
    conv._experimental_disable_per_channel_quantization_for_dense_layers = True
    m = schema.ModelT.InitFromPackedBuf(bytearray(conv.convert()), 0)
    sg = m.subgraphs[0]
    op = sg.operators[0]
    for idx, scale in ((op.inputs[0], s_in), (op.inputs[1], s_w), (op.outputs[0], s_out),
                       (op.inputs[2], np.float32(s_in * s_w))):
        sg.tensors[idx].quantization.scale, sg.tensors[idx].quantization.zeroPoint = [float(scale)], [0]
    m.buffers[sg.tensors[op.inputs[1]].buffer].data = np.zeros(1, np.uint8)     # weight 0
    m.buffers[sg.tensors[op.inputs[2]].buffer].data = np.frombuffer(np.int32(bias).tobytes(), np.uint8)
    data = serialize(m)
    x = [np.zeros((1, 1, 1), np.int8)]
    assert tflm_host.run(data, x)[0].item() == 74
    parsed = flatbuffer.parse(data)
    assert run_on_host(compile_model(parsed), x, [((1, 1), np.int8)])[0].item() == 74
