"""custom_gradient with Keras's calling conventions: values and gradients against keras.ops on
PyTorch (the same decorated functions, written with each library's ops), second order against
the analytic derivative."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference

keras = reference("keras")
torch = reference("torch")


def log1pexp_for(lib):
    """Keras's documented backend-agnostic example, on ``lib``'s ops."""

    @lib.ops.custom_gradient
    def log1pexp(x):
        e = lib.ops.exp(x)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return lib.ops.multiply(upstream, 1.0 - 1.0 / lib.ops.add(1, e))

        return lib.ops.log(1 + e), grad

    return log1pexp


def test_backend_agnostic_example_matches_keras():
    x = np.array([-3.0, 0.0, 2.5, 50.0])
    ours = dn.tensor(x, requires_grad=True)
    log1pexp_for(dn)(ours).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    log1pexp_for(keras)(theirs).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    value = log1pexp_for(dn)(dn.tensor(x)).numpy()
    np.testing.assert_allclose(value, log1pexp_for(keras)(torch.tensor(x)).numpy(), rtol=1e-12)


def test_jax_style_grad_of_one_argument():
    @ops.custom_gradient
    def clip_gradient(x):
        def grad(upstream):
            return ops.clip(upstream, -0.5, 0.5)

        return x * 1.0, grad

    g = dn.grad(lambda t: (clip_gradient(t) * dn.tensor([2.0, -0.1, -3.0])).sum())([1.0, 1, 1])
    np.testing.assert_allclose(g.numpy(), [0.5, -0.1, -0.5], rtol=1e-6)


def test_several_arguments_non_tensor_arguments_and_several_outputs():
    @ops.custom_gradient
    def scaled_pair(x, y, scale):
        def grad(*args, upstream):
            gu, gv = upstream  # one gradient per output
            return gu * scale, gv * 3.0, None

        return (x * scale, y * 3.0), grad

    x, y = dn.tensor([1.0, 2.0], requires_grad=True), dn.tensor(4.0, requires_grad=True)
    u, v = scaled_pair(x, y, 2.0)
    (u.sum() * 5 + v).backward()
    assert x.grad.numpy().tolist() == [10.0, 10.0] and float(y.grad) == 3.0


def test_second_derivative_through_a_grad_fn_written_in_ops():
    @ops.custom_gradient
    def cube(x):
        def grad(upstream):
            return upstream * 3 * x**2

        return x**3, grad

    x = np.array([0.5, -1.5, 2.0])
    h = dn.grad(lambda t: dn.grad(lambda s: cube(s).sum())(t).sum())(x)
    np.testing.assert_allclose(h.numpy(), 6 * x)


def test_bad_custom_gradients_are_explained():
    @ops.custom_gradient
    def no_pair(x):
        return x

    with pytest.raises(TypeError, match=r"\(output, grad_fn\)"):
        no_pair(dn.tensor(1.0))

    @ops.custom_gradient
    def wrong_count(x, y):
        return x + y, lambda upstream: (upstream,)

    with pytest.raises(ValueError, match="returned 1 gradient"):
        wrong_count(dn.tensor(1.0, requires_grad=True), dn.tensor(2.0)).backward()
