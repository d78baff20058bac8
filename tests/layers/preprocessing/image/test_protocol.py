"""The image layers' contract beside their numbers: identity at inference, shapes and dtypes
(batched, single, channels_first, dict inputs), value ranges, seeded reproducibility,
configs against Keras's, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

RNG = np.random.default_rng(1)
X = RNG.uniform(0, 255, (4, 8, 10, 3)).astype("float32")

# Every layer that draws random numbers, as (name, constructor arguments).
RANDOM = [
    ("RandomCrop", dict(height=5, width=6)),
    ("RandomFlip", {}),
    ("RandomRotation", dict(factor=0.2)),
    ("RandomZoom", dict(height_factor=0.3)),
    ("RandomTranslation", dict(height_factor=0.2, width_factor=0.2)),
    ("RandomShear", dict(x_factor=0.3, y_factor=0.3)),
    ("RandomPerspective", dict(scale=0.5)),
    ("RandomElasticTransform", {}),
    ("RandomContrast", dict(factor=0.5)),
    ("RandomBrightness", dict(factor=0.3)),
    ("RandomHue", dict(factor=0.5)),
    ("RandomSaturation", dict(factor=0.5)),
    ("RandomSharpness", dict(factor=0.8)),
    ("RandomGrayscale", {}),
    ("RandomInvert", dict(factor=0.5)),
    ("RandomPosterization", dict(factor=(2, 6))),
    ("RandomErasing", {}),
    ("RandomGaussianBlur", {}),
    (
        "RandomColorJitter",
        dict(brightness_factor=0.2, contrast_factor=0.3, saturation_factor=0.4, hue_factor=0.2),
    ),  # fmt: skip
    ("RandomColorDegeneration", dict(factor=0.5)),
    ("Solarization", dict(addition_factor=0.2, threshold_factor=0.6)),
    ("AugMix", {}),
    ("CutMix", {}),
    ("MixUp", {}),
    ("RandAugment", {}),
]
DETERMINISTIC = [
    ("Resizing", dict(height=4, width=5)),
    ("CenterCrop", dict(height=4, width=5)),
    ("Equalization", {}),
    ("AutoContrast", {}),
    ("ContrastLimitedAdaptiveHistogramEqualization", dict(tile_grid_size=(2, 2))),
    ("MaxNumBoundingBoxes", dict(max_number=3)),
]
ALL = RANDOM + DETERMINISTIC
IDS = [name for name, _ in ALL]


def make(name: str, kwargs: dict, **extra) -> dn.layers.Layer:
    return getattr(dn.layers, name)(**kwargs, **extra)


@pytest.mark.parametrize("name, kwargs", RANDOM, ids=[n for n, _ in RANDOM])
def test_augmentation_is_the_identity_at_inference(name, kwargs):
    layer = make(name, kwargs, seed=3)
    if name == "RandomCrop":  # the centre window of the target's aspect ratio, resized
        expected = dn.layers.Resizing(5, 6, crop_to_aspect_ratio=True)(X).numpy()
        np.testing.assert_allclose(layer(X, training=False).numpy(), expected, atol=1e-4)
        return
    np.testing.assert_array_equal(layer(X, training=False).numpy(), X)
    model = dn.Sequential([dn.Input(X.shape[1:]), make(name, kwargs, seed=3)])
    np.testing.assert_array_equal(model.predict(X, verbose=0), X)


@pytest.mark.parametrize("name, kwargs", ALL, ids=IDS)
def test_shapes_and_dtypes_batched_single_and_channels_first(name, kwargs):
    k_layer = getattr(reference("keras").layers, name)(**kwargs)
    layer = make(name, kwargs)
    y = layer(X, training=True)
    assert y.shape == tuple(k_layer.compute_output_shape(X.shape))
    assert layer.compute_output_shape((None,) + X.shape[1:]) == tuple(
        k_layer.compute_output_shape((None,) + X.shape[1:])
    )
    assert str(y.dtype) == "float32"
    assert layer(X[0], training=True).shape == y.shape[1:]
    x_cf = np.ascontiguousarray(np.moveaxis(X, -1, 1))
    cf = make(name, kwargs, data_format="channels_first")
    assert cf(x_cf, training=True).shape == tuple(np.moveaxis(np.empty(y.shape), -1, 1).shape)


COLOR = ["RandomContrast", "RandomBrightness", "RandomSharpness", "RandomColorDegeneration",
         "RandomGaussianBlur", "RandomInvert", "RandomPosterization", "Solarization",
         "RandomElasticTransform", "RandomHue", "RandomColorJitter", "AugMix", "RandAugment",
         "Equalization", "AutoContrast"]  # fmt: skip


@pytest.mark.parametrize("name", COLOR)
def test_outputs_stay_in_value_range(name):
    kwargs = {**dict(ALL)[name], **({"factor": (1.0, 1.0)} if name == "RandomInvert" else {})}
    x = X / 255.0
    seed = {"seed": 5} if name in dict(RANDOM) else {}
    y = make(name, kwargs, value_range=(0, 1), **seed)(x, training=True).numpy()
    assert y.min() >= -1e-6 and y.max() <= 1 + 1e-6
    assert not np.allclose(y, x)  # the layer did something


@pytest.mark.parametrize("name, kwargs", RANDOM, ids=[n for n, _ in RANDOM])
def test_seeded_layers_are_reproducible(name, kwargs):
    a, b = make(name, kwargs, seed=11), make(name, kwargs, seed=11)
    first = a(X, training=True).numpy()
    np.testing.assert_array_equal(first, b(X, training=True).numpy())
    np.testing.assert_array_equal(a(X, training=True).numpy(), b(X, training=True).numpy())
    if name not in ("RandomCrop",):  # one window for the batch: may repeat by chance
        draws = [make(name, kwargs, seed=s)(X, training=True).numpy() for s in (1, 2, 3)]
        assert any(not np.array_equal(d, draws[0]) for d in draws[1:])


def test_unseeded_layers_follow_set_random_seed():
    dn.utils.set_random_seed(4)
    first = dn.layers.RandomRotation(0.3)(X).numpy()
    dn.utils.set_random_seed(4)
    np.testing.assert_array_equal(dn.layers.RandomRotation(0.3)(X).numpy(), first)


def test_the_transformation_applies_to_images_labels_and_masks_together():
    masks = np.broadcast_to(np.arange(10, dtype="float32"), (4, 8, 10)).copy()[..., None]
    out = dn.layers.RandomFlip("horizontal", seed=0)(
        {"images": X, "labels": np.eye(4, dtype="float32"), "segmentation_masks": masks}
    )
    flipped = out["segmentation_masks"].numpy()[:, 0, 0, 0] == 9.0
    assert flipped.any() and not flipped.all()
    for i, f in enumerate(flipped):
        np.testing.assert_array_equal(out["images"].numpy()[i], X[i, :, ::-1] if f else X[i])
    np.testing.assert_array_equal(out["labels"].numpy(), np.eye(4))


@pytest.mark.parametrize("name, kwargs", ALL, ids=IDS)
def test_config_round_trips_and_matches_keras(name, kwargs):
    from tests.layers.keras_parity import check_config_matches

    k_layer = getattr(reference("keras").layers, name)(**kwargs, seed=7) if name in dict(
        RANDOM
    ) else getattr(reference("keras").layers, name)(**kwargs)  # fmt: skip
    layer = make(name, kwargs, seed=7) if name in dict(RANDOM) else make(name, kwargs)
    check_config_matches(k_layer, layer)
    from_keras = type(layer).from_config(k_layer.get_config())
    np.testing.assert_array_equal(
        from_keras(X, training=False).numpy(), layer(X, training=False).numpy()
    )


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: dn.layers.RandomRotation(factor=1.5), "`factor` argument"),
        (lambda: dn.layers.RandomRotation(0.1, fill_mode="mirror"), "fill_mode"),
        (lambda: dn.layers.RandomZoom(height_factor=-1.0), "height_factor"),
        (lambda: dn.layers.RandomTranslation(0.1, width_factor=(0.1, 0.2, 0.3)), "width_factor"),
        (lambda: dn.layers.RandomShear(x_factor=1.2), "x_factor"),
        (lambda: dn.layers.RandomFlip(mode="diagonal"), "mode"),
        (lambda: dn.layers.Resizing(0, 4), "height"),
        (lambda: dn.layers.Resizing(4, 4, interpolation="cubic"), "interpolation"),
        (lambda: dn.layers.RandomBrightness(0.1, value_range=(0, 1, 2)), "value_range"),
        (lambda: dn.layers.RandomGaussianBlur(kernel_size=4), "odd"),
        (lambda: dn.layers.RandomErasing(fill_value="red"), "fill_value"),
        (lambda: dn.layers.RandomGrayscale(factor=2.0), "factor"),
        (lambda: dn.layers.RandomContrast(0.1)(np.zeros((2, 3), "float32")), "rank"),
        (lambda: dn.layers.RandomFlip()(np.zeros((1, 2, 2, 2, 3), "float32")), "rank 3"),
        (lambda: dn.layers.RandomFlip()({"labels": np.zeros(2)}), "'images'"),
        (lambda: dn.layers.RandomFlip()({"images": X, "bounding_boxes": {}}), "bounding_box"),
    ],
)
def test_bad_arguments_get_clear_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_layers_in_a_model_train_with_fit_and_predict_deterministically():
    x = RNG.uniform(0, 1, (16, 8, 8, 3)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("int32")
    model = dn.Sequential(
        [
            dn.Input((8, 8, 3)),
            dn.layers.RandomFlip("horizontal", seed=0),
            dn.layers.RandomRotation(0.1, seed=1),
            dn.layers.RandomZoom(0.2, seed=2),
            dn.layers.RandomContrast(0.2, value_range=(0, 1), seed=3),
            dn.layers.Resizing(6, 6),
            dn.layers.Flatten(),
            dn.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


def test_gradients_flow_through_the_warps():
    x = dn.tensor(X[:2] / 255.0, requires_grad=True)
    y = dn.layers.RandomRotation((0.1, 0.1), fill_mode="constant")(x)
    y.sum().backward()
    assert x.grad is not None and float(np.abs(x.grad.numpy()).sum()) > 0
