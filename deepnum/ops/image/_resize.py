"""``resize``: every interpolation Keras offers, with its aspect-ratio crop and pad.

Resizing is separable: the image is multiplied along the height axis, then along the width
axis, by an (n_out, n_in) interpolation matrix (:mod:`._resize_weights`), two GEMMs whose
adjoints are the transposed matrices; ``nearest`` is a gather. The numbers are those of the
backend Keras runs each method on: PyTorch's ``F.interpolate`` for nearest, bilinear and
bicubic (with and without ``antialias``), JAX's lanczos kernels (Keras's NumPy/JAX backends;
its PyTorch backend has none) and TensorFlow's ``area``.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.ops.image._common import (
    batched,
    check_choice,
    image_tensor,
    spatial_axes,
    to_compute,
    to_output,
    unbatched,
)
from deepnum.ops.image._linear_maps import apply_along
from deepnum.ops.image._resize_weights import nearest_indices, resize_matrix
from deepnum.ops.image._scale_translate import lanczos_resize
from deepnum.ops.numpy import clip, pad, take

__all__ = ["resize"]

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5", "area")


def _check_size(size: Any) -> tuple[int, int]:
    try:
        size = tuple(int(s) for s in size)
    except TypeError:
        size = ()
    if len(size) != 2:
        raise ValueError(
            f"resize: expected `size` to be a tuple of 2 integers (height, width). "
            f"Received: size={size!r}"
        )
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(f"resize: `size` must have positive height and width. Received: {size}")
    return size


def crop_to_aspect(x: Tensor, axes: tuple[int, int], size: tuple[int, int]) -> Tensor:
    """The largest centred window of ``x`` with the aspect ratio of ``size`` (Keras's)."""
    height, width = x.shape[axes[0]], x.shape[axes[1]]
    target_h, target_w = size
    crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
    crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
    top, left = int(float(height - crop_h) / 2), int(float(width - crop_w) / 2)
    index = [slice(None)] * x.ndim
    index[axes[0]] = slice(top, top + crop_h)
    index[axes[1]] = slice(left, left + crop_w)
    return x[tuple(index)]


def pad_to_aspect(x: Tensor, axes: tuple[int, int], size: tuple[int, int], fill: Any) -> Tensor:
    """``x`` padded evenly (the same amount on both sides, as Keras) with ``fill`` to the
    aspect ratio of ``size``."""
    height, width = x.shape[axes[0]], x.shape[axes[1]]
    target_h, target_w = size
    pad_h = max(height, int(float(width * target_h) / target_w))
    pad_w = max(width, int(float(height * target_w) / target_h))
    top, left = int(float(pad_h - height) / 2), int(float(pad_w - width) / 2)
    if top <= 0 and left <= 0:
        return x
    widths = [(0, 0)] * x.ndim
    widths[axes[0]] = (max(top, 0),) * 2
    widths[axes[1]] = (max(left, 0),) * 2
    return pad(x, widths, constant_values=fill)


def _interpolate(x: Tensor, axes: tuple[int, int], size: tuple[int, int], kind: str,
                 antialias: bool) -> Tensor:  # fmt: skip
    xp = get_array_module(x.data)
    if kind in ("lanczos3", "lanczos5"):
        return lanczos_resize(x, axes, size, 3.0 if kind == "lanczos3" else 5.0, antialias)
    y = x
    # Width first, then height, as PyTorch's kernels: the same rounding, mostly bit-exact.
    for axis, n_out in reversed(tuple(zip(axes, size))):
        n_in = y.shape[axis]
        if n_in == n_out:
            continue  # every kernel is the identity at scale 1
        if kind == "nearest":
            y = take(y, nearest_indices(xp, n_in, n_out), axis=axis)
        else:
            y = apply_along(y, resize_matrix(xp, kind, n_in, n_out, str(y.dtype), antialias), axis)
    return y


def resize(
    images: Any,
    size: Any,
    interpolation: str = "bilinear",
    antialias: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    data_format: str | None = None,
) -> Tensor:
    """Resize images to ``size`` = (height, width).

    Pixel centres are at half-integers: output pixel o along an axis samples input coordinate
    s·(o + ½) − ½ with s = n_in / n_out.

    Args:
        images: (H, W, C) or (N, H, W, C) (channels_first: (C, H, W) or (N, C, H, W)).
        size: (height, width) of the output.
        interpolation: ``"bilinear"`` (default), ``"nearest"``, ``"bicubic"`` (PyTorch's
            kernels, as Keras's PyTorch backend), ``"lanczos3"``, ``"lanczos5"`` (Keras's
            NumPy/JAX backends) or ``"area"`` (Keras's TensorFlow backend).
        antialias: for bilinear, bicubic and lanczos, widen the kernel by the downsampling
            factor so that it low-passes (no effect when upsampling bilinear/lanczos).
        crop_to_aspect_ratio: first crop the largest centred window with the target's
            aspect ratio.
        pad_to_aspect_ratio: first pad the short side evenly to the target's aspect ratio.
        fill_mode: the padding mode; only ``"constant"``.
        fill_value: the padding value.
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the config's).

    Returns:
        The resized images, in the input's dtype (integers rounded and saturated).
        Differentiable in ``images`` for every method.

    Example:
        >>> import numpy as np
        >>> resize(np.ones((2, 4, 4, 3)), (2, 2)).shape
        (2, 2, 2, 3)
        >>> resize(np.array([[[0.0], [1.0]]]), (1, 4))[0, :, 0].tolist()
        [0.0, 0.25, 0.75, 1.0]
    """
    size = _check_size(size)
    check_choice(interpolation, RESIZE_INTERPOLATIONS, "interpolation", "resize")
    if fill_mode != "constant":
        raise ValueError(
            "resize: invalid value for argument `fill_mode`. Only 'constant' is supported. "
            f"Received: fill_mode={fill_mode!r}"
        )
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError(
            "resize: only one of `pad_to_aspect_ratio` and `crop_to_aspect_ratio` can be True."
        )
    x = image_tensor(images, "resize")
    dtype = x.dtype
    x, added = batched(to_compute(x), 4)
    data_format, axes = spatial_axes(data_format)
    if crop_to_aspect_ratio:
        x = crop_to_aspect(x, axes, size)
    elif pad_to_aspect_ratio:
        x = pad_to_aspect(x, axes, size, fill_value)
    y = _interpolate(x, axes, size, interpolation, bool(antialias))
    if interpolation == "bicubic" and str(dtype) == "uint8":
        y = clip(y, 0, 255)
    return unbatched(to_output(y, dtype), added)
