"""vectorize: NumPy's semantics (broadcast loop axes, excluded arguments, gufunc signatures),
against keras.ops.vectorize and np.vectorize; gradients flow through the wrapped function."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import to_host

torch = reference("torch")


@pytest.mark.parametrize(
    "fn, args",
    [
        (lambda a, b: a * b + 1, (np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0, 3.0]))),
        (lambda a: a * a, (np.arange(4, dtype=np.float32).reshape(4, 1),)),
    ],
    ids=["broadcast", "column"],
)
def test_scalar_function_against_keras(fn, args):
    keras = reference("keras")
    want = to_host(keras.ops.vectorize(fn)(*args))
    got = ops.vectorize(fn)(*args).numpy()
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want)


def test_signature_against_numpy():
    def matvec(m, v):
        return ops.matmul(m, v)

    m = np.random.default_rng(0).standard_normal((4, 2, 3))
    v = np.random.default_rng(1).standard_normal(3)
    got = ops.vectorize(matvec, signature="(m,n),(n)->(m)")(m, v)
    want = np.vectorize(np.matmul, signature="(m,n),(n)->(m)")(m, v)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


def test_several_outputs_and_excluded_arguments():
    def f(a, scale, b):
        return a * scale, a + b

    got = ops.vectorize(f, excluded={1})(np.arange(3.0), 10.0, np.ones((2, 1)))
    want = np.vectorize(f, excluded={1})(np.arange(3.0), 10.0, np.ones((2, 1)))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g.numpy(), w)


def test_gradient_through_the_loop():
    f = ops.vectorize(lambda a: ops.sin(a) * a)
    check_op(f, lambda a: torch.sin(a) * a, (2, 3))
    g = ops.vectorize(lambda r: ops.sum(r * r), signature="(n)->()")
    check_op(g, lambda r: (r * r).sum(-1), (3, 2))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.vectorize(3), "must be callable"),
        (lambda: ops.vectorize(abs, signature="(n)")(np.ones(2)), "lacks '->'"),
        (lambda: ops.vectorize(abs, signature="(n)->()")(np.ones(())), "fewer axes"),
        (lambda: ops.vectorize(abs)(np.ones((0, 2))), "zero elements"),
        (lambda: ops.vectorize(lambda a, b: a)(np.ones(2), np.ones(3)), "do not broadcast"),
    ],
    ids=["callable", "signature", "core", "empty", "broadcast"],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_wraps_the_function():
    def square(a):
        """Square."""
        return a * a

    v = ops.vectorize(square)
    assert v.__name__ == "square" and v.__doc__ == "Square."
    assert isinstance(v(dn.tensor([1.0, 2.0])), dn.Tensor)
