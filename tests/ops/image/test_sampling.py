"""map_coordinates against keras.ops.image on PyTorch (both orders, every fill mode, dtypes),
with derivatives in the input and the coordinates against torch.autograd through Keras's own
implementation, to second order."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum.ops import image
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

keras = reference("keras")

RNG = np.random.default_rng(0)
X = RNG.uniform(0, 1, (5, 6, 4)).astype("float32")
COORDS = RNG.uniform(-3, 8, (3, 4, 5))
MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("fill_mode", MODES)
def test_against_keras(order, fill_mode):
    check_keras("image.map_coordinates", X, COORDS, order, fill_mode=fill_mode, fill_value=0.7)
    check_keras("image.map_coordinates", X[:, 0, 0], COORDS[:1, :, 0], order, fill_mode=fill_mode)


@pytest.mark.parametrize(
    "x, coords",
    [((X * 255).astype("uint8"), COORDS), ((X * 1000).astype("int32"), COORDS),
     (X.astype("float64"), COORDS.astype("float32")), (X.astype("float16"), COORDS),
     (X, np.round(COORDS).astype("int32"))],
)  # fmt: skip
def test_dtypes_against_keras(x, coords):
    check_keras("image.map_coordinates", x, coords, 1, fill_value=3, atol=1e-3, rtol=1e-3)


def test_coordinates_as_a_list():
    check_keras("image.map_coordinates", X, list(COORDS), 1, fill_mode="mirror")


def test_mirror_of_a_single_sample_is_that_sample():
    # Keras's PyTorch backend divides by zero here (period 2(n - 1) = 0).
    coords = np.stack([RNG.uniform(-3, 3, 7), RNG.uniform(0, 5, 7)])
    got = image.map_coordinates(X[:1, :, 0], coords, 1, fill_mode="mirror")
    want = keras.ops.image.map_coordinates(X[:1, :, 0], coords, 1, fill_mode="nearest")
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-7)


@pytest.mark.parametrize("fill_mode", MODES)
def test_gradients_in_input_and_coordinates_against_torch(fill_mode):
    # Coordinates away from integers, where the linear weights are differentiable.
    coords = np.floor(RNG.uniform(-2, 7, (2, 3, 4))) + RNG.uniform(0.1, 0.9, (2, 3, 4))
    check_op(
        lambda x, c: image.map_coordinates(x, c, 1, fill_mode=fill_mode, fill_value=0.5),
        lambda x, c: keras.ops.image.map_coordinates(x, c, 1, fill_mode=fill_mode,
                                                     fill_value=0.5),
        inputs=[RNG.standard_normal((5, 6)), coords],
    )  # fmt: skip


def test_nearest_gradient_in_input_against_torch():
    coords = RNG.uniform(-1, 6, (2, 3, 4))
    check_op(lambda x: image.map_coordinates(x, coords, 0, fill_mode="wrap"),
             lambda x: keras.ops.image.map_coordinates(x, coords, 0, fill_mode="wrap"),
             (5, 6))  # fmt: skip


@pytest.mark.parametrize(
    "call, error, match",
    [(lambda: image.map_coordinates(X, COORDS[:2], 1), ValueError, "rank of `inputs`"),
     (lambda: image.map_coordinates(X, COORDS, 3), NotImplementedError, "order"),
     (lambda: image.map_coordinates(X, COORDS, 1, fill_mode="edge"), ValueError, "fill_mode"),
     (lambda: image.map_coordinates(X[0, 0], np.zeros(1), 1), ValueError, "at least rank 2")],
)  # fmt: skip
def test_argument_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
