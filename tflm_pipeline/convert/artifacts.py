"""Files handed to a TFLM firmware project: the flatbuffer, its C array, an op resolver, a report.

All files of one conversion appear together or not at all (staged directory, then renamed).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np

from .. import c_emit
from ..fileio import staged_directory
from ..flatbuffer import Model

# TFLM's resolver method names that plain CamelCase of the builtin name does not give.
_RESOLVER_EXCEPTIONS = {
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "AddUnidirectionalSequenceLSTM",
    "BIDIRECTIONAL_SEQUENCE_LSTM": "AddBidirectionalSequenceLSTM",
    "LSTM": "AddLSTM",
    "SVDF": "AddSvdf",
    "BATCH_MATMUL": "AddBatchMatMul",
}


def resolver_method(builtin_name: str) -> str:
    """``MicroMutableOpResolver`` method that registers a builtin op, e.g. CONV_2D -> AddConv2D."""
    if builtin_name in _RESOLVER_EXCEPTIONS:
        return _RESOLVER_EXCEPTIONS[builtin_name]
    words = builtin_name.split("_")
    out = []
    for w in words:
        out.append(w if re.fullmatch(r"\d+D", w) else w.capitalize())
    return "Add" + "".join(out)


def custom_registerer(custom_code: str) -> str:
    """Name (in namespace ``tpl``) of the registration function a custom op's TFLM wrapper
    in ``custom_ops/`` defines, e.g. TPL_TERNARY_FC -> Register_TPL_TERNARY_FC."""
    return "Register_" + re.sub(r"[^0-9A-Za-z]", "_", custom_code).upper()


def model_data_source(model_bytes: bytes) -> tuple[str, str]:
    """``model_data.cc`` and ``model_data.h``: the flatbuffer as a 16-byte aligned C array."""
    head = c_emit.banner(model_bytes, "TFLite flatbuffer as a C array, for TFLM's GetModel().")
    h = (head + "#ifndef MODEL_DATA_H_\n#define MODEL_DATA_H_\n\n"
         "extern const unsigned char g_model_data[];\nextern const unsigned int g_model_data_len;\n\n"
         "#endif  /* MODEL_DATA_H_ */\n")
    body = c_emit.array("g_model_data", np.frombuffer(model_bytes, np.uint8), static=False, align=16)
    body = body.replace("const uint8_t", "const unsigned char", 1)
    cc = (head + '#include "model_data.h"\n\nalignas(16) ' + body.replace(" __attribute__((aligned(16)))", "")
          + f"const unsigned int g_model_data_len = {len(model_bytes)};\n")
    return cc, h


def resolver_source(model: Model) -> str:
    """``resolver.h``: a MicroMutableOpResolver sized for exactly the model's ops."""
    names = model.op_names
    custom = {op.name for sg in model.subgraphs for op in sg.operators if op.is_custom}
    lines = [c_emit.banner(model.data, "Op resolver holding exactly this model's operators."),
             "#ifndef MODEL_RESOLVER_H_", "#define MODEL_RESOLVER_H_", "",
             '#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"']
    if custom:
        lines.append("/* Custom ops: link their TFLM wrappers from tflm-pipeline's custom_ops/. */")
        lines.append("namespace tpl {")
        for name in sorted(custom):
            lines.append(f"TFLMRegistration* {custom_registerer(name)}();")
        lines.append("}  // namespace tpl")
    lines += ["", f"using ModelOpResolver = tflite::MicroMutableOpResolver<{len(names)}>;", "",
              "inline TfLiteStatus RegisterModelOps(ModelOpResolver& resolver) {"]
    for name in names:
        call = (f'resolver.AddCustom("{name}", tpl::{custom_registerer(name)}())' if name in custom
                else f"resolver.{resolver_method(name)}()")
        lines.append(f"  if ({call} != kTfLiteOk) return kTfLiteError;")
    lines += ["  return kTfLiteOk;", "}", "", "#endif  /* MODEL_RESOLVER_H_ */", ""]
    return "\n".join(lines)


def _io(model: Model, indices) -> list[dict]:
    out = []
    for i in indices:
        t = model.main.tensors[i]
        out.append({"name": t.name, "shape": list(t.shape), "dtype": t.dtype.lower(),
                    "scale": [float(s) for s in t.scale], "zero_point": [int(z) for z in t.zero_point]})
    return out


def conversion_report(model: Model, float_ops: Counter, extra: dict | None = None) -> dict:
    ops = Counter(op.name for op in model.main.operators)
    weight_bytes = sum(t.nbytes for t in model.main.tensors if t.is_constant)
    report = {
        "model_sha256": c_emit.model_digest(model.data),
        "model_bytes": len(model.data),
        "weight_bytes": weight_bytes,
        "ops": dict(ops),
        "float_ops": dict(float_ops),
        "inputs": _io(model, model.main.inputs),
        "outputs": _io(model, model.main.outputs),
    }
    report.update(extra or {})
    return report


def write_artifacts(out_dir: str | Path, model: Model, float_ops: Counter,
                    extra_report: dict | None = None) -> dict[str, Path]:
    """Write model.tflite, model_data.cc/.h, resolver.h and report.json into ``out_dir``."""
    out_dir = Path(out_dir)
    cc, h = model_data_source(model.data)
    report = conversion_report(model, float_ops, extra_report)
    files = {
        "model.tflite": model.data,
        "model_data.cc": cc.encode(),
        "model_data.h": h.encode(),
        "resolver.h": resolver_source(model).encode(),
        "report.json": (json.dumps(report, indent=2) + "\n").encode(),
    }
    with staged_directory(out_dir) as stage:
        for name, data in files.items():
            (stage / name).write_bytes(data)
    return {name: out_dir / name for name in files}
