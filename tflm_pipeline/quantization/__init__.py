"""Quantization strategies: PTQ int8, QAT (tfmot + project configs), ternary (TWN/TTQ + STE),
alpha-blending (int8 / int4 / ternary targets), and the packed 2-bit ternary flatbuffer form.

Weight strategies are registered by name (:func:`base.get`) and applied by one wrapper
(:class:`base.QuantizeWeights`); each lives in its own module. Typical flows::

    # PTQ
    tflite, report = ptq.ptq(model, x_rep, x_test, y_test)
    # ternary with STE, first/last layer int8
    qm = ternary.ternary_model(model, "twn"); qm.compile(...); qm.fit(...)
    stock = ternary.export_ternary(ptq.convert_int8(base.strip(qm), x_rep))
    packed = packing.pack_ternary(stock)
    # alpha-blending to the int8 grid
    qm = alpha_blending.alpha_blend_model(model, "int8")
    qm.fit(..., callbacks=[alpha_blending.AlphaSchedule(0, steps)])
"""

from . import alpha_blending, base, grids, intn, packing, ptq, qat, ternary  # noqa: F401
from .alpha_blending import AlphaBlend, AlphaSchedule, alpha_blend_model
from .base import LayerPolicy, QuantizeWeights, apply, for_conversion, strip
from .intn import IntSTE, intn_model
from .qat import convert_qat, qat_model
from .packing import flash_saving, pack_ternary, weight_bits
from .ternary import TTQ, TWN, export_ternary, ternary_model, to_ternary_flatbuffer

__all__ = [
    "base", "grids", "ptq", "qat", "intn", "ternary", "alpha_blending", "packing",
    "qat_model", "convert_qat", "IntSTE", "intn_model",
    "LayerPolicy", "QuantizeWeights", "apply", "strip", "for_conversion", "to_ternary_flatbuffer",
    "TWN", "TTQ", "ternary_model", "export_ternary",
    "AlphaBlend", "AlphaSchedule", "alpha_blend_model",
    "pack_ternary", "weight_bits", "flash_saving",
]
