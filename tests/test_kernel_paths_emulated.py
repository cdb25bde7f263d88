"""The target-specific CONV_2D / DEPTHWISE_CONV_2D paths, bit-exact with TFLM on emulated boards.

The host tests run the portable C loops; these run the Cortex-M4F DSP path (mps2-an386: SMLAD
conv on interleaved int16 pixel pairs, SMLABB depthwise, 3x3 interior unrolled) and the Helium
path (mps3-an547, Cortex-M55: VMLADAVA conv with a predicated tail, 4-lane depthwise) on awkward
shapes: channel counts that are not multiples of 4 or 16, patch lengths with a tail, odd pixel
counts, padding, strides, depth multiplier 2, no/ReLU/ReLU6 activations. Each model runs twice:
with the short exact requantization the compiler picks when its accumulator bound allows it,
and with it forced off (the gemmlowp form), so both requantization branches of every path run.
"""

import numpy as np
import pytest

from oracle import convert
from tflm_pipeline.compiler.ops import conv_2d, depthwise_conv_2d
from tflm_pipeline.emulate.check import check_on_board
from tflm_pipeline.tf import keras

pytestmark = pytest.mark.emulator
L = keras.layers
BOARDS = ["mps2-an386", "mps3-an547"]


def _randomize(model, seed):
    """Non-zero biases and BatchNorm statistics, so folded biases and scales vary per channel."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 1.5, n), rng.normal(0, 0.3, n), rng.normal(0, 0.3, n),
                               rng.uniform(0.5, 2.0, n)])
        elif isinstance(layer, (L.Conv2D, L.DepthwiseConv2D)) and layer.use_bias:
            w = layer.get_weights()
            layer.set_weights([w[0], rng.normal(0, 0.2, w[1].shape)])


def _bn_relu():
    return [L.BatchNormalization(), L.ReLU()]


MODELS = {
    # conv: k = 45 (MVE: 2 steps + 13 tail; DSP: 11 groups + 1), 7 output channels (odd), 15 pixels
    # (odd), SAME stride 2; 1x1 direct with k = 7 (tail only) and k = 19, 33 channels; VALID
    # 3x2 with stride (2, 1).
    "conv": ((9, 5, 5), lambda: [
        L.Conv2D(7, 3, strides=2, padding="same"), *_bn_relu(),
        L.Conv2D(19, 1, activation="relu6"),
        L.Conv2D(33, 1),
        L.Conv2D(6, (3, 2), strides=(2, 1), padding="valid", activation="relu"),
    ]),
    # depthwise: 7 and 19 channels (lane tails), 3x3 SAME (interior + border pixels), stride 2,
    # VALID 3x3 on a wider image (all interior), depth multiplier 2 (generic path), 5x3 filter.
    "depthwise": ((7, 6, 7), lambda: [
        L.DepthwiseConv2D(3, padding="same"), *_bn_relu(),
        L.Conv2D(19, 1),
        L.DepthwiseConv2D(3, padding="same", activation="relu6"),
        L.DepthwiseConv2D(3, strides=2, padding="same"),
        L.DepthwiseConv2D(3, padding="valid", depth_multiplier=1, use_bias=False),
    ]),
    "depthwise_dm2_5x3": ((8, 9, 5), lambda: [
        L.DepthwiseConv2D((5, 3), padding="same", depth_multiplier=2), *_bn_relu(),
        L.DepthwiseConv2D(3, padding="valid"),
    ]),
}


@pytest.fixture(scope="module")
def tflite_path(tmp_path_factory):
    cache = {}

    def get(name):
        if name not in cache:
            shape, layers = MODELS[name]
            keras.backend.clear_session()
            keras.utils.set_random_seed(3)
            model = keras.Sequential([keras.Input(shape)] + layers())
            _randomize(model, 5)
            path = tmp_path_factory.mktemp(name) / f"{name}.tflite"
            path.write_bytes(convert(model, n_rep=32))
            cache[name] = path
        return cache[name]
    return get


@pytest.fixture(params=["fast_rq", "gemmlowp_rq"])
def requant_mode(request, monkeypatch):
    if request.param == "gemmlowp_rq":
        original = conv_2d.fast_requant

        def never(ctx, mults, shifts, acc_bound, output_offset):
            r = original(ctx, mults, shifts, acc_bound, output_offset)
            return conv_2d.FastRequant(0, r.add, r.rsh)
        monkeypatch.setattr(conv_2d, "fast_requant", never)
        monkeypatch.setattr(depthwise_conv_2d, "fast_requant", never)
    return request.param


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("name", sorted(MODELS))
def test_kernel_paths_on_board(tflite_path, name, board, requant_mode):
    report = check_on_board(tflite_path(name), board, examples=40, seed=11, measure_tflm_arena=False)
    assert report.bit_exact, report.reason
    assert report.mismatches == 0 and report.fits


def test_fast_requant_is_used_on_ds_cnn_layers(tflite_path):
    """The short requantization must actually apply to ordinary layers (else the speed is lost)."""
    from tflm_pipeline import flatbuffer
    from tflm_pipeline.compiler import compile_model

    compiled = compile_model(flatbuffer.load(tflite_path("conv")))
    src = "\n".join(compiled.sources.values())
    assert ".fast_rq = 1" in src


RQ_CHECK_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include "tpl_conv_2d.h"
static uint64_t s = 88172645463325252ull;
static uint64_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
int main(int argc, char **argv) {
  const long iters = argc > 1 ? atol(argv[1]) : 1000000;
  long n = 0, bad = 0;
  for (long it = 0; it < iters; ++it) {
    const uint64_t r = rnd();
    int32_t m = (int32_t)((1u << 30) + (uint32_t)(r & 0x3fffffffu));  /* TFLM: m in [2^30, 2^31) */
    if ((r >> 62) == 0) m = (int32_t)(r & 0x7fffffff);                /* and any m >= 0 */
    const int e = 1 + (int)((r >> 32) % 30);
    const int zp = (int)((r >> 48) & 255) - 128;
    const int64_t bound = (1LL << 30) - 1;                            /* 2 |acc| < 2^31 */
    int64_t acc = (int64_t)(rnd() % (uint64_t)(2 * bound + 1)) - bound;
    if ((it & 15) == 0) acc = ((it >> 4) & 1) ? bound : -bound;
    if ((it & 15) == 1) acc = (int64_t)(rnd() % 4001) - 2000;
    if (bound + 1 + (1LL << (e - 1)) + (int64_t)abs(zp) * (1LL << e) + 2 >= (1LL << 31)) continue;
    const int32_t add = (int32_t)((1LL << (e - 1)) + (int64_t)zp * (1LL << e));
    const int32_t ref = tpl_mbqm((int32_t)acc, m, -e) + zp;
    const int32_t got = tpl_conv_rq_fast((int32_t)acc, m, add, e, INT32_MIN, INT32_MAX);
    const int32_t refc = tpl_clamp_i32(ref, -128, 127);
    const int32_t gotc = tpl_conv_rq_fast((int32_t)acc, m, add, e, -128, 127);
    ++n;
    if (ref != got || refc != gotc) ++bad;
  }
  printf("%ld %ld\n", n, bad);
  return bad != 0;
}
"""


def test_fast_requant_equals_gemmlowp_double_rounding(tmp_path):
    """tpl_conv_rq_fast == TFLM's MultiplyByQuantizedMultiplier + zero point (+ clamp) on random
    (acc, multiplier, shift, zero point) inside the compiler's conditions, edges included (a host
    check of the C helper every path uses; 1e8 draws, about 70% inside the conditions)."""
    import subprocess
    from pathlib import Path

    inc = Path(__file__).resolve().parents[1] / "firmware" / "kernels" / "include"
    src = tmp_path / "rq.c"
    src.write_text(RQ_CHECK_C)
    exe = tmp_path / "rq"
    subprocess.run(["gcc", "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{inc}", str(src), "-o", str(exe)],
                   check=True)
    out = subprocess.run([str(exe), "100000000"], capture_output=True, text=True)
    n, bad = map(int, out.stdout.split())
    assert out.returncode == 0 and bad == 0 and n > 50_000_000, out.stdout
