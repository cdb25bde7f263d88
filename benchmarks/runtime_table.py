"""Arena, flash and instructions of every reference model: tflm-pipeline vs TFLM.

For each model in tflm_pipeline.model_zoo: convert to int8, measure TFLM's arena with the TFLM
host interpreter (total, and the part its planner lays out for activations), compile with our
compiler (planned arena), and run on emulated boards (exact instructions per inference, flash,
RAM, bit-exact check). Writes benchmarks/results/runtime.md (and .json).

    python benchmarks/runtime_table.py [--boards mps2-an386,mps3-an547] [--models mlp,ds_cnn_s]

TFLM+CMSIS-NN reference (measured on these QEMU machines, quoted in issue #2): DS-CNN-S
7.70 M instructions per inference on mps2-an386 (M4F), 1.82 M on mps3-an547 (M55).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tflm_pipeline import flatbuffer  # noqa: E402
from tflm_pipeline.convert import check_integer_only, convert_keras_model  # noqa: E402
from tflm_pipeline.emulate.check import check_on_board  # noqa: E402
from tflm_pipeline.model_zoo import ZOO, build  # noqa: E402
from tflm_pipeline.tflm_host import measure_arena  # noqa: E402

TFLM_CMSIS_DS_CNN_S = {"mps2-an386": 7_700_000, "mps3-an547": 1_820_000}


def convert_zoo(name: str, tmp: Path) -> Path:
    entry = ZOO[name]
    model = build(name)
    rng = np.random.default_rng(0)
    reps = [rng.standard_normal((64,) + tuple(int(d) for d in t.shape[1:])).astype(np.float32)
            for t in model.inputs]
    data = convert_keras_model(model, reps, fused_lstm=entry.fused_lstm)
    check_integer_only(flatbuffer.parse(data))
    path = tmp / f"{name}.tflite"
    path.write_bytes(data)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boards", default="mps2-an386,mps3-an547")
    ap.add_argument("--models", default=",".join(ZOO))
    ap.add_argument("--examples", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "runtime"))
    args = ap.parse_args()
    boards = args.boards.split(",")
    rows = []
    start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            path = convert_zoo(name, Path(tmp))
            tflm = measure_arena(str(path))
            row = {"model": name, "model_bytes": path.stat().st_size, "tflm_arena_total": tflm.total,
                   "tflm_arena_planned": tflm.head}
            for board in boards:
                r = check_on_board(path, board, examples=args.examples, measure_tflm_arena=False)
                row["arena"] = r.arena_bytes
                row[f"{board}:instructions"] = r.instructions
                row[f"{board}:flash"] = r.flash_bytes
                row[f"{board}:ram"] = r.ram_bytes
                row[f"{board}:bit_exact"] = r.bit_exact
                print(f"{name:>14} {board:>11}: {r.instructions:>11,} instr  bit-exact={r.bit_exact}",
                      flush=True)
            rows.append(row)
    lines = ["| model | model B | our arena B | TFLM arena B (total / planned part) | "
             + " | ".join(f"{b} instructions | {b} flash B | {b} RAM B" for b in boards) + " | bit-exact |",
             "|" + "---|" * (5 + 3 * len(boards))]
    for r in rows:
        cells = [r["model"], f"{r['model_bytes']:,}", f"{r['arena']:,}",
                 f"{r['tflm_arena_total']:,} / {r['tflm_arena_planned']:,}"]
        for b in boards:
            cells += [f"{r[f'{b}:instructions']:,}", f"{r[f'{b}:flash']:,}", f"{r[f'{b}:ram']:,}"]
        cells.append("yes" if all(r[f"{b}:bit_exact"] for b in boards) else "NO")
        lines.append("| " + " | ".join(cells) + " |")
    ds = next((r for r in rows if r["model"] == "ds_cnn_s"), None)
    notes = [f"Run time {time.time() - start:.0f} s. Instructions are exact (QEMU plugin), per inference, "
             "mean over the examples. TFLM arenas are measured on the 64-bit host; on a 32-bit MCU "
             "TFLM's own structs are smaller, its planned part is the same."]
    if ds:
        for b, ref in TFLM_CMSIS_DS_CNN_S.items():
            if f"{b}:instructions" in ds:
                notes.append(f"DS-CNN-S on {b}: {ds[f'{b}:instructions']:,} instructions vs TFLM+CMSIS-NN "
                             f"{ref:,} = {ds[f'{b}:instructions'] / ref:.2f}x (target <= 0.6x).")
    text = "# Runtime: arena, flash, instructions\n\n" + "\n".join(lines) + "\n\n" + "\n\n".join(notes) + "\n"
    Path(args.out + ".md").write_text(text)
    Path(args.out + ".json").write_text(json.dumps(rows, indent=2) + "\n")
    print(text)


if __name__ == "__main__":
    main()
