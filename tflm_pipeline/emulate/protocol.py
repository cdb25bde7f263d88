"""The file protocol between Python and the firmware harness, and the harness's exit codes.

This module is the one source of both: :func:`config_header` writes them into the
``tpl_harness_config.h`` the harness is compiled with, so C and Python cannot drift apart.

Input file (little-endian uint32 words, then raw bytes)::

    IN_MAGIC, n_examples, n_inputs, bytes[0..n_inputs)
    example 0: input 0 bytes, input 1 bytes, ...; example 1: ...

Output file::

    OUT_MAGIC, n_examples, n_outputs, bytes[0..n_outputs)
    example 0: output 0 bytes, output 1 bytes, ...; example 1: ...
    END_MAGIC, stack_high_water_bytes

The harness checks the input header against the model's ``tpl_model_input_bytes`` and refuses a
mismatch (exit code FORMAT) instead of running on misaligned data. The trailer proves the output
file is complete.
"""

from __future__ import annotations

import enum
import struct

import numpy as np

from ..errors import PipelineError

IN_MAGIC = 0x4E49_5054   # "TPIN" read as a little-endian word
OUT_MAGIC = 0x5455_5054  # "TPUT"
END_MAGIC = 0x444E_4554  # "TEND"
IN_FILE = "input.bin"
OUT_FILE = "output.bin"
PROGRESS_CHAR = "."      # printed once per inference on the semihosting console
STACK_PAINT = 0xDEADBEEF  # word startup.c fills the free stack with


class Exit(enum.IntEnum):
    """Harness exit codes (SYS_EXIT_EXTENDED) and what each means to the user."""

    OK = 0
    IO = 2        # semihosting open/read/write failed
    FORMAT = 3    # input file header disagrees with the model
    INVOKE = 4    # tpl_model_invoke returned non-zero
    FAULT = 5     # a CPU fault (HardFault etc.)
    STACK = 6     # the stack overflowed into .bss


EXIT_MEANING = {
    Exit.IO: "semihosting file I/O failed",
    Exit.FORMAT: "the input sizes do not match the model's inputs",
    Exit.INVOKE: "tpl_model_invoke returned an error",
    Exit.FAULT: "the CPU faulted",
    Exit.STACK: "the stack overflowed into static data",
}


def config_header() -> str:
    """C header with every constant above, for the harness and startup code."""
    lines = ["/* Generated from tflm_pipeline/emulate/protocol.py, do not edit. */",
             "#ifndef TPL_HARNESS_CONFIG_H", "#define TPL_HARNESS_CONFIG_H"]
    for name, value in (("IN_MAGIC", IN_MAGIC), ("OUT_MAGIC", OUT_MAGIC),
                        ("END_MAGIC", END_MAGIC), ("STACK_PAINT", STACK_PAINT)):
        lines.append(f"#define TPL_{name} 0x{value:08X}u")
    lines.append(f'#define TPL_IN_FILE "{IN_FILE}"')
    lines.append(f'#define TPL_OUT_FILE "{OUT_FILE}"')
    lines.append(f'#define TPL_PROGRESS "{PROGRESS_CHAR}"')
    lines += [f"#define TPL_EXIT_{e.name} {e.value}" for e in Exit]
    lines.append("#endif")
    return "\n".join(lines) + "\n"


def pack_inputs(inputs: list[np.ndarray]) -> tuple[bytes, int]:
    """Serialise ``inputs`` (one stacked array per model input) into the input file format.

    Returns the file bytes and the number of examples.
    """
    if not inputs:
        raise PipelineError("emulate needs at least one input array")
    n = len(inputs[0])
    if any(len(x) != n for x in inputs):
        raise PipelineError(f"every input needs the same number of examples; got {[len(x) for x in inputs]}")
    per_example = [np.ascontiguousarray(x).reshape(n, -1).view(np.uint8) for x in inputs]
    sizes = [a.shape[1] for a in per_example]
    header = struct.pack(f"<{3 + len(sizes)}I", IN_MAGIC, n, len(sizes), *sizes)
    body = np.concatenate(per_example, axis=1).tobytes() if n else b""
    return header + body, n


def unpack_outputs(data: bytes, n_examples: int) -> tuple[list[np.ndarray], int]:
    """Parse the output file: one ``uint8`` array of shape (n_examples, bytes) per output.

    Returns the arrays and the stack high-water mark from the trailer.
    """
    words = len(data) // 4
    if words < 3 or struct.unpack_from("<I", data)[0] != OUT_MAGIC:
        raise PipelineError("the firmware wrote no valid output file")
    _, n, n_out = struct.unpack_from("<3I", data)
    sizes = struct.unpack_from(f"<{n_out}I", data, 12)
    offset = 12 + 4 * n_out
    body = n * sum(sizes)
    if n != n_examples or len(data) != offset + body + 8:
        raise PipelineError(f"the firmware output file is incomplete ({len(data)} bytes)")
    end, stack = struct.unpack_from("<2I", data, offset + body)
    if end != END_MAGIC:
        raise PipelineError("the firmware output file has no end marker")
    table = np.frombuffer(data, np.uint8, body, offset).reshape(n, sum(sizes))
    bounds = np.cumsum((0,) + tuple(sizes))
    return [table[:, a:b].copy() for a, b in zip(bounds[:-1], bounds[1:])], stack
