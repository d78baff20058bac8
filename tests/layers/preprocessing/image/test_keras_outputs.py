"""Outputs of the image layers against Keras 3 (torch backend) on the same inputs: the
deterministic layers called as they are, the random ones with zero-width factor ranges or
with the transformation given explicitly to ``transform_images`` / ``transform_labels`` /
``transform_bounding_boxes``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

RNG = np.random.default_rng(0)
X = RNG.uniform(0, 255, (3, 7, 9, 3)).astype("float32")  # tiny batch, pixels in [0, 255]
X_CF = np.ascontiguousarray(np.moveaxis(X, -1, 1))
X16 = RNG.uniform(0, 255, (2, 16, 16, 2)).astype("float32")


def keras():
    return reference("keras")


def to_numpy(value: Any) -> np.ndarray:
    return keras().ops.convert_to_numpy(value)


def torchify(value: Any) -> Any:
    torch = reference("torch")
    if isinstance(value, dict):
        return {k: torchify(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return torch.tensor(value)
    return value


# (case id, layer name, constructor arguments, input) — both libraries build the layer from
# the same arguments and are called on the same input (training=True, Keras's default).
CALLED = [
    ("resize-bilinear", "Resizing", dict(height=4, width=5), X),
    ("resize-nearest", "Resizing", dict(height=4, width=12, interpolation="nearest"), X),
    ("resize-bicubic", "Resizing", dict(height=5, width=4, interpolation="bicubic"), X),
    ("resize-crop", "Resizing", dict(height=5, width=5, crop_to_aspect_ratio=True), X),
    ("resize-pad", "Resizing", dict(height=5, width=5, pad_to_aspect_ratio=True, fill_value=3.0),
     X),
    ("resize-antialias", "Resizing", dict(height=3, width=4, antialias=True), X),
    ("resize-cf", "Resizing", dict(height=4, width=5, data_format="channels_first"), X_CF),
    ("resize-single", "Resizing", dict(height=4, width=5), X[0]),
    ("center-crop", "CenterCrop", dict(height=4, width=5), X),
    ("center-crop-up", "CenterCrop", dict(height=8, width=12), X),
    ("center-crop-cf", "CenterCrop", dict(height=4, width=5, data_format="channels_first"), X_CF),
    ("equalization", "Equalization", {}, X),
    ("equalization-bins", "Equalization", dict(bins=16), X),
    ("equalization-range", "Equalization", dict(value_range=(0, 1)), X / 255),
    ("equalization-cf", "Equalization", dict(data_format="channels_first"), X_CF),
    ("auto-contrast", "AutoContrast", {}, X),
    ("auto-contrast-range", "AutoContrast", dict(value_range=(0, 1)), X / 300),
    ("clahe", "ContrastLimitedAdaptiveHistogramEqualization", dict(tile_grid_size=(2, 2)), X16),
    ("clahe-pad", "ContrastLimitedAdaptiveHistogramEqualization",
     dict(tile_grid_size=(2, 2), clip_limit=0.0), X16[:, :15, :13]),
    ("grayscale", "RandomGrayscale", dict(factor=1.0), X),
    ("grayscale-cf", "RandomGrayscale", dict(factor=1.0, data_format="channels_first"), X_CF),
    ("invert", "RandomInvert", dict(factor=(1.0, 1.0)), X),
    ("solarization", "Solarization", {}, X),
    ("posterization", "RandomPosterization", dict(factor=(3, 3)), X),
    ("degeneration", "RandomColorDegeneration", dict(factor=(0.4, 0.4)), X),
    ("saturation", "RandomSaturation", dict(factor=(0.3, 0.3), value_range=(0, 1)), X / 255),
    ("sharpness", "RandomSharpness", dict(factor=(0.2, 0.2)), X),
    ("sharpness-cf", "RandomSharpness", dict(factor=(0.9, 0.9), data_format="channels_first"),
     X_CF),
    ("brightness", "RandomBrightness", dict(factor=(0.1, 0.1)), X),
    ("blur", "RandomGaussianBlur", dict(factor=(1.0, 1.0), sigma=(0.7, 0.7)), X),
    ("rotation", "RandomRotation", dict(factor=(0.1, 0.1)), X),
    ("rotation-single", "RandomRotation", dict(factor=(0.1, 0.1)), X[0]),
    ("rotation-cf", "RandomRotation", dict(factor=(0.1, 0.1), data_format="channels_first"), X_CF),
    ("zoom", "RandomZoom", dict(height_factor=(0.2, 0.2)), X),
    ("zoom-in", "RandomZoom",
     dict(height_factor=(-0.3, -0.3), width_factor=(0.2, 0.2), fill_mode="constant"), X),
    ("zoom-single", "RandomZoom", dict(height_factor=(0.2, 0.2)), X[0]),
    ("translation", "RandomTranslation", dict(height_factor=(0.1, 0.1), width_factor=(-0.2, -0.2)),
     X),
    ("translation-nearest", "RandomTranslation",
     dict(height_factor=(-0.3, -0.3), width_factor=(0.25, 0.25), interpolation="nearest"), X),
]  # fmt: skip

# The four boundary rules and two interpolations of the affine warps.
CALLED += [
    (f"rotation-{mode}-{interp}", "RandomRotation",
     dict(factor=(0.1, 0.1), fill_mode=mode, interpolation=interp, fill_value=5.0), X)
    for mode in ("reflect", "wrap", "constant", "nearest")
    for interp in ("bilinear", "nearest")
]  # fmt: skip


@pytest.mark.parametrize("case", CALLED, ids=[c[0] for c in CALLED])
def test_called_layer_equals_keras(case):
    _, name, kwargs, x = case
    expected = to_numpy(getattr(keras().layers, name)(**kwargs)(x))
    got = getattr(dn.layers, name)(**kwargs)(x)
    assert got.shape == expected.shape and str(got.dtype) == str(expected.dtype)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-4)


def test_uint8_images_are_resized_in_uint8_as_keras():
    x = X.astype("uint8")
    expected = to_numpy(keras().layers.Resizing(4, 5)(x))
    got = dn.layers.Resizing(4, 5)(x)
    assert str(got.dtype) == "uint8"
    np.testing.assert_array_equal(got.numpy(), expected)


FLIPS = np.array([True, False, True]).reshape(3, 1, 1, 1)
PERMUTATION = np.array([2, 0, 1], "int32")
MASKS = np.zeros(X.shape, bool)
MASKS[0, 1:4, 2:5] = True
MASKS[2, 3:, :4] = True
START = np.tile(np.array([[[0, 0], [8, 0], [0, 6], [8, 6]]], "float32"), (3, 1, 1))
END = START + RNG.uniform(-1, 1, (3, 4, 2)).astype("float32")
PER_IMAGE = (3, 1, 1, 1)

# (case id, layer name, constructor arguments, transformation, input)
EXPLICIT = [
    ("flip-h", "RandomFlip", dict(mode="horizontal"), {"flips": FLIPS}, X),
    ("flip-v", "RandomFlip", dict(mode="vertical"), {"flips": FLIPS}, X),
    ("flip-hv", "RandomFlip", {}, {"flips": FLIPS}, X),
    ("shear", "RandomShear", dict(x_factor=0.3, y_factor=0.3),
     {"shear_factor": np.array([[0.2, -0.1], [-0.3, 0.25], [0.0, 0.1]], "float32")}, X),
    ("brightness", "RandomBrightness", dict(factor=0.2),
     {"rgb_delta": np.array([10.0, -30.0, 100.0], "float32").reshape(PER_IMAGE)}, X),
    ("contrast", "RandomContrast", dict(factor=0.2),
     {"contrast_factor": np.array([0.5, 1.2, 1.9], "float32").reshape(PER_IMAGE)}, X),
    ("hue", "RandomHue", dict(factor=0.2), {"factor": np.array([0.1, -0.2, 0.45], "float32")}, X),
    ("hue-cf", "RandomHue", dict(factor=0.2, data_format="channels_first"),
     {"factor": np.array([0.1, -0.2, 0.45], "float32")}, X_CF),
    ("saturation", "RandomSaturation", dict(factor=0.2),
     {"factor": np.array([0.1, 0.5, 3.0], "float32")}, X / 255),
    ("sharpness", "RandomSharpness", dict(factor=0.2),
     {"factor": np.array([0.1, 0.5, 0.9], "float32")}, X),
    ("posterization", "RandomPosterization", dict(factor=4),
     {"shift_factor": np.array([1, 4, 7], "uint8")}, X),
    ("solarization", "Solarization", dict(addition_factor=0.3, threshold_factor=0.5),
     {"additions": np.array([0, 20, 50], "float32").reshape(PER_IMAGE),
      "thresholds": np.array([100, 128, 200], "float32").reshape(PER_IMAGE)}, X),
    ("invert", "RandomInvert", dict(factor=0.5),
     {"apply_inversion": np.array([True, False, True])}, X),
    ("degeneration", "RandomColorDegeneration", dict(factor=0.5),
     {"factor": np.array([0.2, -0.4, 0.9], "float32").reshape(PER_IMAGE)}, X),
    ("grayscale", "RandomGrayscale", dict(factor=0.5), FLIPS, X),
    ("blur", "RandomGaussianBlur", dict(kernel_size=5),
     {"should_apply_blur": np.array([True, False, True]),
      "blur_factor": np.array([0.5, 0.9], "float32")}, X),
    ("erasing", "RandomErasing", {},
     {"apply_erasing": np.array([True, True, False]), "batch_masks": MASKS,
      "fill_value": np.full(X.shape, 7.0, "float32")}, X),
    ("perspective", "RandomPerspective", {},
     {"apply_perspective": np.array([True, False, True]), "start_points": START,
      "end_points": END}, X),
    ("cutmix", "CutMix", {},
     {"permutation_order": PERMUTATION, "batch_masks": MASKS,
      "mix_weight": np.array([0.5, 0.8, 1.0], "float32")}, X),
    ("mixup", "MixUp", {},
     {"permutation_order": PERMUTATION.astype("int64"),
      "mix_weight": np.array([0.1, 0.6, 0.9], "float32")}, X),
]  # fmt: skip


@pytest.mark.parametrize("case", EXPLICIT, ids=[c[0] for c in EXPLICIT])
def test_given_transformation_equals_keras(case):
    _, name, kwargs, transformation, x = case
    k_layer = getattr(keras().layers, name)(**kwargs)
    expected = to_numpy(k_layer.transform_images(torchify(x), torchify(transformation)))
    got = getattr(dn.layers, name)(**kwargs).transform_images(x, transformation)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=5e-4)


@pytest.mark.parametrize("name", ["CutMix", "MixUp"])
def test_mixed_labels_equal_keras(name):
    labels = np.eye(3, dtype="float32")
    order = PERMUTATION.astype("int64" if name == "MixUp" else "int32")
    t = {"permutation_order": order, "mix_weight": np.array([0.5, 0.8, 1.0], "float32")}
    k_layer = getattr(keras().layers, name)()
    expected = to_numpy(k_layer.transform_labels(torchify(labels), torchify(t)))
    got = getattr(dn.layers, name)().transform_labels(labels, t)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)


BOX_IMAGES = RNG.uniform(0, 255, (2, 12, 16, 3)).astype("float32")
BOXES = np.array(
    [[[1, 1, 6, 5], [2, 3, 14, 10], [0, 0, 0, 0]], [[0, 0, 3, 3], [5, 1, 15, 11], [8, 8, 9, 9]]],
    "float32",
)
BOX_LABELS = np.array([[0, 1, -1], [1, 2, 3]], "int32")
BOX_SHAPE = (2, 12, 16, 3)
BOX_START = np.tile(np.array([[[0, 0], [15, 0], [0, 11], [15, 11]]], "float32"), (2, 1, 1))
BOX_END = BOX_START + RNG.uniform(-1, 1, (2, 4, 2)).astype("float32")

# (case id, layer name, constructor arguments, explicit transformation or None: the layer is
# called on {"images", "bounding_boxes"})
BOX_CASES = [
    ("resizing", "Resizing", dict(height=6, width=10), None),
    ("resizing-crop", "Resizing", dict(height=6, width=6, crop_to_aspect_ratio=True), None),
    ("resizing-pad", "Resizing", dict(height=6, width=6, pad_to_aspect_ratio=True), None),
    ("resizing-rel", "Resizing", dict(height=6, width=10, bounding_box_format="rel_xyxy"), None),
    ("center-crop", "CenterCrop", dict(height=8, width=10), None),
    ("center-crop-up", "CenterCrop", dict(height=14, width=14), None),
    ("rotation", "RandomRotation", dict(factor=(0.05, 0.05)), None),
    ("translation", "RandomTranslation", dict(height_factor=(0.1, 0.1), width_factor=(-0.2, -0.2)),
     None),
    ("translation-xywh", "RandomTranslation",
     dict(height_factor=(0.1, 0.1), width_factor=(0.2, 0.2), bounding_box_format="xywh"), None),
    ("zoom-out", "RandomZoom", dict(height_factor=(0.2, 0.2)), None),
    ("zoom-in", "RandomZoom", dict(height_factor=(-0.3, -0.3), width_factor=(-0.1, -0.1)), None),
    ("max-boxes-pad", "MaxNumBoundingBoxes", dict(max_number=5), None),
    ("max-boxes-cut", "MaxNumBoundingBoxes", dict(max_number=2), None),
    ("flip-h", "RandomFlip", dict(mode="horizontal"),
     {"flips": FLIPS[:2], "input_shape": BOX_SHAPE}),
    ("flip-hv", "RandomFlip", {}, {"flips": FLIPS[:2], "input_shape": BOX_SHAPE}),
    ("shear", "RandomShear", dict(x_factor=0.3, y_factor=0.3),
     {"shear_factor": np.array([[0.2, -0.1], [-0.3, 0.25]], "float32"),
      "input_shape": BOX_SHAPE}),
    ("perspective", "RandomPerspective", {},
     {"apply_perspective": np.array([True, False]), "start_points": BOX_START,
      "end_points": BOX_END, "input_shape": BOX_SHAPE}),
]  # fmt: skip


@pytest.mark.parametrize("case", BOX_CASES, ids=[c[0] for c in BOX_CASES])
def test_bounding_boxes_equal_keras(case):
    _, name, kwargs, transformation = case
    kwargs = {"bounding_box_format": "xyxy", **kwargs}
    fmt = kwargs["bounding_box_format"]
    boxes = BOXES
    if fmt == "rel_xyxy":
        boxes = BOXES / np.array([16, 12, 16, 12], "float32")
    elif fmt == "xywh":
        boxes = np.concatenate([BOXES[..., :2], BOXES[..., 2:] - BOXES[..., :2]], axis=-1)
    k_layer = getattr(keras().layers, name)(**kwargs)
    d_layer = getattr(dn.layers, name)(**kwargs)
    if transformation is None:
        k_out = k_layer({"images": BOX_IMAGES,
                         "bounding_boxes": {"boxes": boxes, "labels": BOX_LABELS}})  # fmt: skip
        d_out = d_layer({"images": BOX_IMAGES,
                         "bounding_boxes": {"boxes": boxes, "labels": BOX_LABELS}})  # fmt: skip
        k_boxes, d_boxes = k_out["bounding_boxes"], d_out["bounding_boxes"]
    else:
        k_boxes = k_layer.transform_bounding_boxes(
            torchify({"boxes": boxes, "labels": BOX_LABELS}), torchify(transformation)
        )
        d_boxes = d_layer.transform_bounding_boxes(
            {"boxes": dn.tensor(boxes), "labels": dn.tensor(BOX_LABELS)}, transformation
        )
    np.testing.assert_allclose(d_boxes["boxes"].numpy(), to_numpy(k_boxes["boxes"]), atol=1e-4)
    np.testing.assert_array_equal(d_boxes["labels"].numpy(), to_numpy(k_boxes["labels"]))


def test_random_crop_moves_boxes_into_the_window():
    # Reference: NumPy arithmetic on the crop window (Keras subtracts the top offset from x;
    # deepnum moves each axis by its own offset and clips to the window).
    layer = dn.layers.RandomCrop(8, 10, bounding_box_format="xyxy")
    out = layer.transform_bounding_boxes(
        {"boxes": dn.tensor(BOXES), "labels": dn.tensor(BOX_LABELS)}, (2, 3)
    )
    moved = BOXES - np.array([3, 2, 3, 2], "float32")
    expected = np.clip(moved, 0, np.array([10, 8, 10, 8], "float32"))
    area = (expected[..., 2] - expected[..., 0]) * (expected[..., 3] - expected[..., 1])
    np.testing.assert_allclose(out["boxes"].numpy(), expected)
    np.testing.assert_array_equal(out["labels"].numpy(), np.where(area > 0, BOX_LABELS, -1))
