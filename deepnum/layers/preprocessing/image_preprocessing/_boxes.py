"""Bounding boxes for the image layers: format conversion, clipping to the image, the boxes
of an affine map, and densifying ``{"boxes", "labels"}`` inputs (Keras's formulas).

Boxes are (..., 4) tensors. ``xyxy`` is (x1, y1, x2, y2) in pixels; ``yxyx`` swaps the axes;
``xywh`` is a corner and the size; ``center_xywh``/``center_yxhw`` the centre and the size;
``rel_*`` are the same in fractions of the image's width and height.
"""

from __future__ import annotations

import math
from typing import Any

from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.ops.core import cast, convert_to_tensor
from deepnum.ops.numpy import (
    amax,
    amin,
    clip,
    concatenate,
    cos,
    einsum,
    ones_like,
    reshape,
    sin,
    stack,
    tan,
    where,
)

SUPPORTED_FORMATS = (
    "xyxy",
    "yxyx",
    "xywh",
    "center_xywh",
    "center_yxhw",
    "rel_xyxy",
    "rel_yxyx",
    "rel_xywh",
    "rel_center_xywh",
)


def split4(boxes: Tensor) -> list[Tensor]:
    """The four coordinates of (..., 4) boxes, each (..., 1)."""
    return [boxes[..., i : i + 1] for i in range(4)]


def _to_xyxy(boxes: Tensor, source: str, height: Any, width: Any) -> Tensor:
    a, b, c, d = split4(boxes)
    rel = source.startswith("rel_")
    kind = source[4:] if rel else source
    if kind == "yxyx":
        a, b, c, d = b, a, d, c
    elif kind == "xywh":
        c, d = a + c, b + d
    elif kind == "center_xywh":
        a, b, c, d = a - c / 2.0, b - d / 2.0, a + c / 2.0, b + d / 2.0
    elif kind == "center_yxhw":
        a, b, c, d = b - d / 2.0, a - c / 2.0, b + d / 2.0, a + c / 2.0
    if rel:
        a, b, c, d = a * width, b * height, c * width, d * height
    return concatenate([a, b, c, d], axis=-1)


def _from_xyxy(boxes: Tensor, target: str, height: Any, width: Any) -> Tensor:
    x1, y1, x2, y2 = split4(boxes)
    rel = target.startswith("rel_")
    kind = target[4:] if rel else target
    if rel:
        x1, y1, x2, y2 = x1 / width, y1 / height, x2 / width, y2 / height
    if kind == "yxyx":
        return concatenate([y1, x1, y2, x2], axis=-1)
    if kind == "xywh":
        return concatenate([x1, y1, x2 - x1, y2 - y1], axis=-1)
    if kind in ("center_xywh", "center_yxhw"):
        w, h = x2 - x1, y2 - y1
        cx, cy = x1 + w / 2.0, y1 + h / 2.0
        order = [cx, cy, w, h] if kind == "center_xywh" else [cy, cx, h, w]
        return concatenate(order, axis=-1)
    return concatenate([x1, y1, x2, y2], axis=-1)


def convert_format(
    boxes: Any, source: str, target: str, height: Any = None, width: Any = None,
    dtype: str = "float32",
) -> Any:  # fmt: skip
    """Boxes (a tensor, or the ``"boxes"`` of a dict) from format ``source`` to ``target``;
    ``height`` and ``width`` are needed when one of them is relative."""
    if isinstance(boxes, dict):
        out = dict(boxes)
        out["boxes"] = convert_format(boxes["boxes"], source, target, height, width, dtype)
        return out
    boxes = convert_to_tensor(boxes)
    if boxes.shape[-1] != 4:
        raise ValueError(
            "`boxes` must be a tensor with the last dimension of 4. Received: "
            f"boxes.shape={shape_str(boxes.shape)}"
        )
    source, target = source.lower(), target.lower()
    if source not in SUPPORTED_FORMATS or target not in SUPPORTED_FORMATS:
        raise ValueError(
            f"Invalid source or target format ({source!r}, {target!r}). Supported formats: "
            f"{SUPPORTED_FORMATS}"
        )
    relative = source.startswith("rel_") or target.startswith("rel_")
    if relative and (height is None or width is None):
        raise ValueError(
            f"convert_format() must receive `height` and `width` to convert between relative "
            f"and absolute formats; received source={source!r}, target={target!r}, "
            f"height={height}, width={width}."
        )
    boxes = cast(boxes, dtype)
    if source == target:
        return boxes
    height = _scalar(height, dtype)
    width = _scalar(width, dtype)
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    return _from_xyxy(_to_xyxy(boxes, source, height, width), target, height, width)


def _scalar(value: Any, dtype: str) -> Any:
    if value is None or isinstance(value, (int, float)):
        return None if value is None else float(value)
    return cast(convert_to_tensor(value), dtype)


def clip_to_image_size(
    bounding_boxes: dict, height: Any = None, width: Any = None, bounding_box_format: str = "xyxy"
) -> dict:
    """Clip ``xyxy`` boxes to [0, width] × [0, height] (``rel_xyxy``: [0, 1]²); boxes left
    with no area get the label −1."""
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise NotImplementedError(
            f"clip_to_image_size supports 'xyxy' and 'rel_xyxy', received {bounding_box_format!r}."
        )
    boxes = bounding_boxes["boxes"]
    if bounding_box_format == "xyxy":
        hi_x, hi_y = _scalar(width, str(boxes.dtype)), _scalar(height, str(boxes.dtype))
    else:
        hi_x = hi_y = 1.0
    x1, y1, x2, y2 = split4(boxes)
    boxes = concatenate(
        [clip(x1, 0, hi_x), clip(y1, 0, hi_y), clip(x2, 0, hi_x), clip(y2, 0, hi_y)], axis=-1
    )
    out = dict(bounding_boxes)
    out["boxes"] = boxes
    labels = bounding_boxes.get("labels")
    if labels is not None:
        x1, y1, x2, y2 = split4(boxes)
        areas = ((x2 - x1) * (y2 - y1))[..., 0]
        out["labels"] = where(areas > 0, labels, -1)
    return out


def affine(
    boxes: Tensor, angle: Tensor, translate_x: Tensor, translate_y: Tensor, scale: Tensor,
    shear_x: Tensor, shear_y: Tensor, height: int, width: int,
    center_x: float | None = None, center_y: float | None = None,
) -> Tensor:  # fmt: skip
    """The ``xyxy`` boxes (N, B, 4) enclosing the four corners of each box after the forward
    affine map of rotation ``angle`` and shears (degrees), translation (fractions of the image
    size minus one pixel) and ``scale`` about the centre (Keras's inverse of the image map)."""
    cx = (0.5 if center_x is None else center_x) * (width - 1)
    cy = (0.5 if center_y is None else center_y) * (height - 1)
    to_rad = math.pi / 180.0
    rot = -angle * to_rad
    sx, sy = -shear_x * to_rad, -shear_y * to_rad
    tx, ty = -translate_x * (width - 1), -translate_y * (height - 1)
    cos_sy, tan_sx = cos(sy), tan(sx)
    a = cos(rot - sy) / cos_sy
    b = a * tan_sx + sin(rot)
    c = -sin(rot - sy) / cos_sy
    d = cos(rot) - c * tan_sx
    a0, a1, b0, b1 = d * scale, -b * scale, -c * scale, a * scale
    a2 = cx - a0 * (cx + tx) - a1 * (cy + ty)
    b2 = cy - b0 * (cx + tx) - b1 * (cy + ty)
    rows = stack([stack([a0, a1, a2], axis=-1), stack([b0, b1, b2], axis=-1)], axis=1)
    boxes = cast(boxes, str(rows.dtype))
    n, m = boxes.shape[0], boxes.shape[1]
    x1, y1, x2, y2 = (boxes[..., i] for i in range(4))
    corners = stack([x1, y1, x2, y1, x2, y2, x1, y2], axis=-1)
    corners = reshape(corners, (n, m, 4, 2))
    corners = concatenate([corners, ones_like(corners[..., :1])], axis=-1)
    moved = einsum("bnxy,bzy->bnxz", corners, rows)
    return concatenate([amin(moved, axis=2), amax(moved, axis=2)], axis=-1)


def densify(bounding_boxes: Any, owner: str) -> dict:
    """``{"boxes", "labels"}`` as float32 boxes and labels tensors; ragged lists of boxes are
    padded with zero boxes labelled −1 to the longest."""
    if (
        not isinstance(bounding_boxes, dict)
        or "boxes" not in bounding_boxes
        or "labels" not in bounding_boxes
    ):
        raise ValueError(
            f"{owner}: expected `bounding_boxes` to be a dict with keys 'boxes' and 'labels'. "
            f"Received: bounding_boxes={bounding_boxes!r}"
        )
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    if isinstance(boxes, list) and boxes and isinstance(boxes[0], list) and boxes[0] \
            and isinstance(boxes[0][0], list):  # fmt: skip
        most = max(len(b) for b in boxes)
        boxes = [list(b) + [[0, 0, 0, 0]] * (most - len(b)) for b in boxes]
        labels = [list(lab) + [-1] * (most - len(lab)) for lab in labels]
        labels = convert_to_tensor(labels, dtype="int32")
    out = dict(bounding_boxes)
    out["boxes"] = convert_to_tensor(boxes, dtype="float32")
    out["labels"] = convert_to_tensor(labels)
    rank = len(out["boxes"].shape)
    if rank not in (2, 3) or out["boxes"].shape[-1] != 4:
        raise ValueError(
            f"{owner}: expected bounding_boxes['boxes'] of shape (num_boxes, 4) or "
            f"(batch_size, num_boxes, 4). Received: shape={shape_str(out['boxes'].shape)}"
        )
    return out
