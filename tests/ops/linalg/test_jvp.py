"""linalg.jvp (Keras's forward-mode product, torch.func.jvp's conventions) against
torch.func.jvp: single and several primals, nested outputs, has_aux, nesting inside grad."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.linalg.matrices import normal

torch = reference("torch")


def _t(x):
    return torch.tensor(x)


def test_two_primals_against_torch():
    x, w, v, u = (normal(3, seed=i) for i in range(4))
    y, t = ops.jvp(lambda a, b: ops.sin(a) * b, (x, w), (v, u))
    ty, tt = torch.func.jvp(lambda a, b: torch.sin(a) * b, (_t(x), _t(w)), (_t(v), _t(u)))
    np.testing.assert_allclose(y.numpy(), ty.numpy(), atol=1e-12)
    np.testing.assert_allclose(t.numpy(), tt.numpy(), atol=1e-12)
    assert not y.requires_grad and not t.requires_grad


def test_nested_outputs_and_aux_keep_their_structure():
    x, v = normal(3), normal(3, seed=1)

    def dn_fun(a):
        return {"s": ops.sum(a * a), "p": (a * 2.0, ops.inv(ops.reshape(a, (1, 3))[:, :1]))}, a

    def torch_fun(a):
        return {"s": torch.sum(a * a), "p": (a * 2.0, torch.linalg.inv(a.reshape(1, 3)[:, :1]))}, a

    out, tangent, aux = ops.jvp(dn_fun, (x,), (v,), has_aux=True)
    t_out, t_tangent, t_aux = torch.func.jvp(torch_fun, (_t(x),), (_t(v),), has_aux=True)
    for got, want in ((out, t_out), (tangent, t_tangent)):
        assert set(got) == {"s", "p"} and isinstance(got["p"], tuple)
        np.testing.assert_allclose(got["s"].numpy(), want["s"].numpy(), atol=1e-12)
        for g, w in zip(got["p"], want["p"]):
            assert g.shape == tuple(w.shape)
            np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-12)
    np.testing.assert_allclose(aux.numpy(), t_aux.numpy())
    assert not aux.requires_grad


def test_keras_docstring_example():
    primals, tangents = ops.jvp(ops.sin, (dn.tensor(0.1),), (dn.tensor(0.2),))
    np.testing.assert_allclose(primals.item(), 0.09983342, rtol=1e-6)
    np.testing.assert_allclose(tangents.item(), 0.19900084, rtol=1e-6)
    assert ops.linalg.jvp is ops.jvp


def test_grad_of_jvp_matches_torch():
    x, v = normal(3), np.ones(3)
    g = dn.grad(lambda a: ops.jvp(lambda z: ops.sin(z) * z, (a,), (v,))[1].sum())(x)

    def torch_f(a):
        return torch.func.jvp(lambda z: torch.sin(z) * z, (a,), (_t(v),))[1].sum()

    np.testing.assert_allclose(g.numpy(), torch.func.grad(torch_f)(_t(x)).numpy(), atol=1e-12)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: ops.jvp(ops.sin, 1.0, (1.0,)), TypeError, "`primals` must be a tuple"),
        (lambda: ops.jvp(ops.sin, (1.0,), (1.0, 2.0)), ValueError, "the same length"),
        (lambda: ops.jvp(ops.sin, (np.ones(2),), (np.ones(3),)), ValueError, r"tangent 0"),
        (lambda: ops.jvp(ops.sin, (1.0,), (1.0,), has_aux=True), ValueError, "a pair"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
