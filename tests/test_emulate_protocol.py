"""Harness file protocol: Python packing/parsing and the generated C header agree."""

import re
import struct

import numpy as np
import pytest

from tflm_pipeline.emulate import protocol
from tflm_pipeline.errors import PipelineError


def test_config_header_carries_every_constant():
    text = protocol.config_header()
    defines = dict(re.findall(r"#define (TPL_\w+) (\S+)", text))
    assert int(defines["TPL_IN_MAGIC"].rstrip("u"), 16) == protocol.IN_MAGIC
    assert int(defines["TPL_OUT_MAGIC"].rstrip("u"), 16) == protocol.OUT_MAGIC
    assert int(defines["TPL_END_MAGIC"].rstrip("u"), 16) == protocol.END_MAGIC
    assert int(defines["TPL_STACK_PAINT"].rstrip("u"), 16) == protocol.STACK_PAINT
    assert defines["TPL_IN_FILE"] == f'"{protocol.IN_FILE}"'
    for code in protocol.Exit:
        assert int(defines[f"TPL_EXIT_{code.name}"]) == code.value


def test_pack_inputs_interleaves_examples():
    a = np.arange(6, dtype=np.int8).reshape(3, 1, 2)
    b = np.arange(3, dtype=np.int32).reshape(3, 1)
    data, n = protocol.pack_inputs([a, b])
    assert n == 3
    head = struct.unpack_from("<5I", data)
    assert head == (protocol.IN_MAGIC, 3, 2, 2, 4)
    body = data[20:]
    assert body[:6] == bytes([0, 1, 0, 0, 0, 0]) and len(body) == 3 * 6


def test_pack_inputs_rejects_ragged_example_counts():
    with pytest.raises(PipelineError, match="same number of examples"):
        protocol.pack_inputs([np.zeros((2, 3), np.int8), np.zeros((3, 3), np.int8)])


def _output_file(n, sizes, body, stack=96, end=protocol.END_MAGIC):
    head = struct.pack(f"<{3 + len(sizes)}I", protocol.OUT_MAGIC, n, len(sizes), *sizes)
    return head + body + struct.pack("<2I", end, stack)


def test_unpack_outputs_splits_per_output():
    body = bytes(range(2 * 5))
    outs, stack = protocol.unpack_outputs(_output_file(2, [3, 2], body), 2)
    assert stack == 96
    assert outs[0].tolist() == [[0, 1, 2], [5, 6, 7]]
    assert outs[1].tolist() == [[3, 4], [8, 9]]


def test_unpack_outputs_refuses_truncated_or_unterminated_files():
    good = _output_file(2, [3], bytes(6))
    with pytest.raises(PipelineError, match="incomplete"):
        protocol.unpack_outputs(good[:-3], 2)
    with pytest.raises(PipelineError, match="end marker"):
        protocol.unpack_outputs(_output_file(2, [3], bytes(6), end=0), 2)
    with pytest.raises(PipelineError, match="no valid output"):
        protocol.unpack_outputs(b"", 2)
