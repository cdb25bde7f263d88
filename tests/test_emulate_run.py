"""emulate() end to end on the hand-written fixture model (tests/fixtures/double_model).

The fixture doubles 16 int8 values with saturation (output 0) and sums them into an int32
(output 1), so every board's outputs can be checked exactly against NumPy.
"""

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from tflm_pipeline.emulate.boards import BOARDS, get_board
from tflm_pipeline.emulate.build import build_firmware
from tflm_pipeline.emulate.run import emulate
from tflm_pipeline.errors import DoesNotFitError, PipelineError, ToolchainError

pytestmark = pytest.mark.emulator

FIXTURE = Path(__file__).parent / "fixtures" / "double_model"
SPECS = [((1, 16), np.int8), ((1,), np.int32)]


def sources() -> dict[str, str]:
    return {p.name: p.read_text() for p in FIXTURE.iterdir()}


def with_invoke_body(body: str) -> dict[str, str]:
    """The fixture with ``body`` run first in tpl_model_invoke."""
    src = sources()
    head = "int tpl_model_invoke(uint8_t *arena)\n{\n"
    src["model.c"] = src["model.c"].replace(head, head + body + "\n")
    return src


def examples(n: int = 12, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-128, 128, (n, 1, 16)).astype(np.int8)


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_outputs_match_numpy_on_every_board(name):
    x = examples()
    result = emulate(sources(), name, [x], output_specs=SPECS)
    np.testing.assert_array_equal(result.outputs[0], np.clip(2 * x.astype(int), -128, 127))
    np.testing.assert_array_equal(result.outputs[1][:, 0], x.astype(np.int32).sum(axis=(1, 2)))
    assert len(result.instructions_per_inference) == len(x)
    assert all(100 < n < 1000 for n in result.instructions_per_inference)
    assert result.board == name and result.cpu == BOARDS[name].cpu


@pytest.mark.parametrize("name", ["mps2-an385", "mps3-an547"])
def test_empty_invoke_counts_only_the_call_overhead(name):
    result = emulate(with_invoke_body("    (void)arena;\n    return 0;"), name, [examples(3)])
    assert result.instructions_per_inference == [8, 8, 8]


def test_default_outputs_are_int8_rows_of_output_bytes():
    x = examples(3)
    result = emulate(sources(), "mps2-an385", [x], count_instructions=False)
    assert [o.shape for o in result.outputs] == [(3, 16), (3, 4)]
    assert result.outputs[0].dtype == np.int8 and result.instructions_per_inference == []


def test_sizes_agree_with_arm_none_eabi_size(tmp_path):
    board = get_board("nrf52840-dk")
    firmware = build_firmware(sources(), board, tmp_path)
    out = subprocess.run(["arm-none-eabi-size", "-B", str(firmware.elf)], capture_output=True,
                         text=True, check=True).stdout.splitlines()[1].split()
    text, data, bss = map(int, out[:3])
    assert firmware.flash_bytes == text + data
    assert firmware.static_ram_bytes == data + bss - 1024  # .stack reserves the 1 KB minimum
    assert firmware.arena_bytes == 64

    result = emulate(sources(), board, [examples(2)])
    assert (result.flash_bytes, result.arena_bytes) == (firmware.flash_bytes, 64)
    assert 0 < result.stack_bytes < 1024
    assert result.ram_bytes == firmware.static_ram_bytes + result.stack_bytes
    assert [round(ms, 9) for ms in result.estimated_ms()] == [
        round(n / (0.8 * 64 * 1000), 9) for n in result.instructions_per_inference]
    assert result.latency_label().endswith("ms (estimate: 64 MHz, assumed IPC 0.8)")


def test_too_much_flash_is_one_line_does_not_fit():
    src = with_invoke_body("    arena[48] = (uint8_t)tpl_big[arena[0]];")
    src["big.c"] = "#include <stdint.h>\nconst volatile int8_t tpl_big[1100000] = {1};\n"
    src["model.c"] = "extern const volatile signed char tpl_big[];\n" + src["model.c"]
    with pytest.raises(DoesNotFitError) as err:
        emulate(src, "nrf52840-dk", [examples(1)])
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("model needs 1,10") and message.endswith(
        "bytes of flash, nrf52840-dk has 1,048,576")


def test_too_much_ram_is_one_line_does_not_fit():
    src = sources()
    src["model.h"] = src["model.h"].replace("ARENA_BYTES 64", "ARENA_BYTES (300 * 1024)")
    with pytest.raises(DoesNotFitError, match=r"^model needs 30\d,\d{3} bytes of RAM \(with a "
                       r"1,024-byte minimum stack\), nrf52840-dk has 262,144$"):
        emulate(src, "nrf52840-dk", [examples(1)])
    # the same arena fits the 640 KB NUCLEO-L4R5ZI
    assert emulate(src, "nucleo-l4r5zi", [examples(1)]).arena_bytes == 300 * 1024


def test_input_size_mismatch_is_refused_by_the_harness():
    with pytest.raises(PipelineError, match="exit code 3 .*input sizes do not match"):
        emulate(sources(), "mps2-an386", [np.zeros((2, 15), np.int8)])


def test_invoke_error_is_reported():
    with pytest.raises(PipelineError, match="exit code 4 .*tpl_model_invoke"):
        emulate(with_invoke_body("    return 9;"), "mps2-an386", [examples(1)])


def test_cpu_fault_names_the_pc():
    with pytest.raises(PipelineError, match=r"exit code 5 .*fault at pc=0x[0-9a-f]{8}"):
        emulate(with_invoke_body('    __asm__ volatile("udf #0");'), "mps3-an547",
                [examples(1)])


def test_hang_times_out():
    with pytest.raises(PipelineError, match="did not finish within 1 s"):
        emulate(with_invoke_body("    for (;;) {}"), "mps2-an385", [examples(1)], timeout_s=1)


def test_nothing_is_left_behind_even_on_failure(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    emulate(sources(), "mps2-an386", [examples(2)])
    with pytest.raises(PipelineError):
        emulate(with_invoke_body("    return 1;"), "mps2-an386", [examples(2)])
    assert list(tmp_path.iterdir()) == []


def test_progress_bar_counts_inferences(capsys):
    emulate(sources(), "mps2-an386", [examples(5)], progress=True)
    assert "mps2-an386" in capsys.readouterr().err


def _path_with(tmp_path: Path, tools: list[str]) -> str:
    """A PATH holding only links to ``tools``."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in tools:
        os.symlink(subprocess.run(["which", tool], capture_output=True, text=True).stdout.strip(),
                   bindir / tool)
    return str(bindir)


def test_missing_cross_compiler_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", _path_with(tmp_path, ["qemu-system-arm"]))
    with pytest.raises(ToolchainError, match=r"^arm-none-eabi-gcc not found on PATH; install "
                       r"the package gcc-arm-none-eabi$"):
        emulate(sources(), "mps2-an386", [examples(1)])


def test_missing_qemu_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", _path_with(tmp_path, ["arm-none-eabi-gcc", "arm-none-eabi-nm",
                                                     "arm-none-eabi-ar", "gcc"]))
    with pytest.raises(ToolchainError, match=r"^qemu-system-arm not found on PATH; install "
                       r"the package qemu-system-arm$"):
        emulate(sources(), "mps2-an386", [examples(1)])


@pytest.mark.parametrize("name, body", [
    # single-precision VFP arithmetic faults (NOCP) unless startup enabled CP10/CP11
    ("mps2-an386", "    volatile float f = (float)arena[0];\n    arena[60] = (uint8_t)(f * 1.5f);"),
    ("stm32f746g-disco", "    volatile float f = (float)arena[0];\n    arena[60] = (uint8_t)(f * 1.5f);"),
    ("mps2-an505", "    volatile float f = (float)arena[0];\n    arena[60] = (uint8_t)(f * 1.5f);"),
    # an MVE instruction: the same CPACR bits enable MVE on the Cortex-M55
    ("mps3-an547", '    __asm__ volatile("vdup.8 q0, %0" :: "r"(arena[0]) : "s0", "s1", "s2", "s3");'),
])
def test_startup_enables_fpu_and_mve(name, body):
    x = examples(2)
    result = emulate(with_invoke_body(body), name, [x], output_specs=SPECS)
    np.testing.assert_array_equal(result.outputs[0], np.clip(2 * x.astype(int), -128, 127))
