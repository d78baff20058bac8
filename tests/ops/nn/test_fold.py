"""unfold (im2col) and fold (col2im) against torch's and keras.ops.nn's, to second order
(each is the other's adjoint)."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum.ops import nn
from tests.conftest import reference
from tests.ops.helpers import check_op, make_inputs
from tests.ops.keras_reference import keras_call

torch = reference("torch")
F = torch.nn.functional

# (image shape, kernel_size, dilation, padding, stride)
CASES = [
    ((2, 3, 5, 4), 2, 1, 0, 1),
    ((1, 2, 6, 7), (3, 2), (1, 2), (1, 0), (2, 1)),
    ((2, 1, 4, 4), 2, 1, 0, 2),
    ((1, 2, 5, 5), 3, 2, 2, 3),
]


@pytest.mark.parametrize("shape, k, d, p, s", CASES, ids=str)
def test_unfold(shape, k, d, p, s):
    check_op(lambda x: nn.unfold(x, k, d, p, s),
             lambda x: F.unfold(x, k, dilation=d, padding=p, stride=s), shape)  # fmt: skip
    x = make_inputs([shape])[0].astype("float32")
    _check_keras("unfold", x, k, d, p, s)


@pytest.mark.parametrize("shape, k, d, p, s", CASES, ids=str)
def test_fold(shape, k, d, p, s):
    cols = F.unfold(torch.zeros(shape), k, dilation=d, padding=p, stride=s).shape
    size = shape[2:]
    check_op(
        lambda x: nn.fold(x, size, k, d, p, s),
        lambda x: F.fold(x, size, k, dilation=d, padding=p, stride=s), tuple(cols),
    )  # fmt: skip
    x = make_inputs([tuple(cols)])[0].astype("float32")
    _check_keras("fold", x, size, k, d, p, s)


def _check_keras(name, x, *args):
    # Keras's torch backend hands its input to torch unconverted: give it a torch tensor.
    want = keras_call(f"nn.{name}", torch.tensor(x), *args)
    got = getattr(nn, name)(x, *args).numpy()
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-6)


@pytest.mark.parametrize(
    "call, match",
    [(lambda: nn.unfold(np.ones((2, 3, 4)), 2), "4-D"),
     (lambda: nn.unfold(np.ones((1, 1, 2, 2)), 3), "does not fit"),
     (lambda: nn.fold(np.ones((1, 4, 5)), 3, 2), r"\(N, C\*4, 4\)"),
     (lambda: nn.unfold(np.ones((1, 1, 4, 4)), 2, stride=0), "stride")],
    ids=["rank", "fit", "blocks", "stride"],
)  # fmt: skip
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
