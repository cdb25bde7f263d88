"""Build the instruction-count QEMU plugin (plugin/insn_count.c) once, into a cache directory.

The shared object is keyed by the hash of its sources, so an edited plugin is rebuilt and an
unchanged one is reused across runs. Built with the host gcc against our own minimal header
(plugin/tpl_qemu_plugin.h): Debian's QEMU ships no qemu-plugin.h.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

from ..errors import ToolchainError
from .toolchain import require

PLUGIN_DIR = Path(__file__).resolve().parent / "plugin"
SOURCES = (PLUGIN_DIR / "insn_count.c", PLUGIN_DIR / "tpl_qemu_plugin.h")
CFLAGS = ("-shared", "-fPIC", "-O2", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror")


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/tflm-pipeline`` (default ``~/.cache/tflm-pipeline``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tflm-pipeline"


def plugin_path() -> Path:
    """Path of the built plugin, building it first if this source version is not cached."""
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in SOURCES)).hexdigest()[:16]
    target = cache_dir() / f"insn_count-{digest}.so"
    if target.exists():
        return target
    gcc = require("gcc")
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob("insn_count-*.so"):
        stale.unlink(missing_ok=True)  # built from an older revision of the plugin
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
    os.close(fd)
    try:
        proc = subprocess.run([gcc, *CFLAGS, "-o", tmp, str(SOURCES[0])],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            first = (proc.stderr.strip().splitlines() or ["no output"])[0]
            raise ToolchainError(f"building the QEMU plugin failed: {first}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
