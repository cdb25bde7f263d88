"""UNIDIRECTIONAL_SEQUENCE_LSTM (rolled tf_keras LSTM, ``fused_lstm=True``) through the compiler,
bit-exact with TFLM on the host build.

One Keras model holds every variant (one conversion keeps the file fast). Each comparison runs
many examples through one TFLM interpreter that is reset between examples, while the compiled model
is invoked back to back: outputs only agree if our invoke starts every sequence from the reset
state (hidden = zero point, cell = 0), as TFLM's reset does.
"""

import pytest

from oracle import assert_bit_exact_on_host, convert
from tflm_pipeline import flatbuffer
from tflm_pipeline.compiler import compile_model
from tflm_pipeline.compiler.ops import REGISTRY
from tflm_pipeline.errors import UnsupportedOpError
from tflm_pipeline.tf import keras

L, I = keras.layers, keras.initializers
LSTM = "UNIDIRECTIONAL_SEQUENCE_LSTM"
T, F = 6, 5


@pytest.fixture(scope="module")
def lstm_model() -> bytes:
    keras.utils.set_random_seed(3)
    x = keras.Input((T, F))  # converted with batch 1: [1, T, F], batch-major (time_major=False)
    outputs = [
        # plain sequence output (cell scale 2^-14 in our runs: tanh input = (3c + 2) >> 2)
        L.LSTM(12, return_sequences=True)(x),
        # small weights: a smaller cell scale (2^-17 in our runs), tanh input (3c + 16) >> 5
        L.LSTM(4, return_sequences=True, kernel_initializer=I.RandomNormal(stddev=0.05),
               recurrent_initializer=I.RandomNormal(stddev=0.05), unit_forget_bias=False)(x),
        # large weights and biases: a larger cell scale (2^-11: c * (3 << 1)), saturations
        L.LSTM(4, return_sequences=True, kernel_initializer=I.RandomNormal(stddev=2.0),
               recurrent_initializer=I.RandomNormal(stddev=1.0), bias_initializer=I.Constant(2.0))(x),
        # time_major: the [1, T, F] input is 1 step of T sequences (batch T)
        L.LSTM(5, return_sequences=True, time_major=True)(x),
    ]
    if "STRIDED_SLICE" in REGISTRY:
        # stacked: the second LSTM reads int8 hidden states and returns the last step only.
        # This pair caught the double-product gate multiplier (1 wrong value in 3000).
        outputs.append(L.LSTM(3)(L.LSTM(6, return_sequences=True)(x)))
    return convert(keras.Model(x, outputs), fused_lstm=True)


def test_lstm_variants_bit_exact(lstm_model):
    compiled = assert_bit_exact_on_host(lstm_model, n=200)
    params = [c.params for c in compiled.calls if c.function == "tpl_unidirectional_sequence_lstm"]
    by_size = {p.state_size: p for p in params}
    p12, p5 = by_size[12], by_size[5]
    assert (p12.batches, p12.time_steps, p12.input_size, p12.time_major) == (1, T, F, 0)
    assert (p5.batches, p5.time_steps, p5.time_major) == (T, 1, 1)
    assert all(p.reset_state == 1 for p in params)
    tanh_rescales = {(p.cell_tanh_multiplier, p.cell_tanh_shift) for p in params}
    assert len(tanh_rescales) >= 3, tanh_rescales  # rounding right shifts and a left shift
    assert compiled.op_names.count(LSTM) == (6 if "STRIDED_SLICE" in REGISTRY else 4)


def test_unsupported_cell_activation_raises(lstm_model):
    """The converter's calibrator crashes on LSTM(activation="relu"), so the option is patched."""
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(lstm_model, 0))
    for op in model.subgraphs[0].operators:
        if hasattr(op.builtinOptions, "cellClip"):
            op.builtinOptions.fusedActivationFunction = schema.ActivationFunctionType.RELU
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    with pytest.raises(UnsupportedOpError, match="cell gate activation 1; supported: TANH"):
        compile_model(flatbuffer.parse(bytes(builder.Output())))
