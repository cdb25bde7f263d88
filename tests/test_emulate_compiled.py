"""The real compiler's output on emulated Cortex-M boards, bit-exact with the TFLM host interpreter.

Keras -> int8 .tflite -> compile_model -> emulate on an M4F and an M55 -> compare with
tflm_host.run, tolerance 0.
"""

import numpy as np
import pytest

compiler = pytest.importorskip("tflm_pipeline.compiler")

from oracle import convert, output_specs, random_inputs  # noqa: E402
from tflm_pipeline import flatbuffer, tflm_host  # noqa: E402
from tflm_pipeline.emulate.run import emulate  # noqa: E402
from tflm_pipeline.tf import keras  # noqa: E402

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def tiny_model():
    keras.utils.set_random_seed(5)
    model = keras.Sequential([
        keras.Input((20,)),
        keras.layers.Dense(24, activation="relu", bias_initializer="random_normal"),
        keras.layers.Dense(5, bias_initializer="random_normal"),
    ])
    tflite = convert(model)
    parsed = flatbuffer.parse(tflite)
    return tflite, parsed, compiler.compile_model(parsed)


@pytest.mark.parametrize("board", ["mps2-an386", "mps3-an547"])
def test_compiled_model_is_bit_exact_on_board(tiny_model, board):
    tflite, parsed, compiled = tiny_model
    xs = random_inputs(parsed, 40)
    expected = tflm_host.run(tflite, xs)
    result = emulate(compiled.sources, board, xs, output_specs=output_specs(parsed),
                     extra_sources=compiled.extra_sources,
                     extra_include_dirs=compiled.include_dirs)
    for want, got in zip(expected, result.outputs):
        assert want.dtype == got.dtype and want.shape == got.shape
        assert np.count_nonzero(want != got) == 0
    assert result.arena_bytes == compiled.arena_bytes
    assert result.flash_bytes > compiled.constant_bytes
    # only the requantize/clamp branches depend on the data: counts vary by a few percent
    counts = result.instructions_per_inference
    assert len(counts) == 40 and max(counts) < 1.05 * min(counts)
