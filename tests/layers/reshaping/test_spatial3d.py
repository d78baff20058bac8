"""ZeroPadding3D, Cropping3D and UpSampling3D against Keras 3 (torch backend) — outputs,
input gradients, output shapes, configs built from Keras's own — plus the signatures of the
spatial layers, files moving both ways and the error messages."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from deepnum import layers
from tests.layers.interop import assert_moves_both_ways
from tests.layers.keras_parity import check_config_matches, compare_with_keras, keras

K = keras()


def data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


CASES = [
    ("ZeroPadding3D", {}, (2, 2, 3, 2, 2)),
    ("ZeroPadding3D", {"padding": 2}, (1, 2, 1, 2, 1)),
    ("ZeroPadding3D", {"padding": (1, 0, 2), "data_format": "channels_first"}, (1, 2, 3, 2, 2)),
    ("ZeroPadding3D", {"padding": ((1, 0), (0, 2), (3, 1))}, (1, 2, 2, 2, 3)),
    ("Cropping3D", {}, (2, 4, 5, 3, 2)),
    ("Cropping3D", {"cropping": ((1, 0), 1, (0, 2))}, (1, 3, 4, 5, 2)),
    ("Cropping3D", {"cropping": (2, 1, 0), "data_format": "channels_first"}, (1, 2, 5, 4, 3)),
    ("UpSampling3D", {}, (2, 2, 3, 2, 2)),
    ("UpSampling3D", {"size": (1, 2, 3)}, (1, 2, 2, 2, 3)),
    ("UpSampling3D", {"size": 2, "data_format": "channels_first"}, (1, 2, 2, 3, 2)),
    ("ZeroPadding1D", {"padding": (1, 2), "data_format": "channels_first"}, (2, 3, 4)),
]


@pytest.mark.parametrize("name, kwargs, shape", CASES, ids=str)
def test_matches_keras(name, kwargs, shape):
    k_layer, d_layer = getattr(K.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    compare_with_keras(k_layer, d_layer, data(*shape))
    check_config_matches(k_layer, d_layer, from_keras=True)


@pytest.mark.parametrize(
    "name",
    ["ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping3D", "UpSampling2D",
     "UpSampling3D"],
)  # fmt: skip
def test_signatures_are_keras(name):
    ours = inspect.signature(getattr(layers, name).__init__)
    theirs = inspect.signature(getattr(K.layers, name).__init__)
    assert [(p.name, p.default) for p in ours.parameters.values()] == [
        (p.name, p.default) for p in theirs.parameters.values()
    ]


def test_shapes_with_unknown_axes():
    assert layers.ZeroPadding3D(1).compute_output_shape((None, None, 4, 5, 2)) == (
        None, None, 6, 7, 2,
    )  # fmt: skip
    assert layers.UpSampling3D().compute_output_shape((None, 2, None, 3, 1)) == (
        None, 4, None, 6, 1,
    )  # fmt: skip
    assert "interpolation" not in layers.UpSampling3D().get_config()


@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("ZeroPadding3D", {"padding": (1, 2)}, r"ZeroPadding3D: argument `padding` must be"),
        ("ZeroPadding3D", {"padding": -1}, r"received padding=-1"),
        ("Cropping3D", {"cropping": ((1, 2), (1,), 1)}, r"Cropping3D: argument `cropping`"),
        ("UpSampling3D", {"size": (2, 2)}, r"`size`.*tuple of 3 ints"),
    ],
    ids=str,
)
def test_bad_arguments(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        getattr(layers, name)(**kwargs)


def test_cropping_everything_and_wrong_rank_are_errors():
    with pytest.raises(ValueError, match=r"removes every pixel.*size 2 \(input shape \(1, 4, 4, 2"):
        layers.Cropping3D(((0, 0), (0, 0), (1, 1)))(data(1, 4, 4, 2, 1))
    with pytest.raises(ValueError, match=r"expected ndim=5, found ndim=4"):
        layers.UpSampling3D()(data(1, 4, 4, 2))


def volumes(k):
    inputs = k.Input((3, 4, 2, 2))
    h = k.layers.ZeroPadding3D(((1, 0), (0, 1), 1))(inputs)
    h = k.layers.UpSampling3D((2, 1, 2))(h)
    return k.Model(inputs, k.layers.Cropping3D(((1, 2), 1, (0, 3)))(h))


def test_spatial3d_model_moves_both_ways(tmp_path):
    assert_moves_both_ways(tmp_path, volumes, data(2, 3, 4, 2, 2))
