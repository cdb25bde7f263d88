"""The board table: the one place that knows each board's core, memory and QEMU machine.

Two kinds of entry:

* QEMU machines (``mps2-an385`` ... ``netduinoplus2``): linked for the memory QEMU models.
  Addresses come from QEMU's own sources (``hw/arm/mps2.c``, ``hw/arm/mps2-tz.c``,
  ``include/hw/arm/stm32f405_soc.h``).
* Real boards (``nucleo-l4r5zi`` ...): run on the QEMU machine with the same core, but linked with
  the real part's flash and RAM *sizes*, so a model that would not fit the real board does not fit
  here either. Origins stay those of the QEMU machine (the firmware must boot there).

The Armv8-M machines (AN505, AN547) reset in the Secure state with INITSVTOR = 0x10000000, so
their images are linked at the Secure aliases (address bit 28 set): code at 0x1xxxxxxx, data at
0x3xxxxxxx. The Armv7-M machines fetch the vector table from 0x00000000 (the STM32F405 aliases
its flash at 0x08000000 there).

Clock and IPC only feed latency *estimates*: QEMU does not model time, it counts instructions;
``ms = instructions / (ipc * clock_mhz * 1000)``, with an assumed IPC, never a measurement.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import PipelineError

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class Core:
    """A CPU core: how QEMU names it, how GCC targets it, and the IPC we assume for estimates.

    ``ipc`` is an assumption for int8 kernels (loads/stores and MACs mixed), not a measurement:
    single-issue M3/M4/M33 below 1, dual-issue M7 above 1, M55 scalar about 1.
    """

    name: str                     # e.g. "Cortex-M4F"
    qemu_cpu: str                 # -cpu argument
    gcc_flags: tuple[str, ...]    # -mcpu/-mfpu/-mfloat-abi; startup.c enables the FPU (and MVE)
    ipc: float                    # exactly when these flags define __ARM_FP (__ARM_FEATURE_MVE)
    renode_cpu: str               # cpuType of Renode's CPU.CortexM


# QEMU's cortex-m7 has a double-precision FPU; the STM32F746 (below) only single precision.
M3 = Core("Cortex-M3", "cortex-m3", ("-mcpu=cortex-m3", "-mfloat-abi=soft"), 0.8, "cortex-m3")
M4F = Core("Cortex-M4F", "cortex-m4",
           ("-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"), 0.8, "cortex-m4f")
M7 = Core("Cortex-M7", "cortex-m7",
          ("-mcpu=cortex-m7", "-mfpu=fpv5-d16", "-mfloat-abi=hard"), 1.3, "cortex-m7")
M7_SP = Core("Cortex-M7 (SP FPU)", "cortex-m7",
             ("-mcpu=cortex-m7", "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard"), 1.3, "cortex-m7")
M33 = Core("Cortex-M33", "cortex-m33",
           ("-mcpu=cortex-m33", "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard"), 0.9, "cortex-m33")
# GCC 12: -mcpu=cortex-m55 implies +mve.fp+fp.dp (__ARM_FEATURE_MVE == 3).
M55 = Core("Cortex-M55", "cortex-m55", ("-mcpu=cortex-m55", "-mfloat-abi=hard"), 1.0,
           "cortex-m55")


@dataclass(frozen=True)
class Board:
    """One row of the board table; every size is in bytes, every address a link address."""

    name: str
    description: str
    core: Core
    qemu_machine: str
    flash_origin: int
    flash_bytes: int
    ram_origin: int
    ram_bytes: int
    clock_mhz: int
    emulated_on: str | None = None  # real boards: the QEMU machine they borrow

    @property
    def cpu(self) -> str:
        return self.core.name

    def estimate_ms(self, instructions: int) -> float:
        """Latency *estimate* from an instruction count at the assumed clock and IPC."""
        return instructions / (self.core.ipc * self.clock_mhz * 1000.0)


def _machine(name, description, core, flash, ram, clock_mhz):
    return Board(name, description, core, name, flash[0], flash[1], ram[0], ram[1], clock_mhz)


def _real(name, description, core, on: Board, flash_bytes, ram_bytes, clock_mhz):
    return Board(name, description, core, on.qemu_machine, on.flash_origin, flash_bytes,
                 on.ram_origin, ram_bytes, clock_mhz, emulated_on=on.qemu_machine)


# MPS2 AN385/AN386/AN500: ZBT SSRAM1 4 MB at 0x0, ZBT SSRAM2&3 4 MB at 0x20000000; FPGA 25 MHz.
AN385 = _machine("mps2-an385", "Arm MPS2 AN385", M3, (0x00000000, 4 * MIB), (0x20000000, 4 * MIB), 25)
AN386 = _machine("mps2-an386", "Arm MPS2 AN386", M4F, (0x00000000, 4 * MIB), (0x20000000, 4 * MIB), 25)
AN500 = _machine("mps2-an500", "Arm MPS2 AN500", M7, (0x00000000, 4 * MIB), (0x20000000, 4 * MIB), 25)
# AN505 (SSE-200): SSRAM1 4 MB at 0x0 (Secure 0x10000000); SSRAM2+3 2+2 MB at 0x28000000
# (Secure 0x38000000); 20 MHz.
AN505 = _machine("mps2-an505", "Arm MPS2+ AN505", M33, (0x10000000, 4 * MIB), (0x38000000, 4 * MIB), 20)
# AN547 (SSE-300): ITCM 512 KB at 0x0 (Secure 0x10000000, where INITSVTOR points);
# SRAM 4 MB at 0x21000000 (Secure 0x31000000); 32 MHz.
AN547 = _machine("mps3-an547", "Arm MPS3 AN547", M55, (0x10000000, 512 * KIB), (0x31000000, 4 * MIB), 32)
# STM32F405: 1 MB flash at 0x08000000 (aliased at 0x0 for the vector fetch). QEMU maps 192 KB
# SRAM at 0x20000000; the real part has 128 KB there (SRAM1+SRAM2; the 64 KB CCM is elsewhere),
# and we link for the real 128 KB. 168 MHz.
NETDUINOPLUS2 = _machine("netduinoplus2", "Netduino Plus 2 (STM32F405)", M4F,
                         (0x08000000, 1 * MIB), (0x20000000, 128 * KIB), 168)

# Real boards: RAM sizes are the contiguous SRAM from 0x20000000 on the real part
# (STM32L4R5: SRAM1+2+3 = 640 KB; STM32F746: DTCM+SRAM1+SRAM2 = 320 KB; nRF52840: 256 KB).
# The Arduino Nano 33 BLE's bootloader keeps its first 64 KB of flash; not subtracted here.
BOARDS: dict[str, Board] = {b.name: b for b in (
    AN385, AN386, AN500, AN505, AN547, NETDUINOPLUS2,
    _real("nucleo-l4r5zi", "ST NUCLEO-L4R5ZI (STM32L4R5)", M4F, AN386, 2 * MIB, 640 * KIB, 120),
    _real("stm32f746g-disco", "ST STM32F746G-DISCO", M7_SP, AN500, 1 * MIB, 320 * KIB, 216),
    _real("nrf52840-dk", "Nordic nRF52840-DK", M4F, AN386, 1 * MIB, 256 * KIB, 64),
    _real("arduino-nano-33-ble", "Arduino Nano 33 BLE (nRF52840)", M4F, AN386, 1 * MIB, 256 * KIB, 64),
)}


def get_board(name: str) -> Board:
    """Look a board up by name (case-insensitive); unknown names list the known ones."""
    board = BOARDS.get(name.lower())
    if board is None:
        raise PipelineError(f"unknown board {name!r}; known boards: {', '.join(BOARDS)}")
    return board


def board_rows() -> list[dict[str, str]]:
    """Rows for ``tflm-deploy boards``: name, core, clock, flash, RAM, QEMU machine."""
    return [{
        "board": b.name,
        "core": b.cpu,
        "clock": f"{b.clock_mhz} MHz",
        "flash": f"{b.flash_bytes // KIB:,} KB",
        "ram": f"{b.ram_bytes // KIB:,} KB",
        "qemu machine": b.qemu_machine,
        "assumed ipc": f"{b.core.ipc:g}",
    } for b in BOARDS.values()]
