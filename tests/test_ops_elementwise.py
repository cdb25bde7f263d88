"""ADD, SUB, MUL, MAXIMUM, MINIMUM (int8, broadcasting, constants) bit-exact with TFLM (host).

Keras models cover what the converter emits (two-input merge layers, fused activations, the
[1,H,W,C] (op) [C] and [1,N] (op) [N] constants of BatchNormalization / Rescaling); hand-built
models (tests/single_op.py) sweep scales, zero points and broadcast patterns Keras would not
produce in a handful of models.
"""

import dataclasses
import re

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as s

from oracle import assert_bit_exact_on_host, convert
from single_op import Op, Spec, assert_outputs_equal, compare_with_tflm, ops_model
from tflm_pipeline import flatbuffer
from tflm_pipeline.compiler import KERNEL_DIR, compile_model
from tflm_pipeline.compiler.ops.add_sub import AddSubParams
from tflm_pipeline.compiler.ops.broadcast import Broadcast4, broadcast_geometry
from tflm_pipeline.compiler.ops.maximum_minimum import MaxMinParams
from tflm_pipeline.compiler.ops.mul import MulParams
from tflm_pipeline.errors import UnsupportedOpError
from tflm_pipeline.tf import keras, tf

L = keras.layers


def test_merge_layers_same_shape_with_fused_activations():
    keras.utils.set_random_seed(0)
    a, b = keras.Input((12,), name="in_a"), keras.Input((12,), name="in_b")
    c = L.Dense(12)(a)
    outs = [L.Add()([a, b]), L.Subtract()([a, b]), L.Multiply()([a, b]),
            L.ReLU()(L.Add()([c, b])), L.ReLU(6.0)(L.Multiply()([c, b])),
            L.ReLU()(L.Subtract()([b, c]))]
    tfl = convert(keras.Model([a, b], outs))
    compiled = assert_bit_exact_on_host(tfl, n=200)
    assert sorted(set(compiled.op_names)) == ["ADD", "FULLY_CONNECTED", "MUL", "SUB"]
    fused = [op.options.fusedActivationFunction for op in flatbuffer.parse(tfl).main.operators
             if op.name != "FULLY_CONNECTED"]
    assert {1, 3} <= set(fused)  # RELU and RELU6 were fused into the elementwise ops


def test_keras_broadcasts_and_constant_operands():
    # One model input: with several inputs of different shapes the converter's calibration feeds
    # them in its own tensor order, not Keras order (seen on TF 2.21).
    keras.utils.set_random_seed(1)
    img = keras.Input((4, 5, 3))
    chan = L.GlobalAveragePooling2D(keepdims=True)(img)        # [1,1,1,3] (MEAN)
    vec = L.Dense(6)(L.Flatten()(img))                           # [1,6]
    bn = L.BatchNormalization(beta_initializer="random_normal", gamma_initializer="random_normal",
                              moving_mean_initializer="random_normal")
    x = bn(img)                                       # [1,4,5,3] * [3] + [3]
    x = L.Rescaling(0.5, offset=0.25)(x)              # scalar constants
    y = L.Add()([x, chan])                            # [1,4,5,3] + [1,1,1,3]
    z = L.Multiply()([img, chan])
    w = L.Subtract()([chan, img])                     # broadcast on the first operand
    v = vec * tf.constant(np.linspace(-2, 2, 6), tf.float32)     # [1,N] * [N]
    u = tf.constant(np.linspace(-1, 1, 6), tf.float32) - vec     # [N] - [1,N]
    tfl = convert(keras.Model(img, [y, z, w, v, u]))
    ops = flatbuffer.parse(tfl).main
    shapes = {(op.name, tuple(ops.tensors[i].shape for i in op.inputs)) for op in ops.operators}
    assert ("MUL", ((1, 4, 5, 3), (3,))) in shapes and ("ADD", ((1, 4, 5, 3), (1, 1, 1, 3))) in shapes
    assert ("MUL", ((1, 6), (6,))) in shapes
    assert_bit_exact_on_host(tfl, n=150)


def test_average_maximum_minimum_swish_layers():
    """Average -> ADD + MUL; Maximum/Minimum; swish -> LOGISTIC + MUL; the converter also inserts
    int8 -> int8 QUANTIZE and a standalone RELU6 here."""
    keras.utils.set_random_seed(9)
    inp = keras.Input((24,))
    a, b = L.Dense(16)(inp), L.Dense(16)(inp)
    outs = [L.Activation("swish")(a), L.Average()([a, b]), L.Maximum()([a, b]), L.Minimum()([a, b]),
            L.Activation("relu6")(L.Add()([a, b])), L.Activation("sigmoid")(b)]
    compiled = assert_bit_exact_on_host(convert(keras.Model(inp, outs)), n=200)
    assert {"MUL", "ADD", "MAXIMUM", "MINIMUM", "QUANTIZE", "RELU6", "LOGISTIC"} <= set(compiled.op_names)


_BROADCASTS = [((1, 4, 5, 3), (1, 4, 5, 3)), ((1, 4, 5, 3), (3,)), ((3,), (1, 4, 5, 3)),
               ((1, 4, 5, 3), ()), ((1, 4, 1, 3), (1, 1, 5, 1)), ((2, 1, 6), (1, 3, 1)),
               ((1, 7), (7,)), ((1, 4, 5, 3), (1, 4, 1, 3))]
_ACT = {"NONE": 0, "RELU": 1, "RELU6": 3}


def _binary_ops(name, rng, n_ops, with_const=False):
    ops = []
    for k in range(n_ops):
        sh1, sh2 = _BROADCASTS[k % len(_BROADCASTS)]
        out_shape = np.broadcast_shapes(sh1, sh2)
        sc = [float(np.float32(10 ** rng.uniform(-2.5, 0.5))) for _ in range(3)]
        if k % 4 == 1:
            sc[1] = sc[0]                                     # equal input scales
        zp = [int(v) for v in rng.integers(-128, 128, 3)]
        data = rng.integers(-128, 128, size=sh2).astype(np.int8) if with_const and k % 2 else None
        if name in ("MAXIMUM", "MINIMUM"):
            sc[1], sc[2], zp[1], zp[2] = sc[0], sc[0], zp[0], zp[0]   # converter's shared quantization
            ops.append(Op(name, [Spec(sh1, "INT8", sc[0], zp[0]), Spec(sh2, "INT8", sc[1], zp[1], data)],
                          Spec(out_shape, "INT8", sc[2], zp[2])))
            continue
        opt_type = {"ADD": s.BuiltinOptions.AddOptions, "SUB": s.BuiltinOptions.SubOptions,
                    "MUL": s.BuiltinOptions.MulOptions}[name]
        opt = {"ADD": s.AddOptionsT, "SUB": s.SubOptionsT, "MUL": s.MulOptionsT}[name]()
        opt.fusedActivationFunction = list(_ACT.values())[k % 3]
        ops.append(Op(name, [Spec(sh1, "INT8", sc[0], zp[0]), Spec(sh2, "INT8", sc[1], zp[1], data)],
                      Spec(out_shape, "INT8", sc[2], zp[2]), opt, opt_type))
    return ops


def test_binary_sweep_scales_zero_points_broadcasts():
    rng = np.random.default_rng(10)
    ops = [op for name in ("ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM")
           for op in _binary_ops(name, rng, 16 if name in ("ADD", "SUB", "MUL") else 8, with_const=True)]
    tfl = ops_model(ops)
    model = flatbuffer.parse(tfl)
    inputs = [rng.integers(-128, 128, size=(40,) + model.main.tensors[i].shape).astype(np.int8)
              for i in model.main.inputs]
    expected, got = compare_with_tflm(tfl, inputs)
    assert_outputs_equal(expected, got, "binary sweep")


def test_broadcast_folding():
    g = broadcast_geometry((1, 4, 5, 3), (1, 4, 5, 3), (1, 4, 5, 3))
    assert g.shape == (1, 1, 1, 60) and g.in1_stride[3] == g.in2_stride[3] == 1
    g = broadcast_geometry((1, 4, 5, 3), (3,), (1, 4, 5, 3))
    assert g.shape == (1, 1, 20, 3) and g.in2_stride == (0, 0, 0, 1)
    g = broadcast_geometry((1, 4, 5, 3), (), (1, 4, 5, 3))
    assert g.shape == (1, 1, 1, 60) and g.in2_stride == (0, 0, 0, 0)
    assert broadcast_geometry((2, 1, 2, 1, 2), (1, 2, 1, 2, 1), (2, 2, 2, 2, 2)) is None


def test_sub_takes_float_scale_ratios_add_double():
    """TFLM quirk kept on purpose: SUB's Prepare divides scales in float, ADD's in double."""
    from tflm_pipeline.compiler.ops.add_sub import rescale_multipliers
    s1, s2, so = 0.0123457, 0.0456789, 0.0501
    add, sub = rescale_multipliers(s1, s2, so, False), rescale_multipliers(s1, s2, so, True)
    assert sub[0] == float(np.float32(add[0])) and sub[0] != add[0]


def test_unfoldable_broadcast_is_rejected():
    tfl = ops_model([Op("ADD", [Spec((2, 1, 2, 1, 2), "INT8", 0.1, 0), Spec((1, 2, 1, 2, 1), "INT8", 0.1, 0)],
                        Spec((2, 2, 2, 2, 2), "INT8", 0.2, 0), s.AddOptionsT(), s.BuiltinOptions.AddOptions)])
    with pytest.raises(UnsupportedOpError, match="broadcast"):
        compile_model(flatbuffer.parse(tfl))


@pytest.mark.parametrize("params,header", [
    (AddSubParams, "tpl_add_sub.h"), (MulParams, "tpl_mul.h"), (MaxMinParams, "tpl_maximum_minimum.h")])
def test_params_dataclasses_match_c_structs(params, header):
    text = (KERNEL_DIR / "include" / header).read_text()
    for f in dataclasses.fields(params):
        assert re.search(rf"[ *]{f.name}(\[\d+\])?;", text), f"{f.name} missing from {header}"
    for f in dataclasses.fields(Broadcast4):
        assert re.search(rf" {f.name}\[4\];", (KERNEL_DIR / "include/tpl_broadcast.h").read_text())


_FAST_HELPERS_CHECK = r"""
#include <stdio.h>
#include "tpl_common.h"
static unsigned long long s = 88172645463325252ull;
static uint32_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (uint32_t)s; }
int main(void) {
  long bad = 0;
  const int32_t edge[] = {0, 1, -1, 2, -2, INT32_MAX, INT32_MIN, INT32_MIN + 1, INT32_MAX - 1,
                          1 << 30, -(1 << 30), (1 << 30) + 1, -(1 << 30) - 1, 12345, -12345};
  const int ne = (int)(sizeof(edge) / sizeof(edge[0]));
  for (int i = 0; i < ne; ++i)
    for (int j = 0; j < ne; ++j)
      if (!(edge[i] == INT32_MIN && edge[j] == INT32_MIN))
        bad += tpl_srdhm(edge[i], edge[j]) != tpl_srdhm_nosat(edge[i], edge[j]);
  for (long k = 0; k < 4000000; ++k) {
    int32_t a = (int32_t)rnd(), b = (int32_t)rnd();
    a >>= (k & 1) ? (int)(rnd() % 32) : 0;
    if (!(a == INT32_MIN && b == INT32_MIN)) bad += tpl_srdhm(a, b) != tpl_srdhm_nosat(a, b);
    const int e = (int)(rnd() % 31);
    const int32_t t = (int32_t)(rnd() >> 1) >> e, half = (int32_t)(1u << (30 - e));
    bad += tpl_srdhm(t | 1, half) != tpl_srdhm_nosat(t | 1, half);      /* exact ties */
    bad += tpl_srdhm(-(t | 1), half) != tpl_srdhm_nosat(-(t | 1), half);
  }
  for (int e = 0; e < 32; ++e) {
    const int32_t lim = INT32_MAX - (int32_t)((1u << e) >> 1);
    for (long k = 0; k < 200000; ++k) {
      int32_t x = (int32_t)rnd() >> (rnd() % 32);
      if (k < 2048) x = (int32_t)(k - 1024) * (int32_t)((1u << e) >> 1) + (int32_t)(k % 3) - 1;
      if (x <= lim) bad += tpl_rdbpot(x, e) != tpl_rdbpot_nosat(x, e);
    }
    bad += tpl_rdbpot(INT32_MIN, e) != tpl_rdbpot_nosat(INT32_MIN, e);
  }
  printf("%ld\n", bad);
  return bad != 0;
}
"""


def test_fast_rounding_helpers_equal_gemmlowp_forms(tmp_path):
    """tpl_srdhm_nosat / tpl_rdbpot_nosat (used in the ADD/SUB/MUL loops) vs the plain forms."""
    import subprocess
    src = tmp_path / "check.c"
    src.write_text(_FAST_HELPERS_CHECK)
    exe = tmp_path / "check"
    subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror",
                    f"-I{KERNEL_DIR / 'include'}", str(src), "-o", str(exe)], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "0", out.stdout
