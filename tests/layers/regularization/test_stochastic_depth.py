"""StochasticDepth: the identity at inference (as Keras's), whole samples dropped while
training with the kept ones scaled by 1/keep, the drop frequency, and its gradient (the mask)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference
from tests.layers.keras_parity import check_config_matches, keras, to_np

K = keras()
convnext = reference("keras.src.applications.convnext")


def test_inference_is_the_identity_as_in_keras():
    x = np.random.default_rng(0).standard_normal((3, 4, 4, 2)).astype("float32")
    k_layer, d_layer = convnext.StochasticDepth(0.3), dn.layers.StochasticDepth(0.3)
    np.testing.assert_array_equal(d_layer(x).numpy(), to_np(k_layer(x)))
    check_config_matches(k_layer, d_layer, from_keras=True)


def test_training_drops_whole_samples_and_rescales():
    rate, n = 0.25, 4000
    y = dn.layers.StochasticDepth(rate)(np.ones((n, 2, 3), "float32"), training=True).numpy()
    per_sample = y.reshape(n, -1)
    assert (per_sample == per_sample[:, :1]).all()  # one decision per sample
    assert set(np.unique(per_sample).tolist()) == {0.0, np.float32(1 / (1 - rate))}
    dropped = float((per_sample[:, 0] == 0).mean())
    assert abs(dropped - rate) < 4 * np.sqrt(rate * (1 - rate) / n)
    assert abs(float(y.mean()) - 1.0) < 0.05  # E[y] = x


def test_gradient_is_the_mask():
    x = dn.tensor(np.random.default_rng(2).standard_normal((6, 3)), requires_grad=True)
    y = dn.layers.StochasticDepth(0.5, dtype="float64")(x, training=True)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.numpy() / x.numpy())


@pytest.mark.parametrize("rate", [-0.1, 1.0, "0.5"])
def test_rate_is_checked(rate):
    with pytest.raises(ValueError, match="drop_path_rate"):
        dn.layers.StochasticDepth(rate)
