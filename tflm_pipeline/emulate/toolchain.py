"""Find the external tools the emulation backend runs, or say which Debian package to install."""

from __future__ import annotations

import shutil
import subprocess

from ..errors import ToolchainError

#: tool -> the Debian package that provides it
PACKAGES = {
    "arm-none-eabi-gcc": "gcc-arm-none-eabi",
    "arm-none-eabi-nm": "binutils-arm-none-eabi",
    "arm-none-eabi-ar": "binutils-arm-none-eabi",
    "qemu-system-arm": "qemu-system-arm",
    "gcc": "gcc",
    "renode": "renode (not in Debian; see renode.io)",
}


def require(tool: str) -> str:
    """Absolute path of ``tool`` on PATH, or a one-line ToolchainError naming the package."""
    path = shutil.which(tool)
    if path is None:
        raise ToolchainError(f"{tool} not found on PATH; install the package {PACKAGES[tool]}")
    return path


def require_newlib(gcc: str, flags: tuple[str, ...]) -> None:
    """Fail early when newlib-nano is missing for this core (the link would fail obscurely)."""
    found = subprocess.run([gcc, *flags, "-print-file-name=libc_nano.a"],
                           capture_output=True, text=True).stdout.strip()
    if found == "libc_nano.a":
        raise ToolchainError("newlib-nano for arm-none-eabi not found; install the package "
                             "libnewlib-arm-none-eabi")
