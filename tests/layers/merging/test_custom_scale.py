"""CustomScaleLayer against Keras's (keras.src.applications.inception_resnet_v2): x + scale·r,
its gradients (Keras/torch autograd and float64 numerical differentiation) and config."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference
from tests.layers.keras_parity import check_config_matches, dn_run, keras, keras_run

K = keras()
irv2 = reference("keras.src.applications.inception_resnet_v2")


@pytest.mark.parametrize("scale", [0.17, 1.0])
def test_custom_scale_matches_keras(scale):
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((2, 3, 3, 4)).astype("float32") for _ in range(2)]
    k_layer, d_layer = irv2.CustomScaleLayer(scale), dn.layers.CustomScaleLayer(scale)
    r = rng.standard_normal((2, 3, 3, 4)).astype("float32")
    y_k, g_k, _ = keras_run(k_layer, inputs, r, multi=True)
    y_d, g_d, _ = dn_run(d_layer, inputs, r, multi=True)
    np.testing.assert_allclose(y_d, y_k, rtol=1e-6)
    for a, b in zip(g_d, g_k, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    check_config_matches(k_layer, d_layer, from_keras=True)


def test_custom_scale_gradient():
    layer = dn.layers.CustomScaleLayer(0.2, dtype="float64")
    rng = np.random.default_rng(1)
    x, r = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    assert dn.check_grad(lambda a, b: (layer([a, b]) ** 2).sum(), x, r) < 1e-6


def test_custom_scale_needs_two_inputs():
    with pytest.raises(ValueError, match="two inputs"):
        dn.layers.CustomScaleLayer(0.1)(np.zeros((1, 2), "float32"))
