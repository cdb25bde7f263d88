"""Linker script for a board: the template in firmware/boards/ with MEMORY from the board table."""

from __future__ import annotations

import string
from pathlib import Path

from .boards import Board

FIRMWARE_DIR = Path(__file__).resolve().parents[2] / "firmware"
TEMPLATE = FIRMWARE_DIR / "boards" / "cortex_m.ld.in"

#: Less free RAM than this after .data/.bss is reported as not fitting.
MIN_STACK_BYTES = 1024


def linker_script(board: Board, min_stack_bytes: int = MIN_STACK_BYTES) -> str:
    """The linker script text for ``board`` (its real flash/RAM sizes, its QEMU origins)."""
    return string.Template(TEMPLATE.read_text()).substitute(
        flash_origin=f"0x{board.flash_origin:08X}", flash_length=f"0x{board.flash_bytes:X}",
        ram_origin=f"0x{board.ram_origin:08X}", ram_length=f"0x{board.ram_bytes:X}",
        min_stack_bytes=str(min_stack_bytes))
