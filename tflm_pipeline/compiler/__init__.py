"""Ahead-of-time compiler: .tflite -> C for the tflm-pipeline firmware runtime."""

from .codegen import KERNEL_DIR, CompiledModel, compile_model
from .host_run import run_on_host

__all__ = ["compile_model", "CompiledModel", "KERNEL_DIR", "run_on_host"]
