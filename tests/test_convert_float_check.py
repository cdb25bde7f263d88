"""Float islands, WHILE loops and Flex ops in converted graphs.

The converter leaves DEQUANTIZE -> SPLIT -> QUANTIZE islands in unrolled RNNs only sometimes
(it depends on graph naming), so the island models are stored converter outputs in fixtures/.
"""

from pathlib import Path

import pytest

from oracle import assert_bit_exact_on_host
from tflm_pipeline import flatbuffer
from tflm_pipeline.convert import check_integer_only
from tflm_pipeline.emulate.check import check_on_board
from tflm_pipeline.errors import UnsupportedOpError
from tflm_pipeline.tf import keras, tf

ISLAND = Path(__file__).parent / "fixtures" / "float_island_gru.tflite"


def test_float_island_is_refused_by_name_unless_allowed():
    model = flatbuffer.load(ISLAND)
    with pytest.raises(UnsupportedOpError, match=r"DEQUANTIZE x\d+, SPLIT x\d+.*--allow-float"):
        check_integer_only(model)
    assert check_integer_only(model, allow_float=True)["SPLIT"] >= 1


def test_float_island_runs_bit_exact_when_allowed():
    assert_bit_exact_on_host(ISLAND.read_bytes(), n=100)


@pytest.mark.emulator
def test_float_island_runs_bit_exact_on_board():
    report = check_on_board(ISLAND, "mps2-an386", examples=20)
    assert report.bit_exact and report.fits, report.reason


def test_rolled_gru_while_loop_is_refused():
    inp = keras.Input((6, 4), batch_size=1)
    raw = tf.lite.TFLiteConverter.from_keras_model(keras.Model(inp, keras.layers.GRU(4)(inp))).convert()
    with pytest.raises(UnsupportedOpError, match="WHILE"):
        check_integer_only(flatbuffer.parse(raw), allow_float=True)
