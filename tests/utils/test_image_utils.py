"""load_img, img_to_array, array_to_img, save_img and smart_resize against Keras's on the same
files and arrays."""

from __future__ import annotations

import io

import numpy as np
import pytest

import deepnum
from deepnum.utils import array_to_img, img_to_array, load_img, save_img
from deepnum.utils.image_utils import smart_resize
from tests.conftest import reference

PIL = reference("PIL.Image")


@pytest.fixture(scope="module")
def kimg():
    reference("keras")
    from keras.src.utils import image_utils

    return image_utils


@pytest.fixture
def files(tmp_path, rng):
    out = {}
    for name, shape in (("rgb.png", (9, 13, 3)), ("rgba.png", (7, 5, 4)), ("gray.png", (6, 8, 1))):
        path = tmp_path / name
        PIL.fromarray(
            rng.integers(0, 256, shape, dtype=np.uint8).squeeze(-1 if shape[2] == 1 else None)
        ).save(path)
        out[name] = path
    sixteen = tmp_path / "gray16.png"
    PIL.fromarray(rng.integers(0, 65536, (5, 6), dtype=np.uint16)).save(sixteen)
    out["gray16.png"] = sixteen
    return out


LOADS = [
    {},
    {"color_mode": "grayscale"},
    {"color_mode": "rgba"},
    {"target_size": (4, 6)},
    {"target_size": (12, 5), "interpolation": "bilinear"},
    {"target_size": (5, 5), "interpolation": "bicubic", "keep_aspect_ratio": True},
    {"target_size": (3, 9), "interpolation": "lanczos", "keep_aspect_ratio": True},
    {"target_size": (8, 8), "interpolation": "box"},
]


@pytest.mark.parametrize("kwargs", LOADS)
@pytest.mark.parametrize("name", ["rgb.png", "rgba.png", "gray.png", "gray16.png"])
def test_load_img_and_img_to_array_match_keras(kimg, files, name, kwargs):
    ours, theirs = load_img(files[name], **kwargs), kimg.load_img(files[name], **kwargs)
    assert ours.mode == theirs.mode and ours.size == theirs.size
    for data_format in ("channels_last", "channels_first"):
        for dtype in (None, "uint8", "float64"):
            if dtype == "uint8" and ours.mode == "I;16":
                continue
            a = img_to_array(ours, data_format, dtype)
            b = kimg.img_to_array(theirs, data_format, dtype)
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a, b)


def test_load_img_from_bytes_and_errors(files):
    data = files["rgb.png"].read_bytes()
    assert load_img(io.BytesIO(data)).size == (13, 9)
    assert load_img(str(files["rgb.png"]).encode()).size == (13, 9)
    with pytest.raises(TypeError, match="path"):
        load_img(42)
    with pytest.raises(ValueError, match="color_mode"):
        load_img(files["rgb.png"], color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation"):
        load_img(files["rgb.png"], target_size=(2, 2), interpolation="cubic")


@pytest.mark.parametrize(
    "shape, data_format, scale, dtype",
    [
        ((4, 5, 3), None, True, None),
        ((4, 5, 4), "channels_last", False, None),
        ((4, 5, 1), None, True, "float64"),
        ((1, 4, 5), "channels_first", True, None),
        ((3, 4, 5), "channels_first", False, None),
    ],
)
def test_array_to_img_matches_keras(kimg, rng, shape, data_format, scale, dtype):
    x = rng.uniform(0, 255, shape)
    ours = array_to_img(x, data_format, scale, dtype)
    theirs = kimg.array_to_img(x, data_format, scale, dtype)
    assert ours.mode == theirs.mode and ours.size == theirs.size
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_array_to_img_large_grayscale_is_32_bit(kimg):
    x = np.arange(12.0).reshape(3, 4, 1) * 1000
    ours, theirs = array_to_img(x, scale=False), kimg.array_to_img(x, scale=False)
    assert ours.mode == theirs.mode == "I"
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


@pytest.mark.parametrize(
    "x, message",
    [(np.zeros((2, 2)), "rank 3"), (np.zeros((2, 2, 2)), "1, 3 or 4 channels")],
)
def test_array_to_img_errors(x, message):
    with pytest.raises(ValueError, match=message):
        array_to_img(x)
    with pytest.raises(ValueError, match="data_format"):
        array_to_img(np.zeros((2, 2, 3)), data_format="nhwc")


@pytest.mark.parametrize("name", ["a.png", "a.jpg", "a.bmp", "a.JPEG"])
def test_save_img_matches_keras(kimg, tmp_path, rng, name):
    x = rng.uniform(0, 1, (6, 7, 3))
    save_img(tmp_path / ("ours" + name), x, quality=95) if "jp" in name.lower() else save_img(
        tmp_path / ("ours" + name), x
    )
    kwargs = {"quality": 95} if "jp" in name.lower() else {}
    kimg.save_img(tmp_path / ("keras" + name), x, **kwargs)
    assert (tmp_path / ("ours" + name)).read_bytes() == (tmp_path / ("keras" + name)).read_bytes()


def test_save_img_rgba_as_jpeg_warns_and_file_objects(tmp_path):
    with pytest.warns(UserWarning, match="alpha"):
        save_img(tmp_path / "a.jpg", np.ones((2, 2, 4)))
    assert load_img(tmp_path / "a.jpg").mode == "RGB"
    buffer = io.BytesIO()
    save_img(buffer, np.ones((2, 3, 3)), file_format="png")
    buffer.seek(0)
    assert load_img(buffer).size == (3, 2)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # inside Keras's smart_resize
@pytest.mark.parametrize(
    "shape, size, interpolation, data_format",
    [
        ((10, 6, 3), (4, 4), "bilinear", "channels_last"),
        ((2, 7, 12, 1), (5, 3), "nearest", "channels_last"),
        ((3, 9, 4), (6, 6), "bicubic", "channels_first"),
        ((2, 3, 8, 8), (4, 8), "bilinear", "channels_first"),
    ],
)
def test_smart_resize_matches_keras(kimg, rng, shape, size, interpolation, data_format):
    x = rng.uniform(0, 255, shape).astype("float32")
    ours = smart_resize(x, size, interpolation, data_format)
    theirs = kimg.smart_resize(x, size, interpolation, data_format)
    assert isinstance(ours, np.ndarray) and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-3)


def test_floatx_is_the_default_dtype(files):
    deepnum.config.set_floatx("float64")
    assert img_to_array(load_img(files["rgb.png"])).dtype == np.float64
