"""Unrolled tf_keras LSTM / GRU / SimpleRNN (unroll=True), end to end: Keras -> int8 -> compiled C,
bit-exact with TFLM on the host.

These graphs use RESHAPE, UNPACK, SPLIT, SPLIT_V, PACK, FULLY_CONNECTED, ADD, SUB, MUL, LOGISTIC,
TANH and, when the converter leaves a float island, DEQUANTIZE -> SPLIT -> QUANTIZE (float32 SPLIT).
The stored island models are compiled as converted (islands kept, as with --allow-float; the
float SPLIT is a byte copy); the Keras model after :func:`rewrite_float_islands` (its equivalence
with the original is proven on TFLM in test_float_islands.py). Each host build takes seconds,
so every model is built once.
"""

from pathlib import Path

import pytest

from oracle import assert_bit_exact_on_host, convert
from tflm_pipeline import flatbuffer
from tflm_pipeline.convert.float_islands import rewrite_float_islands
from tflm_pipeline.convert.graph_check import float_ops
from tflm_pipeline.tf import keras

FIXTURES = Path(__file__).parent / "fixtures"


def test_unrolled_lstm_gru_simple_rnn_single_and_stacked():
    keras.utils.set_random_seed(7)
    inp = keras.Input((4, 5))
    lstm_seq = keras.layers.LSTM(8, unroll=True, return_sequences=True)(inp)
    lstm_last = keras.layers.LSTM(4, unroll=True)(lstm_seq)                        # stacked LSTM
    gru_seq = keras.layers.GRU(8, unroll=True, return_sequences=True)(inp)
    gru_last = keras.layers.GRU(4, unroll=True, return_sequences=True)(gru_seq)   # stacked GRU
    rnn = keras.layers.SimpleRNN(6, unroll=True)(inp)
    model = keras.Model(inp, [lstm_last, gru_last, rnn, lstm_seq])
    tflite = convert(model)
    ops = set(flatbuffer.parse(tflite).op_names)
    assert {"UNPACK", "SPLIT", "PACK", "LOGISTIC", "TANH", "MUL", "ADD", "FULLY_CONNECTED"} <= ops
    rewritten = rewrite_float_islands(tflite)
    assert not float_ops(flatbuffer.parse(rewritten))
    assert_bit_exact_on_host(rewritten, n=100)


@pytest.mark.parametrize("name", ["float_island_lstm_stack.tflite", "float_island_gru.tflite"])
def test_converted_models_with_float_islands(name):
    """Stored converter outputs that hold the island (the converter does not always emit it)."""
    tflite = (FIXTURES / name).read_bytes()
    assert float_ops(flatbuffer.parse(tflite))["SPLIT"] == 1
    assert_bit_exact_on_host(tflite, n=100)
