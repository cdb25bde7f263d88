"""Broadcast geometry of binary elementwise ops (ADD, SUB, MUL), folded to at most 4 loops.

TFLM walks a broadcast with per-dimension strides (NdArrayDesc, 6-D); every output element is a
function of one element of each input, so the order of the walk does not change a single bit. We
compute the strides at compile time and merge dimensions that can be walked as one, so the kernel
runs one flat loop for same-shape operands and two loops for ``[1,H,W,C] + [C]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_DIMS = 4


@dataclass(frozen=True)
class Broadcast4:
    """``out[i0][i1][i2][i3] = f(in1[sum(i_k * in1_stride[k])], in2[sum(i_k * in2_stride[k])])``."""

    shape: tuple[int, int, int, int]
    in1_stride: tuple[int, int, int, int]
    in2_stride: tuple[int, int, int, int]


def _strides(shape: tuple[int, ...], out_shape: tuple[int, ...]) -> list[int]:
    rank = len(out_shape)
    shape = (1,) * (rank - len(shape)) + tuple(shape)
    strides, step = [0] * rank, 1
    for d in range(rank - 1, -1, -1):
        if shape[d] == out_shape[d]:
            strides[d] = step if out_shape[d] > 1 else 0
        elif shape[d] == 1:
            strides[d] = 0
        else:
            raise ValueError(f"shape {list(shape)} does not broadcast to {list(out_shape)}")
        step *= shape[d]
    return strides


def broadcast_geometry(shape1, shape2, out_shape) -> Broadcast4 | None:
    """Folded loops for ``shape1 (op) shape2 -> out_shape``; ``None`` if more than 4 remain."""
    out_shape = tuple(int(d) for d in out_shape) or (1,)
    s1, s2 = _strides(tuple(shape1), out_shape), _strides(tuple(shape2), out_shape)
    dims = [(n, a, b) for n, a, b in zip(out_shape, s1, s2) if n > 1]
    merged: list[list[int]] = []
    for n, a, b in dims:
        if merged:
            pn, pa, pb = merged[-1]
            # the previous (outer) dim continues this one when its stride is this one's span
            if pa == a * n and pb == b * n:
                merged[-1] = [pn * n, a, b]
                continue
        merged.append([n, a, b])
    if not merged:
        merged = [[1, 0, 0]]
    if len(merged) > MAX_DIMS:
        return None
    merged = [[1, 0, 0]] * (MAX_DIMS - len(merged)) + merged
    return Broadcast4(tuple(m[0] for m in merged), tuple(m[1] for m in merged),
                      tuple(m[2] for m in merged))


def reference_broadcast(fn, x1: np.ndarray, x2: np.ndarray, out_shape) -> np.ndarray:
    """NumPy reference: apply ``fn`` elementwise with NumPy broadcasting (TFLM's semantics)."""
    a, b = np.broadcast_arrays(np.asarray(x1, np.int64), np.asarray(x2, np.int64))
    return fn(a, b).reshape(out_shape)
