"""Function transforms: grad, value_and_grad, jacobian, hessian, vjp, jvp, hvp — against
torch.autograd.functional on non-trivial functions, nested to any order."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference

torch = reference("torch")
AF = torch.autograd.functional

A = np.random.default_rng(42).standard_normal((3, 4))


class D:
    """The deepnum flavour of the few functions the test functions use."""

    sin, cos, exp, tanh, log, sqrt = ops.sin, ops.cos, ops.exp, ops.tanh, ops.log, ops.sqrt
    const = staticmethod(lambda a: a)
    logsumexp = staticmethod(lambda x: ops.logsumexp(x, axis=-1))
    softmax = staticmethod(lambda x: ops.softmax(x, axis=-1))


class T:
    """The PyTorch flavour."""

    sin, cos, exp, tanh, log, sqrt = (
        torch.sin,
        torch.cos,
        torch.exp,
        torch.tanh,
        torch.log,
        torch.sqrt,
    )
    const = staticmethod(torch.tensor)
    logsumexp = staticmethod(lambda x: torch.logsumexp(x, dim=-1))
    softmax = staticmethod(lambda x: torch.softmax(x, dim=-1))


# Scalar functions of a vector x of length 4 (m is D or T).
SCALAR = {
    "sin-exp": lambda m, x: (m.sin(x) * m.exp(x / 2)).sum() + m.sqrt((x * x).sum()),
    "rosenbrock": lambda m, x: (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum(),
    "logsumexp-mlp": lambda m, x: m.logsumexp(m.const(A) @ m.tanh(x)),
    "rational": lambda m, x: (x[0] * x[1] - x[2]) / (1 + x[3] ** 2) + m.log(1 + x * x).sum(),
}

# Vector-valued functions for Jacobians.
VECTOR = {
    "tanh-affine": lambda m, x: m.tanh(m.const(A) @ x) * x[:3],
    "softmax": lambda m, x: m.softmax(x * x),
    "outer": lambda m, x: (x.reshape(2, 2) @ x.reshape(2, 2).T).reshape(-1),
}

X0 = np.array([0.3, -0.7, 1.1, 0.5])
V = np.array([1.0, -2.0, 0.5, 0.25])


def _t(x):
    return torch.tensor(x, dtype=torch.float64)


@pytest.mark.parametrize("name", list(SCALAR))
def test_grad_against_torch(name):
    f = SCALAR[name]
    got = dn.grad(lambda x: f(D, x))(X0)
    assert isinstance(got, dn.Tensor) and got.dtype == np.float64
    tx = _t(X0).requires_grad_()
    (want,) = torch.autograd.grad(f(T, tx), tx)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10)


@pytest.mark.parametrize("name", list(SCALAR))
def test_hessian_against_torch(name):
    f = SCALAR[name]
    got = dn.hessian(lambda x: f(D, x))(X0)
    want = AF.hessian(lambda x: f(T, x), _t(X0))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", list(SCALAR))
def test_hvp_against_torch(name):
    f = SCALAR[name]
    value, got = dn.hvp(lambda x: f(D, x), (X0,), (V,))
    want_value, want = AF.hvp(lambda x: f(T, x), _t(X0), _t(V))
    np.testing.assert_allclose(value.item(), want_value.item(), rtol=1e-12)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", list(VECTOR))
def test_jacobian_against_torch(name):
    f = VECTOR[name]
    got = dn.jacobian(lambda x: f(D, x))(X0)
    want = AF.jacobian(lambda x: f(T, x), _t(X0))
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", list(VECTOR))
def test_vjp_and_jvp_against_torch(name):
    f = VECTOR[name]
    y, back = dn.vjp(lambda x: f(D, x), X0)
    u = np.random.default_rng(0).standard_normal(y.shape)
    (got_vjp,) = back(u)
    _, want_vjp = AF.vjp(lambda x: f(T, x), _t(X0), _t(u))
    np.testing.assert_allclose(got_vjp.numpy(), want_vjp.numpy(), rtol=1e-10, atol=1e-12)
    y2, got_jvp = dn.jvp(lambda x: f(D, x), (X0,), (V,))
    want_y, want_jvp = AF.jvp(lambda x: f(T, x), _t(X0), _t(V))
    np.testing.assert_allclose(y2.numpy(), want_y.numpy(), rtol=1e-12)
    np.testing.assert_allclose(got_jvp.numpy(), want_jvp.numpy(), rtol=1e-10, atol=1e-12)


def test_jacobian_of_a_matrix_function_has_out_plus_in_shape():
    x = np.random.default_rng(0).standard_normal((2, 3))
    got = dn.jacobian(lambda t: ops.tanh(t @ t.T))(x)
    want = AF.jacobian(lambda t: torch.tanh(t @ t.T), _t(x))
    assert got.shape == (2, 2, 2, 3)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)


def test_jacobian_and_hessian_with_several_arguments():
    def f(m, x, y):
        return m.sin(x * y).sum() + (x**2 * y[:, None]).sum()

    x, y = np.array([0.5, 1.5, -1.0]), np.array([2.0, -0.5, 1.0])
    jx, jy = dn.jacobian(lambda a, b: f(D, a, b), argnums=(0, 1))(x, y)
    wx, wy = AF.jacobian(lambda a, b: f(T, a, b), (_t(x), _t(y)))
    np.testing.assert_allclose(jx.numpy(), wx.numpy(), rtol=1e-10)
    np.testing.assert_allclose(jy.numpy(), wy.numpy(), rtol=1e-10)
    hyy = dn.hessian(lambda a, b: f(D, a, b), argnums=1)(x, y)
    want = AF.hessian(lambda a, b: f(T, a, b), (_t(x), _t(y)))[1][1]
    np.testing.assert_allclose(hyy.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)


def test_hessian_with_several_argnums_is_nested_like_torch():
    def f(m, x, y):
        return (m.sin(x) * y**2).sum() + (x * y).sum() ** 2

    x, y = np.array([0.5, 1.5, -1.0]), np.array([2.0, -0.5, 1.0])
    got = dn.hessian(lambda a, b: f(D, a, b), argnums=(0, 1))(x, y)
    want = AF.hessian(lambda a, b: f(T, a, b), (_t(x), _t(y)))
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(got[i][j].numpy(), want[i][j].numpy(), rtol=1e-10)


def test_jacobian_of_a_function_with_several_outputs():
    def f(m, x):
        return m.sin(x) * x[0], (x**2).sum()

    got = dn.jacobian(lambda a: f(D, a))(X0)
    want = AF.jacobian(lambda a: f(T, a), _t(X0))
    assert isinstance(got, tuple) and len(got) == 2
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12)


def test_jacobian_of_an_unconnected_output_is_zero():
    j = dn.jacobian(lambda x, y: y * 2, argnums=0)(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(j.numpy(), np.zeros((3, 2)))


# --------------------------------------------------------------------------- grad details
@pytest.mark.parametrize(
    "point, want", [((3.0, 4.0), (6.0, 8.0)), ((0.0, 2.0), (0.0, 4.0)), ((3.0, 0.0), (6.0, 0.0))]
)
def test_seed_example(point, want):
    def f(x):
        return x[0] ** 2 + x[1] ** 2

    got = dn.grad(f)(np.array(point))
    np.testing.assert_allclose(got.numpy(), want)
    np.testing.assert_allclose(dn.numerical_grad(f, np.array(point)), want, atol=1e-4)
    np.testing.assert_allclose(dn.grad(f)(list(point)).numpy(), want)  # a list works too


def test_grad_grad_grad():
    def f(x):
        return ops.sin(x) * x**3

    x = 0.7
    d3 = dn.grad(dn.grad(dn.grad(f)))(x)
    # (sin x · x³)''' = −cos x·x³ − 9 sin x·x² + 18 cos x·x + 6 sin x
    want = -np.cos(x) * x**3 - 9 * np.sin(x) * x**2 + 18 * np.cos(x) * x + 6 * np.sin(x)
    np.testing.assert_allclose(d3.item(), want, rtol=1e-5)  # float32 input (a Python float)
    d3_64 = dn.grad(dn.grad(dn.grad(f)))(np.float64(x))
    np.testing.assert_allclose(d3_64.item(), want, rtol=1e-12)
    assert dn.grad(dn.grad(dn.grad(dn.grad(f))))(np.float64(x)).item() == pytest.approx(
        _torch_nth(lambda t: torch.sin(t) * t**3, x, 4), rel=1e-10
    )


def _torch_nth(f, x, n):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = f(t)
    for _ in range(n):
        (y,) = torch.autograd.grad(y, t, create_graph=True)
    return y.item()


def test_value_and_grad_with_aux():
    def loss(w, x):
        pred = x @ w
        return (pred**2).mean(), pred

    w, x = np.array([1.0, -2.0]), np.array([[1.0, 2.0], [3.0, 4.0]])
    (value, aux), g = dn.value_and_grad(loss, has_aux=True)(w, x)
    pred = x @ w
    np.testing.assert_allclose(value.item(), (pred**2).mean())
    np.testing.assert_allclose(aux.numpy(), pred)
    np.testing.assert_allclose(g.numpy(), 2 * x.T @ pred / 2)
    g2, aux2 = dn.grad(loss, has_aux=True)(w, x)
    np.testing.assert_allclose(g2.numpy(), g.numpy())
    np.testing.assert_allclose(aux2.numpy(), pred)


def test_grad_with_several_argnums():
    gx, gy = dn.grad(lambda x, y: (x * y**2).sum(), argnums=(0, 1))(np.ones(2), np.full(2, 3.0))
    np.testing.assert_allclose(gx.numpy(), [9.0, 9.0])
    np.testing.assert_allclose(gy.numpy(), [6.0, 6.0])
    assert isinstance(dn.grad(lambda x, y: x * y, argnums=[1])(2.0, 3.0), tuple)


def test_grad_of_a_constant_function_is_zero():
    g = dn.grad(lambda x: dn.tensor(3.0))(np.ones(3))
    np.testing.assert_array_equal(g.numpy(), np.zeros(3))


def test_grad_errors():
    with pytest.raises(TypeError, match="argument 0 has dtype int64.*floating-point"):
        dn.grad(lambda x: (x * x).sum())(np.arange(3))
    with pytest.raises(ValueError, match=r"single value.*shape \(3,\).*jacobian"):
        dn.grad(lambda x: x * 2)(np.ones(3))
    with pytest.raises(ValueError, match="argnums=2 but the function was called with 1"):
        dn.grad(lambda x: x.sum(), argnums=2)(np.ones(3))


def test_grad_of_a_tensor_in_an_outer_graph_is_differentiable():
    # grad called on a tensor that requires grad keeps the graph: backward gives f''.
    t = dn.tensor(np.array([0.5, 1.0]), requires_grad=True)
    g = dn.grad(lambda x: (x**3).sum())(t)
    g.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), 6 * t.numpy())


# --------------------------------------------------------------------------- nesting with closures
def test_jvp_inside_grad_differentiates_through_closed_over_tensors():
    w0, x0, v = np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([1.0, -1.0])
    # jvp of x ↦ x·w along v is v·w; its sum v·w differentiated in w is v.
    g = dn.grad(lambda w: dn.jvp(lambda x: x * w**2, (x0,), (v,))[1].sum())(w0)
    np.testing.assert_allclose(g.numpy(), 2 * v * w0)


def test_vjp_and_hvp_inside_grad():
    w0, x0, v = np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([1.0, -1.0])

    def via_vjp(w):
        _, back = dn.vjp(lambda x: ops.sin(x * w), x0)
        return back(v)[0].sum()  # Σ v·w·cos(x·w)

    def ref_vjp(w):
        _, out = AF.vjp(lambda x: torch.sin(x * w), _t(x0), _t(v), create_graph=True)
        return out.sum()

    def via_hvp(w):
        return dn.hvp(lambda x: (w * x**3).sum(), (x0,), (v,))[1].sum()  # Σ 6·w·x·v

    tw = _t(w0).requires_grad_()
    (want,) = torch.autograd.grad(ref_vjp(tw), tw)
    np.testing.assert_allclose(dn.grad(via_vjp)(w0).numpy(), want.numpy(), rtol=1e-10)
    np.testing.assert_allclose(dn.grad(via_hvp)(w0).numpy(), 6 * x0 * v)


def test_hessian_of_a_closure_over_data():
    data = np.random.default_rng(0).standard_normal((5, 4))
    labels = np.array([0, 1, 1, 0, 1])

    def nll(w, m=D):
        z = m.const(data) @ w
        return (m.log(1 + m.exp(z)) - m.const(labels.astype(float)) * z).sum()

    got = dn.hessian(nll)(X0)
    want = AF.hessian(lambda w: nll(w, T), _t(X0))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10)
