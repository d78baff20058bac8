"""Geometric warps of image batches: affine_transform, perspective_transform and
elastic_transform.

Each computes, for every output pixel (y, x) of every image, the input point it reads, then
samples all channels there with one weighted gather over the whole batch
(:func:`._sampling.sample`; pixels are the rows, channels the columns). The coordinates are
deepnum ops of the transform, so the warps are differentiable in the images and (bilinear)
in the transform, the perspective points and the displacement field.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module, is_float_dtype
from deepnum.backend.dtypes import promote_types
from deepnum.ops.core import cast, convert_to_tensor
from deepnum.ops.image._common import (
    FILL_MODES,
    INTERPOLATIONS,
    batched,
    check_choice,
    image_tensor,
    to_output,
    unbatched,
)
from deepnum.ops.image._sampling import sample
from deepnum.ops.nn._window import standardize_data_format
from deepnum.ops.numpy import arange, broadcast_to, moveaxis, reshape

__all__ = ["affine_transform", "perspective_transform"]

_ORDER = {"nearest": 0, "bilinear": 1}


def warp(
    images: Tensor, y_in: Tensor, x_in: Tensor, interpolation: str, fill_mode: str, fill: Any
) -> Tensor:
    """Sample NHWC ``images`` at (y_in, x_in) (each (N, H', W'), broadcastable): output
    (N, H', W', C) in the images' dtype."""
    n, h, w, c = images.shape
    dtype = coordinate_dtype(images, y_in)
    xp = get_array_module(images.data)
    if not is_float_dtype(images.dtype) and isinstance(fill, (int, float)):
        fill = int(fill)
    out_shape = (n,) + tuple(max(a, b) for a, b in zip(y_in.shape[1:], x_in.shape[1:]))
    y_in, x_in = _broadcast(y_in, out_shape), _broadcast(x_in, out_shape)
    base = (xp.arange(n) * (h * w)).reshape(n, 1, 1)
    src = reshape(cast(images, dtype), (n * h * w, c))
    out = sample(src, [y_in, x_in], (h, w), (w, 1), _ORDER[interpolation], fill_mode, fill, base)
    return to_output(reshape(out, out_shape + (c,)), images.dtype)


def _broadcast(t: Tensor, shape: tuple[int, ...]) -> Tensor:
    return t if t.shape == shape else broadcast_to(t, shape)


def to_nhwc(images: Any, op: str, data_format: Any) -> tuple[Tensor, bool, str]:
    """Batched channels_last images, whether a batch axis was added, and the data format."""
    x, added = batched(image_tensor(images, op), 4)
    data_format = standardize_data_format(data_format)
    return (moveaxis(x, 1, -1) if data_format == "channels_first" else x), added, data_format


def from_nhwc(y: Tensor, added: bool, data_format: str) -> Tensor:
    y = moveaxis(y, -1, 1) if data_format == "channels_first" else y
    return unbatched(y, added)


def coordinate_dtype(images: Tensor, other: Tensor) -> str:
    """The float dtype coordinates and samples are computed in: ``other``'s (the transform's)
    float dtype promoted with the images' when those are floats (PyTorch's promotion)."""
    dtype = other.dtype if is_float_dtype(other.dtype) else "float32"
    if is_float_dtype(images.dtype):
        dtype = promote_types(dtype, images.dtype)
    return str(dtype)


def projective_coordinates(transform: Tensor, h: int, w: int) -> tuple[Tensor, Tensor]:
    """Input points of the output grid: x' = (a0 x + a1 y + a2)/k, y' = (b0 x + b1 y + b2)/k,
    k = c0 x + c1 y + 1, for each row [a0, a1, a2, b0, b1, b2, c0, c1] of ``transform`` (T, 8).
    Returns (y', x'), each (T, h, w) (or broadcastable when the transform is affine)."""
    t = reshape(transform, (transform.shape[0], 8, 1, 1))
    y = reshape(arange(h, dtype=transform.dtype), (1, h, 1))
    x = reshape(arange(w, dtype=transform.dtype), (1, 1, w))
    x_in = t[:, 1] * y + t[:, 0] * x + t[:, 2]
    y_in = t[:, 4] * y + t[:, 3] * x + t[:, 5]
    xp = get_array_module(transform.data)
    # k = 1 for affine rows: skip the division, unless c0, c1 need their derivative.
    if transform.requires_grad or bool(xp.any(transform.data[:, 6:] != 0)):
        k = t[:, 7] * y + t[:, 6] * x + 1.0
        x_in, y_in = x_in / k, y_in / k
    return y_in, x_in


def _transform_rows(transform: Any, batch: int, dtype: str, op: str) -> Tensor:
    t = convert_to_tensor(transform)
    if t.ndim not in (1, 2) or t.shape[-1] != 8:
        raise ValueError(
            f"{op}: invalid transform shape: expected (8,) for one transform or (N, 8) for a "
            f"batch; received transform.shape={shape_str(t.shape)}."
        )
    t = reshape(t, (1, 8)) if t.ndim == 1 else t
    if t.shape[0] not in (1, batch):
        raise ValueError(
            f"{op}: {t.shape[0]} transforms for {batch} images; pass one transform or one per "
            "image."
        )
    return cast(t, dtype)


def affine_transform(
    images: Any,
    transform: Any,
    interpolation: str = "bilinear",
    fill_mode: str = "constant",
    fill_value: Any = 0,
    data_format: str | None = None,
) -> Tensor:
    """Apply a projective transform to each image (the output keeps the input's size).

    A row ``[a0, a1, a2, b0, b1, b2, c0, c1]`` maps output pixel (x, y) to the input point
    ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``, k = c0 x + c1 y + 1 (the inverse of
    the map from input to output), which is sampled by ``interpolation`` with the boundary
    rule ``fill_mode``. All images are warped by one gather.

    Args:
        images: (H, W, C) or (N, H, W, C) (channels_first: (C, H, W) or (N, C, H, W)).
        transform: (8,) or (N, 8) (one row for all images, or one per image).
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_mode: ``"constant"`` (default), ``"nearest"``, ``"wrap"``, ``"mirror"`` or
            ``"reflect"`` (see :func:`map_coordinates`).
        fill_value: the value outside the image for ``fill_mode="constant"``.
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the config's).

    Returns:
        The warped images, in the input's dtype. Differentiable in ``images`` and, for
        bilinear interpolation, in ``transform``.

    Example:
        >>> import numpy as np
        >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
        >>> shift = [1, 0, 1, 0, 1, 0, 0, 0]  # x' = x + 1: moves the image one pixel left
        >>> affine_transform(x, shift)[0, :, :, 0].tolist()
        [[1.0, 2.0, 0.0], [4.0, 5.0, 0.0], [7.0, 8.0, 0.0]]
    """
    check_choice(interpolation, INTERPOLATIONS, "interpolation", "affine_transform")
    check_choice(fill_mode, FILL_MODES, "fill_mode", "affine_transform")
    x, added, data_format = to_nhwc(images, "affine_transform", data_format)
    raw = convert_to_tensor(transform)
    dtype = raw.dtype if is_float_dtype(raw.dtype) else "float32"
    t = _transform_rows(raw, x.shape[0], dtype, "affine_transform")
    y_in, x_in = projective_coordinates(t, x.shape[1], x.shape[2])
    y = warp(x, y_in, x_in, interpolation, fill_mode, fill_value)
    return from_nhwc(y, added, data_format)


def _points(points: Any, dtype: str, name: str) -> Tensor:
    p = cast(convert_to_tensor(points), dtype)
    if p.ndim not in (2, 3) or p.shape[-2:] != (4, 2):
        raise ValueError(
            f"perspective_transform: invalid {name} shape: expected (4, 2) for one image or "
            f"(N, 4, 2) for a batch; received {shape_str(p.shape)}."
        )
    return reshape(p, (1, 4, 2)) if p.ndim == 2 else p


def homography(start_points: Tensor, end_points: Tensor) -> Tensor:
    """The 8 coefficients (N, 8) of the projective map taking each end point to its start
    point: the solution of the 8×8 system u = (a0 x + a1 y + a2)/(c0 x + c1 y + 1),
    v = (b0 x + b1 y + b2)/(c0 x + c1 y + 1) over the four pairs (x, y) → (u, v), linearised
    as a0 x + a1 y + a2 − c0 x u − c1 y u = u (and likewise for v)."""
    from deepnum.ops.linalg import solve
    from deepnum.ops.numpy import stack, zeros_like

    rows, rhs = [], []
    for i in range(4):
        x, y = end_points[:, i, 0], end_points[:, i, 1]
        u, v = start_points[:, i, 0], start_points[:, i, 1]
        one, zero = zeros_like(x) + 1.0, zeros_like(x)
        rows.append(stack([x, y, one, zero, zero, zero, -u * x, -u * y], axis=-1))
        rows.append(stack([zero, zero, zero, x, y, one, -v * x, -v * y], axis=-1))
        rhs += [u, v]
    a = stack(rows, axis=1)
    b = stack(rhs, axis=-1)[..., None]
    return reshape(solve(a, b), (a.shape[0], 8))


def perspective_transform(
    images: Any,
    start_points: Any,
    end_points: Any,
    interpolation: str = "bilinear",
    fill_value: Any = 0,
    data_format: str | None = None,
) -> Tensor:
    """Warp images by the perspective transform that moves ``start_points`` to
    ``end_points`` (four (x, y) corners each).

    Each output pixel reads the input at the image of its position under the homography
    taking the end points back to the start points (:func:`homography`), then as
    :func:`affine_transform` with ``fill_mode="constant"``.

    Args:
        images: (H, W, C) or (N, H, W, C) (channels_first: (C, H, W) or (N, C, H, W)).
        start_points, end_points: (4, 2) or (N, 4, 2) corner coordinates (x, y).
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_value: the value outside the input image.
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the config's).

    Returns:
        The warped images, in the input's dtype; differentiable in ``images`` and (bilinear)
        in the points.

    Example:
        >>> import numpy as np
        >>> x = np.arange(9.0).reshape(3, 3, 1)
        >>> corners = [[0, 0], [2, 0], [0, 2], [2, 2]]
        >>> bool((perspective_transform(x, corners, corners).numpy() == x).all())
        True
    """
    check_choice(interpolation, INTERPOLATIONS, "interpolation", "perspective_transform")
    x, added, data_format = to_nhwc(images, "perspective_transform", data_format)
    dtype = str(x.dtype) if is_float_dtype(x.dtype) else "float32"
    start = _points(start_points, dtype, "start_points")
    end = _points(end_points, dtype, "end_points")
    if start.shape != end.shape:
        raise ValueError(
            "perspective_transform: start_points and end_points must have the same shape; "
            f"received {shape_str(start.shape)} and {shape_str(end.shape)}."
        )
    compute = "float64" if dtype == "float64" else "float32"
    coefficients = cast(homography(cast(start, compute), cast(end, compute)), dtype)
    t = _transform_rows(coefficients, x.shape[0], dtype, "perspective_transform")
    y_in, x_in = projective_coordinates(t, x.shape[1], x.shape[2])
    y = warp(x, y_in, x_in, interpolation, "constant", fill_value)
    return from_nhwc(y, added, data_format)
