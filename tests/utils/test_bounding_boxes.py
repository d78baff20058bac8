"""utils.bounding_boxes against keras.utils.bounding_boxes (PyTorch backend) on the same boxes,
and gradients of IoU / CIoU against PyTorch's autograd through Keras's formulas."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepnum as dn
from deepnum.utils import bounding_boxes as bb
from tests.conftest import reference


@pytest.fixture(scope="module")
def kbb():
    keras = reference("keras")
    return keras.utils.bounding_boxes


def to_np(x):
    if isinstance(x, dict):
        return {k: to_np(v) for k, v in x.items()}
    return np.asarray(x.detach().cpu() if hasattr(x, "detach") else x)


def boxes(rng, *shape):
    corner = rng.uniform(0, 20, (*shape, 2))
    size = rng.uniform(1, 15, (*shape, 2))
    return np.concatenate([corner, corner + size], -1).astype("float32")


FORMATS = ["xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx",
           "rel_xywh", "rel_center_xywh"]  # fmt: skip


@pytest.mark.parametrize("target", FORMATS)
def test_convert_format(kbb, rng, target):
    x = boxes(rng, 2, 3)
    for source in ("xyxy", target):
        data = x if source == "xyxy" else to_np(kbb.convert_format(x, "xyxy", source, 40, 50))
        got = bb.convert_format(data, source, "xyxy" if source != "xyxy" else target, 40, 50)
        want = kbb.convert_format(data, source, "xyxy" if source != "xyxy" else target, 40, 50)
        np.testing.assert_allclose(to_np(got), to_np(want), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fmt, size", [("xyxy", (12, 15)), ("rel_xyxy", (None, None))])
def test_clip_to_image_size(kbb, rng, fmt, size):
    x = boxes(rng, 2, 4) - 4
    if fmt == "rel_xyxy":
        x = x / 20
    data = {"boxes": x, "labels": np.array([[1, 2, 3, 4], [5, 6, 7, 8]])}
    got = bb.clip_to_image_size(data, *size, bounding_box_format=fmt)
    want = kbb.clip_to_image_size(data, *size, bounding_box_format=fmt)
    for key in ("boxes", "labels"):
        np.testing.assert_allclose(to_np(got[key]), to_np(want[key]), rtol=1e-6)
    with pytest.raises(ValueError, match="height and width"):
        bb.clip_to_image_size(data, bounding_box_format="xyxy")


def test_crop_pad_affine(kbb, rng):
    x = boxes(rng, 2, 3)
    np.testing.assert_allclose(
        to_np(bb.crop(x, 3, 4, 10, 12)), to_np(kbb.crop(x, 3, 4, 10, 12)), rtol=1e-6
    )
    np.testing.assert_allclose(to_np(bb.pad(x, 3, 4)), to_np(kbb.pad(x, 3, 4)), rtol=1e-6)
    params = [rng.uniform(-0.3, 0.3, 2).astype("float32") for _ in range(6)]
    params[0] = params[0] * 60  # degrees
    params[3] = 1 + params[3]  # scale
    got = bb.affine_transform(x, *params, 40, 50)
    want = kbb.affine_transform(x, *params, 40, 50)
    np.testing.assert_allclose(to_np(got), to_np(want), rtol=1e-4, atol=1e-3)
    with pytest.raises(NotImplementedError, match="xyxy"):
        bb.crop(x, 0, 0, 5, 5, bounding_box_format="yxyx")


@pytest.mark.parametrize("variance", [None, [0.1, 0.1, 0.2, 0.2]])
@pytest.mark.parametrize("encoding", ["center_yxhw", "center_xywh"])
def test_deltas_round_trip_and_match_keras(kbb, rng, variance, encoding):
    anchors, x = boxes(rng, 6), boxes(rng, 6)
    got = bb.encode_box_to_deltas(anchors, x, "xyxy", "xyxy", encoding, variance)
    want = kbb.encode_box_to_deltas(anchors, x, "xyxy", "xyxy", encoding, variance)
    np.testing.assert_allclose(to_np(got), to_np(want), rtol=1e-4, atol=1e-5)
    back = bb.decode_deltas_to_boxes(anchors, got, "xyxy", "xyxy", encoding, variance)
    np.testing.assert_allclose(to_np(back), x, rtol=1e-4, atol=1e-4)
    levels = bb.decode_deltas_to_boxes(
        {"p3": anchors}, {"p3": got}, "xyxy", "yxyx", encoding, variance
    )
    want_levels = kbb.decode_deltas_to_boxes(
        {"p3": anchors}, {"p3": want}, "xyxy", "yxyx", encoding, variance
    )
    np.testing.assert_allclose(to_np(levels["p3"]), to_np(want_levels["p3"]), rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="variance"):
        bb.encode_box_to_deltas(anchors, x, "xyxy", "xyxy", variance=[1.0, 2.0])


@pytest.mark.parametrize("shapes", [((4,), (3,)), ((2, 4), (2, 3)), ((2, 4), (3,))])
@pytest.mark.parametrize("fmt", ["xyxy", "center_xywh", "rel_yxyx"])
def test_compute_iou(kbb, rng, shapes, fmt):
    a, b = boxes(rng, *shapes[0]), boxes(rng, *shapes[1])
    a[..., 0, :] = -1  # a padding box
    shape = (40, 50, 3) if fmt.startswith("rel") else None
    a_fmt = to_np(kbb.convert_format(a, "xyxy", fmt, 40, 50))
    b_fmt = to_np(kbb.convert_format(b, "xyxy", fmt, 40, 50))
    plain = bb.compute_iou(a_fmt, b_fmt, fmt, False, -2, shape)
    want = kbb.compute_iou(a_fmt, b_fmt, fmt, False, -2, shape)
    np.testing.assert_allclose(to_np(plain), to_np(want), rtol=1e-5, atol=1e-6)
    masked = to_np(bb.compute_iou(a_fmt, b_fmt, fmt, True, -2, shape))
    if len(shapes[0]) == len(shapes[1]):  # Keras's masking fails for mixed ranks
        want = kbb.compute_iou(a_fmt, b_fmt, fmt, True, -2, shape)
        np.testing.assert_allclose(masked, to_np(want), rtol=1e-5, atol=1e-6)
    padding_row = masked[..., 0, :]
    assert (padding_row == -2).all() and (masked[..., 1:, :] == to_np(plain)[..., 1:, :]).all()


def test_compute_ciou_and_its_gradient(kbb, rng):
    torch = reference("torch")
    a, b = boxes(rng, 5), boxes(rng, 5)
    np.testing.assert_allclose(
        to_np(bb.compute_ciou(a, b, "xyxy")), to_np(kbb.compute_ciou(a, b, "xyxy")), rtol=1e-5
    )
    ta = torch.tensor(a, requires_grad=True)
    kbb.compute_ciou(ta, torch.tensor(b), "xyxy").sum().backward()
    da = dn.tensor(a, requires_grad=True)
    bb.compute_ciou(da, b, "xyxy").sum().backward()
    np.testing.assert_allclose(da.grad.numpy(), ta.grad.numpy(), rtol=1e-3, atol=1e-5)
    with pytest.raises(ValueError, match="relative"):
        bb.compute_ciou(a, b, "rel_xyxy")


def test_iou_errors():
    with pytest.raises(ValueError, match="boxes1 must be"):
        bb.compute_iou(np.zeros(4), np.zeros((1, 4)), "xyxy")
    with pytest.raises(ValueError, match="image_shape"):
        bb.compute_iou(np.zeros((1, 4)), np.zeros((1, 4)), "rel_xyxy")


def test_signatures_are_keras(kbb):
    for name in bb.__all__:
        want = inspect.signature(getattr(kbb, name)).parameters
        got = inspect.signature(getattr(bb, name)).parameters
        assert [(p.name, p.default) for p in want.values()] == [
            (p.name, p.default) for p in got.values()
        ], name
