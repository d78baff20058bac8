"""GradientTape: TensorFlow-2 style gradients."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference

torch = reference("torch")


def _var(x):
    return dn.Variable(np.asarray(x, dtype=np.float64))


def test_list_in_list_out_against_torch():
    w0, b0 = np.array([[0.5, -1.0], [2.0, 0.3]]), np.array([0.1, -0.2])
    x = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    w, b = _var(w0), _var(b0)
    with dn.GradientTape() as tape:
        loss = (ops.tanh(x @ w + b) ** 2).mean()
    gw, gb = tape.gradient(loss, [w, b])
    tw, tb = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    (torch.tanh(torch.tensor(x) @ tw + tb) ** 2).mean().backward()
    np.testing.assert_allclose(gw.numpy(), tw.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gb.numpy(), tb.grad.numpy(), rtol=1e-12)
    assert w.grad is None  # the tape returns gradients, it does not accumulate them


def test_single_source_tuple_and_dict_sources():
    a, b = _var([1.0, 2.0]), _var(3.0)
    with dn.GradientTape(persistent=True) as tape:
        y = (a * b).sum()
    np.testing.assert_allclose(tape.gradient(y, a).numpy(), [3.0, 3.0])
    ga, gb = tape.gradient(y, (a, b))
    assert isinstance(tape.gradient(y, (a, b)), tuple)
    grads = tape.gradient(y, {"a": a, "b": b})
    assert set(grads) == {"a", "b"}
    np.testing.assert_allclose(grads["b"].numpy(), 3.0)
    np.testing.assert_allclose(gb.numpy(), 3.0)


def test_unconnected_source_gives_none():
    a, b = _var([1.0]), _var([2.0])
    with dn.GradientTape() as tape:
        y = (a * 2).sum()
    assert tape.gradient(y, [a, b])[1] is None


def test_non_persistent_tape_second_call_raises():
    a = _var([1.0])
    with dn.GradientTape() as tape:
        y = (a * a).sum()
    tape.gradient(y, a)
    with pytest.raises(RuntimeError, match="only be called once.*persistent=True"):
        tape.gradient(y, a)


def test_persistent_tape_allows_several_calls():
    a = _var([1.0, 2.0])
    with dn.GradientTape(persistent=True) as tape:
        y = (a**2).sum()
        z = (a**3).sum()
    np.testing.assert_allclose(tape.gradient(y, a).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(tape.gradient(z, a).numpy(), [3.0, 12.0])
    np.testing.assert_allclose(tape.gradient(y, a).numpy(), [2.0, 4.0])


def test_watch_a_plain_tensor():
    x = dn.tensor(np.array([3.0]))
    with dn.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [6.0])
    assert not x.requires_grad  # restored when the tape closes
    with pytest.raises(TypeError, match="watch expects Tensors"):
        dn.GradientTape().watch(3.0)


def test_gradient_with_respect_to_an_intermediate():
    x = _var([1.0, 2.0])
    with dn.GradientTape() as tape:
        h = x * 3
        y = (h * h).sum()
    gh, gx = tape.gradient(y, [h, x])
    np.testing.assert_allclose(gh.numpy(), [6.0, 12.0])  # 2h
    np.testing.assert_allclose(gx.numpy(), [18.0, 36.0])  # 18x


def test_without_watch_a_constant_gets_none():
    x = dn.tensor(np.array([3.0]))
    with dn.GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x) is None


def test_non_scalar_target_is_summed_and_output_gradients():
    a = _var([1.0, 2.0])
    with dn.GradientTape(persistent=True) as tape:
        y = a * a
    np.testing.assert_allclose(tape.gradient(y, a).numpy(), [2.0, 4.0])
    got = tape.gradient(y, a, output_gradients=np.array([1.0, -1.0]))
    np.testing.assert_allclose(got.numpy(), [2.0, -4.0])


def test_nested_tapes_give_second_derivatives():
    x = dn.tensor(np.array([0.5, 1.5]))
    with dn.GradientTape() as outer:
        outer.watch(x)
        with dn.GradientTape() as inner:
            inner.watch(x)
            y = (ops.sin(x) * x**2).sum()
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    xv = x.numpy()
    np.testing.assert_allclose(dy.numpy(), np.cos(xv) * xv**2 + 2 * xv * np.sin(xv))
    want = -np.sin(xv) * xv**2 + 4 * xv * np.cos(xv) + 2 * np.sin(xv)
    np.testing.assert_allclose(d2y.numpy(), want)


def test_nested_tape_with_inner_gradient_inside_its_block():
    w = _var(2.0)
    with dn.GradientTape() as outer:
        with dn.GradientTape() as inner:
            y = w**3
            dy = inner.gradient(y, w)
    np.testing.assert_allclose(dy.item(), 12.0)
    np.testing.assert_allclose(outer.gradient(dy, w).item(), 12.0)  # 6w


def test_training_step_with_a_tape():
    rng = np.random.default_rng(0)
    x, w_true = rng.standard_normal((32, 3)), np.array([1.0, -2.0, 0.5])
    y = x @ w_true
    w = _var(np.zeros(3))
    for _ in range(200):
        with dn.GradientTape() as tape:
            loss = ((x @ w - y) ** 2).mean()
        (g,) = tape.gradient(loss, [w])
        w.assign_sub(0.1 * g.numpy())
    np.testing.assert_allclose(w.numpy(), w_true, atol=1e-6)
