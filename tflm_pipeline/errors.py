"""User-facing errors: one line that names the problem and what to do about it.

The CLI prints ``str(error)`` of a :class:`PipelineError` and exits non-zero, never a traceback.
"""


class PipelineError(Exception):
    """Base class for every error a user can cause (bad input, missing tool, model too big)."""


class UnsupportedOpError(PipelineError):
    """The model holds an operator (or an operator option) the runtime cannot execute."""


class CorruptModelError(PipelineError):
    """The .tflite file is not a readable TFLite flatbuffer."""


class DoesNotFitError(PipelineError):
    """The program does not fit the board's flash or RAM."""


class ToolchainError(PipelineError):
    """An external tool (arm-none-eabi-gcc, qemu-system-arm, renode) is missing or failed."""
