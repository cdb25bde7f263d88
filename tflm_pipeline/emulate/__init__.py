"""Emulation backend: board table, firmware build, QEMU run with instruction counts, Renode scripts.

Entry point: :func:`tflm_pipeline.emulate.run.emulate`.
"""
