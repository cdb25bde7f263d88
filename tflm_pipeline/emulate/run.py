"""Run a compiled model on an emulated board: build, run in QEMU, count instructions, read outputs.

Example (needs arm-none-eabi-gcc and qemu-system-arm)::

    result = emulate({"model.c": c_text, "model.h": h_text}, "mps2-an386", [x])
    result.outputs[0]                     # int8, shape (n_examples, output 0 bytes)
    result.instructions_per_inference     # exact counts from the QEMU plugin
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import click
import numpy as np

from ..errors import PipelineError, ToolchainError
from . import protocol
from .boards import Board, get_board
from .build import build_firmware
from .plugin import plugin_path
from .qemu import run_qemu
from .toolchain import require


@dataclass(frozen=True)
class EmulationResult:
    """What one emulated run measured.

    ``instructions_per_inference`` counts from the first instruction of ``tpl_mark_begin`` to
    the call of ``tpl_mark_end``: the model's ``tpl_model_invoke`` plus a constant call overhead
    (an empty invoke counts 8 with GCC 12 -O2 on every core in the table).
    ``ram_bytes`` = static RAM (.data + .bss, arena included) + the stack high-water mark.
    Latencies are *estimates* (:meth:`estimated_ms`): instructions at the board's clock and an
    assumed IPC; QEMU models no timing.
    """

    outputs: list[np.ndarray]
    instructions_per_inference: list[int]
    flash_bytes: int
    ram_bytes: int
    stack_bytes: int
    arena_bytes: int
    board: str
    cpu: str
    clock_mhz: int
    assumed_ipc: float
    qemu_seconds: float

    def estimated_ms(self) -> list[float]:
        """Per-inference latency estimate in ms at ``clock_mhz`` and ``assumed_ipc``."""
        return [n / (self.assumed_ipc * self.clock_mhz * 1000.0)
                for n in self.instructions_per_inference]

    def latency_label(self) -> str:
        """Mean latency, labelled as the estimate it is, e.g. for a report table."""
        ms = self.estimated_ms()
        mean = sum(ms) / len(ms) if ms else float("nan")
        return (f"~{mean:.3f} ms (estimate: {self.clock_mhz} MHz, assumed IPC "
                f"{self.assumed_ipc:g})")


OutputSpec = tuple[tuple[int, ...], np.dtype]


def emulate(compiled_model_sources: dict[str, str], board: Board | str,
            inputs: list[np.ndarray], *, output_specs: Sequence[OutputSpec] | None = None,
            extra_sources: Sequence[str | Path] = (),
            extra_include_dirs: Sequence[str | Path] = (), count_instructions: bool = True,
            progress: bool = False, timeout_s: float = 300.0) -> EmulationResult:
    """Build firmware for ``board`` around the compiled model and run it on ``inputs``.

    ``compiled_model_sources`` maps file names to C text (at least ``model.c`` and ``model.h``).
    ``inputs[i]`` stacks every example of model input ``i`` on a leading axis (as
    :func:`tflm_pipeline.tflm_host.run` takes them). Outputs come back one stacked array per
    model output: with ``output_specs`` ((per-example shape, dtype) per output) in that shape
    and dtype, else as int8 of shape (n_examples, output bytes). Everything happens in a
    temporary directory, so nothing partial is ever left behind.
    """
    board = get_board(board) if isinstance(board, str) else board
    require("qemu-system-arm")  # before a build that would be wasted
    data, n = protocol.pack_inputs(inputs)
    with tempfile.TemporaryDirectory(prefix="tflm-emulate-") as tmp:
        work = Path(tmp)
        firmware = build_firmware(compiled_model_sources, board, work / "build",
                                  extra_sources, extra_include_dirs)
        (work / protocol.IN_FILE).write_bytes(data)
        plugin = None
        if count_instructions:
            plugin = (f"{plugin_path()},begin=0x{firmware.mark_begin:x},"
                      f"end=0x{firmware.mark_end:x},out=counts.txt")
        run = _run_with_progress(board, firmware.elf, work, plugin, n, progress, timeout_s)
        _check_exit(run.exit_code, run.console, board)
        raw, stack = protocol.unpack_outputs((work / protocol.OUT_FILE).read_bytes(), n)
        counts = _read_counts(work / "counts.txt", n) if count_instructions else []
    return EmulationResult(
        outputs=_shape_outputs(raw, output_specs), instructions_per_inference=counts,
        flash_bytes=firmware.flash_bytes, ram_bytes=firmware.static_ram_bytes + stack,
        stack_bytes=stack, arena_bytes=firmware.arena_bytes, board=board.name, cpu=board.cpu,
        clock_mhz=board.clock_mhz, assumed_ipc=board.core.ipc, qemu_seconds=run.seconds)


def _run_with_progress(board, elf, work, plugin, n, progress, timeout_s):
    if not progress:
        return run_qemu(board, elf, work, plugin=plugin, timeout_s=timeout_s)
    with click.progressbar(length=n, label=f"{board.name}", file=click.get_text_stream("stderr")) as bar:
        def tick(text: str) -> None:
            bar.update(text.count(protocol.PROGRESS_CHAR))
        return run_qemu(board, elf, work, plugin=plugin, timeout_s=timeout_s, on_console=tick)


def _check_exit(code: int, console: str, board: Board) -> None:
    """Map a non-zero exit to one line: the harness's own codes, else QEMU's last message."""
    if code == 0:
        return
    lines = [ln.lstrip(protocol.PROGRESS_CHAR).strip() for ln in console.splitlines()]
    last = next((ln for ln in reversed(lines) if ln), "no output")
    try:
        meaning = protocol.EXIT_MEANING[protocol.Exit(code)]
    except (ValueError, KeyError):
        raise ToolchainError(f"qemu-system-arm ({board.qemu_machine}) exited with {code}: {last}") from None
    raise PipelineError(f"firmware on {board.name} stopped with exit code {code} ({meaning}): {last}")


def _read_counts(path: Path, n: int) -> list[int]:
    text = path.read_text() if path.exists() else ""
    counts = [int(v) for v in re.findall(r"\d+", text)]
    if len(counts) != n:
        raise PipelineError(f"the instruction-count plugin recorded {len(counts)} inferences, expected {n}")
    return counts


def _shape_outputs(raw: list[np.ndarray], specs: Sequence[OutputSpec] | None) -> list[np.ndarray]:
    if specs is None:
        return [r.view(np.int8) for r in raw]
    if len(specs) != len(raw):
        raise PipelineError(f"the model has {len(raw)} outputs, output_specs describe {len(specs)}")
    shaped = []
    for i, (r, (shape, dtype)) in enumerate(zip(raw, specs)):
        dtype = np.dtype(dtype)
        want = int(np.prod(shape)) * dtype.itemsize
        if r.shape[1] != want:
            raise PipelineError(f"output {i} has {r.shape[1]} bytes per example, "
                                f"its spec {tuple(shape)} {dtype} needs {want}")
        shaped.append(np.ascontiguousarray(r).view(dtype).reshape((len(r), *shape)))
    return shaped
