"""`tflm-deploy convert` as one library call: load, convert, check, write the artifacts."""

from __future__ import annotations

from pathlib import Path

from .. import flatbuffer
from .artifacts import write_artifacts
from .graph_check import check_integer_only
from .keras_to_tflite import convert_keras_model, load_keras_model, representative_from_npz


def convert_file(model_path: str | Path, rep_data: str | Path, output_dir: str | Path, *,
                 allow_float: bool = False, fused_lstm: bool = False) -> dict[str, Path]:
    """Convert a saved Keras model with representative data from an .npz into ``output_dir``.

    Nothing is written unless the whole conversion and its checks succeed.
    """
    representative = representative_from_npz(rep_data)
    model = load_keras_model(model_path)
    tflite_bytes = convert_keras_model(model, representative, fused_lstm=fused_lstm)
    parsed = flatbuffer.parse(tflite_bytes, source="the converted model")
    allowed = check_integer_only(parsed, allow_float=allow_float)
    return write_artifacts(output_dir, parsed, allowed, {"source_model": str(model_path)})
