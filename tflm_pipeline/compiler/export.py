"""Write a compiled model and the kernel sources it needs into a folder a firmware build can use."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..fileio import staged_directory
from ..flatbuffer import load
from .codegen import CompiledModel, compile_model


def export_sources(compiled: CompiledModel, out_dir: str | Path) -> list[Path]:
    """Copy model.c/.h, every kernel source and header into ``out_dir`` (all or nothing)."""
    out_dir = Path(out_dir)
    names = []
    with staged_directory(out_dir) as stage:
        for name, text in compiled.sources.items():
            (stage / name).write_text(text)
            names.append(name)
        for src in compiled.kernel_sources:
            shutil.copy(src, stage / Path(src).name)
            names.append(Path(src).name)
        for inc in compiled.include_dirs:
            for header in sorted(Path(inc).glob("*.h")):
                shutil.copy(header, stage / header.name)
                names.append(header.name)
    return [out_dir / n for n in names]


def compile_file(model_path: str | Path, out_dir: str | Path) -> tuple[CompiledModel, list[Path]]:
    compiled = compile_model(load(model_path))
    return compiled, export_sources(compiled, out_dir)
