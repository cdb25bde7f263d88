"""Shared test harness: build tiny Keras models, convert them, and check our compiled C
against the TFLM host interpreter bit for bit.

Every operator test goes through the path a user takes: Keras -> ``convert_keras_model`` ->
``flatbuffer.parse`` -> ``compile_model`` -> compiled C (host build here; the emulator tests run
the same sources on Cortex-M boards) -> outputs compared with ``tflm_host.run`` with tolerance 0.
"""

from __future__ import annotations

import numpy as np

from tflm_pipeline import flatbuffer, tflm_host
from tflm_pipeline.compiler import compile_model, run_on_host


def convert(model, n_rep: int = 64, seed: int = 0, **kwargs) -> bytes:
    """Full-integer conversion with Gaussian representative data."""
    from tflm_pipeline.convert import convert_keras_model

    rng = np.random.default_rng(seed)
    reps = [rng.standard_normal((n_rep,) + tuple(int(d) for d in t.shape[1:])).astype(np.float32)
            for t in model.inputs]
    return convert_keras_model(model, reps, **kwargs)


def random_inputs(model: flatbuffer.Model, n: int, seed: int = 1) -> list[np.ndarray]:
    """Uniform random examples over each input's whole integer range (float inputs: N(0,1))."""
    rng = np.random.default_rng(seed)
    xs = []
    for i in model.main.inputs:
        t = model.main.tensors[i]
        if t.dtype == "INT8":
            xs.append(rng.integers(-128, 128, size=(n,) + t.shape, dtype=np.int8))
        elif t.dtype == "INT16":
            xs.append(rng.integers(-32768, 32768, size=(n,) + t.shape, dtype=np.int16))
        else:
            xs.append(rng.standard_normal((n,) + t.shape).astype(t.numpy_dtype))
    return xs


def output_specs(model: flatbuffer.Model) -> list[tuple]:
    return [(model.main.tensors[i].shape, model.main.tensors[i].numpy_dtype) for i in model.main.outputs]


def assert_bit_exact_on_host(tflite_bytes: bytes, n: int = 100, seed: int = 1):
    """Compile, run on the host, compare every output with TFLM; return the compiled model."""
    model = flatbuffer.parse(tflite_bytes)
    compiled = compile_model(model)
    xs = random_inputs(model, n, seed)
    expected = tflm_host.run(tflite_bytes, xs)
    got = run_on_host(compiled, xs, output_specs(model))
    for j, (e, g) in enumerate(zip(expected, got)):
        diff = int(np.count_nonzero(e != g))
        assert diff == 0, (f"output {j}: {diff} of {e.size} values differ from TFLM "
                           f"(max |diff| {np.abs(e.astype(np.int64) - g.astype(np.int64)).max()}); "
                           f"ops {model.op_names}")
    return compiled
