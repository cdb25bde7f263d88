import os
import sys

import pytest

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture(scope="session")
def zoo_tflite(tmp_path_factory):
    """``zoo_tflite(name) -> Path`` of the int8 .tflite of a model_zoo entry, converted once per
    test session and shared by the host and emulator tests."""
    from oracle import convert
    from tflm_pipeline import flatbuffer
    from tflm_pipeline.convert import check_integer_only
    from tflm_pipeline.model_zoo import ZOO, build

    cache = {}

    def get(name):
        if name not in cache:
            data = convert(build(name), fused_lstm=ZOO[name].fused_lstm, n_rep=32)
            check_integer_only(flatbuffer.parse(data))
            path = tmp_path_factory.mktemp(name) / f"{name}.tflite"
            path.write_bytes(data)
            cache[name] = path
        return cache[name]
    return get
