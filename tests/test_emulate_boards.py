"""Board table and generated linker scripts (no toolchain needed)."""

import dataclasses
import re

import pytest

from tflm_pipeline.emulate.boards import BOARDS, KIB, MIB, board_rows, get_board
from tflm_pipeline.emulate.linker import linker_script
from tflm_pipeline.errors import PipelineError

QEMU_MACHINES = ["mps2-an385", "mps2-an386", "mps2-an500", "mps2-an505", "mps3-an547",
                 "netduinoplus2"]

# Real boards: (core, QEMU machine, flash, RAM, MHz), from the vendors' data sheets.
REAL = {
    "nucleo-l4r5zi": ("Cortex-M4F", "mps2-an386", 2 * MIB, 640 * KIB, 120),
    "stm32f746g-disco": ("Cortex-M7 (SP FPU)", "mps2-an500", 1 * MIB, 320 * KIB, 216),
    "nrf52840-dk": ("Cortex-M4F", "mps2-an386", 1 * MIB, 256 * KIB, 64),
    "arduino-nano-33-ble": ("Cortex-M4F", "mps2-an386", 1 * MIB, 256 * KIB, 64),
}


def test_table_has_every_machine_and_real_board():
    assert set(BOARDS) == set(QEMU_MACHINES) | set(REAL)
    for name in QEMU_MACHINES:
        assert BOARDS[name].qemu_machine == name and BOARDS[name].emulated_on is None


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_boards_borrow_a_machine_with_their_core(name):
    board = BOARDS[name]
    cpu, machine, flash, ram, mhz = REAL[name]
    assert (board.cpu, board.qemu_machine, board.flash_bytes, board.ram_bytes, board.clock_mhz) \
        == (cpu, machine, flash, ram, mhz)
    host = BOARDS[machine]
    assert board.core.qemu_cpu == host.core.qemu_cpu
    # linked at the host machine's origins, inside the memory QEMU models there
    assert (board.flash_origin, board.ram_origin) == (host.flash_origin, host.ram_origin)
    assert board.flash_bytes <= host.flash_bytes and board.ram_bytes <= host.ram_bytes


def test_armv8m_machines_link_at_secure_aliases():
    for name in ("mps2-an505", "mps3-an547"):
        board = BOARDS[name]
        assert board.flash_origin == 0x10000000  # INITSVTOR
        assert board.ram_origin & 0x10000000


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_linker_script_carries_board_sizes(name):
    board = BOARDS[name]
    text = linker_script(board)
    flash = re.search(r"FLASH \(rx\)\s*: ORIGIN = (0x[0-9A-F]+), LENGTH = (0x[0-9A-F]+)", text)
    ram = re.search(r"RAM\s+\(rwx\) : ORIGIN = (0x[0-9A-F]+), LENGTH = (0x[0-9A-F]+)", text)
    assert [int(v, 16) for v in flash.groups()] == [board.flash_origin, board.flash_bytes]
    assert [int(v, 16) for v in ram.groups()] == [board.ram_origin, board.ram_bytes]
    assert "${" not in text


def test_boards_are_frozen_and_lookup_is_case_insensitive():
    board = get_board("NRF52840-DK")
    with pytest.raises(dataclasses.FrozenInstanceError):
        board.ram_bytes = 1
    with pytest.raises(PipelineError, match="unknown board 'esp32'.*mps2-an385"):
        get_board("esp32")


def test_board_rows_list_core_clock_flash_ram():
    rows = {r["board"]: r for r in board_rows()}
    assert set(rows) == set(BOARDS)
    assert rows["nucleo-l4r5zi"]["core"] == "Cortex-M4F"
    assert rows["nucleo-l4r5zi"]["clock"] == "120 MHz"
    assert rows["nucleo-l4r5zi"]["flash"] == "2,048 KB"
    assert rows["nucleo-l4r5zi"]["ram"] == "640 KB"


def test_latency_estimate_uses_clock_and_assumed_ipc():
    board = get_board("nrf52840-dk")
    assert board.estimate_ms(64_000 * board.core.ipc) == pytest.approx(1.0)
