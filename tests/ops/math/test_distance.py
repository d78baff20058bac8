"""cdist and logdet: against Keras's formulas in torch and keras.ops, derivatives to second
order against torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")


def _torch_cdist(x, y):  # Keras's torch backend: broadcasting differences, not torch.cdist
    return torch.sqrt(((x.unsqueeze(-2) - y.unsqueeze(-3)) ** 2).sum(-1))


@pytest.mark.parametrize(
    "x_shape, y_shape", [((3, 4), (5, 4)), ((2, 3, 4), (5, 4)), ((2, 1, 3, 2), (4, 3, 2))], ids=str
)
def test_cdist(x_shape, y_shape):
    check_op(ops.cdist, _torch_cdist, x_shape, y_shape)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)], ids=str)
def test_logdet(shape):
    a = np.random.default_rng(0).normal(size=shape) * 0.3 + np.eye(shape[-1])
    check_op(ops.logdet, torch.logdet, inputs=[a])


def test_logdet_of_negative_and_singular_determinants():
    out = ops.logdet(np.array([[[0.0, 1.0], [1.0, 0.0]], [[1.0, 1.0], [1.0, 1.0]]])).numpy()
    assert np.isnan(out[0]) and out[1] == -np.inf


@pytest.mark.parametrize(
    "name, args",
    [
        ("cdist", (np.ones((2, 3), int), np.arange(12).reshape(4, 3))),  # integers: floatx
        ("cdist", (np.random.default_rng(1).normal(size=(2, 3, 4)).astype("float32"),) * 2),
        ("cdist", (np.ones((3, 2), "float32"), np.zeros((2, 2)))),  # float32 with float64
        ("logdet", (np.eye(3, dtype="float32") * 2,)),
        ("logdet", (np.array([[2.0, 1.0], [1.0, 3.0]]),)),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_against_keras(name, args):
    check_keras(name, *args, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.cdist(np.ones(3), np.ones((2, 3))), r"cdist: inputs must have rank >= 2"),
        (lambda: ops.cdist(np.ones((2, 3)), np.ones((2, 4))), r"last dimensions must match"),
        (lambda: ops.cdist(np.ones((2, 2, 3)), np.ones((3, 2, 3))), r"cannot be broadcast"),
        (lambda: ops.logdet(np.ones((2, 3))), r"logdet: `x` must be square"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
