"""Run a firmware ELF in qemu-system-arm with semihosting and, optionally, the insn-count plugin.

QEMU is started in ``cwd`` (semihosting opens files relative to it) with
``-semihosting-config enable=on,target=native``; the semihosting console (the harness's
messages and progress characters) arrives on QEMU's stderr, which we merge with stdout and
read as it comes, so a caller can show progress. The guest's SYS_EXIT_EXTENDED code becomes
QEMU's exit status.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import PipelineError
from .boards import Board
from .toolchain import require


@dataclass(frozen=True)
class QemuRun:
    exit_code: int
    console: str   # semihosting console and QEMU's own messages, in order
    seconds: float


def qemu_command(board: Board, elf: Path, plugin: str | None = None) -> list[str]:
    """The qemu-system-arm command line for ``board``; ``plugin`` is ``path,key=value,...``."""
    cmd = [require("qemu-system-arm"), "-machine", board.qemu_machine,
           "-cpu", board.core.qemu_cpu, "-nographic",
           "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)]
    if plugin is not None:
        cmd += ["-plugin", plugin]
    return cmd


def run_qemu(board: Board, elf: Path, cwd: Path, *, plugin: str | None = None,
             timeout_s: float = 120.0,
             on_console: Callable[[str], None] | None = None) -> QemuRun:
    """Run until the guest exits; ``on_console`` gets console text as it arrives.

    Raises :class:`PipelineError` if the guest has not exited after ``timeout_s`` seconds.
    """
    start = time.monotonic()
    proc = subprocess.Popen(qemu_command(board, elf, plugin), cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    chunks: list[str] = []
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while True:
                left = timeout_s - (time.monotonic() - start)
                if left <= 0:
                    raise PipelineError(f"QEMU ({board.qemu_machine}) did not finish within "
                                        f"{timeout_s:g} s")
                if not sel.select(left):
                    continue
                data = os.read(proc.stdout.fileno(), 4096)
                if not data:
                    break
                text = data.decode("utf-8", "replace")
                chunks.append(text)
                if on_console is not None:
                    on_console(text)
        code = proc.wait()  # its output is closed: QEMU is exiting
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    return QemuRun(code, "".join(chunks), time.monotonic() - start)
