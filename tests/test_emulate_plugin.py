"""The instruction-count QEMU plugin loads and counts exactly (known loop, every machine)."""

import subprocess
from pathlib import Path

import pytest

from tflm_pipeline.emulate.boards import BOARDS, get_board
from tflm_pipeline.emulate.build import elf_symbols
from tflm_pipeline.emulate.linker import linker_script
from tflm_pipeline.emulate.plugin import plugin_path
from tflm_pipeline.emulate.qemu import run_qemu
from tflm_pipeline.emulate.toolchain import require

FIXTURE = Path(__file__).parent / "fixtures" / "known_loop.S"
MACHINES = sorted(name for name, b in BOARDS.items() if b.emulated_on is None)
LOOP_A, LOOP_B = 1000, 7


def build_known_loop(board, workdir: Path, exit_code: int) -> Path:
    script = workdir / "link.ld"
    script.write_text(linker_script(board))
    elf = workdir / "loop.elf"
    subprocess.run([require("arm-none-eabi-gcc"), "-mthumb", *board.core.gcc_flags,
                    f"-DLOOP_A={LOOP_A}", f"-DLOOP_B={LOOP_B}", f"-DEXIT_CODE={exit_code}",
                    "-nostdlib", "-nostartfiles", f"-Wl,-T,{script}", "-o", str(elf),
                    str(FIXTURE)], check=True, capture_output=True)
    return elf


def run_counted(board, elf: Path, workdir: Path):
    symbols = elf_symbols(require("arm-none-eabi-nm"), elf)
    begin, end = symbols["tpl_mark_begin"][0] & ~1, symbols["tpl_mark_end"][0] & ~1
    plugin = f"{plugin_path()},begin=0x{begin:x},end=0x{end:x},out=counts.txt"
    run = run_qemu(board, elf, workdir, plugin=plugin, timeout_s=20)
    counts = [int(v) for v in (workdir / "counts.txt").read_text().split()]
    return run, counts


@pytest.mark.emulator
@pytest.mark.parametrize("machine", MACHINES)
def test_machine_boots_and_counts_known_loop_exactly(machine, tmp_path):
    board = get_board(machine)
    elf = build_known_loop(board, tmp_path, exit_code=42)
    run, counts = run_counted(board, elf, tmp_path)
    assert run.exit_code == 42, run.console
    # bx lr + ldr + N x (subs, bne) + bl: see fixtures/known_loop.S
    assert counts == [2 * LOOP_A + 3, 2 * LOOP_B + 3]


@pytest.mark.emulator
def test_plugin_is_cached_by_source_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = plugin_path()
    assert first.parent == tmp_path / "tflm-pipeline" and first.name.startswith("insn_count-")
    mtime = first.stat().st_mtime_ns
    assert plugin_path() == first and first.stat().st_mtime_ns == mtime


@pytest.mark.emulator
def test_plugin_refuses_missing_arguments(tmp_path):
    board = get_board("mps2-an385")
    elf = build_known_loop(board, tmp_path, exit_code=0)
    run = run_qemu(board, elf, tmp_path, plugin=f"{plugin_path()},begin=0x40", timeout_s=20)
    assert run.exit_code != 0
    assert "begin=, end= and out= are all required" in run.console
