"""pad_images and crop_images: each side given directly or through the target size."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.ops.image._common import image_tensor, spatial_axes
from deepnum.ops.numpy import pad

__all__ = ["crop_images", "pad_images"]


def _exactly_two(values: dict[str, Any], op: str) -> None:
    if list(values.values()).count(None) != 1:
        names = ", ".join(values)
        given = ", ".join(f"{k}={v!r}" for k, v in values.items())
        raise ValueError(f"{op}: must specify exactly two of {names}. Received: {given}")


def _non_negative(op: str, **values: Any) -> None:
    for name, value in values.items():
        if value is not None and value < 0:
            raise ValueError(f"{op}: {name} must be >= 0. Received: {name}={value}")


def _padding(first: Any, second: Any, target: Any, size: int, names: tuple) -> tuple:
    """The rows (or columns) added before and after an axis of ``size``."""
    _exactly_two(dict(zip(names, (first, second, target))), "pad_images")
    _non_negative("pad_images", **dict(zip(names, (first, second, target))))
    if first is None:
        first = target - second - size
    if second is None:
        second = target - first - size
    _non_negative("pad_images", **{names[0]: first, names[1]: second})
    return int(first), int(second)


def pad_images(
    images: Any,
    top_padding: int | None = None,
    left_padding: int | None = None,
    bottom_padding: int | None = None,
    right_padding: int | None = None,
    target_height: int | None = None,
    target_width: int | None = None,
    data_format: str | None = None,
) -> Tensor:
    """Pad images with zeros, each axis given by two of (before, after, target size).

    Args:
        images: (H, W, C) or (N, H, W, C) (channels_first: (C, H, W) or (N, C, H, W)).
        top_padding, bottom_padding, target_height: exactly two of them (rows).
        left_padding, right_padding, target_width: exactly two of them (columns).
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the config's).

    Returns:
        The padded images (same dtype); differentiable.

    Example:
        >>> import numpy as np
        >>> pad_images(np.ones((15, 25, 3)), 2, 3, target_height=20, target_width=30).shape
        (20, 30, 3)
    """
    x = image_tensor(images, "pad_images")
    _, (h_axis, w_axis) = spatial_axes(data_format, x.ndim)
    rows = ("top_padding", "bottom_padding", "target_height")
    cols = ("left_padding", "right_padding", "target_width")
    widths = [(0, 0)] * x.ndim
    widths[h_axis] = _padding(top_padding, bottom_padding, target_height, x.shape[h_axis], rows)
    widths[w_axis] = _padding(left_padding, right_padding, target_width, x.shape[w_axis], cols)
    return pad(x, widths)


def crop_images(
    images: Any,
    top_cropping: int | None = None,
    left_cropping: int | None = None,
    bottom_cropping: int | None = None,
    right_cropping: int | None = None,
    target_height: int | None = None,
    target_width: int | None = None,
    data_format: str | None = None,
) -> Tensor:
    """Crop images, each axis given by two of (before, after, target size).

    Args:
        images: (H, W, C) or (N, H, W, C) (channels_first: (C, H, W) or (N, C, H, W)).
        top_cropping, bottom_cropping, target_height: exactly two of them (rows).
        left_cropping, right_cropping, target_width: exactly two of them (columns).
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the config's).

    Returns:
        The cropped images (same dtype); differentiable.

    Example:
        >>> import numpy as np
        >>> x = np.arange(1, 28, dtype="float32").reshape(3, 3, 3)
        >>> crop_images(x, 0, 0, target_height=2, target_width=2)[:, :, 0].tolist()
        [[1.0, 4.0], [10.0, 13.0]]
    """
    x = image_tensor(images, "crop_images")
    _, (h_axis, w_axis) = spatial_axes(data_format, x.ndim)
    index = [slice(None)] * x.ndim
    for axis, first, second, target, names in (
        (h_axis, top_cropping, bottom_cropping, target_height,
         ("top_cropping", "bottom_cropping", "target_height")),
        (w_axis, left_cropping, right_cropping, target_width,
         ("left_cropping", "right_cropping", "target_width")),
    ):  # fmt: skip
        size = x.shape[axis]
        _exactly_two(dict(zip(names, (first, second, target))), "crop_images")
        _non_negative("crop_images", **dict(zip(names, (first, second, target))))
        if target is None:
            target = size - first - second
        elif first is None:
            first = size - target - second
        _non_negative("crop_images", **{names[0]: first, names[2]: target})
        if first + target > size:
            raise ValueError(
                f"crop_images: cropping {first} then keeping {target} needs {first + target} "
                f"rows or columns along axis {axis}, but the images have {size}."
            )
        index[axis] = slice(first, first + target)
    return x[tuple(index)]
