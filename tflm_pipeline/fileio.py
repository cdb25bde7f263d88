"""Atomic file output: write to a temporary file beside the target, then rename.

A failure half-way (bad input detected late, Ctrl-C) never leaves a partial output file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` so readers see either the old file or the complete new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Text flavour of :func:`write_bytes_atomic` (UTF-8)."""
    return write_bytes_atomic(path, text.encode("utf-8"))


@contextlib.contextmanager
def staged_directory(final_dir: str | os.PathLike):
    """Yield a fresh staging directory; on success move its files into ``final_dir``.

    Used by commands that write several files (convert writes model.tflite, model_data.cc, ...):
    either all of them appear, or none does.
    """
    final_dir = Path(final_dir)
    final_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{final_dir.name}.", dir=final_dir.parent))
    try:
        yield stage
        final_dir.mkdir(parents=True, exist_ok=True)
        for item in stage.iterdir():
            os.replace(item, final_dir / item.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
