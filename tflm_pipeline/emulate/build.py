"""Build the test firmware for a board: harness + start-up + compiled model + kernels -> ELF.

One arm-none-eabi-gcc call compiles harness, start-up and model and links them with the cached
kernel archive (:mod:`.kernels`, same flags). Everything is ``-O2``: the instruction counts
we report are for the kernels' inner loops, and -O2 is what TFLM builds its kernels with
(``-Os`` trades speed for a few KB of flash we can afford on every board in the table).
``-ffunction-sections -fdata-sections -Wl,--gc-sections`` drop what the model does not call;
``-nostartfiles`` because startup.c is the start-up; newlib-nano supplies memcpy/memset;
``-Wall -Wextra -Werror`` because generated code and kernels promise to compile clean.

Sizes come from linker symbols, not from guesses: flash = vectors + text + rodata + the .data
load image; static RAM = .data + .bss (the arena is in .bss). The linker script carries the
board's real sizes, so a model that does not fit fails at link time; that failure is turned
into a one-line :class:`DoesNotFitError`.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import DoesNotFitError, ToolchainError
from . import protocol
from .boards import Board
from .kernels import KERNELS_DIR, kernel_library
from .linker import FIRMWARE_DIR, MIN_STACK_BYTES, linker_script
from .toolchain import require, require_newlib

HARNESS_SOURCES = (FIRMWARE_DIR / "harness" / "main.c",
                   FIRMWARE_DIR / "boards" / "startup.c",
                   FIRMWARE_DIR / "boards" / "semihost.c")
CFLAGS = ("-mthumb", "-O2", "-std=c11", "-ffunction-sections", "-fdata-sections",
          "-Wall", "-Wextra", "-Werror")
LDFLAGS = ("-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections")
LIBS = ("-lc", "-lm", "-lgcc")


@dataclass(frozen=True)
class Firmware:
    """A linked ELF and what we know about it without running it."""

    elf: Path
    board: Board
    flash_bytes: int        # vectors + text + rodata + .data load image
    static_ram_bytes: int   # .data + .bss (arena included); the stack comes on top
    arena_bytes: int
    mark_begin: int         # address of tpl_mark_begin (Thumb bit cleared)
    mark_end: int


def build_firmware(model_sources: dict[str, str], board: Board, workdir: Path,
                   extra_sources: Sequence[str | Path] = (),
                   extra_include_dirs: Sequence[str | Path] = (),
                   min_stack_bytes: int = MIN_STACK_BYTES) -> Firmware:
    """Write ``model_sources`` (file name -> C text) into ``workdir`` and link them for ``board``.

    The kernel library (``firmware/kernels/src/*.c``, see :mod:`.kernels`) is linked in
    whenever it exists; ``extra_sources``/``extra_include_dirs`` add e.g. custom-op kernels.
    """
    gcc = require("arm-none-eabi-gcc")
    nm = require("arm-none-eabi-nm")
    require_newlib(gcc, board.core.gcc_flags)
    workdir = Path(workdir)
    model_dir = workdir / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    for name, text in model_sources.items():
        (model_dir / name).write_text(text)
    (model_dir / "tpl_harness_config.h").write_text(protocol.config_header())
    script = workdir / f"{board.name}.ld"
    script.write_text(linker_script(board, min_stack_bytes))
    elf = workdir / "firmware.elf"

    flags = (*board.core.gcc_flags, *CFLAGS)
    kernels = kernel_library(flags)
    sources = [*HARNESS_SOURCES, *sorted(model_dir.glob("*.c")), *map(Path, extra_sources)]
    includes = [model_dir, FIRMWARE_DIR / "boards", KERNELS_DIR / "include",
                *map(Path, extra_include_dirs)]
    cmd = [gcc, *flags, *(f"-I{d}" for d in includes), *map(str, sources),
           *([str(kernels)] if kernels else []), *LDFLAGS, f"-Wl,-T,{script}", "-o", str(elf),
           *LIBS]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        _raise_build_error(proc.stderr, board, min_stack_bytes)

    symbols = elf_symbols(nm, elf)
    data_bytes = symbols["__data_end"][0] - symbols["__data_start"][0]
    return Firmware(
        elf=elf, board=board,
        flash_bytes=symbols["__data_load"][0] + data_bytes - board.flash_origin,
        static_ram_bytes=symbols["__bss_end"][0] - board.ram_origin,
        arena_bytes=symbols["tpl_arena"][1],
        mark_begin=symbols["tpl_mark_begin"][0] & ~1,
        mark_end=symbols["tpl_mark_end"][0] & ~1)


def elf_symbols(nm: str, elf: Path) -> dict[str, tuple[int, int]]:
    """Symbol name -> (address, size) from ``arm-none-eabi-nm -S`` (size 0 when nm gives none)."""
    out = subprocess.run([nm, "-S", str(elf)], capture_output=True, text=True, check=True).stdout
    symbols = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4:
            symbols[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
        elif len(parts) == 3:
            symbols[parts[2]] = (int(parts[0], 16), 0)
    return symbols


_OVERFLOW = re.compile(r"region `(FLASH|RAM)' overflowed by (\d+) bytes")


def _raise_build_error(stderr: str, board: Board, min_stack_bytes: int):
    """Turn a failed gcc/ld run into one line: DoesNotFitError for overflows, else ToolchainError."""
    overflow = dict((region, int(n)) for region, n in _OVERFLOW.findall(stderr))
    if "FLASH" in overflow:
        need = board.flash_bytes + overflow["FLASH"]
        raise DoesNotFitError(f"model needs {need:,} bytes of flash, {board.name} has "
                              f"{board.flash_bytes:,}")
    if "RAM" in overflow:
        need = board.ram_bytes + overflow["RAM"]
        raise DoesNotFitError(f"model needs {need:,} bytes of RAM (with a {min_stack_bytes:,}-byte "
                              f"minimum stack), {board.name} has {board.ram_bytes:,}")
    errors = [ln for ln in stderr.splitlines() if "error" in ln] or stderr.strip().splitlines()
    raise ToolchainError(f"arm-none-eabi-gcc failed: {errors[0] if errors else 'no output'}")
