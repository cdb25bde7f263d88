"""Keras -> full-integer int8 .tflite, plus the files a TFLM firmware project needs."""

from .artifacts import write_artifacts
from .graph_check import check_integer_only
from .keras_to_tflite import convert_keras_model, load_keras_model, representative_from_npz
from .pipeline import convert_file

__all__ = [
    "convert_keras_model", "load_keras_model", "representative_from_npz",
    "check_integer_only", "write_artifacts", "convert_file",
]
