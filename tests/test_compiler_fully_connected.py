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
