"""The kernel library (firmware/kernels/src/*.c) compiled once per core into a cached archive.

Kernels do not depend on the model, so rebuilding them for every emulated run would only cost
time (seconds per run). The archive is keyed by the compiler flags and the content of every
kernel source and header, so editing a kernel rebuilds it (and drops the archive of the previous
revision for the same flags, so the cache does not grow with every edit). Linking an archive also pulls in only
the kernels a model calls.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import ToolchainError
from .linker import FIRMWARE_DIR
from .plugin import cache_dir
from .toolchain import require

KERNELS_DIR = FIRMWARE_DIR / "kernels"


def kernel_library(flags: tuple[str, ...]) -> Path | None:
    """Path of ``libtpl_kernels-<key>.a`` built with ``flags``; None when there are no kernels."""
    sources = sorted((KERNELS_DIR / "src").glob("*.c"))
    if not sources:
        return None
    gcc = require("arm-none-eabi-gcc")
    headers = sorted((KERNELS_DIR / "include").rglob("*.h"))
    flags_key = hashlib.sha256(repr((gcc, flags)).encode()).hexdigest()[:12]
    content = hashlib.sha256()
    for path in sources + headers:
        content.update(path.name.encode() + b"\0" + path.read_bytes())
    target = cache_dir() / f"libtpl_kernels-{flags_key}-{content.hexdigest()[:12]}.a"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f"libtpl_kernels-{flags_key}-*.a"):
        stale.unlink(missing_ok=True)  # an older revision of the kernels for these flags
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        objects = [Path(tmp) / f"{src.stem}.o" for src in sources]
        cmds = [[gcc, *flags, f"-I{KERNELS_DIR / 'include'}", "-c", str(src), "-o", str(obj)]
                for src, obj in zip(sources, objects)]
        with ThreadPoolExecutor(os.cpu_count()) as pool:
            for proc in pool.map(lambda c: subprocess.run(c, capture_output=True, text=True), cmds):
                if proc.returncode != 0:
                    first = (proc.stderr.strip().splitlines() or ["no output"])[0]
                    raise ToolchainError(f"compiling the kernels failed: {first}")
        archive = Path(tmp) / "lib.a"
        subprocess.run([require("arm-none-eabi-ar"), "rcs", str(archive), *map(str, objects)],
                       check=True, capture_output=True)
        os.replace(archive, target)
    return target
