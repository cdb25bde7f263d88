"""`tflm-deploy convert`, `inspect` and `compile` through the CLI, including bad input."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from oracle import convert
from tflm_pipeline import flatbuffer
from tflm_pipeline.cli import main
from tflm_pipeline.tf import keras, tf


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    keras.utils.set_random_seed(0)
    d = tmp_path_factory.mktemp("model")
    model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.save(d / "mlp.keras")
    np.savez(d / "rep.npz", x=np.random.default_rng(0).standard_normal((40, 12)).astype(np.float32))
    return d


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_convert_writes_all_artifacts(saved_model, tmp_path):
    out = tmp_path / "out"
    res = run("convert", saved_model / "mlp.keras", "--rep-data", saved_model / "rep.npz", "--output", out)
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["model.tflite", "model_data.cc", "model_data.h", "report.json", "resolver.h"]
    model = flatbuffer.load(out / "model.tflite")
    assert model.main.tensors[model.main.inputs[0]].shape == (1, 12)          # batch fixed to 1
    assert model.main.tensors[model.main.inputs[0]].dtype == "INT8"
    report = json.loads((out / "report.json").read_text())
    assert report["ops"] == {"FULLY_CONNECTED": 2, "SOFTMAX": 1}
    assert report["float_ops"] == {}
    resolver = (out / "resolver.h").read_text()
    assert "MicroMutableOpResolver<2>" in resolver
    assert "AddFullyConnected()" in resolver and "AddSoftmax()" in resolver
    cc = (out / "model_data.cc").read_text()
    assert "alignas(16) const unsigned char g_model_data[" in cc
    assert f"g_model_data_len = {len(model.data)};" in cc


def test_convert_refuses_missing_x_without_partial_output(saved_model, tmp_path):
    np.savez(tmp_path / "bad.npz", inputs=np.zeros((4, 12), np.float32))
    out = tmp_path / "out"
    res = run("convert", saved_model / "mlp.keras", "--rep-data", tmp_path / "bad.npz", "--output", out)
    assert res.exit_code == 1
    assert res.output.count("\n") == 1 and "no array named 'x'" in res.output
    assert not out.exists()


def test_convert_rejects_wrong_input_shape(saved_model, tmp_path):
    np.savez(tmp_path / "bad.npz", x=np.zeros((4, 7), np.float32))
    res = run("convert", saved_model / "mlp.keras", "--rep-data", tmp_path / "bad.npz", "--output", tmp_path / "o")
    assert res.exit_code == 1 and "expects [12]" in res.output
    assert not (tmp_path / "o").exists()


def test_inspect_reports_ops_and_arenas(saved_model, tmp_path):
    out = tmp_path / "out"
    run("convert", saved_model / "mlp.keras", "--rep-data", saved_model / "rep.npz", "--output", out)
    res = run("inspect", out / "model.tflite", "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    assert [o["name"] for o in info["ops"]] == ["FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"]
    assert info["ops"][0]["macs"] == 12 * 16 and info["ops"][1]["macs"] == 16 * 3
    assert info["weight_bytes"] >= 12 * 16 + 16 * 3  # zero biases are dropped by the converter
    assert 0 < info["planned_arena_bytes"] <= info["tflm_arena_bytes"]
    text = run("inspect", out / "model.tflite").output
    assert "FULLY_CONNECTED" in text and "tflm-pipeline arena" in text


@pytest.mark.parametrize("content", [b"not a model at all", b"\x1c\x00\x00\x00TFL3" + b"\x00" * 8])
def test_corrupt_flatbuffer_is_one_line_error(tmp_path, content):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(content)
    for cmd in (["inspect", bad], ["compile", bad, "--output", tmp_path / "c"]):
        res = run(*cmd)
        assert res.exit_code == 1
        assert res.output.startswith("error: ") and res.output.count("\n") == 1
        assert "flatbuffer" in res.output
    assert not (tmp_path / "c").exists()


def test_truncated_flatbuffer_is_one_line_error(saved_model, tmp_path):
    out = tmp_path / "out"
    run("convert", saved_model / "mlp.keras", "--rep-data", saved_model / "rep.npz", "--output", out)
    data = (out / "model.tflite").read_bytes()
    bad = tmp_path / "trunc.tflite"
    bad.write_bytes(data[: len(data) // 3])
    res = run("compile", bad, "--output", tmp_path / "c")
    assert res.exit_code == 1 and "corrupt or truncated" in res.output
    assert not (tmp_path / "c").exists()


def test_float_model_is_refused_by_compile(tmp_path):
    model = keras.Sequential([keras.Input((4,), batch_size=1), keras.layers.Dense(2)])
    (tmp_path / "f.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    res = run("compile", tmp_path / "f.tflite", "--output", tmp_path / "c")
    assert res.exit_code == 1 and "float model" in res.output and "tflm-deploy convert" in res.output
    assert not (tmp_path / "c").exists()


def test_unsupported_op_is_named(tmp_path):
    inp = keras.Input((8,))
    out = keras.layers.Lambda(lambda t: tf.math.abs(t))(keras.layers.Dense(8)(inp))
    (tmp_path / "abs.tflite").write_bytes(convert(keras.Model(inp, out)))
    res = run("compile", tmp_path / "abs.tflite", "--output", tmp_path / "c")
    assert res.exit_code == 1 and "operator ABS is not supported" in res.output
    assert res.output.count("\n") == 1
    assert not (tmp_path / "c").exists()


def test_compile_exports_buildable_sources(saved_model, tmp_path):
    out = tmp_path / "out"
    run("convert", saved_model / "mlp.keras", "--rep-data", saved_model / "rep.npz", "--output", out)
    res = run("compile", out / "model.tflite", "--output", tmp_path / "c")
    assert res.exit_code == 0, res.output
    files = {p.name for p in (tmp_path / "c").iterdir()}
    assert {"model.c", "model.h", "fully_connected.c", "tpl_common.h"} <= files
    text = (tmp_path / "c" / "model.c").read_text()
    assert "Generated by tflm-pipeline from model sha256" in text and "Do not edit" in text


def test_multi_input_calibration_follows_input_names():
    """The converter orders inputs its own way; calibration data must reach the right one."""
    from oracle import assert_bit_exact_on_host
    from tflm_pipeline.convert import convert_keras_model

    a, b, c = keras.Input((4,), name="in_a"), keras.Input((6,), name="in_b"), keras.Input((3,), name="in_c")
    out = keras.layers.Concatenate()([keras.layers.Dense(2)(a), keras.layers.Dense(2)(b), keras.layers.Dense(2)(c)])
    rng = np.random.default_rng(0)
    reps = [rng.standard_normal((32, n)).astype(np.float32) * s for n, s in ((4, 1), (6, 10), (3, 100))]
    data = convert_keras_model(keras.Model([a, b, c], out), reps)
    model = flatbuffer.parse(data)
    scales = {model.main.tensors[i].name.split("_in_")[-1].split(":")[0]: model.main.tensors[i].scale[0]
              for i in model.main.inputs}
    assert scales["a"] < scales["b"] < scales["c"]
    assert scales["c"] > 50 * scales["a"]
    assert_bit_exact_on_host(data, n=30)
