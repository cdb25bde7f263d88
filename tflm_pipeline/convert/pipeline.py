"""`tflm-deploy convert` as one library call: load, convert, check, write the artifacts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .. import flatbuffer
from ..errors import PipelineError
from .artifacts import write_artifacts
from .graph_check import check_integer_only
from .keras_to_tflite import convert_keras_model, load_keras_model, representative_from_npz


QUANTIZE_METHODS = ("int8", "ternary")


def convert_file(model_path: str | Path, rep_data: str | Path, output_dir: str | Path, *,
                 allow_float: bool = False, fused_lstm: bool = False, quantize: str = "int8",
                 pack: bool = False) -> dict[str, Path]:
    """Convert a saved Keras model with representative data from an .npz into ``output_dir``.

    ``quantize="ternary"`` expects a model trained with ternary weights
    (:func:`tflm_pipeline.quantization.ternary_model`): its weights are exported as {-1, 0, 1}
    codes with per-channel scales (stock TFLM form), or with ``pack`` as 2-bit packed weights in
    the TPL_TERNARY_FC custom op. Nothing is written unless every step succeeds.
    """
    from ..quantization import for_conversion, to_ternary_flatbuffer, weight_bits

    if quantize not in QUANTIZE_METHODS:
        raise PipelineError(f"unknown --quantize {quantize!r}; choose one of {', '.join(QUANTIZE_METHODS)}")
    if pack and quantize != "ternary":
        raise PipelineError("--pack applies to --quantize ternary only")
    representative = representative_from_npz(rep_data)
    model = for_conversion(load_keras_model(model_path))
    tflite_bytes = convert_keras_model(model, representative, fused_lstm=fused_lstm)
    extra: dict = {"source_model": str(model_path), "quantize": quantize}
    if quantize == "ternary":
        tflite_bytes = to_ternary_flatbuffer(tflite_bytes, packed=pack)
        extra["packed"] = pack
    parsed = flatbuffer.parse(tflite_bytes, source="the converted model")
    allowed = check_integer_only(parsed, allow_float=allow_float)
    extra["weight_bits"] = [dataclasses.asdict(row) for row in weight_bits(parsed)]
    return write_artifacts(output_dir, parsed, allowed, extra)
