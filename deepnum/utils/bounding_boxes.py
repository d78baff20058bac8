"""``keras.utils.bounding_boxes``: converting, clipping, cropping, padding and transforming
boxes, the anchor deltas of detection heads, and IoU / CIoU, in deepnum ops (differentiable).

Boxes are ``(..., 4)`` tensors in one of the formats ``xyxy`` (x1, y1, x2, y2 in pixels),
``yxyx``, ``xywh`` (corner and size), ``center_xywh``, ``center_yxhw``, or the ``rel_*`` ones
(fractions of the image's width and height). Conversion, clipping and the affine map are the
image layers' (``deepnum.layers.preprocessing.image_preprocessing._boxes``).
"""

from __future__ import annotations

import math
from typing import Any

from deepnum.backend import epsilon
from deepnum.layers.preprocessing.image_preprocessing import _boxes
from deepnum.ops.core import cast, convert_to_tensor
from deepnum.ops.numpy import (
    arctan,
    clip,
    concatenate,
    exp,
    expand_dims,
    log,
    logical_or,
    maximum,
    minimum,
    ones_like,
    split,
    squeeze,
    transpose,
    where,
)
from deepnum.ops.numpy import max as reduce_max

__all__ = [
    "affine_transform",
    "clip_to_image_size",
    "compute_ciou",
    "compute_iou",
    "convert_format",
    "crop",
    "decode_deltas_to_boxes",
    "encode_box_to_deltas",
    "pad",
]


def convert_format(
    boxes: Any,
    source: str,
    target: str,
    height: Any = None,
    width: Any = None,
    dtype: str = "float32",
) -> Any:
    """Boxes (or the ``"boxes"`` of a dict) from format ``source`` to ``target``.

    ``height`` and ``width`` are needed when either format is relative.

    Example:
        >>> convert_format([[10.0, 20.0, 30.0, 60.0]], "xyxy", "center_xywh").numpy().tolist()
        [[20.0, 40.0, 20.0, 40.0]]
    """
    return _boxes.convert_format(boxes, source, target, height, width, dtype)


def clip_to_image_size(
    bounding_boxes: dict,
    height: Any = None,
    width: Any = None,
    bounding_box_format: str = "xyxy",
) -> dict:
    """Clip ``{"boxes", "labels"}`` to the image (``xyxy``: ``[0, width] × [0, height]``;
    ``rel_xyxy``: ``[0, 1]²``); boxes left with no area get the label −1.

    Example:
        >>> out = clip_to_image_size({"boxes": [[-5.0, 2.0, 8.0, 20.0]]}, height=10, width=10)
        >>> out["boxes"].numpy().tolist()
        [[0.0, 2.0, 8.0, 10.0]]
    """
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError(
            "clip_to_image_size: height and width must be given with "
            f"bounding_box_format='xyxy'; received height={height}, width={width}."
        )
    out = dict(bounding_boxes)
    out["boxes"] = convert_to_tensor(bounding_boxes["boxes"])
    return _boxes.clip_to_image_size(out, height, width, bounding_box_format)


def _xyxy_only(name: str, bounding_box_format: str) -> None:
    if bounding_box_format != "xyxy":
        raise NotImplementedError(
            f"{name}: only bounding_box_format='xyxy' is supported (as in Keras); convert the "
            f"boxes first with convert_format. Received {bounding_box_format!r}."
        )


def affine_transform(
    boxes: Any,
    angle: Any,
    translate_x: Any,
    translate_y: Any,
    scale: Any,
    shear_x: Any,
    shear_y: Any,
    height: int,
    width: int,
    center_x: float | None = None,
    center_y: float | None = None,
    bounding_box_format: str = "xyxy",
) -> Any:
    """The ``xyxy`` boxes ``(batch, n, 4)`` enclosing each box after an affine map of the image:
    rotation ``angle`` and shears in degrees, translations in fractions of the image size,
    ``scale`` about the centre ``(center_x, center_y)`` (fractions; default the middle); one
    value per image for each parameter."""
    _xyxy_only("affine_transform", bounding_box_format)
    args = [
        convert_to_tensor(a) for a in (angle, translate_x, translate_y, scale, shear_x, shear_y)
    ]
    return _boxes.affine(
        convert_to_tensor(boxes), *args, height, width, center_x=center_x, center_y=center_y
    )


def crop(
    boxes: Any, top: Any, left: Any, height: Any, width: Any, bounding_box_format: str = "xyxy"
) -> Any:
    """The ``xyxy`` boxes in the window of the image that starts at ``(top, left)``: shifted by
    ``(-left, -top)`` and clipped to ``[0, width] × [0, height]``.

    Example:
        >>> crop([[5.0, 5.0, 30.0, 12.0]], top=4, left=10, height=6, width=15).numpy().tolist()
        [[0.0, 1.0, 15.0, 6.0]]
    """
    _xyxy_only("crop", bounding_box_format)
    x1, y1, x2, y2 = split(convert_to_tensor(boxes), 4, axis=-1)
    return concatenate(
        [
            clip(x1 - left, 0, width),
            clip(y1 - top, 0, height),
            clip(x2 - left, 0, width),
            clip(y2 - top, 0, height),
        ],
        axis=-1,
    )


def pad(
    boxes: Any,
    top: Any,
    left: Any,
    height: Any = None,
    width: Any = None,
    bounding_box_format: str = "xyxy",
) -> Any:
    """The ``xyxy`` boxes of an image padded by ``top`` rows and ``left`` columns: shifted by
    ``(left, top)`` (``height`` and ``width`` are accepted for Keras's signature)."""
    _xyxy_only("pad", bounding_box_format)
    x1, y1, x2, y2 = split(convert_to_tensor(boxes), 4, axis=-1)
    return concatenate([x1 + left, y1 + top, x2 + left, y2 + top], axis=-1)


def _check_variance(variance: Any) -> Any:
    if variance is None:
        return None
    variance = convert_to_tensor(variance, "float32")
    if variance.shape[-1] != 4:
        raise ValueError(f"variance must have 4 values, received {variance.shape[-1]}.")
    return variance


def _size(image_shape: Any) -> tuple[Any, Any]:
    return (None, None) if image_shape is None else (image_shape[0], image_shape[1])


def encode_box_to_deltas(
    anchors: Any,
    boxes: Any,
    anchor_format: str,
    box_format: str,
    encoding_format: str = "center_yxhw",
    variance: Any = None,
    image_shape: Any = None,
) -> Any:
    """The regression targets of ``boxes`` relative to ``anchors``, in the centre format
    ``encoding_format``: ``((c_box − c_anchor) / s_anchor, log(s_box / s_anchor)) / variance``
    for centres ``c`` and sizes ``s`` (sizes floored at epsilon)."""
    variance = _check_variance(variance)
    if encoding_format not in ("center_xywh", "center_yxhw"):
        raise ValueError(
            "encode_box_to_deltas: encoding_format must be 'center_xywh' or 'center_yxhw', "
            f"received {encoding_format!r}."
        )
    height, width = _size(image_shape)
    anchors = convert_format(anchors, anchor_format, encoding_format, height, width)
    boxes = convert_format(boxes, box_format, encoding_format, height, width)
    anchor_size = maximum(anchors[..., 2:], epsilon())
    box_size = maximum(boxes[..., 2:], epsilon())
    deltas = concatenate(
        [(boxes[..., :2] - anchors[..., :2]) / anchor_size, log(box_size / anchor_size)], axis=-1
    )
    return deltas if variance is None else deltas / variance


def decode_deltas_to_boxes(
    anchors: Any,
    boxes_delta: Any,
    anchor_format: str,
    box_format: str,
    encoded_format: str = "center_yxhw",
    variance: Any = None,
    image_shape: Any = None,
) -> Any:
    """The boxes (in ``box_format``) that :func:`encode_box_to_deltas` encoded; ``anchors`` and
    ``boxes_delta`` may be dicts of pyramid levels."""
    variance = _check_variance(variance)
    if encoded_format not in ("center_xywh", "center_yxhw"):
        raise ValueError(
            "decode_deltas_to_boxes: encoded_format must be 'center_xywh' or 'center_yxhw', "
            f"received {encoded_format!r}."
        )
    height, width = _size(image_shape)

    def decode(anchor: Any, delta: Any) -> Any:
        anchor = convert_format(anchor, anchor_format, encoded_format, height, width)
        delta = convert_to_tensor(delta)
        if variance is not None:
            delta = delta * variance
        centre = delta[..., :2] * anchor[..., 2:] + anchor[..., :2]
        box = concatenate([centre, exp(delta[..., 2:]) * anchor[..., 2:]], axis=-1)
        return convert_format(box, encoded_format, box_format, height, width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode(anchor, boxes_delta[level]) for level, anchor in anchors.items()}
    return decode(anchors, boxes_delta)


def _area(boxes: Any) -> Any:
    y1, x1, y2, x2 = split(boxes[..., :4], 4, axis=-1)
    return squeeze((y2 - y1) * (x2 - x1), axis=-1)


def _intersection(boxes1: Any, boxes2: Any) -> Any:
    y1a, x1a, y2a, x2a = split(boxes1[..., :4], 4, axis=-1)
    y1b, x1b, y2b, x2b = split(boxes2[..., :4], 4, axis=-1)
    perm = (1, 0) if boxes2.ndim == 2 else (0, 2, 1)
    heights = minimum(y2a, transpose(y2b, perm)) - maximum(y1a, transpose(y1b, perm))
    widths = minimum(x2a, transpose(x2b, perm)) - maximum(x1a, transpose(x1b, perm))
    return maximum(heights, 0.0) * maximum(widths, 0.0)


def compute_iou(
    boxes1: Any,
    boxes2: Any,
    bounding_box_format: str,
    use_masking: bool = False,
    mask_val: float = -1,
    image_shape: Any = None,
) -> Any:
    """The intersection over union of every box of ``boxes1`` with every box of ``boxes2``:
    ``|A ∩ B| / (|A| + |B| − |A ∩ B| + ε)``, shape ``(n, m)`` or ``(batch, n, m)``.

    With ``use_masking``, pairs where either box has all coordinates negative (padding) get
    ``mask_val``.

    Example:
        >>> a = [[0.0, 0.0, 2.0, 2.0]]
        >>> round(float(compute_iou(a, [[1.0, 1.0, 3.0, 3.0]], "xyxy")[0, 0]), 4)
        0.1429
    """
    boxes1, boxes2 = convert_to_tensor(boxes1), convert_to_tensor(boxes2)
    for name, boxes in (("boxes1", boxes1), ("boxes2", boxes2)):
        if boxes.ndim not in (2, 3):
            raise ValueError(
                f"compute_iou: {name} must be (n, 4) or (batch, n, 4), received shape "
                f"{tuple(boxes.shape)}."
            )
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError(
            f"compute_iou: a relative format ({bounding_box_format!r}) needs image_shape."
        )
    height, width = _size(image_shape)
    boxes1 = convert_format(boxes1, bounding_box_format, "yxyx", height, width)
    boxes2 = convert_format(boxes2, bounding_box_format, "yxyx", height, width)
    intersection = _intersection(boxes1, boxes2)
    area2 = _area(boxes2)
    union = expand_dims(_area(boxes1), -1) + expand_dims(area2, 1 if area2.ndim == 2 else 0)
    iou = intersection / (union - intersection + epsilon())
    if not use_masking:
        return iou
    perm = (1, 0) if boxes2.ndim == 2 else (0, 2, 1)
    padding1 = reduce_max(boxes1, axis=-1, keepdims=True) < 0.0
    padding2 = reduce_max(boxes2, axis=-1, keepdims=True) < 0.0
    masked = logical_or(padding1, transpose(padding2, perm))
    return where(masked, cast(mask_val, iou.dtype) * ones_like(iou), iou)


def compute_ciou(
    boxes1: Any, boxes2: Any, bounding_box_format: str, image_shape: Any = None
) -> Any:
    """The complete IoU of matching boxes (element by element):
    ``IoU − ρ²/c² − α v`` with ``ρ`` the distance of the centres, ``c`` the diagonal of the
    enclosing box, ``v = 4/π² (atan(w₂/h₂) − atan(w₁/h₁))²`` and ``α = v / (v − IoU + 1 + ε)``.

    Example:
        >>> round(float(compute_ciou([[0.0, 0.0, 2.0, 2.0]], [[0.0, 0.0, 2.0, 2.0]], "xyxy")[0]), 4)
        1.0
    """
    if "rel" in bounding_box_format:
        raise ValueError(
            "compute_ciou: relative formats are not supported (as in Keras); convert the boxes "
            f"to absolute ones first. Received {bounding_box_format!r}."
        )
    height, width = _size(image_shape)
    boxes1 = convert_format(convert_to_tensor(boxes1), bounding_box_format, "xyxy", height, width)
    boxes2 = convert_format(convert_to_tensor(boxes2), bounding_box_format, "xyxy", height, width)
    x1a, y1a, x2a, y2a = split(boxes1[..., :4], 4, axis=-1)
    x1b, y1b, x2b, y2b = split(boxes2[..., :4], 4, axis=-1)
    eps = epsilon()
    w1, h1 = x2a - x1a, y2a - y1a + eps
    w2, h2 = x2b - x1b, y2b - y1b + eps
    overlap_w = maximum(minimum(x2a, x2b) - maximum(x1a, x1b), 0)
    overlap_h = maximum(minimum(y2a, y2b) - maximum(y1a, y1b), 0)
    intersection = overlap_w * overlap_h
    union = w1 * h1 + w2 * h2 - intersection + eps
    iou = squeeze(intersection / (union + eps), axis=-1)
    hull_w = maximum(x2a, x2b) - minimum(x1a, x1b)
    hull_h = maximum(y2a, y2b) - minimum(y1a, y1b)
    diagonal = squeeze(hull_w**2 + hull_h**2 + eps, axis=-1)
    centres = squeeze(
        ((x1a + x2a) / 2 - (x1b + x2b) / 2) ** 2 + ((y1a + y2a) / 2 - (y1b + y2b) / 2) ** 2,
        axis=-1,
    )
    v = squeeze(4 / math.pi**2 * (arctan(w2 / h2) - arctan(w1 / h1)) ** 2, axis=-1)
    alpha = v / (v - iou + (1 + eps))
    return iou - (centres / diagonal + v * alpha)
