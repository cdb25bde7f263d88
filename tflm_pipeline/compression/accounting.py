"""Parameter, int8-size, MAC and compression accounting, per layer and for a whole model.

Counting rules (the same for a compressed layer and the dense layer it replaces):

* ``params``: every trainable value, factors and biases (and FastRNN/FastGRNN's scalars).
* ``int8_bytes``: what the full-integer TFLite model stores for the layer: 1 byte per weight
  value and per scalar, 4 bytes per bias value (biases are int32). Quantization scales and
  flatbuffer overhead are left out.
* ``macs``: multiply-accumulates of the matrix products for one example (for RNNs: per time
  step in a cell's stats, times the sequence length in the model summary). Element-wise gate
  arithmetic is left out, as in the papers.
* ``compression``: dense params / params, the factor by which the layer is smaller than the
  dense layer (or dense cell) of the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class LayerStats:
    """Accounting of one layer (or cell) against its dense counterpart."""

    name: str
    structure: str
    weight_params: int            # matrix values (factors)
    vector_params: int            # biases (4 bytes each at int8)
    scalar_params: int            # trainable scalars (1 byte each)
    macs: int
    dense_weight_params: int
    dense_macs: int
    notes: tuple = field(default=())

    @property
    def params(self) -> int:
        return self.weight_params + self.vector_params + self.scalar_params

    @property
    def dense_params(self) -> int:
        return self.dense_weight_params + self.vector_params + self.scalar_params

    @property
    def int8_bytes(self) -> int:
        return self.weight_params + 4 * self.vector_params + self.scalar_params

    @property
    def dense_int8_bytes(self) -> int:
        return self.dense_weight_params + 4 * self.vector_params + self.scalar_params

    @property
    def compression(self) -> float:
        return self.dense_params / self.params if self.params else 1.0

    def scaled_macs(self, steps: int) -> "LayerStats":
        return replace(self, macs=self.macs * steps, dense_macs=self.dense_macs * steps)

    def __add__(self, other: "LayerStats") -> "LayerStats":
        return LayerStats(
            self.name, self.structure,
            self.weight_params + other.weight_params, self.vector_params + other.vector_params,
            self.scalar_params + other.scalar_params, self.macs + other.macs,
            self.dense_weight_params + other.dense_weight_params, self.dense_macs + other.dense_macs)


def matrices_stats(name: str, matrices, vector_params: int, scalar_params: int = 0) -> LayerStats:
    """Stats of a layer holding ``matrices`` (StructuredMatrix objects) plus biases/scalars."""
    return LayerStats(
        name=name,
        structure=" | ".join(m.describe() for m in matrices),
        weight_params=sum(m.params for m in matrices),
        vector_params=vector_params, scalar_params=scalar_params,
        macs=sum(m.macs for m in matrices),
        dense_weight_params=sum(m.rows * m.cols for m in matrices),
        dense_macs=sum(m.rows * m.cols for m in matrices))


def dense_layer_stats(layer) -> LayerStats:
    """Stats of a built :class:`~tflm_pipeline.compression.base.StructuredDense`."""
    if not layer.built:
        raise ValueError(f"{layer.name}: build the layer (call it on an input) before counting")
    return matrices_stats(layer.name, [layer.matrix], layer.units if layer.use_bias else 0)


def _plain_stats(layer, steps: int | None):
    """Stats of Keras' own layers (Dense, LSTM, GRU, SimpleRNN, Conv...) counted as dense."""
    from ..tf import keras

    params = int(sum(int(w.shape.num_elements()) for w in layer.trainable_weights))
    if params == 0:
        return None
    if isinstance(layer, keras.layers.Dense):
        kernel = int(layer.kernel.shape.num_elements())
        return LayerStats(layer.name, "dense", kernel, params - kernel, 0, kernel, kernel, kernel)
    matrices = [w for w in layer.trainable_weights if w.shape.rank == 2]
    weight = int(sum(int(w.shape.num_elements()) for w in matrices))
    macs = weight * (steps or 1) if isinstance(layer, keras.layers.RNN) else weight
    notes = () if (isinstance(layer, keras.layers.RNN) or not matrices) else ("MACs approximate",)
    return LayerStats(layer.name, type(layer).__name__.lower(), weight, params - weight, 0,
                      macs, weight, macs, notes)


def _sequence_length(layer) -> int | None:
    try:
        shape = layer.input_shape
    except (AttributeError, RuntimeError):
        return None
    if isinstance(shape, list):
        shape = shape[0]
    return int(shape[1]) if shape is not None and len(shape) >= 3 and shape[1] is not None else None


def layer_stats(layer, steps: int | None = None) -> LayerStats | None:
    """Stats of any built layer: compressed layers and RNNs of our cells report exactly,
    Keras' own layers count as dense, layers without weights give None. ``steps``: sequence
    length for RNN layers whose input shape is not known from the graph."""
    from ..tf import keras

    if hasattr(layer, "compression_stats"):
        return layer.compression_stats()
    if isinstance(layer, keras.layers.Bidirectional):
        steps = steps or _sequence_length(layer)
        f, b = layer_stats(layer.forward_layer, steps), layer_stats(layer.backward_layer, steps)
        if f is None:
            return None
        s = f + b
        return replace(s, name=layer.name, structure=f"bidirectional {f.structure}")
    if isinstance(layer, keras.layers.RNN):
        steps = steps or _sequence_length(layer)
        cell = layer.cell
        if hasattr(cell, "compression_stats"):
            s = cell.compression_stats()
            s = replace(s, name=layer.name)
            return s.scaled_macs(steps) if steps else replace(s, notes=("MACs per time step",))
        return _plain_stats(layer, steps)
    if isinstance(layer, keras.layers.Wrapper):
        return layer_stats(layer.layer)
    if isinstance(layer, keras.Model):
        rows = [s for s in (layer_stats(sub) for sub in layer.layers) if s is not None]
        if not rows:
            return None
        total = rows[0]
        for s in rows[1:]:
            total = total + s
        return replace(total, name=layer.name, structure="model")
    return _plain_stats(layer, None)


def model_stats(model) -> list[LayerStats]:
    """One :class:`LayerStats` per weighted layer of ``model`` (in order)."""
    return [s for s in (layer_stats(layer) for layer in model.layers) if s is not None]


def total_stats(rows: list[LayerStats], name: str = "total") -> LayerStats:
    total = LayerStats(name, "", 0, 0, 0, 0, 0, 0)
    for s in rows:
        total = total + s
    return replace(total, name=name, structure="")


def compression_summary(model, print_fn=print) -> list[LayerStats]:
    """Print parameters, int8 KB, MACs and compression per layer and in total; return the rows.

    MACs of an RNN layer cover the whole sequence when its length is static.
    """
    rows = model_stats(model)
    total = total_stats(rows)
    w = max([22] + [len(s.name) for s in rows])
    header = (f"{'layer':<{w}} {'structure':<40} {'params':>9} {'dense':>9} {'int8 KB':>8} "
              f"{'MACs':>10} {'x smaller':>9}")
    lines = [header, "-" * len(header)]
    for s in rows + [total]:
        if s is total:
            lines.append("-" * len(header))
        lines.append(f"{s.name:<{w}} {s.structure[:40]:<40} {s.params:>9,} {s.dense_params:>9,} "
                     f"{s.int8_bytes / 1024:>8.2f} {s.macs:>10,} {s.compression:>9.2f}")
    print_fn("\n".join(lines))
    return rows + [total]


def compression_factor(dense_params: int, params: int) -> float:
    return dense_params / params
