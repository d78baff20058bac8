"""imagenet_utils against Keras's: preprocess_input (modes, data formats, dtypes, in-place
writes, tensors and symbolic inputs, each family's convention), decode_predictions with a
local class-index file, obtain_input_shape and correct_pad."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

import deepnum as dn
from deepnum.applications import imagenet_utils
from tests.conftest import reference

keras = reference("keras")
torch = reference("torch")
k_utils = reference("keras.src.applications.imagenet_utils")


def batch(shape, dtype="float32", seed=0):
    return np.random.default_rng(seed).uniform(0, 255, shape).astype(dtype)


PREPROCESS = [
    (mode, fmt, shape, dtype)
    for mode in ("caffe", "tf", "torch")
    for fmt, shapes in (
        ("channels_last", [(2, 4, 5, 3), (4, 5, 3)]),
        ("channels_first", [(2, 3, 4, 5), (3, 4, 5)]),
    )
    for shape in shapes
    for dtype in ("float32", "float64", "uint8")
]


@pytest.mark.parametrize("mode, data_format, shape, dtype", PREPROCESS)
def test_preprocess_numpy_matches_keras(mode, data_format, shape, dtype):
    ours_in, keras_in = batch(shape, dtype), batch(shape, dtype)
    ours = imagenet_utils.preprocess_input(ours_in, data_format=data_format, mode=mode)
    theirs = k_utils.preprocess_input(keras_in, data_format=data_format, mode=mode)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    np.testing.assert_array_equal(ours_in, keras_in)  # the same in-place writes as Keras


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_preprocess_tensor_matches_keras(mode, data_format):
    x = batch((2, 3, 4, 3) if data_format == "channels_last" else (2, 3, 4, 5))
    ours = imagenet_utils.preprocess_input(dn.tensor(x), data_format=data_format, mode=mode)
    theirs = k_utils.preprocess_input(torch.tensor(x), data_format=data_format, mode=mode)
    assert isinstance(ours, dn.Tensor)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_preprocess_symbolic_input_inside_a_model(mode):
    inputs = dn.Input((4, 4, 3))
    model = dn.Model(inputs, imagenet_utils.preprocess_input(inputs, mode=mode))
    x = batch((2, 4, 4, 3))
    expected = k_utils.preprocess_input(x.copy(), mode=mode)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)


FAMILY_MODULES = [
    "convnext", "densenet", "efficientnet", "efficientnet_v2", "inception_resnet_v2",
    "inception_v3", "mobilenet", "mobilenet_v2", "mobilenet_v3", "nasnet", "resnet",
    "resnet50", "resnet_v2", "vgg16", "vgg19", "xception",
]  # fmt: skip


@pytest.mark.parametrize("module", FAMILY_MODULES)
def test_family_preprocess_input_is_keras(module):
    x = batch((2, 4, 4, 3))
    ours = getattr(dn.applications, module).preprocess_input(x.copy())
    theirs = getattr(keras.applications, module).preprocess_input(x.copy())
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-6)


def test_preprocess_input_refuses_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        imagenet_utils.preprocess_input(batch((1, 2, 2, 3)), mode="keras")
    with pytest.raises(ValueError, match="data_format"):
        imagenet_utils.preprocess_input(batch((1, 2, 2, 3)), data_format="NHWC")


@pytest.fixture
def class_index_file(tmp_path, monkeypatch):
    """A class-index file in Keras's cache layout under $KERAS_HOME, with its MD5 as the
    expected hash and an origin that cannot be reached: nothing is downloaded."""
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    folder = tmp_path / "models"
    folder.mkdir()
    path = folder / "imagenet_class_index.json"
    path.write_text(json.dumps(index))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    digest = hashlib.md5(path.read_bytes()).hexdigest()
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", digest)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH", f"file://{tmp_path}/unreachable.json")
    monkeypatch.setattr(k_utils, "CLASS_INDEX", index)
    return index


def test_decode_predictions_from_a_local_class_index(class_index_file):
    preds = np.random.default_rng(0).random((3, 1000)).astype("float32")
    ours = dn.applications.resnet50.decode_predictions(preds, top=4)
    theirs = keras.applications.resnet50.decode_predictions(preds, top=4)
    assert ours == theirs
    assert [row[0][2] for row in ours] == [preds[i].max() for i in range(3)]
    assert imagenet_utils.CLASS_INDEX == class_index_file


def test_decode_predictions_checks_the_shape():
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


def test_decode_predictions_offline_names_url_and_path(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    url = f"file://{tmp_path}/unreachable.json"
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH", url)
    with pytest.raises(FileNotFoundError) as error:
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))
    assert url in str(error.value)
    assert str(tmp_path / "models" / "imagenet_class_index.json") in str(error.value)


SHAPES = [
    # input_shape, default, min, data_format, require_flatten, weights
    (None, 224, 32, "channels_last", True, None),
    (None, 224, 32, "channels_last", False, None),
    (None, 299, 75, "channels_first", False, "imagenet"),
    ((64, 48, 3), 224, 32, "channels_last", False, "imagenet"),
    ((3, 64, 48), 224, 32, "channels_first", False, None),
    ((64, 64, 1), 224, 32, "channels_last", False, None),
    ((224, 224, 3), 224, 32, "channels_last", True, "imagenet"),
    ((None, None, 3), 224, 32, "channels_last", False, None),
]
BAD_SHAPES = [
    ((200, 200, 3), 224, 32, "channels_last", True, "imagenet"),  # top + weights need 224
    ((16, 64, 3), 224, 32, "channels_last", False, None),  # below the minimum
    ((64, 64, 1), 224, 32, "channels_last", False, "imagenet"),  # weights need 3 channels
    ((64, 64), 224, 32, "channels_last", False, None),  # not three axes
    ((None, None, 3), 224, 32, "channels_last", True, None),  # a top needs a static shape
]


@pytest.mark.parametrize("args", SHAPES)
def test_obtain_input_shape_matches_keras(args):
    assert imagenet_utils.obtain_input_shape(*args) == tuple(k_utils.obtain_input_shape(*args))


@pytest.mark.parametrize("args", BAD_SHAPES)
def test_obtain_input_shape_errors_as_keras(args):
    with pytest.raises(ValueError):
        k_utils.obtain_input_shape(*args)
    with pytest.raises(ValueError):
        imagenet_utils.obtain_input_shape(*args)


@pytest.mark.parametrize("size, kernel", [(32, 3), (33, 3), (None, 5), (15, (3, 7))])
def test_correct_pad_matches_keras(size, kernel):
    ours = imagenet_utils.correct_pad(dn.Input((size, size, 8)), kernel)
    assert ours == k_utils.correct_pad(keras.Input((size, size, 8)), kernel)


def test_validate_activation():
    imagenet_utils.validate_activation(None, "imagenet")
    imagenet_utils.validate_activation("relu", None)
    with pytest.raises(ValueError, match="classifier_activation"):
        imagenet_utils.validate_activation("sigmoid", "imagenet")
