"""Build a compiled model for the host (x86) and run it: fast bit-exactness checks of the C.

The firmware and this host build share every line of kernel and model code; only the driver
differs (stdio here, semihosting on the boards). Compiled with -Wall -Wextra -Werror.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..errors import ToolchainError
from .codegen import KERNEL_DIR, CompiledModel

HOST_MAIN = KERNEL_DIR.parent / "host" / "host_main.c"
CFLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function"]


def build_host(compiled: CompiledModel, workdir: Path) -> Path:
    """Write the sources into ``workdir`` and link a host executable; return its path."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        raise ToolchainError("no host C compiler found: apt-get install gcc")
    for name, text in compiled.sources.items():
        (workdir / name).write_text(text)
    exe = workdir / "model_host"
    cmd = [cc, *CFLAGS, "-I", str(workdir), *(f"-I{d}" for d in compiled.include_dirs),
           str(workdir / "model.c"), str(HOST_MAIN), *compiled.kernel_sources, "-lm", "-o", str(exe)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ToolchainError("host build of the compiled model failed: "
                             + (proc.stderr.strip().splitlines() or ["?"])[0])
    return exe


def run_on_host(compiled: CompiledModel, inputs: list[np.ndarray], output_specs: list[tuple]) -> list[np.ndarray]:
    """Run the compiled model on the host.

    ``inputs[i]`` stacks all examples of input ``i``; ``output_specs`` lists ``(shape, dtype)``
    per output. Returns one stacked array per output.
    """
    n = len(inputs[0])
    with tempfile.TemporaryDirectory(prefix="tpl-host-") as tmp:
        work = Path(tmp)
        exe = build_host(compiled, work)
        blob = b"".join(np.ascontiguousarray(x[k]).tobytes() for k in range(n) for x in inputs)
        (work / "in.bin").write_bytes(blob)
        proc = subprocess.run([str(exe), str(work / "in.bin"), str(work / "out.bin"), str(n)],
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise ToolchainError(f"compiled model failed on the host (exit {proc.returncode}): {proc.stderr.strip()}")
        raw = (work / "out.bin").read_bytes()
    sizes = [int(np.prod(s)) * np.dtype(d).itemsize for s, d in output_specs]
    per = sum(sizes)
    outs = [[] for _ in output_specs]
    for k in range(n):
        pos = k * per
        for j, ((shape, dtype), size) in enumerate(zip(output_specs, sizes)):
            outs[j].append(np.frombuffer(raw[pos:pos + size], dtype).reshape(shape))
            pos += size
    return [np.stack(o) for o in outs]
