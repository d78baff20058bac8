"""ssim: the structural similarity index of Wang et al. (2004), as Keras computes it."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module, result_type
from deepnum.ops.core import cast
from deepnum.ops.image._common import batched, image_tensor, spatial_axes, unbatched
from deepnum.ops.image._filters import gaussian_kernel1d
from deepnum.ops.image._linear_maps import apply_along, conv_matrix
from deepnum.ops.numpy import mean

__all__ = ["ssim"]


def _window_mean(x: Tensor, axes: tuple[int, int], kernel: Any) -> Tensor:
    """The Gaussian-weighted mean over every full window ("valid": no padding)."""
    k = kernel.shape[0]
    for axis in axes:
        n = x.shape[axis]
        x = apply_along(x, conv_matrix(kernel, n, n_out=n - k + 1), axis)
    return x


def ssim(
    image1: Any,
    image2: Any,
    max_val: float = 1.0,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    data_format: str | None = None,
) -> Tensor:
    """Structural similarity between two images (or two batches), averaged over channels.

    With Gaussian-weighted local means μ, variances σ² and covariance σ₁₂ over every full
    ``filter_size`` window, C₁ = (k₁·max_val)², C₂ = (k₂·max_val)²::

        SSIM = mean over windows and channels of
               (2μ₁μ₂ + C₁)(2σ₁₂ + C₂) / ((μ₁² + μ₂² + C₁)(σ₁² + σ₂² + C₂))

    Args:
        image1, image2: (H, W, C) or (N, H, W, C) of one shape (channels_first: C before
            H, W); H and W at least ``filter_size``.
        max_val: the dynamic range of the pixel values (1.0, or 255.0 for 8-bit values).
        filter_size: the window's side (odd, ≥ 1).
        filter_sigma: the standard deviation of the Gaussian weights.
        k1, k2: the stabilising constants.
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the config's).

    Returns:
        A scalar for one image, (N,) for a batch, in ``image1``'s dtype; differentiable in
        both images.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).random((16, 16, 3)).astype("float32")
        >>> round(float(ssim(x, x)), 5)
        1.0
    """
    x1 = image_tensor(image1, "ssim", name="image1")
    x2 = image_tensor(image2, "ssim", name="image2")
    if x1.shape != x2.shape:
        raise ValueError(
            f"ssim: image1 and image2 must have the same shape; received "
            f"{shape_str(x1.shape)} and {shape_str(x2.shape)}."
        )
    out_dtype = x1.dtype
    # Keras's rule (float32 for integers and float32, float16 stays), but float64 stays float64.
    dtype = "float64" if str(x1.dtype) == "float64" else result_type(x1.dtype, float)
    x1, added = batched(cast(x1, dtype), 4)
    x2, _ = batched(cast(x2, dtype), 4)
    _, axes = spatial_axes(data_format)
    if min(x1.shape[a] for a in axes) < filter_size:
        raise ValueError(
            f"ssim: the images ({shape_str(x1.shape)}) are smaller than the {filter_size}x"
            f"{filter_size} filter; pass a smaller `filter_size`."
        )
    kernel = gaussian_kernel1d(get_array_module(x1.data), filter_size, filter_sigma, dtype)
    mu1, mu2 = _window_mean(x1, axes, kernel), _window_mean(x2, axes, kernel)
    mu1_sq, mu2_sq, mu1_mu2 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    sigma1_sq = _window_mean(x1 * x1, axes, kernel) - mu1_sq
    sigma2_sq = _window_mean(x2 * x2, axes, kernel) - mu2_sq
    sigma12 = _window_mean(x1 * x2, axes, kernel) - mu1_mu2
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    numerator = (2.0 * mu1_mu2 + c1) * (2.0 * sigma12 + c2)
    denominator = (mu1_sq + mu2_sq + c1) * (sigma1_sq + sigma2_sq + c2)
    value = mean(numerator / denominator, axis=(1, 2, 3))
    return cast(unbatched(value, added), out_dtype)
