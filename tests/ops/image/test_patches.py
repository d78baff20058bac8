"""extract_patches (2-D and 3-D) against keras.ops.image on PyTorch (strides, dilation,
padding, data formats, dtypes), with derivatives against torch.autograd through Keras's
identity-kernel convolution."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum.ops import image
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

keras = reference("keras")

RNG = np.random.default_rng(0)
X = RNG.uniform(0, 1, (2, 7, 9, 3)).astype("float32")
V = RNG.uniform(0, 1, (2, 5, 6, 7, 2)).astype("float32")

CASES_2D = [dict(size=2), dict(size=(3, 2), strides=(1, 2)),
            dict(size=(3, 3), strides=1, dilation_rate=2), dict(size=3, strides=2, padding="same"),
            dict(size=(2, 4), strides=(3, 1), padding="same", dilation_rate=(1, 2))]  # fmt: skip
CASES_3D = [dict(size=2), dict(size=(2, 2, 3), strides=(1, 2, 1), padding="same"),
            dict(size=(2, 2, 3), strides=1, dilation_rate=2)]  # fmt: skip


@pytest.mark.parametrize("kw", CASES_2D)
def test_2d_against_keras(kw):
    check_keras("image.extract_patches", X, **kw)
    check_keras("image.extract_patches", X.transpose(0, 3, 1, 2), data_format="channels_first",
                **kw)  # fmt: skip
    check_keras("image.extract_patches", X[0], **kw)


@pytest.mark.parametrize("kw", CASES_3D)
def test_3d_against_keras(kw):
    check_keras("image.extract_patches_3d", V, **kw)
    check_keras("image.extract_patches_3d", V.transpose(0, 4, 1, 2, 3),
                data_format="channels_first", **kw)  # fmt: skip
    check_keras("image.extract_patches_3d", V[0], **kw)
    check_keras("image.extract_patches", V, **{**kw, "size": (2, 3, 2)})


@pytest.mark.parametrize("x", [(X * 255).astype("uint8"), (X * 100).astype("int32")])
def test_integer_images(x):
    check_keras("image.extract_patches", x, 3, strides=2)


def test_gradients_against_torch():
    check_op(lambda x: image.extract_patches(x, 2, strides=1, dilation_rate=2, padding="same"),
             lambda t: keras.ops.image.extract_patches(t, 2, strides=1, dilation_rate=2,
                                                       padding="same"),
             (2, 4, 5, 2))  # fmt: skip
    check_op(lambda x: image.extract_patches_3d(x, 2, strides=(1, 2, 1)),
             lambda t: keras.ops.image.extract_patches_3d(t, 2, strides=(1, 2, 1)),
             (1, 3, 4, 3, 2))  # fmt: skip


@pytest.mark.parametrize(
    "call, error, match",
    [(lambda: image.extract_patches(X, "3"), TypeError, "size"),
     (lambda: image.extract_patches(X, (2, 2, 2, 2)), ValueError, "length 2 or 3"),
     (lambda: image.extract_patches(X, 8), ValueError, "do not fit"),
     (lambda: image.extract_patches(X, 2, padding="full"), ValueError, "padding"),
     (lambda: image.extract_patches(X[0, 0], 2), ValueError, "rank"),
     (lambda: image.extract_patches_3d(V, (2, 2)), ValueError, "length 3")],
)  # fmt: skip
def test_argument_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
