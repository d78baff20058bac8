"""Colour conversions: rgb_to_grayscale, rgb_to_hsv and hsv_to_rgb (dm_pix's formulas, which
Keras uses), written with deepnum ops, so they differentiate to any order."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module, is_float_dtype
from deepnum.ops.core import cast
from deepnum.ops.image._common import image_tensor, require_float
from deepnum.ops.nn._window import standardize_data_format
from deepnum.ops.numpy import abs, clip, expand_dims, maximum, minimum, mod, stack, where

__all__ = ["hsv_to_rgb", "rgb_to_grayscale", "rgb_to_hsv"]


def _channel_axis(data_format: Any) -> int:
    return -1 if standardize_data_format(data_format) == "channels_last" else -3


def _planes(x: Tensor, axis: int, op: str) -> tuple[Tensor, Tensor, Tensor]:
    if x.shape[axis] != 3:
        raise ValueError(
            f"{op}: the images must have 3 channels on axis {axis}; received images of shape "
            f"{shape_str(x.shape)}. Pass data_format='channels_first' for (C, H, W) images."
        )
    index = [slice(None)] * x.ndim
    planes = []
    for c in range(3):
        index[axis] = c
        planes.append(x[tuple(index)])
    return planes[0], planes[1], planes[2]


def rgb_to_grayscale(images: Any, data_format: str | None = None) -> Tensor:
    """Luma of RGB images: Y = 0.2989 R + 0.587 G + 0.114 B (one channel images are copied).

    Args:
        images: (H, W, C) or (N, H, W, C), C = 3 or 1 (channels_first: C before H, W).
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the config's).

    Returns:
        The images with one channel, in the input's dtype (integers truncated, as Keras).

    Example:
        >>> import numpy as np
        >>> rgb_to_grayscale(np.ones((1, 1, 3))).numpy().round(4).tolist()
        [[[0.9999]]]
    """
    x = image_tensor(images, "rgb_to_grayscale")
    axis = _channel_axis(data_format)
    if x.shape[axis] not in (1, 3):
        raise ValueError(
            "rgb_to_grayscale: invalid channel size: expected 3 (RGB) or 1 (grayscale). "
            f"Received images.shape={shape_str(x.shape)}."
        )
    if x.shape[axis] == 1:
        return x * 1 if is_float_dtype(x.dtype) else Tensor._make(x.data.copy())
    r, g, b = _planes(x if is_float_dtype(x.dtype) else cast(x, "float32"), axis, "")
    y = 0.2989 * r + 0.587 * g + 0.114 * b
    return expand_dims(cast(y, x.dtype), axis)


def rgb_to_hsv(images: Any, data_format: str | None = None) -> Tensor:
    """Convert RGB images (values in [0, 1]) to HSV, all three in [0, 1].

    With V = max(R, G, B), m = min, Δ = V − m: S = Δ / V (0 where V = 0); H = (G − B)/(6Δ)
    where V = R, 1/3 + (B − R)/(6Δ) where V = G, 2/3 + (R − G)/(6Δ) otherwise, plus 1 when
    negative, and 0 where Δ = 0. A hue of 0 is red, 1/3 green, 2/3 blue.

    Args:
        images: float (H, W, 3) or (N, H, W, 3) (channels_first: 3 before H, W).
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the config's).

    Returns:
        HSV images of the same shape and dtype.

    Example:
        >>> import numpy as np
        >>> rgb_to_hsv(np.array([[[0.0, 0.5, 0.0]]])).numpy().round(4).tolist()
        [[[0.3333, 1.0, 0.5]]]
    """
    x = image_tensor(images, "rgb_to_hsv")
    require_float(x, "rgb_to_hsv")
    axis = _channel_axis(data_format)
    xp = get_array_module(x.data)
    eps = float(xp.finfo(x.dtype).eps)
    x = where(abs(x) < eps, 0.0, x)
    r, g, b = _planes(x, axis, "rgb_to_hsv")
    value = maximum(maximum(r, g), b)
    span = value - minimum(minimum(r, g), b)
    saturation = where(value > 0, span / where(value > 0, value, 1.0), 0.0)
    norm = 1.0 / (6.0 * where(span > 0, span, 1.0))
    hue = where(value == g, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    hue = where(value == r, norm * (g - b), hue)
    hue = where(span > 0, hue, 0.0) + cast(hue < 0.0, hue.dtype)
    return stack([hue, saturation, value], axis=axis)


def hsv_to_rgb(images: Any, data_format: str | None = None) -> Tensor:
    """Convert HSV images (values in [0, 1]) to RGB.

    With h = 6·(H mod 1): R = V(1 − S + S·clip(|h − 3| − 1, 0, 1)),
    G = V(1 − S + S·clip(2 − |h − 2|, 0, 1)), B = V(1 − S + S·clip(2 − |h − 4|, 0, 1)).

    Args:
        images: float (H, W, 3) or (N, H, W, 3) (channels_first: 3 before H, W).
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the config's).

    Returns:
        RGB images of the same shape and dtype.

    Example:
        >>> import numpy as np
        >>> hsv_to_rgb(np.array([[[2 / 3, 1.0, 1.0]]])).numpy().round(4).tolist()
        [[[0.0, 0.0, 1.0]]]
    """
    x = image_tensor(images, "hsv_to_rgb")
    require_float(x, "hsv_to_rgb")
    axis = _channel_axis(data_format)
    hue, saturation, value = _planes(x, axis, "hsv_to_rgb")
    dh = mod(hue, 1.0) * 6.0
    dr = clip(abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = clip(2.0 - abs(dh - 2.0), 0.0, 1.0)
    db = clip(2.0 - abs(dh - 4.0), 0.0, 1.0)
    base = 1.0 - saturation
    rgb = [value * (base + saturation * d) for d in (dr, dg, db)]
    return stack(rgb, axis=axis)
