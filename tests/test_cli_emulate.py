"""`tflm-deploy emulate` and `boards` through the CLI (needs arm-none-eabi-gcc and QEMU)."""

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from oracle import convert
from tflm_pipeline.cli import main
from tflm_pipeline.tf import keras

pytestmark = pytest.mark.emulator


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def mlp(tmp_path_factory):
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((24,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(4)])
    path = tmp_path_factory.mktemp("m") / "mlp.tflite"
    path.write_bytes(convert(model))
    return path


def test_boards_lists_real_sizes():
    res = run("boards")
    assert res.exit_code == 0
    assert "nrf52840-dk" in res.output and "1,024 KB" in res.output and "256 KB" in res.output
    assert "mps3-an547" in res.output and "Cortex-M55" in res.output


@pytest.mark.parametrize("board", ["mps2-an386", "mps3-an547"])
def test_emulate_json_is_bit_exact_and_fits(mlp, board):
    res = run("emulate", mlp, "--board", board, "--examples", "8", "--json")
    assert res.exit_code == 0, res.output
    r = json.loads(res.output)
    for key in ("board", "cpu", "bit_exact", "mismatches", "instructions", "flash_bytes", "ram_bytes",
                "arena_bytes", "tflm_arena_bytes", "fits"):
        assert key in r
    assert r["board"] == board and r["bit_exact"] is True and r["mismatches"] == 0 and r["fits"] is True
    assert r["instructions"] > 24 * 16 + 16 * 4          # at least one instruction per MAC
    assert r["arena_bytes"] <= r["tflm_arena_bytes"]
    assert r["flash_bytes"] > 24 * 16 and r["ram_bytes"] >= r["arena_bytes"]
    assert "estimate" in r["latency_assumption"] or "assumed IPC" in r["latency_assumption"]


def test_emulate_with_user_inputs(mlp, tmp_path):
    x = np.random.default_rng(2).standard_normal((5, 24)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    res = run("emulate", mlp, "--board", "mps2-an386", "--inputs", tmp_path / "x.npy", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["examples"] == 5


def test_model_too_big_for_board_names_both_numbers(tmp_path):
    model = keras.Sequential([keras.Input((300, 1000)), keras.layers.Dense(2)])
    (tmp_path / "big.tflite").write_bytes(convert(model, n_rep=4))
    res = run("emulate", tmp_path / "big.tflite", "--board", "nrf52840-dk", "--examples", "1")
    assert res.exit_code == 1
    err = [ln for ln in res.output.splitlines() if ln.startswith("error: ")]
    assert len(err) == 1 and "RAM" in err[0] and "262,144" in err[0]


def test_missing_toolchain_is_one_line(mlp, tmp_path):
    env = {"PATH": str(tmp_path)}  # neither arm-none-eabi-gcc nor qemu-system-arm
    res = CliRunner().invoke(main, ["emulate", str(mlp), "--board", "mps2-an386", "--examples", "1"],
                             env=env, catch_exceptions=False)
    assert res.exit_code == 1
    assert res.output.startswith("error: ") and res.output.count("\n") == 1
    assert "qemu-system-arm" in res.output or "arm-none-eabi-gcc" in res.output


def test_unknown_board(mlp):
    res = run("emulate", mlp, "--board", "esp32")
    assert res.exit_code == 1 and "unknown board 'esp32'" in res.output
