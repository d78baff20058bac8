"""rgb_to_grayscale, rgb_to_hsv and hsv_to_rgb against keras.ops.image on PyTorch, with
derivatives to second order against torch.autograd through Keras's own ops."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum.ops import image
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

keras = reference("keras")

RNG = np.random.default_rng(0)
X = RNG.uniform(0, 1, (2, 5, 6, 3)).astype("float32")
HSV = RNG.uniform(-0.5, 1.5, (2, 5, 6, 3)).astype("float32")
TIES = np.round(X * 4) / 4  # equal channels: the hue's branches and span = 0


@pytest.mark.parametrize("name, x", [("rgb_to_grayscale", X), ("rgb_to_hsv", X),
                                     ("rgb_to_hsv", TIES), ("hsv_to_rgb", HSV)])  # fmt: skip
def test_against_keras(name, x):
    check_keras(f"image.{name}", x)
    check_keras(f"image.{name}", x[0])
    check_keras(f"image.{name}", x.transpose(0, 3, 1, 2), data_format="channels_first")
    check_keras(f"image.{name}", x.astype("float64"))


@pytest.mark.parametrize(
    "x",
    [(X * 255).astype("uint8"), (X * 1000).astype("int32"), X[..., :1], X.astype("float16")],
)
def test_grayscale_dtypes_and_one_channel(x):
    check_keras("image.rgb_to_grayscale", x, atol=1e-3, rtol=1e-3)


def test_round_trip():
    back = image.hsv_to_rgb(image.rgb_to_hsv(X.astype("float64")))
    np.testing.assert_allclose(back.numpy(), X, atol=1e-7)


@pytest.mark.parametrize("name", ["rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_gradients_against_torch(name, data_format):
    shape = (2, 3, 4, 3) if data_format == "channels_last" else (2, 3, 3, 4)
    check_op(lambda x: getattr(image, name)(x, data_format=data_format),
             lambda t: getattr(keras.ops.image, name)(t, data_format=data_format),
             shape, low=0.05, high=0.95)  # fmt: skip


@pytest.mark.parametrize(
    "call, match",
    [(lambda: image.rgb_to_hsv(X.astype("int32")), "float dtype"),
     (lambda: image.hsv_to_rgb((X * 255).astype("uint8")), "float dtype"),
     (lambda: image.rgb_to_hsv(X[..., :2]), "3 channels"),
     (lambda: image.rgb_to_grayscale(X[..., :2]), "channel size"),
     (lambda: image.rgb_to_grayscale(X[0, 0]), "rank")],
)  # fmt: skip
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
