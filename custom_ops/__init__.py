"""Custom TFLite operators: for each op a portable C kernel core, a TFLM wrapper and a NumPy
reference defining its exact integer semantics (``custom_ops/<op>/reference.py``)."""
