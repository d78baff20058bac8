"""polar against torch.polar and keras.ops.nn.polar: values, dtype, and gradients (PyTorch's
convention for complex outputs) to second order."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum.ops import nn
from deepnum.ops.nn._complex import Imag, Real
from tests.conftest import reference
from tests.ops.helpers import make_inputs
from tests.ops.keras_reference import check_keras

torch = reference("torch")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_against_keras(dtype):
    r, theta = (a.astype(dtype) for a in make_inputs([(2, 3), (2, 3)]))
    check_keras("nn.polar", np.abs(r), theta)


def test_gradients_against_torch_to_second_order():
    r, theta = make_inputs([(2, 3), (2, 3)], low=0.5)
    a, b, v1, v2 = np.random.default_rng(1).standard_normal((4, 2, 3))

    def loss(r, t):  # a real function of the complex output
        z = nn.polar(r, t)
        return (Real()(z) * a + Imag()(z) ** 2 * b).sum()

    tr, tt = (torch.tensor(x, requires_grad=True) for x in (r, theta))
    z = torch.polar(tr, tt)
    tl = (z.real * torch.tensor(a) + z.imag**2 * torch.tensor(b)).sum()
    g = torch.autograd.grad(tl, (tr, tt), create_graph=True)
    h = torch.autograd.grad((g[0] * torch.tensor(v1)).sum() + (g[1] * torch.tensor(v2)).sum(),
                            (tr, tt))  # fmt: skip
    got = dn.grad(loss, argnums=(0, 1))(r, theta)
    for x, y in zip(got, g):
        np.testing.assert_allclose(x.numpy(), y.detach().numpy(), atol=1e-12)

    def inner(r, t):
        gr, gt = dn.grad(loss, argnums=(0, 1))(r, t)
        return (gr * v1).sum() + (gt * v2).sum()

    for x, y in zip(dn.grad(inner, argnums=(0, 1))(r, theta), h):
        np.testing.assert_allclose(x.numpy(), y.numpy(), atol=1e-12)
    dn.check_grad(loss, r, theta)
