"""Compile a parsed .tflite into ``model.c`` / ``model.h`` implementing the compiled-model API.

Steps: run each operator's prepare (parameters computed once, here), alias reshape-like outputs
to their inputs, plan the arena from buffer lifetimes, then emit constants (flash), parameter
structs (flash) and a straight-line ``tpl_model_invoke``. Nothing is parsed on the device.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import c_emit
from ..errors import UnsupportedOpError
from ..flatbuffer import Model, Subgraph, Tensor
from . import planner
from .ops import REGISTRY, KernelCall, OpContext

_WEIGHTED_OPS = {"FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV",
                 "UNIDIRECTIONAL_SEQUENCE_LSTM"}
KERNEL_DIR = Path(__file__).resolve().parents[2] / "firmware" / "kernels"


@dataclass
class CompiledModel:
    """The generated sources and the numbers the rest of the pipeline reports."""

    sources: dict[str, str]            # file name -> text (model.c, model.h)
    arena_bytes: int
    constant_bytes: int                # weights, biases and parameter tables in flash
    calls: list[KernelCall]
    op_names: list[str]
    extra_sources: tuple[str, ...] = ()  # absolute paths of custom-op C sources to link
    include_dirs: tuple[str, ...] = field(default_factory=lambda: (str(KERNEL_DIR / "include"),))

    @property
    def kernel_sources(self) -> list[str]:
        """C sources of the kernel library plus any custom-op sources this model needs."""
        return sorted(str(p) for p in (KERNEL_DIR / "src").glob("*.c")) + list(self.extra_sources)

    @property
    def macs(self) -> int:
        return sum(c.macs for c in self.calls)


class ModelCompiler:
    """Holds the state of one compilation; :func:`compile_model` is the public entry point."""

    def __init__(self, model: Model):
        self.model = model
        self.graph: Subgraph = model.main
        self._constants: dict[bytes, str] = {}
        self._constant_defs: list[str] = []
        self.constant_bytes = 0
        self._alias: dict[int, int] = {}
        self._scratch: list[tuple[int, int, str]] = []  # (op index, bytes, macro)

    # -- services for OpContext --------------------------------------------------------------
    def root(self, index: int) -> int:
        while index in self._alias:
            index = self._alias[index]
        return index

    def tensor_expr(self, tensor: Tensor, const: bool = True) -> str:
        root = self.graph.tensors[self.root(tensor.index)]
        ctype = c_emit.c_type(tensor.numpy_dtype)
        if root.is_constant:
            symbol = self.add_constant(root.data, root.name)
            return f"(const {ctype} *){symbol}" if root.dtype != tensor.dtype else symbol
        qual = "const " if const else ""
        return f"({qual}{ctype} *)(arena + T{root.index}_OFFSET)"

    def add_constant(self, values: np.ndarray, name: str) -> str:
        values = np.ascontiguousarray(values)
        key = values.dtype.str.encode() + values.tobytes()
        if key not in self._constants:
            symbol = f"k{len(self._constants)}_{c_emit.identifier(name)[-40:]}"
            self._constants[key] = symbol
            self._constant_defs.append(c_emit.array(symbol, values, align=4))
            self.constant_bytes += values.nbytes
        return self._constants[key]

    def add_scratch(self, op, nbytes: int) -> str:
        macro = f"S{op.index}_{len(self._scratch)}_OFFSET"
        self._scratch.append((op.index, int(nbytes), macro))
        return f"(void *)(arena + {macro})"

    # -- compilation -------------------------------------------------------------------------
    def reject_float_model(self) -> None:
        """A float (not fully quantized) model gets one clear error, not an op-level complaint."""
        for op in self.graph.operators:
            if op.name in _WEIGHTED_OPS and len(op.inputs) > 1 and op.inputs[1] >= 0:
                w = self.graph.tensors[op.inputs[1]]
                if w.dtype in ("FLOAT32", "FLOAT16"):
                    raise UnsupportedOpError(
                        f"this is a float model ({op.name} #{op.index} has {w.dtype.lower()} weights); "
                        "convert it to full-integer int8 with `tflm-deploy convert`")

    def prepare_all(self) -> list[KernelCall]:
        self.reject_float_model()
        unsupported = sorted({op.name for op in self.graph.operators if op.name not in REGISTRY})
        if unsupported:
            raise UnsupportedOpError(
                f"operator {', '.join(unsupported)} is not supported by the tflm-pipeline runtime "
                f"(supported: {', '.join(sorted(REGISTRY))})")
        calls = []
        for op in self.graph.operators:
            call = REGISTRY[op.name](OpContext(self, op))
            if call.alias:
                self._alias[op.outputs[0]] = self.root(op.inputs[0])
            calls.append(call)
        return calls

    def buffers(self) -> list[planner.Buffer]:
        n = len(self.graph.operators)
        spans: dict[int, list[int]] = {}

        def touch(index: int, when: int):
            root = self.root(index)
            if self.graph.tensors[root].is_constant:
                return
            span = spans.setdefault(root, [when, when])
            span[0], span[1] = min(span[0], when), max(span[1], when)

        for i in self.graph.inputs:
            touch(i, -1)
        for op in self.graph.operators:
            for t in op.inputs + op.outputs + op.intermediates:
                if t >= 0:
                    touch(t, op.index)
        for o in self.graph.outputs:
            touch(o, n)
        for t in self.graph.tensors:  # variable tensors (RNN state) persist across invokes
            if t.is_variable and t.index in spans:
                spans[t.index] = [-1, n]
        bufs = [planner.Buffer(root, self.graph.tensors[root].nbytes, a, b) for root, (a, b) in spans.items()]
        bufs += [planner.Buffer(macro, size, op, op) for op, size, macro in self._scratch]
        return bufs


def _io_tables(compiler: ModelCompiler) -> tuple[list[int], list[int]]:
    g = compiler.graph
    return ([g.tensors[i].nbytes for i in g.inputs], [g.tensors[i].nbytes for i in g.outputs])


def compile_model(model: Model) -> CompiledModel:
    """Compile ``model`` (see :func:`tflm_pipeline.flatbuffer.parse`) to C sources."""
    comp = ModelCompiler(model)
    calls = comp.prepare_all()
    buffers = comp.buffers()
    arena = planner.plan(buffers)
    offsets = {b.key: b.offset for b in buffers}
    in_bytes, out_bytes = _io_tables(comp)
    g = comp.graph

    header = (c_emit.banner(model.data, "Compiled model: the tflm-pipeline compiled-model API.")
              + "#ifndef TPL_MODEL_H_\n#define TPL_MODEL_H_\n\n#include <stdint.h>\n\n"
              f"#define TPL_MODEL_ARENA_BYTES {max(arena, planner.ALIGNMENT)}\n"
              f"#define TPL_MODEL_NUM_INPUTS {len(g.inputs)}\n"
              f"#define TPL_MODEL_NUM_OUTPUTS {len(g.outputs)}\n\n"
              "extern const uint32_t tpl_model_input_bytes[TPL_MODEL_NUM_INPUTS];\n"
              "extern const uint32_t tpl_model_output_bytes[TPL_MODEL_NUM_OUTPUTS];\n"
              "uint8_t *tpl_model_input(uint8_t *arena, int index);\n"
              "const uint8_t *tpl_model_output(const uint8_t *arena, int index);\n"
              "int tpl_model_invoke(uint8_t *arena);\n\n#endif  /* TPL_MODEL_H_ */\n")

    headers = sorted({c.header for c in calls if not c.alias})
    lines = [c_emit.banner(model.data, "Compiled model: constants, parameters and the invoke sequence."),
             "#include <stddef.h>", "#include <stdint.h>", '#include "model.h"']
    lines += [f'#include "{h}"' for h in headers]
    lines.append("")
    lines += [f"#define {('T%d_OFFSET' % k) if isinstance(k, int) else k} {v}" for k, v in sorted(
        offsets.items(), key=lambda kv: str(kv[0]))]
    lines.append("")
    lines += comp._constant_defs
    params_defs, body = [], []
    for op, call in zip(g.operators, calls):
        if call.alias:
            body.append(f"  /* #{op.index} {op.name}: output shares its input's memory */")
            continue
        args = [a.expr for a in call.args]
        if call.params is not None:
            pname = f"op{op.index}_params"
            params_defs.append(c_emit.struct_definition(call.params_type, pname, call.params))
            args.insert(0, f"&{pname}")
        body.append(f"  /* #{op.index} {op.name} */")
        body.append(f"  {call.function}({', '.join(args)});")
    lines += params_defs
    lines.append(c_emit.array("tpl_model_input_bytes", in_bytes, np.uint32, static=False))
    lines.append(c_emit.array("tpl_model_output_bytes", out_bytes, np.uint32, static=False))
    for kind, idxs, qual in (("input", g.inputs, ""), ("output", g.outputs, "const ")):
        lines.append(f"static const uint32_t k{kind}_offsets[{max(len(idxs), 1)}] = {{"
                     + ", ".join(f"T{comp.root(i)}_OFFSET" for i in idxs) + "};")
        lines.append(f"{qual}uint8_t *tpl_model_{kind}({qual}uint8_t *arena, int index) {{\n"
                     f"  return arena + k{kind}_offsets[index];\n}}\n")
    lines.append("int tpl_model_invoke(uint8_t *arena) {")
    lines += body
    lines += ["  return 0;", "}", ""]
    source = "\n".join(lines)
    extra = tuple(sorted({s for c in calls for s in c.sources}))
    includes = (str(KERNEL_DIR / "include"),) + tuple(sorted({d for c in calls for d in c.include_dirs}))
    return CompiledModel({"model.c": source, "model.h": header}, max(arena, planner.ALIGNMENT),
                         comp.constant_bytes, calls, [op.name for op in g.operators], extra, includes)


def source_digest(compiled: CompiledModel) -> str:
    h = hashlib.sha256()
    for name in sorted(compiled.sources):
        h.update(name.encode() + compiled.sources[name].encode())
    return h.hexdigest()
