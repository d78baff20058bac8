"""Input: shapes are tuples of non-negative integers or None, as Keras requires."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference


@pytest.mark.parametrize(
    "kwargs",
    [
        {"shape": "abc"},
        {"shape": (-3,)},
        {"shape": (2.5,)},
        {"shape": ("a",)},
        {"shape": (None, -1)},
        {"batch_shape": (None, "x")},
        {"batch_shape": "3"},
    ],
)
def test_bad_shapes_are_refused_like_keras(kwargs):
    keras = reference("keras")
    with pytest.raises(ValueError, match=r"Input: `(batch_)?shape` must be a tuple of sizes"):
        dn.Input(**kwargs)
    with pytest.raises(ValueError):
        keras.Input(**kwargs)


@pytest.mark.parametrize("batch_size", [0, -1, 1.5, "2"])
def test_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer or None"):
        dn.Input((3,), batch_size=batch_size)


@pytest.mark.parametrize(
    "kwargs", [{"shape": (0,)}, {"shape": (None, 3)}, {"shape": [np.int64(4)]}, {"shape": ()}]
)
def test_good_shapes_match_keras(kwargs):
    keras = reference("keras")
    assert dn.Input(**kwargs).shape == tuple(keras.Input(**kwargs).shape)
    assert dn.Input(5).shape == (None, 5)  # an int is one size (Keras wants a tuple)


def test_memory_error_while_inferring_a_shape_names_the_layer():
    class NoShapeRule(dn.layers.Layer):  # no compute_output_shape: run on zeros
        def call(self, x):
            return x * 2.0

    with pytest.raises(
        MemoryError, match=r'Layer "probe": .*zero input of shape \(2, 1000000, 1000000\)'
    ):
        NoShapeRule(name="probe")(dn.Input((10**6, 10**6)))
