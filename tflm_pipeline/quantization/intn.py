"""Symmetric per-channel intN weights (int8, int4, ...) trained with the straight-through
estimator: forward ``grids.tf_fake_quant(w, bits)``, backward identity to ``w``.

int8 uses exactly TFLite's grid (converting the stripped model changes no weight). For bits < 8
the converter stores the values as int8 codes ``round(k * 127 / qmax)`` with scale
``max|w| / 127`` (TFLM has no int4 FULLY_CONNECTED); the int4 grid is what the training sees and
what a 4-bit packed kernel would store.
"""

from __future__ import annotations

from . import base, grids


@base.register("int_ste")
class IntSTE(base.WeightQuantizer):
    """intN fake quantization with STE (the baseline alpha-blending is compared against)."""

    def __init__(self, bits: int = 8):
        grids.qmax_for_bits(bits)
        self.bits = int(bits)

    def quantize(self, wrapper, attr, w, training):
        return grids.ste(w, grids.tf_fake_quant(w, self.bits, wrapper.depthwise))

    def get_config(self):
        return {"bits": self.bits}


def intn_model(model, bits: int = 4, policy: base.LayerPolicy | None = None):
    """Clone ``model`` with the policy's layers fake-quantized to ``bits`` with STE."""
    return base.apply(model, lambda layer: IntSTE(bits), policy)
