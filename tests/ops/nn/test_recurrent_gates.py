"""lstm_gates (the LSTM update from pre-activations, one Function) against PyTorch: forward,
gradients (numerical and torch.autograd), second order, and the recorded backward against the
array one."""

import numpy as np
import pytest

import deepnum as dn
from deepnum.ops.nn._recurrent_gates import lstm_gates
from tests.conftest import reference
from tests.ops.helpers import check_op


def torch_gates(z, c):
    torch = reference("torch")
    i, f, g, o = torch.chunk(z, 4, dim=-1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.cat([torch.sigmoid(o) * torch.tanh(c), c], dim=-1)


def both(z, c):
    return dn.ops.concatenate(lstm_gates(z, c), axis=-1)


@pytest.mark.parametrize("shapes", [((3, 8), (3, 2)), ((2, 3, 4, 12), (2, 3, 4, 3))])
def test_lstm_gates_matches_torch(shapes):
    check_op(both, torch_gates, *shapes, low=-3.0, high=3.0)


def test_recorded_backward_equals_the_array_backward():
    rng = np.random.default_rng(0)
    z, c = rng.standard_normal((4, 5, 12)), rng.standard_normal((4, 5, 3))
    r = rng.standard_normal((4, 5, 6))

    def loss(z, c):
        return (both(z, c) * r).sum()

    fast = dn.grad(loss, argnums=(0, 1))(z, c)
    zt, ct = dn.tensor(z, requires_grad=True), dn.tensor(c, requires_grad=True)
    loss(zt, ct).backward(create_graph=True)
    for a, b in zip(fast, (zt.grad, ct.grad)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)


def test_lstm_gates_checks_shapes():
    with pytest.raises(ValueError, match=r"4·units"):
        lstm_gates(np.zeros((2, 8)), np.zeros((2, 3)))
