"""elastic_transform: a random smooth displacement field, then one warp of the batch."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import to_device
from deepnum.ops.image._common import FILL_MODES, INTERPOLATIONS, check_choice, compute_dtype
from deepnum.ops.image._filters import blur_along
from deepnum.ops.image._warps import from_nhwc, to_nhwc, warp
from deepnum.ops.numpy import arange, reshape

__all__ = ["elastic_transform"]


def displace(
    images: Tensor,
    noise: Tensor,
    alpha: float,
    sigma: float,
    interpolation: str,
    fill_mode: str,
    fill_value: Any,
) -> Tensor:
    """Warp NHWC ``images`` by the field made from standard normal ``noise`` (2, N, H, W):
    (dx, dy) = α · G_σ * (σ · noise), G_σ the Gaussian filter of k = ⌊6σ⌋|1 taps (zero
    padding); output pixel (y, x) reads the input at (y + dy, x + dx)."""
    n, h, w, _ = images.shape
    k = int(6 * sigma) | 1
    field = noise * sigma
    field = blur_along(blur_along(field, 2, k, sigma), 3, k, sigma)
    rows = reshape(arange(h, dtype=noise.dtype), (1, h, 1))
    cols = reshape(arange(w, dtype=noise.dtype), (1, 1, w))
    x_in = cols + alpha * field[0]
    y_in = rows + alpha * field[1]
    return warp(images, y_in, x_in, interpolation, fill_mode, fill_value)


def elastic_transform(
    images: Any,
    alpha: float = 20.0,
    sigma: float = 5.0,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
    seed: Any = None,
    data_format: str | None = None,
) -> Tensor:
    """Elastic deformation (Simard et al., 2003): displace every pixel by a random smooth field.

    Two fields of independent N(0, σ²) values, one per image and axis, are smoothed by a
    Gaussian of standard deviation σ (⌊6σ⌋|1 taps), scaled by α, and added to the pixel
    grid; the images are then sampled there as by :func:`affine_transform`.

    Args:
        images: (H, W, C) or (N, H, W, C) (channels_first: (C, H, W) or (N, C, H, W)).
        alpha: the displacement's scale, in pixels per unit of smoothed noise.
        sigma: the smoothing's standard deviation, in pixels.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_mode: ``"reflect"`` (default), ``"constant"``, ``"nearest"``, ``"wrap"`` or
            ``"mirror"``.
        fill_value: the value outside the image for ``fill_mode="constant"``.
        seed: an int, a ``deepnum.random.SeedGenerator`` or None (keras.random's rules).
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the config's).

    Returns:
        The deformed images, in the input's dtype; differentiable in ``images``.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).random((2, 8, 8, 3))
        >>> elastic_transform(x, alpha=2.0, sigma=1.0, seed=1).shape
        (2, 8, 8, 3)
    """
    from deepnum.random import normal  # keras.random's seeding rules

    check_choice(interpolation, INTERPOLATIONS, "interpolation", "elastic_transform")
    check_choice(fill_mode, FILL_MODES, "fill_mode", "elastic_transform")
    x, added, data_format = to_nhwc(images, "elastic_transform", data_format)
    n, h, w, _ = x.shape
    noise = normal((2, n, h, w), dtype=compute_dtype(x.dtype), seed=seed)
    noise = Tensor._make(to_device(noise.data, x.device))  # drawn on the default device
    y = displace(x, noise, float(alpha), float(sigma), interpolation, fill_mode, fill_value)
    return from_nhwc(y, added, data_format)
