"""`tflm-deploy inspect`: what a .tflite holds and what it costs on a microcontroller.

Reports the operator table (MACs per op from the compiler's own per-op accounting), tensors,
weight and model bytes, weight bits per layer (int8, or ternary codes that packing would shrink
to 2 bits), the arena TFLM really allocates (measured with the TFLM host interpreter in a
subprocess) and the arena our offline planner needs for the same model.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path


from . import flatbuffer, tflm_host
from .compiler import compile_model
from .errors import PipelineError
from .quantization.packing import flash_saving, weight_bits

@dataclass
class OpRow:
    index: int
    name: str
    macs: int | None
    weight_bytes: int
    weight_bits: float | None    # stored bits per weight (8 for int8; about 2 for packed ternary)
    ternary: bool                # at most 3 distinct codes per channel (ternary, packed or not)
    output_shape: list[int]


@dataclass
class Inspection:
    model_bytes: int
    weight_bytes: int
    ops: list[OpRow]
    op_counts: dict[str, int]
    tensors: list[dict]
    tflm_arena_bytes: int | None
    tflm_arena_head_bytes: int | None
    planned_arena_bytes: int | None
    total_macs: int | None
    packing_saves_bytes: int           # flash the 2-bit packing saves (or would save, if stock)
    packed: bool                       # the model already holds packed ternary ops
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def inspect_model(path: str | Path, measure_tflm: bool = True) -> Inspection:
    """Inspect the .tflite at ``path``."""
    model = flatbuffer.load(path)
    sg = model.main
    notes: list[str] = []
    macs_by_op: dict[int, int] = {}
    planned = None
    try:
        compiled = compile_model(model)
        planned = compiled.arena_bytes
        macs_by_op = {i: c.macs for i, c in enumerate(compiled.calls)}
    except PipelineError as exc:
        notes.append(f"tflm-pipeline runtime: {exc}")
    layers = {row.op_index: row for row in weight_bits(model)}
    packed = any(row.bits_per_weight < 8 for row in layers.values())
    if packed:
        saves = flash_saving(model)
    else:  # stock ternary layers: what packing 4 codes per byte would save
        saves = sum(r.stored_bytes - (r.weights + 3) // 4 for r in layers.values() if r.distinct_codes <= 3)
    rows = []
    for op in sg.operators:
        layer = layers.get(op.index)
        out_shape = list(sg.tensors[op.outputs[0]].shape) if op.outputs else []
        rows.append(OpRow(op.index, op.name, macs_by_op.get(op.index),
                          layer.stored_bytes if layer else 0,
                          round(layer.bits_per_weight, 2) if layer else None,
                          bool(layer and layer.distinct_codes <= 3), out_shape))
    tensors = [{"index": t.index, "name": t.name, "shape": list(t.shape), "dtype": t.dtype.lower(),
                "bytes": t.nbytes, "constant": t.is_constant} for t in sg.tensors]
    tflm_total = tflm_head = None
    if measure_tflm:
        try:
            arena = tflm_host.measure_arena(str(path))
            tflm_total, tflm_head = arena.total, arena.head
        except PipelineError as exc:
            notes.append(str(exc))
    weight_bytes = sum(t.nbytes for t in sg.tensors if t.is_constant)
    return Inspection(
        model_bytes=len(model.data), weight_bytes=weight_bytes, ops=rows,
        op_counts=dict(Counter(op.name for op in sg.operators)), tensors=tensors,
        tflm_arena_bytes=tflm_total, tflm_arena_head_bytes=tflm_head, planned_arena_bytes=planned,
        total_macs=sum(macs_by_op.values()) if macs_by_op else None,
        packing_saves_bytes=saves, packed=packed, notes=notes)


def format_table(info: Inspection) -> str:
    """Human-readable report: op table, then sizes and arenas."""
    def num(v):
        return "-" if v is None else f"{v:,}"

    lines = [f"{'#':>3}  {'op':<30} {'MACs':>12} {'weights B':>10} {'bits':>5}  output"]
    for r in info.ops:
        bits = "-" if r.weight_bits is None else f"{r.weight_bits:g}{'t' if r.ternary else ''}"
        lines.append(f"{r.index:>3}  {r.name:<30} {num(r.macs):>12} {num(r.weight_bytes):>10} {bits:>5}  {r.output_shape}")
    lines.append("")
    lines.append(f"model bytes:          {info.model_bytes:,}")
    lines.append(f"weight bytes:         {info.weight_bytes:,}")
    lines.append(f"total MACs:           {num(info.total_macs)}")
    lines.append(f"TFLM arena (host):    {num(info.tflm_arena_bytes)} "
                 f"(planned activations {num(info.tflm_arena_head_bytes)}; rest is TFLM's own structs)")
    lines.append(f"tflm-pipeline arena:  {num(info.planned_arena_bytes)}")
    if info.packed:
        lines.append(f"2-bit ternary packing saves {info.packing_saves_bytes:,} bytes of flash against int8")
    elif info.packing_saves_bytes:
        lines.append(f"ternary layers ('t'): 2-bit packing (convert --quantize ternary --pack) would save "
                     f"{info.packing_saves_bytes:,} bytes of flash")
    lines += [f"note: {n}" for n in info.notes]
    return "\n".join(lines)
