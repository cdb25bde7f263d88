"""`tflm-deploy convert --quantize ternary [--pack]` on a saved ternary-trained model, then
`inspect` (weight bits, packing saving) and our runtime (packed == stock, bit for bit)."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from tflm_pipeline import flatbuffer, tflm_host
from tflm_pipeline.cli import main
from tflm_pipeline.compiler import compile_model, run_on_host
from tflm_pipeline.quantization import ternary_model
from tflm_pipeline.tf import keras


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    d = tmp_path_factory.mktemp("ternary")
    keras.utils.set_random_seed(0)
    base = keras.Sequential([keras.Input((20,)), keras.layers.Dense(32, activation="relu"),
                             keras.layers.Dense(32, activation="relu"), keras.layers.Dense(4)])
    model = ternary_model(base, "twn")       # first and last layers stay int8 by default
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 20)).astype(np.float32)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, (x[:, 0] > 0).astype(int) + 2 * (x[:, 1] > 0), epochs=2, verbose=0)
    model.save(d / "ternary.keras")
    np.savez(d / "rep.npz", x=x[:64])
    out = {}
    for name, extra in (("stock", []), ("packed", ["--pack"])):
        res = run("convert", d / "ternary.keras", "--rep-data", d / "rep.npz", "--output", d / name,
                  "--quantize", "ternary", *extra)
        assert res.exit_code == 0, res.output
        out[name] = d / name
    return out


def test_stock_form_holds_only_ternary_codes(converted):
    model = flatbuffer.load(converted["stock"] / "model.tflite")
    fcs = [op for op in model.main.operators if op.name == "FULLY_CONNECTED"]
    middle = model.main.tensors[fcs[1].inputs[1]]
    assert set(np.unique(middle.data)) <= {-1, 0, 1}
    report = json.loads((converted["stock"] / "report.json").read_text())
    assert report["quantize"] == "ternary" and [r["distinct_codes"] <= 3 for r in report["weight_bits"]][1]


def test_packed_form_is_smaller_and_inspect_shows_bits(converted):
    stock = (converted["stock"] / "model.tflite").stat().st_size
    packed = (converted["packed"] / "model.tflite").stat().st_size
    assert packed < stock - 32 * 32 // 4  # 1024 codes: 1024 B as int8, 256 B packed, minus metadata
    res = run("inspect", converted["packed"] / "model.tflite", "--json", "--no-tflm")
    info = json.loads(res.output)
    # 1024 int8 codes -> 256 packed bytes + 2 level bytes per channel
    assert info["packed"] and info["packing_saves_bytes"] == 32 * 32 - 32 * 32 // 4 - 2 * 32
    assert min(o["weight_bits"] for o in info["ops"] if o["weight_bits"]) < 3
    text = run("inspect", converted["stock"] / "model.tflite", "--no-tflm").output
    assert "would save" in text
    assert "TPL_TERNARY_FC" in (converted["packed"] / "resolver.h").read_text()


def test_packed_equals_stock_on_tflm_and_our_runtime(converted):
    stock = flatbuffer.load(converted["stock"] / "model.tflite")
    packed = flatbuffer.load(converted["packed"] / "model.tflite")
    x = [np.random.default_rng(3).integers(-128, 128, size=(100, 1, 20), dtype=np.int8)]
    spec = [((1, 4), np.int8)]
    expected = tflm_host.run(stock.data, x)[0]
    assert np.array_equal(run_on_host(compile_model(stock), x, spec)[0], expected)
    assert np.array_equal(run_on_host(compile_model(packed), x, spec)[0], expected)


def test_emulate_of_packed_model_explains_missing_oracle(converted):
    res = run("emulate", converted["packed"] / "model.tflite", "--board", "mps2-an386")
    assert res.exit_code == 1 and res.output.count("\n") == 1
    assert "custom op TPL_TERNARY_FC" in res.output and "stock form" in res.output
