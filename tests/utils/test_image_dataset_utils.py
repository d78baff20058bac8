"""image_dataset_from_directory: pixels against Keras's own per-image loader on the PyTorch
backend (keras.src.utils.image_dataset_utils._load_image_grain: Pillow + keras.ops.image.resize)
for every interpolation, crop/pad, colour mode and layout; labels, batching, streaming, fit."""

from __future__ import annotations

import os

import numpy as np
import pytest

import deepnum
from deepnum.utils import image_dataset_from_directory
from deepnum.utils import image_dataset_utils as idu
from tests.conftest import reference

PIL = reference("PIL.Image")


@pytest.fixture(scope="module")
def keras_loader():
    reference("keras")
    from keras import ops
    from keras.src.utils import image_utils
    from keras.src.utils.image_dataset_utils import _load_image_grain

    def load(path, image_size, channels, interpolation, data_format, crop, pad):
        if interpolation in ("bilinear", "nearest", "bicubic"):  # Keras's PyTorch backend
            args = (image_size, channels, interpolation, data_format, crop, pad)
            return np.asarray(_load_image_grain(path, *args).cpu())
        mode = {1: "grayscale", 3: "rgb", 4: "rgba"}[channels]
        pixels = image_utils.img_to_array(image_utils.load_img(path, color_mode=mode))
        if interpolation == "area":  # TensorFlow's only; PyTorch's equals it for integer ratios
            torch = reference("torch")
            x = torch.tensor(pixels).permute(2, 0, 1)[None]
            out = torch.nn.functional.interpolate(x, size=image_size, mode="area")[0]
            return out.permute(1, 2, 0).numpy()
        # Lanczos (Keras's NumPy/JAX backends): scale_and_translate by n_out / n_in
        scale = np.array([image_size[0] / pixels.shape[0], image_size[1] / pixels.shape[1]])
        shape = (1, *image_size, channels)
        out = ops.image.scale_and_translate(
            pixels[None], shape, scale, np.zeros(2), (1, 2), interpolation, antialias=False
        )
        return np.asarray(out.cpu())[0]

    return load


def image_tree(root, sizes=((9, 7), (6, 6), (5, 11)), classes=("cat", "dog"), seed=0, ext=".png"):
    """Small images of mixed sizes and modes (RGB, RGBA, L) in class folders."""
    rng = np.random.default_rng(seed)
    modes = ["RGB", "RGBA", "L"]
    for c, cls in enumerate(classes):
        os.makedirs(os.path.join(root, cls), exist_ok=True)
        for i, (h, w) in enumerate(sizes):
            mode = modes[(i + c) % 3]
            shape = (h, w) if mode == "L" else (h, w, len(mode))
            img = PIL.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode)
            if ext == ".jpg":
                img = img.convert("RGB")
            img.save(os.path.join(root, cls, f"{i}{ext}"))
    return str(root)


def all_batches(dataset):
    xs, ys = zip(*dataset)
    return np.concatenate(xs), np.concatenate(ys)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"interpolation": "bilinear"},
        {"interpolation": "nearest"},
        {"interpolation": "bicubic"},
        {"interpolation": "area"},
        {"interpolation": "lanczos3"},
        {"interpolation": "lanczos5"},
        {"crop_to_aspect_ratio": True},
        {"pad_to_aspect_ratio": True, "interpolation": "nearest"},
        {"color_mode": "grayscale"},
        {"color_mode": "rgba", "image_size": (4, 9)},
        {"data_format": "channels_first"},
        {"image_size": 6},
    ],
)
def test_pixels_match_keras(tmp_path, keras_loader, kwargs):
    sizes = ((16, 8), (8, 8), (16, 16)) if kwargs.get("interpolation") == "area" else None
    root = image_tree(tmp_path / "images", **({"sizes": sizes} if sizes else {}))
    options = {"image_size": (8, 8), "color_mode": "rgb", "interpolation": "bilinear", **kwargs}
    options.setdefault("data_format", "channels_last")
    ds = image_dataset_from_directory(root, shuffle=False, batch_size=4, verbose=False, **options)
    images, labels = all_batches(ds)
    size = options["image_size"]
    size = (size, size) if isinstance(size, int) else size
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[options["color_mode"]]
    expected = np.stack(
        [
            keras_loader(
                path,
                size,
                channels,
                options["interpolation"],
                options["data_format"],
                options.get("crop_to_aspect_ratio", False),
                options.get("pad_to_aspect_ratio", False),
            )
            for path in ds.file_paths
        ]
    )
    assert images.dtype == np.float32 and images.shape == expected.shape
    np.testing.assert_allclose(images, expected, rtol=1e-5, atol=2e-3)
    assert labels.dtype == np.int32 and labels.tolist() == [0, 0, 0, 1, 1, 1]


@pytest.mark.parametrize(
    "label_mode, check",
    [
        ("int", lambda y, k: y.dtype == np.int32 and (y == k).all()),
        ("categorical", lambda y, k: y.dtype == np.float32 and (y == np.eye(3)[k]).all()),
    ],
)
def test_label_modes(tmp_path, label_mode, check):
    root = image_tree(tmp_path / "images", classes=("a", "b", "c"))
    ds = image_dataset_from_directory(
        root, label_mode=label_mode, image_size=(4, 4), seed=3, verbose=False
    )
    _, labels = all_batches(ds.take(-1))
    by_path = {path: "abc".index(os.path.basename(os.path.dirname(path))) for path in ds.file_paths}
    ordered = image_dataset_from_directory(
        root, label_mode=label_mode, image_size=(4, 4), shuffle=False, verbose=False
    )
    _, in_order = all_batches(ordered)
    assert check(in_order, np.array([by_path[p] for p in ordered.file_paths]))
    assert len(labels) == 9


def test_binary_labels_and_no_labels(tmp_path):
    root = image_tree(tmp_path / "images")
    ds = image_dataset_from_directory(
        root, label_mode="binary", image_size=(3, 3), shuffle=False, verbose=False
    )
    _, labels = all_batches(ds)
    assert labels.dtype == np.float32 and labels.shape == (6, 1)
    assert labels[:, 0].tolist() == [0, 0, 0, 1, 1, 1]
    for kwargs in ({"labels": None}, {"label_mode": None}):
        images = list(
            image_dataset_from_directory(root, image_size=(3, 3), verbose=False, **kwargs)
        )
        assert all(isinstance(b, np.ndarray) and b.shape[1:] == (3, 3, 3) for b in images)
    ds = image_dataset_from_directory(root, labels=None, image_size=(3, 3), verbose=False)
    assert ds.class_names is None and len(ds.file_paths) == 6


def test_manual_labels_follow_sorted_paths(tmp_path):
    root = image_tree(tmp_path / "images")
    ds = image_dataset_from_directory(
        root, labels=[5, 1, 5, 2, 1, 1], image_size=(3, 3), shuffle=False, verbose=False
    )
    assert ds.class_names == ["1", "2", "5"]
    _, labels = all_batches(ds)
    assert labels.tolist() == [5, 1, 5, 2, 1, 1]


def test_unbatched_and_same_size_without_resizing(tmp_path):
    root = image_tree(tmp_path / "images", sizes=((5, 5), (5, 5)))
    ds = image_dataset_from_directory(
        root, image_size=None, batch_size=None, shuffle=False, verbose=False
    )
    elements = list(ds)
    assert len(elements) == 4 and elements[0][0].shape == (5, 5, 3)
    expected = np.asarray(PIL.open(ds.file_paths[0]).convert("RGB"), dtype="float32")
    np.testing.assert_array_equal(elements[0][0], expected)


def test_mixed_sizes_without_image_size_name_the_files(tmp_path):
    root = image_tree(tmp_path / "images")
    ds = image_dataset_from_directory(root, image_size=None, shuffle=False, verbose=False)
    with pytest.raises(
        ValueError, match=r"image_size=None .* 9x7 and .* 6x6; pass image_size=\(height"
    ):
        next(iter(ds))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"label_mode": "ordinal"}, "label_mode"),
        ({"color_mode": "cmyk"}, "color_mode"),
        ({"image_size": (1, 2, 3)}, "image_size"),
        ({"interpolation": "gaussian"}, "TensorFlow"),
        ({"interpolation": "spline"}, "interpolation"),
        ({"crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True}, "only one of"),
        ({"label_mode": "binary", "class_names": ["cat"]}, "exactly 2 classes"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, message):
    root = image_tree(tmp_path / "images")
    with pytest.raises(ValueError, match=message) as info:
        image_dataset_from_directory(root, verbose=False, **kwargs)
    assert "image_dataset_from_directory" in str(info.value)


def test_corrupt_file_is_named(tmp_path):
    root = image_tree(tmp_path / "images")
    bad = os.path.join(root, "cat", "0.png")
    open(bad, "wb").write(b"not a png")
    ds = image_dataset_from_directory(root, image_size=(3, 3), shuffle=False, verbose=False)
    with pytest.raises(ValueError, match="cannot decode the image file .*0.png"):
        list(ds)


def test_files_are_decoded_batch_by_batch(tmp_path, monkeypatch):
    root = image_tree(tmp_path / "images", sizes=[(4, 4)] * 10)
    decoded = []
    real = idu._decode
    monkeypatch.setattr(idu, "_decode", lambda path, mode: decoded.append(path) or real(path, mode))
    ds = image_dataset_from_directory(root, image_size=(4, 4), batch_size=2, seed=0, verbose=False)
    assert decoded == []  # nothing is read when the dataset is built
    iterator = iter(ds)
    next(iterator)
    assert len(decoded) <= 2 * 4  # the batch drawn, and at most the prefetched ones
    iterator.close()
    assert len(list(ds)) == 10


def test_shuffling_is_seeded_and_changes_each_epoch(tmp_path):
    root = image_tree(tmp_path / "images", sizes=[(3, 3)] * 8)

    def epoch_order(dataset):
        return np.concatenate([x.reshape(len(x), -1)[:, 0] for x, _ in dataset]).tolist()

    a = image_dataset_from_directory(root, image_size=(3, 3), batch_size=2, seed=5, verbose=False)
    b = image_dataset_from_directory(root, image_size=(3, 3), batch_size=2, seed=5, verbose=False)
    first = epoch_order(a)
    assert first == epoch_order(b)
    assert first != epoch_order(a)  # a new order in the next epoch


def test_jpeg_and_fit_with_validation_data(tmp_path):
    root = image_tree(tmp_path / "images", ext=".jpg", sizes=[(6, 6)] * 4)
    train, val = image_dataset_from_directory(
        root, image_size=(6, 6), batch_size=4, validation_split=0.25, subset="both", seed=2,
        verbose=False,
    )  # fmt: skip
    assert len(train.file_paths) == 6 and len(val.file_paths) == 2
    model = deepnum.Sequential(
        [
            deepnum.Input((6, 6, 3)),
            deepnum.layers.Rescaling(1 / 255),
            deepnum.layers.Flatten(),
            deepnum.layers.Dense(2),
        ]
    )
    model.compile("adam", deepnum.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and "val_loss" in history.history


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "area", "nearest"])
@pytest.mark.parametrize("size", [(12, 5), (4, 16), (7, 7)])
def test_batch_resize_is_ops_image_resize(rng, interpolation, size):
    batch = rng.uniform(0, 255, (3, 8, 10, 2)).astype("float32")
    want = np.asarray(deepnum.ops.image.resize(batch, size, interpolation=interpolation))
    got = idu.resize_batch(batch, size, interpolation)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-3)
