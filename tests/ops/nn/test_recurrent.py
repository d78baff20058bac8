"""The fused recurrent ops (lstm, gru, simple_rnn): forward, gradient and second derivative
against PyTorch's nn.LSTM / nn.GRU / nn.RNN, gradients against numerical differentiation, the
fused loops against the composite per-step formulation (masks, go_backwards, output modes),
long sequences, and the flushing of subnormal gradients."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum.ops.nn import _recurrent as R
from deepnum.ops.nn import _recurrent_scan as recurrent_scan
from tests.conftest import reference
from tests.ops.helpers import check_op, make_inputs

torch = reference("torch")
B, T, I, U = 2, 3, 3, 2


def pack(outs) -> dn.Tensor:
    """All outputs of an op as one (batch, n) tensor, so one-output checks see all of them."""
    return dn.ops.concatenate([o.reshape(o.shape[0], -1) for o in outs], axis=1)


def torch_pack(y, *states):
    return torch.cat([y.reshape(y.shape[0], -1)] + [s[0] for s in states], dim=1)


def torch_run(module, params, x, states, go_backwards):
    x = torch.flip(x, [1]) if go_backwards else x
    states = tuple(s[None] for s in states)
    y, out_states = torch.func.functional_call(
        module, params, (x, states if len(states) > 1 else states[0])
    )
    out_states = out_states if isinstance(out_states, tuple) else (out_states,)
    return y, out_states


def torch_lstm(x, h0, c0, k, rk, b, go_backwards=False):
    params = {
        "weight_ih_l0": k.T,
        "weight_hh_l0": rk.T,
        "bias_ih_l0": b,
        "bias_hh_l0": torch.zeros_like(b),
    }
    module = torch.nn.LSTM(I, U, batch_first=True).double()
    return torch_pack(*_flat(torch_run(module, params, x, (h0, c0), go_backwards)))


def _keras_to_torch_gru(w):
    """Keras's GRU blocks are (z, r, h); torch's are (r, z, n)."""
    z, r, h = torch.chunk(w, 3, dim=-1)
    return torch.cat([r, z, h], dim=-1)


def torch_gru(x, h0, k, rk, b, go_backwards=False):
    params = {
        "weight_ih_l0": _keras_to_torch_gru(k).T,
        "weight_hh_l0": _keras_to_torch_gru(rk).T,
        "bias_ih_l0": _keras_to_torch_gru(b[0]),
        "bias_hh_l0": _keras_to_torch_gru(b[1]),
    }
    module = torch.nn.GRU(I, U, batch_first=True).double()
    return torch_pack(*_flat(torch_run(module, params, x, (h0,), go_backwards)))


def torch_rnn(x, h0, k, rk, b, activation="tanh", go_backwards=False):
    params = {
        "weight_ih_l0": k.T,
        "weight_hh_l0": rk.T,
        "bias_ih_l0": b,
        "bias_hh_l0": torch.zeros_like(b),
    }
    module = torch.nn.RNN(I, U, nonlinearity=activation, batch_first=True).double()
    return torch_pack(*_flat(torch_run(module, params, x, (h0,), go_backwards)))


def _flat(result):
    y, states = result
    return (y, *states)


LSTM_SHAPES = [(B, T, I), (B, U), (B, U), (I, 4 * U), (U, 4 * U), (4 * U,)]
GRU_SHAPES = [(B, T, I), (B, U), (I, 3 * U), (U, 3 * U), (2, 3 * U)]
RNN_SHAPES = [(B, T, I), (B, U), (I, U), (U, U), (U,)]


# --------------------------------------------------------------------------- against PyTorch
@pytest.mark.parametrize("go_backwards", [False, True])
def test_lstm_matches_torch(go_backwards):
    check_op(
        lambda *a: pack(R.lstm(*a, go_backwards=go_backwards)),
        lambda *a: torch_lstm(*a, go_backwards=go_backwards),
        *LSTM_SHAPES,
        low=-1.0,
        high=1.0,
    )


@pytest.mark.parametrize("go_backwards", [False, True])
def test_gru_matches_torch(go_backwards):
    check_op(
        lambda *a: pack(R.gru(*a, go_backwards=go_backwards)),
        lambda *a: torch_gru(*a, go_backwards=go_backwards),
        *GRU_SHAPES,
        low=-1.0,
        high=1.0,
    )


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_simple_rnn_matches_torch(activation):
    check_op(
        lambda *a: pack(R.simple_rnn(*a, activation=activation)),
        lambda *a: torch_rnn(*a, activation=activation),
        *RNN_SHAPES,
        low=-1.0,
        high=1.0,
    )


def test_composite_path_matches_torch_to_second_order():
    check_op(
        lambda *a: pack(R.lstm(*a, fused=False)),
        torch_lstm,
        *LSTM_SHAPES,
        low=-1.0,
        high=1.0,
        float32=False,
    )


# --------------------------------------------------------------------------- fused vs composite
CASES = {
    "lstm": (R.lstm, LSTM_SHAPES, 2),
    "gru": (R.gru, GRU_SHAPES, 1),
    "simple_rnn": (R.simple_rnn, RNN_SHAPES, 1),
}
MASK = np.array([[True, False, True, True], [False, False, True, False]])


def fused_and_composite(name, **options):
    op, shapes, _ = CASES[name]
    shapes = [(s[0], 4) + s[2:] if i == 0 else s for i, s in enumerate(shapes)]
    xs = make_inputs(shapes, -1.0, 1.0, seed=3)
    r = np.random.default_rng(4)
    weights = [r.standard_normal((B, 4 * U)), r.standard_normal((B, U)), r.standard_normal((B, U))]

    def loss(fused):
        def f(*args):
            outs = op(*args, **options, fused=fused)
            return sum(
                (o.reshape(B, -1) * w[:, : o.size // B]).sum() for o, w in zip(outs, weights)
            )

        return f

    return xs, loss(True), loss(False)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize(
    "options",
    [
        {"mask": MASK},
        {"mask": MASK, "go_backwards": True, "return_sequences": False},
        {"mask": MASK, "zero_output_for_mask": True},
        {"mask": MASK, "zero_output_for_mask": True, "go_backwards": True},
        {"return_sequences": False},
    ],
    ids=["mask", "mask-backwards-last", "zero-output", "zero-output-backwards", "last"],
)
def test_fused_matches_composite(name, options):
    xs, fused, composite = fused_and_composite(name, **options)
    np.testing.assert_allclose(
        fused(*map(dn.tensor, xs)).item(), composite(*map(dn.tensor, xs)).item(), rtol=1e-12
    )
    argnums = tuple(range(len(xs)))
    for a, b in zip(dn.grad(fused, argnums)(*xs), dn.grad(composite, argnums)(*xs)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_fused_gradient_with_mask_matches_numerical(name):
    xs, fused, _ = fused_and_composite(name, mask=MASK, go_backwards=True)
    assert dn.check_grad(fused, *xs) < 1e-6


def test_second_order_with_mask_matches_composite():
    xs, fused, composite = fused_and_composite("gru", mask=MASK, return_sequences=False)
    argnums = tuple(range(len(xs)))
    v = [np.random.default_rng(5).standard_normal(x.shape) for x in xs]

    def hvp(f):
        first = dn.grad(f, argnums)
        return dn.grad(lambda *a: sum((g * w).sum() for g, w in zip(first(*a), v)), argnums)(*xs)

    for a, b in zip(hvp(fused), hvp(composite)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-12)


@pytest.mark.parametrize("activation", ["sigmoid", "linear"])
def test_simple_rnn_fused_activations_match_composite(activation):
    xs, fused, composite = fused_and_composite("simple_rnn", activation=activation)
    argnums = tuple(range(len(xs)))
    for a, b in zip(dn.grad(fused, argnums)(*xs), dn.grad(composite, argnums)(*xs)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-12)


def test_float32_in_float32_out_and_close_to_float64():
    xs = make_inputs(LSTM_SHAPES, -1.0, 1.0)
    want = [o.numpy() for o in R.lstm(*xs)]
    got = R.lstm(*[x.astype(np.float32) for x in xs])
    for a, b in zip(got, want):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a.numpy(), b, atol=1e-6)


@pytest.mark.parametrize("fused", [True, False])
def test_thousand_steps_backpropagate_without_recursion(fused):
    x = dn.tensor(make_inputs([(2, 1000, 2)])[0], requires_grad=True)
    k, rk = make_inputs([(2, 8), (2, 8)], -0.5, 0.5, seed=1)
    zeros = np.zeros((2, 2))
    y, h, c = R.lstm(x, zeros, zeros, k, rk, return_sequences=False, fused=fused)
    (h.sum() + c.sum()).backward()
    assert x.grad.shape == (2, 1000, 2) and np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("name", list(CASES))
def test_pipelined_gemms_match_the_in_order_path(name, monkeypatch):
    """Long enough sequences overlap the GEMMs with the loop on a worker thread, in chunks of
    steps: the results are those of doing everything in order."""
    op, shapes, n_states = CASES[name]
    batch, steps = 64, 40
    shapes = [(batch, steps, 3), *[(batch, U)] * n_states, *shapes[1 + n_states :]]
    xs = make_inputs(shapes, -1.0, 1.0, seed=6)
    mask = np.random.default_rng(7).random((batch, steps)) > 0.2
    assert recurrent_scan.Scan(xs[0], U, None, None, False, True).pipelined

    def loss(*args):
        outs = op(*args, mask=mask, go_backwards=True)
        return sum((o * o).sum() for o in outs)

    argnums = tuple(range(len(xs)))
    piped = dn.grad(loss, argnums)(*xs)
    monkeypatch.setattr(recurrent_scan, "PIPELINE_GEMMS", False)
    for a, b in zip(piped, dn.grad(loss, argnums)(*xs)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- denormals
def decaying_lstm_grads(steps: int) -> list[np.ndarray]:
    """Gradients through an LSTM whose forget gate is σ(-2.2) ≈ 0.1: the cell gradient shrinks
    tenfold per step and crosses the float32 subnormal range (below 1.2e-38) near step 38."""
    rng = np.random.default_rng(8)
    x = rng.uniform(-1, 1, (2, steps, 3)).astype(np.float32)
    zeros = np.zeros((2, 2), np.float32)
    bias = np.zeros(8, np.float32)
    bias[2:4] = -2.2
    k = rng.uniform(-0.1, 0.1, (3, 8)).astype(np.float32)
    args = [dn.tensor(a, requires_grad=True) for a in (x, zeros, zeros)]
    _, _, c = R.lstm(*args, k, np.zeros((2, 8), np.float32), bias, return_sequences=False)
    c.sum().backward()
    return [a.grad.numpy() for a in args]


def test_subnormal_gradients_are_flushed_without_changing_results(monkeypatch):
    tiny = np.finfo(np.float32).tiny
    assert recurrent_scan.FLUSH_DENORMALS  # on by default

    def subnormal(a):
        return (a != 0) & (np.abs(a) < tiny)

    monkeypatch.setattr(recurrent_scan, "FLUSH_DENORMALS", False)
    raw = decaying_lstm_grads(40)
    assert subnormal(raw[0]).any() and subnormal(raw[2]).any()  # they do occur
    monkeypatch.setattr(recurrent_scan, "FLUSH_DENORMALS", True)
    flushed = decaying_lstm_grads(40)
    for a, b in zip(flushed, raw):
        assert not subnormal(a).any()
        np.testing.assert_allclose(a, b, rtol=0, atol=tiny)
    assert not flushed[2].any()


# --------------------------------------------------------------------------- errors
def test_shape_errors_name_the_problem():
    xs = make_inputs(LSTM_SHAPES)
    with pytest.raises(ValueError, match="kernel"):
        R.lstm(xs[0], xs[1], xs[2], xs[3][:, :4], xs[4], xs[5])
    with pytest.raises(ValueError, match="initial state"):
        R.lstm(xs[0], xs[1][:1], xs[2], *xs[3:])
    with pytest.raises(ValueError, match="mask"):
        R.lstm(*xs, mask=np.ones((B, T + 1), bool))
    with pytest.raises(ValueError, match="fused=True"):
        R.lstm(*xs, activation=dn.ops.sin, fused=True)
