"""Separable filters: gaussian_blur and sobel_edges.

Both kernels are outer products of 1-D kernels, so each filter is a banded matrix applied
along the height axis and another along the width axis (:mod:`._linear_maps`), with zero
padding at the borders, as Keras's convolutions.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.ops.core import cast
from deepnum.ops.image._common import (
    batched,
    compute_dtype,
    image_tensor,
    spatial_axes,
    to_output,
    unbatched,
)
from deepnum.ops.image._linear_maps import apply_along, conv_matrix
from deepnum.ops.numpy import stack

__all__ = ["gaussian_blur", "sobel_edges"]


def gaussian_kernel1d(xp: Any, size: int, sigma: float, dtype: str) -> Any:
    """g[i] ∝ exp(−½ ((i − (size − 1)/2) / σ)²), normalised to sum 1."""
    x = xp.arange(size, dtype=dtype) - (size - 1) / 2
    g = xp.exp(-0.5 * (x / sigma) ** 2)
    return (g / g.sum()).astype(dtype)


def blur_along(x: Tensor, axis: int, size: int, sigma: float) -> Tensor:
    """Zero-padded Gaussian filter of ``size`` taps along ``axis`` (output of the same size;
    an even kernel has one more tap after the centre than before)."""
    xp = get_array_module(x.data)
    kernel = gaussian_kernel1d(xp, size, sigma, str(x.dtype))
    return apply_along(x, conv_matrix(kernel, x.shape[axis], start=-((size - 1) // 2)), axis)


def _pair(value: Any, name: str, cast_to: type) -> tuple:
    try:
        pair = tuple(cast_to(v) for v in value)
    except TypeError:
        pair = (cast_to(value),) * 2
    if len(pair) != 2:
        raise ValueError(f"gaussian_blur: `{name}` must be a pair of values; received {value!r}.")
    return pair


def gaussian_blur(
    images: Any, kernel_size: Any = (3, 3), sigma: Any = (1.0, 1.0), data_format: str | None = None
) -> Tensor:
    """Blur images with a Gaussian kernel (zero padding, output of the input's size).

    The kernel is the outer product of 1-D Gaussians g(t) ∝ exp(−t²/(2σ²)) on the taps
    t = i − (k − 1)/2, each normalised to sum 1. As in every Keras backend, the kernel's
    rows (height) use ``kernel_size[1]`` and ``sigma[1]``, its columns (width)
    ``kernel_size[0]`` and ``sigma[0]``.

    Args:
        images: (H, W, C) or (N, H, W, C) (channels_first: (C, H, W) or (N, C, H, W)).
        kernel_size: two kernel lengths.
        sigma: two standard deviations.
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the config's).

    Returns:
        The blurred images, in the input's dtype; differentiable in ``images``.

    Example:
        >>> import numpy as np
        >>> x = np.zeros((1, 3, 3, 1)); x[0, 1, 1, 0] = 1.0
        >>> y = gaussian_blur(x, (3, 3), (1.0, 1.0))
        >>> round(float(y[0, 1, 1, 0]), 4), round(float(y.sum()), 4)
        (0.2042, 1.0)
    """
    kernel_size = _pair(kernel_size, "kernel_size", int)
    sigma = _pair(sigma, "sigma", float)
    if min(kernel_size) < 1 or min(sigma) <= 0:
        raise ValueError(
            "gaussian_blur: `kernel_size` must be positive integers and `sigma` positive; "
            f"received kernel_size={kernel_size}, sigma={sigma}."
        )
    x = image_tensor(images, "gaussian_blur")
    dtype = x.dtype
    x, added = batched(cast(x, compute_dtype(dtype)), 4)
    _, (h_axis, w_axis) = spatial_axes(data_format)
    y = blur_along(x, h_axis, kernel_size[1], sigma[1])
    y = blur_along(y, w_axis, kernel_size[0], sigma[0])
    # Keras's NumPy backend casts back with astype: integers are truncated.
    return unbatched(cast(y, dtype), added)


def sobel_edges(images: Any, data_format: str | None = None) -> Tensor:
    """Sobel gradients of each channel: [dy, dx] in a new last axis.

    dy = [1, 2, 1]ᵀ-smoothed central difference x[i+1] − x[i−1] along the height, i.e. the
    cross-correlation with [[−1, −2, −1], [0, 0, 0], [1, 2, 1]]; dx the same along the width;
    zero padding (Keras's PyTorch backend).

    Args:
        images: (N, H, W, C) (channels_first: (N, C, H, W)).
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the config's).

    Returns:
        (N, H, W, C, 2) (channels_first: (N, C, H, W, 2)), in the input's dtype;
        differentiable in ``images``.

    Example:
        >>> import numpy as np
        >>> x = np.zeros((1, 3, 3, 1)); x[0, :, 2, 0] = 1.0  # a vertical edge
        >>> sobel_edges(x)[0, 1, 1, 0].tolist()  # [dy, dx]
        [0.0, 4.0]
    """
    x = image_tensor(images, "sobel_edges", ranks=(4,))
    dtype = x.dtype
    x = cast(x, compute_dtype(dtype))
    _, (h_axis, w_axis) = spatial_axes(data_format)
    xp = get_array_module(x.data)
    smooth = xp.asarray([1.0, 2.0, 1.0], dtype=x.dtype)
    diff = xp.asarray([-1.0, 0.0, 1.0], dtype=x.dtype)
    h, w = x.shape[h_axis], x.shape[w_axis]
    dy = apply_along(apply_along(x, conv_matrix(diff, h, start=-1), h_axis),
                     conv_matrix(smooth, w, start=-1), w_axis)  # fmt: skip
    dx = apply_along(apply_along(x, conv_matrix(smooth, h, start=-1), h_axis),
                     conv_matrix(diff, w, start=-1), w_axis)  # fmt: skip
    return to_output(stack([dy, dx], axis=-1), dtype)
