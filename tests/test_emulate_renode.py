"""Renode script generation. Running it is UNTESTED here: Renode is not installable on this
project's machines, so these tests check the generated text only (see tflm_pipeline.emulate.renode).
"""

import re
import shutil
from pathlib import Path

import pytest

from tflm_pipeline.emulate.boards import BOARDS, get_board
from tflm_pipeline.emulate.renode import platform_description, renode_script, run_renode
from tflm_pipeline.errors import ToolchainError


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_platform_uses_board_table_memory_and_core(name):
    board = BOARDS[name]
    repl = platform_description(board)
    assert f'cpuType: "{board.core.renode_cpu}"' in repl
    assert f"sysbus 0x{board.flash_origin:08X}" in repl
    assert f"size: 0x{board.flash_bytes:X}" in repl
    assert f"sram: Memory.MappedMemory @ sysbus 0x{board.ram_origin:08X}" in repl
    assert f"size: 0x{board.ram_bytes:X}" in repl
    # the core fetches its vector table at 0x0: flash must be visible there
    assert "sysbus 0x0" in repl or board.flash_origin == 0


def test_script_loads_elf_logs_console_and_stops():
    board = get_board("stm32f746g-disco")
    text = renode_script(board, Path("/w/firmware.elf"), Path("/w/console.log"), run_seconds=5)
    lines = text.splitlines()
    assert lines[0].startswith("#") and "untested" in lines[0]
    assert 'mach create "stm32f746g-disco"' in lines
    assert "sysbus LoadELF @/w/firmware.elf" in lines
    assert any(re.match(r"emulation CreateFileBackend @/w/console\.log", ln) for ln in lines)
    assert lines[-2:] == ['emulation RunFor "5"', "quit"]
    # the platform is passed inline, on one line, with its quotes escaped
    load = next(ln for ln in lines if ln.startswith("machine LoadPlatformDescriptionFromString"))
    assert '\\"cortex-m7\\"' in load and "\n" not in load


@pytest.mark.skipif(shutil.which("renode") is not None, reason="renode is installed")
def test_run_without_renode_names_it(tmp_path):
    with pytest.raises(ToolchainError, match="^renode not found on PATH"):
        run_renode(get_board("mps2-an386"), tmp_path / "x.elf", tmp_path)
