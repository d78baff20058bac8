"""Dropout's rate is a fraction in [0, 1): rate=1 would scale the survivors by 1/0."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import layers
from tests.conftest import reference


@pytest.mark.parametrize("layer", ["Dropout", "SpatialDropout1D", "SpatialDropout2D"])
@pytest.mark.parametrize("rate", [1.0, 1, 1.5, -0.1, "0.5", None, True])
def test_rate_outside_zero_one_is_refused(layer, rate):
    with pytest.raises(ValueError, match=rf"{layer}: argument `rate` must be a number ≥ 0 and < 1"):
        getattr(layers, layer)(rate)


@pytest.mark.parametrize("rate", [1.5, -0.1])
def test_keras_refuses_them_too(rate):
    keras = reference("keras")
    with pytest.raises(ValueError):
        keras.layers.Dropout(rate)


def test_rates_below_one_scale_the_kept_units():
    x = np.ones((50, 40), "float32")
    for rate in (0.0, 0.999):
        y = layers.Dropout(rate)(x, training=True).numpy()
        assert set(np.unique(y).round(3)) <= {0.0, round(1 / (1 - rate), 3)}
