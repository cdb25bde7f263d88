"""The oracle: the real TFLM interpreter on the host, from the ``tflite-micro`` wheel.

Our firmware runtime must give the same int8 outputs as this interpreter, bit for bit. Two uses:

* :func:`run` invokes the model on a batch of inputs (one invoke per example) in this process,
  with an arena large enough for any model we accept (TFLM's LSTM kernel crashes on a too-small
  arena, so we never probe sizes in-process);
* :func:`measure_arena` starts a subprocess that asks TFLM's recording allocator how much arena
  the model really needs, so a crash there cannot take the caller down.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass

import numpy as np

from .errors import PipelineError

#: Arena handed to the host interpreter for oracle runs (host RAM is cheap; too small crashes).
ORACLE_ARENA_BYTES = 32 * 1024 * 1024


def _interpreter(model_bytes: bytes, arena_size: int = ORACLE_ARENA_BYTES):
    from tflite_micro import runtime

    try:
        return runtime.Interpreter.from_bytes(bytes(model_bytes), arena_size=arena_size)
    except Exception as exc:
        raise PipelineError(f"the TFLM host interpreter rejected the model: {exc}".splitlines()[0]) from None


def run(model_bytes: bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Invoke TFLM once per example.

    ``inputs[i]`` holds every example for model input ``i`` stacked on a leading axis; each
    example has the input's own shape (batch 1 included). Returns one stacked array per output.
    """
    from .flatbuffer import parse

    n_outputs = len(parse(model_bytes).main.outputs)
    interp = _interpreter(model_bytes)
    outs: list[list[np.ndarray]] = [[] for _ in range(n_outputs)]
    for k in range(len(inputs[0])):
        for i, x in enumerate(inputs):
            interp.set_input(np.ascontiguousarray(x[k]), i)
        interp.invoke()
        for j in range(n_outputs):
            outs[j].append(np.array(interp.get_output(j), copy=True))
        interp.reset()
    return [np.stack(o) for o in outs]


@dataclass(frozen=True)
class TflmArena:
    """Arena use reported by TFLM's RecordingMicroAllocator on this (64-bit) host.

    ``total`` is what a TFLM user must allocate. ``head`` is the part TFLM's memory planner lays
    out for activations and scratch; ``tail`` holds persistent structs whose size depends on the
    pointer width, so it is larger on the host than on a 32-bit Cortex-M.
    """

    total: int
    head: int
    tail: int


_ARENA_RE = re.compile(r"Arena allocation (total|head|tail) (\d+) bytes")


def measure_arena(model_path: str) -> TflmArena:
    """Measure TFLM's arena for ``model_path`` in a subprocess (crash-safe)."""
    proc = subprocess.run(
        [sys.executable, "-m", "tflm_pipeline.tflm_host", str(model_path)],
        capture_output=True, text=True, timeout=600)
    found = dict((k, int(v)) for k, v in _ARENA_RE.findall(proc.stderr + proc.stdout))
    if proc.returncode != 0 or "total" not in found:
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        raise PipelineError(f"TFLM could not allocate or run {model_path}: {last}")
    return TflmArena(found["total"], found.get("head", 0), found.get("tail", 0))


def _probe_main(path: str) -> None:
    """Subprocess entry: allocate, invoke once on zeros, print the allocator's report."""
    with open(path, "rb") as f:
        data = f.read()
    interp = _interpreter(data)
    i = 0
    while True:
        try:
            d = interp.get_input_details(i)
        except Exception:
            break
        interp.set_input(np.zeros(d["shape"], d["dtype"]), i)
        i += 1
    interp.invoke()
    sys.stderr.flush()
    interp.print_allocations()


if __name__ == "__main__":
    _probe_main(sys.argv[1])
