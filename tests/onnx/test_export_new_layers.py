"""ONNX export of the 3-D layers, GroupNormalization, RMSNormalization, UnitNormalization,
SpectralNormalization, Pipeline and the noise layers: checked with onnx.checker (inside
export) and run in onnxruntime, whose outputs must equal deepnum's."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from deepnum.onnx import UnsupportedLayerError, export
from tests.onnx.test_export import assert_exports, rand


@pytest.mark.parametrize("opset", [13, 18, 21])
def test_normalizations(tmp_path, opset):
    inputs = dn.Input((4, 6))
    h = layers.GroupNormalization(groups=3, gamma_initializer="random_uniform")(inputs)
    h = layers.GroupNormalization(groups=2, axis=1, beta_initializer="random_normal")(h)
    h = layers.GroupNormalization(groups=-1, center=False)(h)
    h = layers.RMSNormalization(epsilon=1e-3)(h)
    h = layers.RMSNormalization(axis=[1, 2])(h)
    h = layers.UnitNormalization(axis=1)(h)
    h = layers.UnitNormalization(axis=[-2, -1])(h)
    model = dn.Model(inputs, h)
    rms = model.layers[4]
    rms.scale.assign(np.random.default_rng(1).uniform(0.5, 1.5, rms.scale.shape).astype("f"))
    assert_exports(tmp_path, model, rand(3, 4, 6) * 2 + 1, opset=opset, tol=1e-5)


def test_group_normalization_of_images(tmp_path):
    inputs = dn.Input((5, 4, 6))
    h = layers.GroupNormalization(groups=2, axis=-1)(inputs)
    h = layers.GroupNormalization(groups=5, axis=1)(h)
    assert_exports(tmp_path, dn.Model(inputs, h), rand(2, 5, 4, 6), tol=1e-5)


@pytest.mark.parametrize("padding, strides", [("same", 2), ("valid", 1), ("same", 1)])
def test_three_dimensional_layers(tmp_path, padding, strides):
    inputs = dn.Input((6, 5, 4, 2))
    h = layers.Conv3D(3, 3, strides=strides, padding=padding, activation="relu")(inputs)
    h = layers.ZeroPadding3D(((1, 0), 1, (0, 2)))(h)
    h = layers.MaxPooling3D(2, strides=1, padding=padding)(h)
    h = layers.AveragePooling3D(2, strides=1)(h)
    h = layers.Conv3DTranspose(2, 2, strides=2, padding=padding)(h)
    h = layers.Cropping3D(((1, 0), (0, 1), 1))(h)
    h = layers.UpSampling3D((1, 2, 1))(h)
    h = layers.Conv3D(2, 2, data_format="channels_first")(h)
    model = dn.Model(
        inputs, [h, layers.GlobalAveragePooling3D()(h), layers.GlobalMaxPooling3D()(h)]
    )
    assert_exports(tmp_path, model, rand(2, 6, 5, 4, 2), tol=1e-4)


def test_wrappers_pipelines_and_noise(tmp_path):
    inputs = dn.Input((6,))
    h = layers.GaussianNoise(0.1)(inputs)
    h = layers.SpectralNormalization(layers.Dense(5, activation="tanh"))(h)
    h = layers.GaussianDropout(0.2)(h)
    h = layers.Pipeline([layers.Dense(4), layers.AlphaDropout(0.1), layers.ReLU()])(h)
    h = layers.ActivityRegularization(l2=0.1)(h)
    model = dn.Model(inputs, h)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(rand(8, 6), rand(8, 4), epochs=1, verbose=0)  # a normalized kernel
    assert_exports(tmp_path, model, rand(3, 6))


def test_adaptive_pooling_is_refused_by_name(tmp_path):
    inputs = dn.Input((6, 6, 2))
    model = dn.Model(inputs, layers.AdaptiveAveragePooling2D(2, name="adaptive")(inputs))
    with pytest.raises(UnsupportedLayerError, match=r'"adaptive" \(AdaptiveAveragePooling2D\)'):
        export(model, tmp_path / "m.onnx")
