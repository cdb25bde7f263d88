"""`tflm-deploy emulate` as one call: compile a .tflite, run it on an emulated board, and check
every output against the TFLM host interpreter on the same inputs.

The verdict a user acts on: bit-exact or not (with the mismatch count), fits the board or not
(flash and RAM against the board's real sizes), and instructions per inference counted exactly by
the QEMU plugin. Latency figures are estimates (clock and assumed IPC) and are labelled so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .. import flatbuffer, tflm_host
from ..compiler import compile_model
from ..errors import DoesNotFitError, PipelineError
from .boards import Board, get_board
from .run import emulate


@dataclass
class EmulateReport:
    board: str
    cpu: str
    examples: int
    bit_exact: bool
    mismatches: int
    instructions: int | None             # per inference (mean over examples; all equal for most models)
    instructions_min: int | None
    instructions_max: int | None
    flash_bytes: int | None
    ram_bytes: int | None
    stack_bytes: int | None
    arena_bytes: int
    tflm_arena_bytes: int | None
    board_flash_bytes: int
    board_ram_bytes: int
    fits: bool
    estimated_ms: float | None
    latency_assumption: str
    reason: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def ok(self) -> bool:
        return self.bit_exact and self.fits


def _quantize(x: np.ndarray, t: flatbuffer.Tensor) -> np.ndarray:
    """Float inputs for an integer input tensor are quantized with its scale and zero point."""
    if np.issubdtype(x.dtype, np.floating) and t.dtype in ("INT8", "INT16"):
        info = np.iinfo(t.numpy_dtype)
        q = np.floor(np.abs(x / t.scale[0]) + 0.5) * np.sign(x) + t.zero_point[0]
        return np.clip(q, info.min, info.max).astype(t.numpy_dtype)
    if np.issubdtype(x.dtype, np.integer) and t.dtype in ("INT8", "INT16"):
        info = np.iinfo(t.numpy_dtype)
        if x.size and (x.min() < info.min or x.max() > info.max):
            raise PipelineError(f"input values span [{x.min()}, {x.max()}], outside {t.dtype.lower()}")
    return x.astype(t.numpy_dtype)


def prepare_inputs(model: flatbuffer.Model, arrays: list[np.ndarray] | None, n: int,
                   seed: int = 0) -> list[np.ndarray]:
    """Stack user inputs to (examples, *input shape); default: random over the full range."""
    tensors = [model.main.tensors[i] for i in model.main.inputs]
    if arrays is None:
        rng = np.random.default_rng(seed)
        out = []
        for t in tensors:
            if t.dtype in ("INT8", "INT16"):
                info = np.iinfo(t.numpy_dtype)
                out.append(rng.integers(info.min, info.max + 1, size=(n,) + t.shape, dtype=t.numpy_dtype))
            else:
                out.append(rng.standard_normal((n,) + t.shape).astype(t.numpy_dtype))
        return out
    if len(arrays) != len(tensors):
        raise PipelineError(f"the model has {len(tensors)} inputs, {len(arrays)} input arrays were given")
    out = []
    for x, t in zip(arrays, tensors):
        x = np.asarray(x)
        size = int(np.prod(t.shape))
        if x.size % size:
            raise PipelineError(f"input array of shape {list(x.shape)} does not hold whole examples "
                                f"of shape {list(t.shape)}")
        out.append(_quantize(x.reshape((-1,) + t.shape), t))
    return out


def load_input_file(path: str | Path) -> list[np.ndarray]:
    """``.npy``: the one input's examples; ``.npz``: arrays ``x`` or ``x0``, ``x1``, ..."""
    path = Path(path)
    try:
        data = np.load(path)
    except Exception as exc:
        raise PipelineError(f"cannot read inputs {path}: {exc}".splitlines()[0]) from None
    if isinstance(data, np.ndarray):
        return [data]
    if "x" in data.files:
        return [data["x"]]
    keys = sorted((k for k in data.files if k[:1] == "x" and k[1:].isdigit()), key=lambda k: int(k[1:]))
    if not keys:
        raise PipelineError(f"{path} holds no array 'x' (or x0, x1, ...)")
    return [data[k] for k in keys]


def check_on_board(model_path: str | Path, board: Board | str, inputs: list[np.ndarray] | None = None,
                   *, examples: int = 10, seed: int = 0, progress: bool = False,
                   measure_tflm_arena: bool = True) -> EmulateReport:
    """Compile ``model_path``, emulate it on ``board``, compare with TFLM; never raises for a
    mismatch or a board that is too small (the report says so), only for unusable input."""
    board = get_board(board) if isinstance(board, str) else board
    model = flatbuffer.load(model_path)
    custom = sorted({op.name for op in model.main.operators if op.is_custom})
    if custom:
        raise PipelineError(
            f"the TFLM host interpreter cannot run custom op {', '.join(custom)}, so there is no oracle "
            "to check against: emulate the stock form (convert --quantize ternary without --pack), "
            "whose outputs the packed form reproduces bit for bit")
    compiled = compile_model(model)
    xs = prepare_inputs(model, inputs, examples, seed)
    specs = [(model.main.tensors[i].shape, model.main.tensors[i].numpy_dtype) for i in model.main.outputs]
    tflm_arena = tflm_host.measure_arena(str(model_path)).total if measure_tflm_arena else None
    assumption = f"{board.clock_mhz} MHz, assumed IPC {board.core.ipc:g}"
    common = dict(board=board.name, cpu=board.cpu, examples=len(xs[0]), arena_bytes=compiled.arena_bytes,
                  tflm_arena_bytes=tflm_arena, board_flash_bytes=board.flash_bytes,
                  board_ram_bytes=board.ram_bytes, latency_assumption=assumption)
    try:
        result = emulate(compiled.sources, board, xs, output_specs=specs,
                         extra_sources=compiled.extra_sources,
                         extra_include_dirs=compiled.include_dirs, progress=progress)
    except DoesNotFitError as exc:
        return EmulateReport(**common, bit_exact=False, mismatches=-1, instructions=None,
                             instructions_min=None, instructions_max=None, flash_bytes=None,
                             ram_bytes=None, stack_bytes=None, fits=False, estimated_ms=None,
                             reason=str(exc))
    expected = tflm_host.run(model.data, xs)
    mismatches = int(sum(np.count_nonzero(e != g) for e, g in zip(expected, result.outputs)))
    counts = result.instructions_per_inference
    mean = int(round(sum(counts) / len(counts))) if counts else None
    fits = result.flash_bytes <= board.flash_bytes and result.ram_bytes <= board.ram_bytes
    reason = None
    if not fits:
        reason = (f"model needs {result.flash_bytes:,} bytes of flash and {result.ram_bytes:,} bytes of "
                  f"RAM, {board.name} has {board.flash_bytes:,} and {board.ram_bytes:,}")
    elif mismatches:
        total = sum(e.size for e in expected)
        reason = f"{mismatches} of {total} output values differ from the TFLM host interpreter"
    return EmulateReport(
        **common, bit_exact=mismatches == 0, mismatches=mismatches, instructions=mean,
        instructions_min=min(counts) if counts else None, instructions_max=max(counts) if counts else None,
        flash_bytes=result.flash_bytes, ram_bytes=result.ram_bytes, stack_bytes=result.stack_bytes,
        fits=fits, estimated_ms=board.estimate_ms(mean) if mean else None, reason=reason)


def format_report(r: EmulateReport) -> str:
    def num(v):
        return "-" if v is None else f"{v:,}"

    lines = [
        f"board:         {r.board} ({r.cpu})",
        f"bit-exact:     {'yes' if r.bit_exact else 'NO'} vs TFLM host interpreter "
        f"({r.examples} examples, {r.mismatches if r.mismatches >= 0 else '-'} mismatching values)",
        f"instructions:  {num(r.instructions)} per inference (exact, QEMU plugin)",
        "latency:       " + (f"~{r.estimated_ms:.3f} ms (estimate: {r.latency_assumption})"
                              if r.estimated_ms else "-"),
        f"flash:         {num(r.flash_bytes)} of {r.board_flash_bytes:,} bytes",
        f"RAM:           {num(r.ram_bytes)} of {r.board_ram_bytes:,} bytes "
        f"(stack high-water {num(r.stack_bytes)})",
        f"arena:         {r.arena_bytes:,} bytes (TFLM on the host: {num(r.tflm_arena_bytes)})",
        f"fits:          {'yes' if r.fits else 'NO'}",
    ]
    if r.reason:
        lines.append(f"reason:        {r.reason}")
    return "\n".join(lines)
