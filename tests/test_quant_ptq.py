"""PTQ int8 and the float-vs-int8 report measured on the TFLM host interpreter."""

from __future__ import annotations

import numpy as np

from tflm_pipeline.flatbuffer import parse
from tflm_pipeline.quantization import base, packing, ptq, ternary
from tflm_pipeline.tf import keras

from quant_models import mlp, ternary_flatbuffers


def test_ptq_report_float_vs_int8_on_tflm():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1200, 20)).astype(np.float32)
    y = (x[:, :3].sum(1) > 0).astype(np.int64) + (x[:, 3] > 0.8)
    m = mlp(sizes=(20, 32, 16, 3), activations=("relu", "relu", None))
    m.compile(keras.optimizers.Adam(1e-2), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    m.fit(x[:1000], y[:1000], epochs=5, batch_size=64, verbose=0)
    b, rep = ptq.ptq(m, x[:200], x[1000:], y[1000:])
    sg = parse(b).main
    assert {sg.tensors[i].dtype for i in sg.inputs + sg.outputs} == {"INT8"}
    assert rep.examples == 200 and rep.model_bytes == len(b)
    assert rep.float_accuracy > 0.8
    assert abs(rep.drop) < 0.05 and rep.agreement > 0.95
    assert rep.as_dict()["int8_accuracy"] == ptq.tflm_accuracy(b, x[1000:], y[1000:])


def test_for_conversion_strips_only_wrapped_models():
    m = mlp()
    assert base.for_conversion(m) is m
    qm = ternary.ternary_model(m, "twn")
    plain = base.for_conversion(qm)
    assert not base.wrappers(plain) and [l.name for l in plain.layers] == [l.name for l in m.layers]


def test_to_ternary_flatbuffer_stock_and_packed():
    int8, stock, packed, _ = ternary_flatbuffers("twn")
    assert ternary.to_ternary_flatbuffer(int8) == stock
    assert ternary.to_ternary_flatbuffer(int8, packed=True) == packed
    assert packing.flash_saving(packed) > 0
