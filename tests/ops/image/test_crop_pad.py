"""pad_images and crop_images against keras.ops.image on PyTorch, in every argument form, with
their derivatives against torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum.ops import image
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

keras = reference("keras")

X = np.random.default_rng(0).uniform(0, 1, (2, 7, 9, 3)).astype("float32")

PADS = [((1, 2, 3, 4), {}), ((None, 2, 3, None), dict(target_height=12, target_width=17)),
        ((2, None, None, 1), dict(target_height=10, target_width=12))]  # fmt: skip
CROPS = [((1, 2, 3, 4), {}), ((None, 2, 3, None), dict(target_height=2, target_width=3)),
         ((2, None, None, 1), dict(target_height=4, target_width=5))]  # fmt: skip


@pytest.mark.parametrize("args, kwargs", PADS)
def test_pad_against_keras(args, kwargs):
    check_keras("image.pad_images", X, *args, **kwargs)
    check_keras("image.pad_images", X[0].transpose(2, 0, 1), *args, data_format="channels_first",
                **kwargs)  # fmt: skip
    check_keras("image.pad_images", (X * 255).astype("uint8"), *args, **kwargs)


@pytest.mark.parametrize("args, kwargs", CROPS)
def test_crop_against_keras(args, kwargs):
    check_keras("image.crop_images", X, *args, **kwargs)
    check_keras("image.crop_images", X.transpose(0, 3, 1, 2), *args,
                data_format="channels_first", **kwargs)  # fmt: skip
    check_keras("image.crop_images", (X * 255).astype("uint8")[0], *args, **kwargs)


def test_gradients_against_torch():
    check_op(lambda x: image.pad_images(x, 1, 2, target_height=6, target_width=7),
             lambda t: keras.ops.image.pad_images(t, 1, 2, target_height=6, target_width=7),
             (2, 3, 4, 2))  # fmt: skip
    check_op(lambda x: image.crop_images(x, 1, None, None, 2, 3, 2, "channels_first"),
             lambda t: keras.ops.image.crop_images(t, 1, None, None, 2, 3, 2, "channels_first"),
             (2, 2, 5, 6))  # fmt: skip


@pytest.mark.parametrize(
    "call, match",
    [(lambda: image.pad_images(X, 1, 1), "exactly two of top_padding"),
     (lambda: image.pad_images(X, 1, 1, 1, None, None, 3), "right_padding must be >= 0"),
     (lambda: image.pad_images(X, -1, 1, 1, 1), "top_padding must be >= 0"),
     (lambda: image.crop_images(X, 1, 1, 1, 1, 3), "exactly two of top_cropping"),
     (lambda: image.crop_images(X, 1, 1, None, None, 9, 2), "needs 10"),
     (lambda: image.crop_images(X, None, 1, 5, None, 3, 2), "top_cropping must be >= 0"),
     (lambda: image.crop_images(X[0, 0], 1, 1, 1, 1), "rank")],
)  # fmt: skip
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
