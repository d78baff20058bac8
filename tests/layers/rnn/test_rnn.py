"""RNN over cells against Keras 3: built-in cells (fused) and user-defined cells (step loop),
stacks, masks, initial states, the cells' own steps, dropout, and the loop against the fused
ops; plus RNN(LSTMCell) = LSTM, errors and configs."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from deepnum.layers import serialization
from deepnum.layers.rnn import rnn as rnn_module
from tests.conftest import reference
from tests.layers.keras_parity import check_config_matches, keras
from tests.layers.recurrent_parity import compare_rnn, data, ragged_mask

K = keras()
CELLS = {"SimpleRNNCell": 1, "LSTMCell": 2, "GRUCell": 1}  # name -> number of states


def minimal_cell(m):
    """Keras's MinimalRNNCell (the RNN docstring's example), in Keras or deepnum."""

    class MinimalRNNCell(m.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="uniform", name="kernel"
            )
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, self.units), initializer="uniform", name="recurrent_kernel"
            )

        def call(self, inputs, states):
            prev_output = states[0]
            h = m.ops.matmul(inputs, self.kernel)
            output = h + m.ops.matmul(prev_output, self.recurrent_kernel)
            return output, [output]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return MinimalRNNCell


def two_state_cell(m):
    """A cell with two states of different sizes and an output size of its own."""

    class TwoStateCell(m.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.state_size = [3, 2]
            self.output_size = 4

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1] + 5, 9), name="w")

        def call(self, inputs, states, training=False):
            z = m.ops.tanh(m.ops.matmul(m.ops.concatenate([inputs, *states], -1), self.w))
            return z[:, :4], [z[:, 4:7], states[1] * 0.5 + z[:, 7:]]

    return TwoStateCell


DN_CELLS = {"minimal": minimal_cell(dn)(3), "two": two_state_cell(dn)()}
OPTIONS = [
    {"return_sequences": True, "return_state": True},
    {"go_backwards": True, "return_sequences": True},
    {"go_backwards": True, "return_state": True, "zero_output_for_mask": True},
    {"return_sequences": True, "zero_output_for_mask": True},
]


def without_names(config):
    """A config without the layer names (generated names differ between instances)."""
    if isinstance(config, dict):
        return {k: without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [without_names(v) for v in config]
    return config


def ids(options):
    return "-".join(options) or "default"


# ------------------------------------------------------------------ built-in cells (fused)
@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("options", OPTIONS, ids=ids)
def test_builtin_cell_matches_keras(cell, options):
    k = K.layers.RNN(getattr(K.layers, cell)(4), **options)
    d = layers.RNN(getattr(layers, cell)(4), **options)
    compare_rnn(k, d, data(3, 6, 5), mask=ragged_mask())


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_builtin_cell_initial_state_matches_keras(cell):
    states = [data(3, 4, seed=s + 1) for s in range(CELLS[cell])]
    k = K.layers.RNN(getattr(K.layers, cell)(4), return_sequences=True, return_state=True)
    d = layers.RNN(getattr(layers, cell)(4), return_sequences=True, return_state=True)
    compare_rnn(k, d, data(3, 6, 5), initial_state=states)


@pytest.mark.parametrize(
    "cell, layer, kwargs",
    [
        ("LSTMCell", "LSTM", {"return_sequences": True, "go_backwards": True}),
        ("GRUCell", "GRU", {"reset_after": False, "return_state": True}),
        ("SimpleRNNCell", "SimpleRNN", {"activation": "relu"}),
    ],
)
def test_rnn_of_a_builtin_cell_is_the_layer(cell, layer, kwargs):
    """RNN(LSTMCell(n)) computes LSTM(n) with the same weights, through the same fused op."""
    cell_args = {k: v for k, v in kwargs.items() if k in ("reset_after", "activation")}
    rnn_args = {k: v for k, v in kwargs.items() if k not in cell_args}
    a = layers.RNN(getattr(layers, cell)(4, **cell_args), **rnn_args)
    b = getattr(layers, layer)(4, **kwargs)
    x, mask = data(3, 6, 5), ragged_mask()
    ya = a(x, mask=mask)
    b(x)
    b.set_weights(a.get_weights())
    yb = b(x, mask=mask)
    for u, v in zip(ya if isinstance(ya, tuple) else [ya], yb if isinstance(yb, tuple) else [yb]):
        np.testing.assert_array_equal(u.numpy(), v.numpy())
        assert type(u.creator) is type(v.creator)
    assert a.count_params() == b.count_params()


@pytest.mark.parametrize("options", OPTIONS[:3], ids=ids)
def test_stacked_cells_match_keras(options):
    def make(m):
        cells = [m.layers.LSTMCell(4), m.layers.GRUCell(3), m.layers.SimpleRNNCell(2)]
        return m.layers.RNN(cells, **options)

    compare_rnn(make(K), make(dn), data(3, 6, 5), mask=ragged_mask())


def test_stacked_cells_initial_state_matches_keras():
    def make(m):
        cells = m.layers.StackedRNNCells([m.layers.LSTMCell(4), m.layers.GRUCell(3)])
        return m.layers.RNN(cells, return_state=True)

    states = [[data(3, 4, seed=1), data(3, 4, seed=2)], [data(3, 3, seed=3)]]
    k, d = make(K), make(dn)
    torch = reference("torch")
    x = data(3, 6, 5)
    k(x)
    d(x)
    d.set_weights(k.get_weights())
    k_out = k(torch.tensor(x), initial_state=[[torch.tensor(s) for s in g] for g in states])
    d_out = d(x, initial_state=states)
    flat_k, flat_d = K.tree.flatten(k_out), dn.tree.flatten(d_out)
    assert len(flat_k) == len(flat_d) == 4
    for a, b in zip(flat_d, flat_k):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), atol=1e-5)


# ------------------------------------------------------------------ user-defined cells (loop)
@pytest.mark.parametrize("make", [minimal_cell, two_state_cell], ids=["minimal", "two_states"])
@pytest.mark.parametrize("options", OPTIONS[:3], ids=ids)
def test_custom_cell_matches_keras(make, options):
    args = (3,) if make is minimal_cell else ()
    k = K.layers.RNN(make(K)(*args), **options)
    d = layers.RNN(make(dn)(*args), **options)
    compare_rnn(k, d, data(3, 6, 5), mask=ragged_mask(), check_config=False)


def test_custom_cells_stack_with_builtin_ones():
    def make(m):
        return m.layers.RNN([minimal_cell(m)(3), m.layers.LSTMCell(2)], return_state=True)

    compare_rnn(make(K), make(dn), data(3, 6, 5), mask=ragged_mask(), check_config=False)


@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("options", OPTIONS[1:3], ids=ids)
def test_step_loop_equals_fused_op(cell, options):
    """A subclass of a built-in cell runs the step loop: same numbers as the fused op, with
    the same dropout masks (recurrent dropout: one mask per gate)."""
    sub = type("Sub" + cell, (getattr(layers, cell),), {})
    kwargs = {"dropout": 0.3, "recurrent_dropout": 0.4, "seed": 1}
    fused, loop = (layers.RNN(c(4, **kwargs), **options) for c in (getattr(layers, cell), sub))
    x, mask = dn.tensor(data(3, 6, 5), requires_grad=True), ragged_mask()
    fused(x)
    loop(x)
    loop.set_weights(fused.get_weights())
    outs = []
    for layer in (fused, loop):
        layer.cell._rng = np.random.default_rng(5)
        y = layer(x, mask=mask, training=True)
        y = y if isinstance(y, tuple) else (y,)
        sum((t * (i + 1.0)).sum() for i, t in enumerate(y)).backward()
        outs.append(
            [t.numpy() for t in y] + [x.grad.numpy()] + [w.grad.numpy() for w in layer.weights]
        )
        x.grad = None
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, atol=2e-6)


def test_step_loop_gradients_match_numerical_differentiation():
    dn.config.set_floatx("float64")
    cell = minimal_cell(dn)(2)
    rnn = layers.RNN(cell, return_sequences=True, go_backwards=True)
    x = np.random.default_rng(0).standard_normal((3, 5, 2))
    mask = ragged_mask(3, 5)
    rnn(x)

    def f(x, kernel, recurrent):  # the weights as inputs, so that they are checked too
        cell.kernel, cell.recurrent_kernel = kernel, recurrent
        return (rnn(x, mask=mask) ** 2).sum()

    assert dn.check_grad(f, x, cell.kernel.numpy(), cell.recurrent_kernel.numpy()) < 1e-7


# ------------------------------------------------------------------ cells called directly
@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("kwargs", [{}, {"use_bias": False}, {"activation": "relu"}])
def test_cell_step_matches_keras(cell, kwargs):
    torch = reference("torch")
    k, d = getattr(K.layers, cell)(4, **kwargs), getattr(layers, cell)(4, **kwargs)
    x = data(3, 5)
    states = [data(3, 4, seed=s + 1) for s in range(CELLS[cell])]
    k(torch.tensor(x), [torch.tensor(s) for s in states])
    d(x, states)
    d.set_weights(k.get_weights())
    xt = torch.tensor(x, requires_grad=True)
    st = [torch.tensor(s, requires_grad=True) for s in states]
    k_out, k_states = k(xt, st)
    (k_out.sum() + sum((s * 2).sum() for s in k_states)).backward()
    xd = dn.tensor(x, requires_grad=True)
    sd = [dn.tensor(s, requires_grad=True) for s in states]
    d_out, d_states = d(xd, sd)
    (d_out.sum() + sum((s * 2).sum() for s in d_states)).backward()
    np.testing.assert_allclose(d_out.numpy(), k_out.detach().numpy(), atol=1e-6)
    for a, b in zip([xd, *sd, *d.weights], [xt, *st, *(v.value for v in k.weights)]):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-5)
    assert d.state_size == k.state_size and d.output_size == k.output_size


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_cell_configs_match_keras(cell):
    kwargs = {"dropout": 0.25, "recurrent_dropout": 0.1, "seed": 3, "use_bias": False}
    k, d = getattr(K.layers, cell)(4, **kwargs), getattr(layers, cell)(4, **kwargs)
    check_config_matches(k, d, from_keras=True)


def test_rnn_and_stack_configs_round_trip_from_keras():
    def make(m):
        return m.layers.RNN(
            [m.layers.LSTMCell(3, unit_forget_bias=False), m.layers.GRUCell(2, reset_after=False)],
            return_sequences=True,
            go_backwards=True,
            zero_output_for_mask=True,
        )

    k, d = make(K), make(dn)
    check_config_matches(k, d)
    rebuilt = layers.RNN.from_config(k.get_config())
    assert without_names(rebuilt.get_config()) == without_names(d.get_config())
    cells = rebuilt.cell.cells
    assert [type(c).__name__ for c in cells] == ["LSTMCell", "GRUCell"]
    assert not cells[0].unit_forget_bias and not cells[1].reset_after


def test_registered_custom_cell_round_trips():
    cell_class = dn.saving.register_keras_serializable("test_rnn")(minimal_cell(dn))
    rnn = layers.RNN(cell_class(3), return_state=True)
    clone = serialization.deserialize(serialization.serialize(rnn))
    assert type(clone.cell) is cell_class and clone.cell.units == 3
    assert without_names(clone.get_config()) == without_names(rnn.get_config())


# ------------------------------------------------------------------ shapes, states, errors
@pytest.mark.parametrize("cell", ["minimal", "two"])
def test_symbolic_shapes_match_the_eager_ones(cell):
    rnn = layers.RNN(DN_CELLS[cell], return_sequences=True, return_state=True)
    inputs = dn.Input((None, 5))
    symbolic = rnn(inputs)
    eager = rnn(data(2, 6, 5))
    assert [t.shape[2:] for t in symbolic[:1]] == [t.shape[2:] for t in eager[:1]]
    assert [t.shape[1:] for t in symbolic[1:]] == [t.shape[1:] for t in eager[1:]]
    model = dn.Model(inputs, symbolic)
    assert [o.shape for o in model(data(2, 6, 5))] == [o.shape for o in eager]


def test_stateful_custom_cell_carries_states():
    x = data(2, 6, 5)
    whole = layers.RNN(minimal_cell(dn)(3), return_sequences=True)
    full = whole(x).numpy()
    stateful = layers.RNN(minimal_cell(dn)(3), return_sequences=True, stateful=True)
    stateful(x[:, :3])
    stateful.set_weights(whole.get_weights())
    stateful.reset_states()
    parts = [stateful(x[:, :3]).numpy(), stateful(x[:, 3:]).numpy()]
    np.testing.assert_allclose(np.concatenate(parts, axis=1), full, atol=1e-6)


class NoState(dn.layers.Layer):
    def call(self, inputs, states):
        return inputs, states


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.RNN("lstm"), "call"),
        (lambda: layers.RNN(NoState()), "state_size"),
        (lambda: layers.StackedRNNCells([]), "cells"),
        (lambda: layers.LSTMCell(0), "units"),
        (lambda: layers.GRUCell(3, recurrent_dropout=1.0), "recurrent_dropout"),
        (lambda: layers.LSTM(3, dropout=-0.5), "LSTM: argument `dropout`"),
    ],
)
def test_bad_arguments_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_inputs_raise_with_the_layer_path():
    with pytest.raises(ValueError, match=r"rank ≥ 3.*x\[:, None\]"):
        layers.RNN(layers.GRUCell(2), name="seq")(data(4, 5))
    with pytest.raises(ValueError, match="expects 2 initial state tensor"):
        layers.RNN(layers.LSTMCell(2))(data(2, 3, 4), initial_state=[np.zeros((2, 2), "f4")])
    with pytest.raises(ValueError, match="unroll=True needs a known number of time steps"):
        layers.RNN(layers.LSTMCell(2), unroll=True)(dn.Input((None, 4)))
    with pytest.raises(ValueError, match="builds from the shape of one step"):
        layers.LSTMCell(2).build((2, 3, 4))
    rnn = layers.RNN(layers.LSTMCell(2))
    rnn(data(2, 3, 4))
    with pytest.raises(ValueError, match="axis -1"):
        rnn(data(2, 3, 5))


def test_fused_dispatch_only_for_builtin_cells():
    builtin = layers.RNN(layers.LSTMCell(2))
    stack = layers.RNN([layers.LSTMCell(2), layers.GRUCell(2)])
    mixed = layers.RNN([layers.LSTMCell(2), minimal_cell(dn)(2)])
    x = dn.tensor(data(2, 3, 4))
    assert builtin._fused_cells(x) == [builtin.cell]
    assert stack._fused_cells(x) == stack.cell.cells
    assert mixed._fused_cells(x) is None
    assert rnn_module.FUSED_CELLS == (layers.SimpleRNNCell, layers.LSTMCell, layers.GRUCell)


def test_bidirectional_rnn_over_a_cell_matches_keras():
    k, d = (
        m.layers.Bidirectional(m.layers.RNN(m.layers.LSTMCell(3), return_state=True))
        for m in (K, dn)
    )
    compare_rnn(k, d, data(3, 6, 5), mask=ragged_mask())


@pytest.mark.parametrize("layer", ["RNN", "LSTM"])
def test_activity_regularizer_adds_one_term_per_output_like_keras(layer):
    def make(m):
        if layer == "RNN":
            return m.layers.RNN(m.layers.LSTMCell(3), return_state=True, activity_regularizer="l2")
        return m.layers.LSTM(3, return_sequences=True, activity_regularizer="l1")

    k, d = make(K), make(dn)
    x = data(2, 4, 5)
    compare_rnn(k, d, x)
    k(x), d(x)
    want = sorted(float(v.detach()) for v in k.losses)
    assert len(want) == (3 if layer == "RNN" else 1)
    np.testing.assert_allclose(sorted(float(v.numpy()) for v in d.losses), want, rtol=1e-5)


# ------------------------------------------------------------------ unroll and stateful
def _cell(name, m):
    return minimal_cell(m)(3) if name == "minimal" else getattr(m.layers, name)(4)


@pytest.mark.parametrize("cell", ["LSTMCell", "GRUCell", "minimal"])
def test_unroll_matches_keras(cell):
    options = {"unroll": True, "return_sequences": True, "return_state": True}
    k, d = K.layers.RNN(_cell(cell, K), **options), layers.RNN(_cell(cell, dn), **options)
    compare_rnn(k, d, data(3, 6, 5), mask=ragged_mask(), check_config=cell != "minimal")


@pytest.mark.parametrize("cell", ["LSTMCell", "minimal"])
def test_stateful_matches_keras(cell):
    """Two calls of a stateful RNN continue from the states the first left, as Keras's; after
    reset_states the next call starts from zeros again."""
    torch = reference("torch")
    x = data(3, 6, 5)
    k = K.layers.RNN(_cell(cell, K), return_sequences=True, stateful=True)
    d = layers.RNN(_cell(cell, dn), return_sequences=True, stateful=True)
    k(torch.tensor(x[:, :3]))
    d(x[:, :3])
    d.set_weights(k.get_weights())
    for layer in (k, d):
        layer.reset_states()
    for part in (x[:, :3], x[:, 3:], None, x[:, :3]):
        if part is None:
            k.reset_states()
            d.reset_states()
            continue
        want = k(torch.tensor(part)).detach().numpy()
        np.testing.assert_allclose(d(part).numpy(), want, atol=1e-5, rtol=1e-5)
