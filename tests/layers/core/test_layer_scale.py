"""LayerScale against Keras's (keras.src.applications.convnext.LayerScale): forward, gradients,
config, and the gradient of γ ⊙ x against float64 numerical differentiation."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference
from tests.layers.keras_parity import check_config_matches, dn_run, keras, keras_run

K = keras()
convnext = reference("keras.src.applications.convnext")


@pytest.mark.parametrize("shape", [(2, 5), (2, 3, 4, 5)])
def test_layer_scale_matches_keras(shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    k_layer, d_layer = convnext.LayerScale(0.5, shape[-1]), dn.layers.LayerScale(0.5, shape[-1])
    k_layer(x)
    d_layer(x)
    gamma = np.random.default_rng(1).standard_normal(shape[-1]).astype("float32")
    k_layer.set_weights([gamma])
    d_layer.set_weights([gamma])
    r = np.random.default_rng(2).standard_normal(shape).astype("float32")
    y_k, gx_k, gw_k = keras_run(k_layer, [x], r, multi=False)
    y_d, gx_d, gw_d = dn_run(d_layer, [x], r, multi=False)
    np.testing.assert_allclose(y_d, y_k, rtol=1e-6)
    np.testing.assert_allclose(gx_d[0], gx_k[0], rtol=1e-5)
    np.testing.assert_allclose(gw_d[0], gw_k[0], rtol=1e-5, atol=1e-5)
    assert d_layer.count_params() == k_layer.count_params()
    check_config_matches(k_layer, d_layer, from_keras=True)


def test_layer_scale_gradients_first_and_second_order():
    layer = dn.layers.LayerScale(1e-6, 3, dtype="float64")
    layer.build((None, 3))
    layer.gamma.assign(np.array([0.5, -2.0, 3.0]))
    x = np.random.default_rng(1).standard_normal((4, 3))
    assert dn.check_grad(lambda t: (layer(t) ** 2).sum(), x) < 1e-6
    hessian = dn.hessian(lambda t: (layer(t) ** 2).sum())(x.ravel()[:3].reshape(1, 3))
    expected = np.diag(2 * np.array([0.5, -2.0, 3.0]) ** 2)  # ∂²/∂x² Σ (γx)² = 2γ²
    np.testing.assert_allclose(np.asarray(hessian).reshape(3, 3), expected)


def test_layer_scale_refuses_a_wrong_width():
    with pytest.raises(ValueError, match="projection_dim=4"):
        dn.layers.LayerScale(0.1, 4)(np.zeros((1, 3), "float32"))
    with pytest.raises(ValueError, match="projection_dim"):
        dn.layers.LayerScale(0.1, 0)
