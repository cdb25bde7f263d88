"""Data-movement ops and BATCH_MATMUL through the compiler, bit-exact with TFLM on the host build.

Models use only these ops plus FULLY_CONNECTED, built from Keras with plain tf functions (they
serialize as TFOpLambda layers, so conversion's batch-1 rebuild works).
"""

import numpy as np

from oracle import assert_bit_exact_on_host
from oracle import convert as _convert
from tflm_pipeline import flatbuffer
from tflm_pipeline.convert.float_islands import rewrite_float_islands
from tflm_pipeline.tf import keras, tf


def convert(model) -> bytes:
    """The converter sometimes routes UNPACK/SPLIT through float (DEQUANTIZE -> op -> QUANTIZE);
    remove such islands (exactly equivalent) so these tests need only the ops under test."""
    return rewrite_float_islands(_convert(model))


def _ops(tflite):
    return set(flatbuffer.parse(tflite).op_names)


def test_concat_transpose_slice_split_pack_unpack():
    keras.utils.set_random_seed(0)
    inp = keras.Input((6, 8))
    a = keras.layers.Dense(8)(inp)
    b = keras.layers.Dense(4)(inp)
    c = keras.layers.Concatenate(axis=-1)([a, b])            # different input scales: TFLM copies
    p = keras.layers.Permute((2, 1))(c)                       # [12, 6]
    s = p[:, 1:11:3, ::-2]
    halves = tf.split(p, 2, axis=1)
    parts = tf.split(p, [2, 3, 7], axis=1)
    cols = tf.unstack(c, axis=2)
    packed = tf.stack([cols[0], cols[3], cols[5]], axis=1)
    r = keras.layers.Reshape((3, 6))(keras.layers.Flatten()(packed))
    outs = [keras.layers.Flatten()(s), halves[1], parts[2], r,
            keras.layers.Dense(3)(keras.layers.Flatten()(parts[0]))]
    tfl = convert(keras.Model(inp, outs))
    assert {"CONCATENATION", "TRANSPOSE", "STRIDED_SLICE", "SPLIT", "SPLIT_V", "UNPACK", "PACK",
            "RESHAPE"} <= _ops(tfl)
    assert_bit_exact_on_host(tfl, n=60)


def test_strided_slice_masks_shrink_and_negative_strides():
    keras.utils.set_random_seed(1)
    inp = keras.Input((5, 7, 4))
    x = keras.layers.Dense(4)(inp)
    outs = [x[:, 2], x[:, -3:, :, 1], x[:, ::-1, 1:6:2], x[:, 1:100, -2::-3, :],
            x[:, :, 3, ::2], x[:, -1, -1]]
    outs = [keras.layers.Flatten()(o) if len(o.shape) > 2 else o for o in outs]
    tfl = convert(keras.Model(inp, outs))
    assert "STRIDED_SLICE" in _ops(tfl)
    assert_bit_exact_on_host(tfl, n=60)


def test_batch_matmul_activations_all_adjoint_flags():
    """Both operands computed; every transpose_a/transpose_b combination in one model."""
    keras.utils.set_random_seed(2)
    inp = keras.Input((2, 6, 8))
    a = keras.layers.Dense(5, bias_initializer="random_normal")(inp)   # [2, 6, 5]
    b = keras.layers.Dense(7, bias_initializer="random_normal")(inp)   # [2, 6, 7]
    outs = []
    for adj_x in (False, True):
        for adj_y in (False, True):
            lhs = a if adj_x else tf.transpose(a, [0, 1, 3, 2])
            rhs = b if not adj_y else tf.transpose(b, [0, 1, 3, 2])
            outs.append(tf.matmul(lhs, rhs, transpose_a=adj_x, transpose_b=adj_y))  # [2, 5, 7]
    tfl = convert(keras.Model(inp, outs))
    flags = {(op.options.adjX, op.options.adjY) for op in flatbuffer.parse(tfl).main.operators
             if op.name == "BATCH_MATMUL"}
    assert len(flags) >= 2, flags  # the converter folds some transposes into the flags
    assert_bit_exact_on_host(tfl, n=60)


def test_batch_matmul_constant_rhs_broadcast():
    keras.utils.set_random_seed(3)
    inp = keras.Input((3, 4, 8))
    w = tf.constant(np.random.default_rng(0).standard_normal((3, 8, 5)).astype(np.float32))
    tfl = convert(keras.Model(inp, tf.matmul(inp, w)))
    model = flatbuffer.parse(tfl)
    bmm = [op for op in model.main.operators if op.name == "BATCH_MATMUL"]
    assert bmm and model.main.tensors[bmm[0].inputs[1]].is_constant
    assert_bit_exact_on_host(tfl, n=60)


def test_reshape_aliases_graph_input_and_output():
    """RESHAPE of a model input that is itself a model output, and whose input feeds a later op."""
    keras.utils.set_random_seed(4)
    inp = keras.Input((4, 6))
    flat = keras.layers.Reshape((24,))(inp)          # model input -> model output, shared memory
    d = keras.layers.Dense(6)(inp)                   # the input is read again after the reshape
    sq = tf.squeeze(tf.expand_dims(d, 1), 1)
    d2 = keras.layers.Dense(3)(keras.layers.Reshape((24,))(sq))
    tfl = convert(keras.Model(inp, [flat, d2, keras.layers.Reshape((6, 4))(d)]))
    compiled = assert_bit_exact_on_host(tfl, n=60)
    assert all(c.alias for c, name in zip(compiled.calls, compiled.op_names) if name == "RESHAPE")


def _reshape_of_constant_model() -> bytes:
    """Hand-built graph (Keras would fold it): outputs = [reshape(constant), reshape(input)].

    The first output cannot share memory with its input (flash), so RESHAPE falls back to a copy.
    """
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as s

    def buf(data: bytes | None):
        b = s.BufferT()
        b.data = list(data) if data else None
        return b

    def tensor(shape, ttype, buffer, name, quant=True):
        t = s.TensorT()
        t.shape, t.type, t.buffer, t.name = list(shape), ttype, buffer, name
        if quant:
            t.quantization = s.QuantizationParametersT()
            t.quantization.scale, t.quantization.zeroPoint = [0.05], [3]
        return t

    const = np.arange(-4, 4, dtype=np.int8) * 13
    m = s.ModelT()
    m.version = 3
    m.buffers = [buf(None), buf(const.tobytes()), buf(np.array([1, 8], np.int32).tobytes()),
                 buf(None), buf(None), buf(None)]
    code = s.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = s.BuiltinOperator.RESHAPE
    m.operatorCodes = [code]
    sg = s.SubGraphT()
    sg.tensors = [tensor((1, 2, 4), s.TensorType.INT8, 3, "x"),
                  tensor((2, 4), s.TensorType.INT8, 1, "c"),
                  tensor((2,), s.TensorType.INT32, 2, "shape", quant=False),
                  tensor((1, 8), s.TensorType.INT8, 4, "c_flat"),
                  tensor((1, 8), s.TensorType.INT8, 5, "x_flat")]
    ops = []
    for src, dst in ((1, 3), (0, 4)):
        op = s.OperatorT()
        op.opcodeIndex, op.inputs, op.outputs = 0, [src, 2], [dst]
        ops.append(op)
    sg.operators, sg.inputs, sg.outputs = ops, [0], [3, 4]
    m.subgraphs = [sg]
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def test_reshape_of_constant_to_model_output_is_copied():
    compiled = assert_bit_exact_on_host(_reshape_of_constant_model(), n=20)
    assert [c.alias for c in compiled.calls] == [False, True]
    assert [c.function for c in compiled.calls][0] == "tpl_reshape"
