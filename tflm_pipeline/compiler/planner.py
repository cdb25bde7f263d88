"""Offline memory plan for activations: lifetime-based, greedy by size.

Each buffer (an activation tensor, several tensors aliased to one buffer, or an operator's scratch)
lives from the first operator that touches it to the last. Buffers are placed largest first at the
lowest offset that overlaps no already-placed buffer alive at the same time. This is the same
family of planner TFLM's GreedyMemoryPlanner uses, so our arena is no larger than TFLM's; it is
usually smaller, because reshape-like ops share their input's memory instead of copying it.
"""

from __future__ import annotations

from dataclasses import dataclass

ALIGNMENT = 16  # TFLM aligns every arena buffer to 16 bytes; so do we (MVE/DSP loads are happy)


@dataclass
class Buffer:
    key: object      # tensor root index or ("scratch", op_index)
    size: int
    first: int       # first operator index using it (-1: before the first op, i.e. model input)
    last: int        # last operator index using it (n_ops: after the last op, i.e. model output)
    offset: int = -1

    def overlaps_in_time(self, other: "Buffer") -> bool:
        return self.first <= other.last and other.first <= self.last


def _align(x: int) -> int:
    return (x + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


#: Placement orders tried; the plan with the smallest arena wins (ties: the first order).
ORDERS = (
    lambda b: (-b.size, b.first, str(b.key)),                       # largest first (TFLM's order)
    lambda b: (-b.size * (b.last - b.first + 1), b.first, str(b.key)),  # largest area first
    lambda b: (b.first, -b.size, str(b.key)),                       # in order of first use
)


def plan(buffers: list[Buffer]) -> int:
    """Assign ``offset`` to each buffer; return the arena size in bytes.

    Greedy placement is cheap, so several orders are tried and the smallest arena kept.
    """
    best_size, best_offsets = None, None
    for order in ORDERS:
        size = _place(buffers, order)
        if best_size is None or size < best_size:
            best_size, best_offsets = size, [b.offset for b in buffers]
    for b, off in zip(buffers, best_offsets or []):
        b.offset = off
    return best_size or 0


def _place(buffers: list[Buffer], order) -> int:
    placed: list[Buffer] = []
    for buf in sorted(buffers, key=order):
        live = sorted((p for p in placed if p.overlaps_in_time(buf)), key=lambda p: p.offset)
        offset = 0
        for p in live:
            if offset + buf.size <= p.offset:
                break
            offset = max(offset, _align(p.offset + p.size))
        buf.offset = offset
        placed.append(buf)
    return max((_align(b.offset + b.size) for b in buffers), default=0)
