"""vmap against torch.func.vmap: in_axes/out_axes, nesting, structures, per-example gradients
(vmap of grad, the DP-SGD building block), gradients through vmap, the fallbacks (a Function
without a batching rule, Python control flow on batched values) and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from deepnum.autodiff.function import Function
from tests.conftest import reference

torch = reference("torch")
tf = torch.func

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 3))  # a batch of 4 examples of 3 features
W = RNG.standard_normal((3, 2))


def _t(a):
    return torch.tensor(a)


def test_in_axes_and_out_axes_against_torch():
    xs = RNG.standard_normal((3, 4))  # mapped along axis 1

    def ours(x, w):
        return ops.tanh(x @ w) * x.sum()

    def theirs(x, w):
        return torch.tanh(x @ w) * x.sum()

    got = dn.vmap(ours, in_axes=(1, None), out_axes=1)(xs, W)
    want = tf.vmap(theirs, in_dims=(1, None), out_dims=1)(_t(xs), _t(W))
    assert got.shape == tuple(want.shape) == (2, 4)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_nested_vmap_pairwise_distances():
    a, b = RNG.standard_normal((5, 3)), RNG.standard_normal((4, 3))

    def dist(u, v):
        return ((u - v) ** 2).sum() ** 0.5

    got = dn.vmap(dn.vmap(dist, in_axes=(None, 0)), in_axes=(0, None))(a, b)
    want = tf.vmap(tf.vmap(dist, in_dims=(None, 0)), in_dims=(0, None))(_t(a), _t(b))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    # Three levels, with the inner one mapping a non-leading axis.
    c = RNG.standard_normal((2, 3, 4))
    got3 = dn.vmap(dn.vmap(dn.vmap(lambda x: ops.sin(x) * 2), in_axes=1))(c)
    np.testing.assert_allclose(got3.numpy(), np.swapaxes(np.sin(c) * 2, 1, 2), rtol=1e-12)


def test_structures_in_and_out():
    def f(p, x):
        return {"y": x @ p["w"] + p["b"], "n": (x * x).sum()}

    params = {"w": W, "b": np.ones(2)}
    out = dn.vmap(f, in_axes=({"w": None, "b": None}, 0))(params, X)
    np.testing.assert_allclose(out["y"].numpy(), X @ W + 1, rtol=1e-12)
    np.testing.assert_allclose(out["n"].numpy(), (X * X).sum(1), rtol=1e-12)
    pair = dn.vmap(lambda x: (x.sum(), x * 2), out_axes=(0, 1))(X)
    np.testing.assert_allclose(pair[1].numpy(), (X * 2).T, rtol=1e-12)


def test_unbatched_outputs_are_repeated_and_axis_size():
    got = dn.vmap(lambda x: dn.tensor(7.0), axis_size=3, in_axes=None)(np.ones(2))
    np.testing.assert_allclose(got.numpy(), [7.0, 7.0, 7.0])
    kept = dn.vmap(lambda x, c: c, in_axes=(0, None), out_axes=(None))(X, np.arange(2.0))
    np.testing.assert_allclose(kept.numpy(), [0.0, 1.0])


def _mlp_params():
    rng = np.random.default_rng(1)
    return {
        "w1": rng.standard_normal((3, 8)) * 0.5,
        "b1": rng.standard_normal(8) * 0.1,
        "w2": rng.standard_normal((8, 4)) * 0.5,
        "b2": np.zeros(4),
    }


def test_per_example_gradients_against_torch():
    params = _mlp_params()
    labels = np.eye(4)[[0, 3, 1, 2]]

    def loss(m, relu, log_softmax):
        def f(p, x, t):
            h = relu(x @ p["w1"] + p["b1"])
            return -(t * log_softmax(h @ p["w2"] + p["b2"])).sum()

        return f

    ours = dn.vmap(
        dn.grad(loss(ops, ops.relu, lambda z: ops.log_softmax(z, axis=-1))), in_axes=(None, 0, 0)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback: batching rules all the way
        got = ours(params, X, labels)
    theirs = tf.vmap(
        tf.grad(loss(torch, torch.relu, lambda z: torch.log_softmax(z, -1))),
        in_dims=(None, 0, 0),
    )
    want = theirs({k: _t(v) for k, v in params.items()}, _t(X), _t(labels))
    for k in params:
        assert got[k].shape == (4,) + params[k].shape
        np.testing.assert_allclose(got[k].numpy(), want[k].numpy(), rtol=1e-10, atol=1e-13)


def test_per_example_gradients_of_a_model_through_functional_call():
    layers = [dn.layers.Dense(5, activation="tanh"), dn.layers.Dense(2)]
    model = dn.Sequential([dn.Input((3,)), *layers])
    params = {v.path: dn.tensor(v.numpy().astype("float64")) for v in model.trainable_variables}
    x = X.astype("float32")

    def loss(p, xi):
        return (dn.functional_call(model, p, xi[None]) ** 2).sum()

    got = dn.vmap(dn.grad(loss), in_axes=(None, 0))(params, x)
    for i in range(len(x)):  # one gradient call per example, the definition
        one = dn.grad(loss)(params, x[i])
        for k in params:
            np.testing.assert_allclose(got[k].numpy()[i], one[k].numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((3,), (3, 2)), ((1, 3), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 1)), ((3,), (3,))],
)
def test_batched_vector_matrix_products(a_shape, b_shape):
    """Both operands batched, one a vector (the per-example weights of vmap(grad)): values,
    first and second derivatives against torch.func, and float64 numerical differences."""
    a, b = RNG.standard_normal((4,) + a_shape), RNG.standard_normal((4,) + b_shape)

    def f(m):
        return lambda x, w: m.tanh(m.matmul(x, w)).sum() ** 2

    got = dn.vmap(dn.grad(f(ops), argnums=(0, 1)))(a, b)
    want = tf.vmap(tf.grad(f(torch), argnums=(0, 1)))(_t(a), _t(b))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-10, atol=1e-12)
    hess = dn.vmap(dn.hessian(f(ops), argnums=1))(a, b)
    want = tf.vmap(tf.hessian(f(torch), argnums=1))(_t(a), _t(b))
    np.testing.assert_allclose(hess.numpy(), want.numpy(), rtol=1e-9, atol=1e-12)
    assert dn.check_grad(lambda x, w: dn.vmap(lambda u, v: ops.matmul(u, v))(x, w), a, b) < 1e-6


def test_gradient_through_vmap_and_second_order():
    def f(m, x):
        return m.sin(x) * x.sum()

    got = dn.grad(lambda xs: (dn.vmap(lambda x: f(ops, x))(xs) ** 2).sum())(X)
    tx = _t(X).requires_grad_()
    (tf.vmap(lambda x: f(torch, x))(tx) ** 2).sum().backward()
    np.testing.assert_allclose(got.numpy(), tx.grad.numpy(), rtol=1e-10)
    hess = dn.vmap(dn.hessian(lambda x: (ops.sin(x) * x.sum()).sum()))(X)
    want = tf.vmap(tf.hessian(lambda x: (torch.sin(x) * x.sum()).sum()))(_t(X))
    np.testing.assert_allclose(hess.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)


class _Cube(Function):
    """A Function that has no batching rule: vmap runs it once per example."""

    def forward(self, x):
        return x**3

    def backward(self, gy):
        (x,) = self.inputs
        return gy * 3 * x**2


def test_a_function_without_a_rule_runs_per_example():
    with pytest.warns(UserWarning, match="_Cube has no batching rule"):
        got = dn.vmap(lambda x: _Cube()(x).sum())(X)
    np.testing.assert_allclose(got.numpy(), (X**3).sum(1), rtol=1e-12)
    g = dn.vmap(dn.grad(lambda x: _Cube()(x).sum()))(X)
    np.testing.assert_allclose(g.numpy(), 3 * X**2, rtol=1e-12)


def test_python_control_flow_on_values_falls_back_to_a_loop():
    def f(x):
        return x * 2 if float(x.sum()) > 0 else -x

    with pytest.warns(UserWarning, match=r"x\.item\(\).*once per example"):
        got = dn.vmap(f)(X)
    want = np.stack([x * 2 if x.sum() > 0 else -x for x in X])
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


def test_no_grad_outputs_and_leaked_tracers():
    w = dn.tensor(W, requires_grad=True)
    with dn.no_grad():
        y = dn.vmap(lambda x: x @ w)(X)
    assert not y.requires_grad
    leaked = []
    dn.vmap(lambda x: leaked.append(x) or x)(X)
    with pytest.raises(RuntimeError, match="after the transform returned"):
        leaked[0] + 1


def test_errors():
    with pytest.raises(ValueError, match="different sizes"):
        dn.vmap(lambda a, b: a + b)(np.ones((3, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="one entry per positional argument"):
        dn.vmap(lambda a, b: a + b, in_axes=(0,))(np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="out_axes is None"):
        dn.vmap(lambda a: a * 2, out_axes=None)(np.ones((3, 2)))
    with pytest.raises(ValueError, match="axis_size"):
        dn.vmap(lambda a: a, in_axes=None)(np.ones(2))
    with pytest.raises(ValueError, match="out of range"):
        dn.vmap(lambda a: a, in_axes=2)(np.ones((3, 2)))
