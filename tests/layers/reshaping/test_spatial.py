"""ZeroPadding1D/2D, Cropping1D/2D and UpSampling1D/2D against Keras 3 (torch backend)."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import layers
from tests.layers.keras_parity import compare_with_keras, keras

K = keras()


def data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


CASES = [
    ("ZeroPadding2D", {}, (2, 3, 4, 2)),
    ("ZeroPadding2D", {"padding": ((1, 0), (2, 3))}, (1, 3, 3, 2)),
    ("ZeroPadding2D", {"padding": (2, 1), "data_format": "channels_first"}, (1, 2, 3, 3)),
    ("ZeroPadding1D", {"padding": (1, 2)}, (2, 4, 3)),
    ("Cropping2D", {"cropping": ((1, 0), (2, 1))}, (2, 5, 6, 2)),
    ("Cropping2D", {"cropping": 1, "data_format": "channels_first"}, (1, 2, 4, 5)),
    ("Cropping1D", {}, (2, 5, 3)),
    ("UpSampling2D", {}, (2, 3, 4, 2)),
    ("UpSampling2D", {"size": (3, 2), "data_format": "channels_first"}, (1, 2, 3, 3)),
    ("UpSampling2D", {"size": 2, "interpolation": "bilinear"}, (1, 3, 4, 2)),
    ("UpSampling2D", {"size": (3, 2), "interpolation": "bilinear"}, (1, 4, 3, 2)),
    ("UpSampling1D", {"size": 3}, (2, 4, 2)),
]


@pytest.mark.parametrize("name, kwargs, shape", CASES, ids=str)
def test_matches_keras(name, kwargs, shape):
    compare_with_keras(
        getattr(K.layers, name)(**kwargs), getattr(layers, name)(**kwargs), data(*shape)
    )


@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("ZeroPadding2D", {"padding": -1}, r"`padding` must be .*received padding=-1"),
        ("ZeroPadding2D", {"padding": (1, 2, 3)}, r"`padding` must be"),
        ("Cropping1D", {"cropping": "a"}, r"`cropping` must be"),
        ("UpSampling2D", {"size": 0}, r"`size`.*value > 0"),
        ("UpSampling2D", {"interpolation": "cubic"}, r"`interpolation` must be one of"),
    ],
    ids=str,
)
def test_bad_arguments(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        getattr(layers, name)(**kwargs)


def test_cropping_everything_is_an_error():
    with pytest.raises(ValueError, match=r"removes every pixel"):
        layers.Cropping2D(((2, 2), (0, 0)))(data(1, 4, 4, 1))
