"""Weights and model files: Keras's published legacy ``.h5`` layout through ``weights=<path>``,
``weights="imagenet"`` from Keras's cache (hash checked, never downloaded: the origins point at
files that do not exist), the offline error, the argument checks, and ``.keras`` files of
ResNet50 moving both ways between deepnum and Keras."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import deepnum as dn
from deepnum.applications import mobilenet_v3
from tests.applications.reference import (
    images,
    keras,
    keras_model,
    keras_predict,
    legacy_weights_file,
    weights_file,
)

RESNET = ("ResNet50", (32, 32, 3), {"classes": 10, "classifier_activation": None})
MOBILENET_V3 = ("MobileNetV3Small", (32, 32, 3), {"include_top": False, "pooling": "avg"})


def assert_same(d_model, k_model, shape):
    x = images(shape)
    expected = keras_predict(k_model, x)
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(d_model.predict(x, verbose=0), expected, atol=1e-4 * scale)


@pytest.mark.parametrize("builder, shape, kwargs", [RESNET, MOBILENET_V3])
def test_legacy_h5_weights_path(builder, shape, kwargs, tmp_path):
    k_model = keras_model(builder, shape, **kwargs)
    path = legacy_weights_file(k_model, tmp_path)
    d_model = getattr(dn.applications, builder)(weights=path, input_shape=shape, **kwargs)
    assert_same(d_model, k_model, shape)


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """An empty Keras cache; the weights' origin is a file that does not exist."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(mobilenet_v3, "BASE_WEIGHT_PATH", f"file://{tmp_path}/offline/")
    (tmp_path / "models").mkdir()
    return tmp_path / "models"


def test_imagenet_weights_from_the_cache_with_hash_check(keras_home, monkeypatch):
    k_model = keras_model(*MOBILENET_V3[:2], **MOBILENET_V3[2])
    name = "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"
    path = legacy_weights_file(k_model, keras_home, name)
    digest = hashlib.md5(open(path, "rb").read()).hexdigest()
    hashes = dict(mobilenet_v3.WEIGHTS_HASHES)
    hashes["small_224_1.0_float"] = (hashes["small_224_1.0_float"][0], digest)
    monkeypatch.setattr(mobilenet_v3, "WEIGHTS_HASHES", hashes)
    with pytest.warns(UserWarning, match="224"):  # Keras's warning: not a 224×224 input
        d_model = dn.applications.MobileNetV3Small(
            weights="imagenet", input_shape=(32, 32, 3), include_top=False, pooling="avg"
        )
    assert_same(d_model, k_model, (32, 32, 3))


def test_imagenet_weights_offline_name_url_and_cache_path(keras_home):
    with pytest.raises(FileNotFoundError) as error:
        dn.applications.MobileNetV3Small(weights="imagenet", input_shape=(224, 224, 3))
    message = str(error.value)
    name = "weights_mobilenet_v3_small_224_1.0_float.h5"
    assert "MobileNetV3Small" in message
    assert f"{mobilenet_v3.BASE_WEIGHT_PATH}{name}" in message
    assert str(keras_home / name) in message


def test_a_cached_file_with_the_wrong_hash_is_not_used(keras_home):
    name = "weights_mobilenet_v3_small_224_1.0_float.h5"
    (keras_home / name).write_bytes(b"not the published file")
    with pytest.raises(FileNotFoundError, match="does not match"):
        dn.applications.MobileNetV3Small(weights="imagenet", input_shape=(224, 224, 3))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"weights": "no/such/file.h5"}, "weights"),
        ({"weights": "imagenet", "classes": 10}, "classes"),
        ({"weights": "imagenet", "classifier_activation": "sigmoid"}, "classifier_activation"),
        ({"weights": None, "input_shape": (16, 16, 3), "include_top": False}, "at least 32"),
        ({"weights": None, "include_top": True, "input_shape": (None, None, 3)}, "static"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match, keras_home):
    with pytest.raises(ValueError, match=match):
        dn.applications.ResNet50(**kwargs)


def test_channels_last_only_families_refuse_channels_first(monkeypatch):
    monkeypatch.setattr(dn.backend, "image_data_format", lambda: "channels_first")
    from deepnum.applications import _base

    monkeypatch.setattr(_base, "image_data_format", lambda: "channels_first")
    with pytest.raises(ValueError, match="channels_first"):
        dn.applications.DenseNet121(weights=None)


def test_resnet50_keras_files_move_both_ways(tmp_path):
    builder, shape, kwargs = RESNET
    k_model = keras_model(builder, shape, **kwargs)
    d_model = dn.applications.ResNet50(weights=None, input_shape=shape, **kwargs)
    d_model.load_weights(weights_file(k_model, tmp_path))
    d_model.save(tmp_path / "deepnum.keras")
    in_keras = keras.saving.load_model(tmp_path / "deepnum.keras")
    names = [layer.name for layer in in_keras.layers][1:]  # the input's name is generated
    assert names == [layer.name for layer in k_model.layers][1:]
    assert_same(d_model, in_keras, shape)
    assert_same(d_model, k_model, shape)
    k_model.save(tmp_path / "keras.keras")
    in_deepnum = dn.models.load_model(tmp_path / "keras.keras")
    assert_same(in_deepnum, k_model, shape)


def test_input_tensor_is_the_model_input():
    inputs = dn.Input((32, 32, 3))
    features = dn.layers.Rescaling(1.0)(inputs)
    model = dn.applications.MobileNetV2(
        weights=None, input_tensor=features, include_top=False, alpha=0.35
    )
    assert model.inputs[0] is inputs
    assert model.output_shape == (None, 1, 1, 1280)
