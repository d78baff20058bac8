"""``scale_and_translate`` (JAX's, which every Keras backend reproduces) and the lanczos
kernels of ``resize``.

Along each spatial axis, output sample o reads the input at
``f(o) = (o + ½ − t) / s − ½`` (scale s, translation t, half-pixel centres); input sample i
weighs ``k(|f(o) − i| / κ)`` with κ = max(1/s, 1) when antialiasing (the kernel stretched to
low-pass when downsampling), else κ = 1. Each row is normalised to sum to 1 (rows whose sum is
below 1000·ε₃₂ become zero) and rows with f(o) outside [−½, n − ½] are zero. The weights are
built from deepnum ops, so the result is differentiable in the images and in ``scale`` and
``translation``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import is_int_dtype, result_type
from deepnum.ops.core import cast, convert_to_tensor
from deepnum.ops.image._common import check_choice
from deepnum.ops.image._linear_maps import apply_along
from deepnum.ops.numpy import (
    abs,
    arange,
    clip,
    logical_and,
    max,
    maximum,
    min,
    round,
    sin,
    where,
)

__all__ = ["scale_and_translate"]

_EPS32 = 1.1920928955078125e-07
METHODS = ("linear", "bilinear", "trilinear", "triangle", "cubic", "bicubic", "tricubic",
           "lanczos3", "lanczos5")  # fmt: skip


def triangle_kernel(x: Tensor) -> Tensor:
    """k(x) = max(0, 1 − |x|) (x ≥ 0 here)."""
    return maximum(1 - abs(x), 0.0)


def keys_cubic_kernel(x: Tensor) -> Tensor:
    """Keys' cubic with a = −0.5: 1.5x³ − 2.5x² + 1 on [0, 1), −0.5x³ + 2.5x² − 4x + 2 on
    [1, 2), 0 beyond."""
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return where(x >= 2.0, 0.0, out)


def lanczos_kernel(radius: float) -> Callable[[Tensor], Tensor]:
    """k(x) = r·sin(πx)·sin(πx/r) / (π²x²) for 0 < |x| ≤ r (1 near 0, 0 beyond r)."""

    def kernel(x: Tensor) -> Tensor:
        y = radius * sin(math.pi * x) * sin(math.pi * x / radius)
        safe = where(x != 0, math.pi**2 * x * x, 1.0)
        out = where(x > 1e-3, y / safe, 1.0)
        return where(x > radius, 0.0, out)

    return kernel


def kernel_for(method: str) -> Callable[[Tensor], Tensor]:
    if method in ("linear", "bilinear", "trilinear", "triangle"):
        return triangle_kernel
    if method in ("cubic", "bicubic", "tricubic"):
        return keys_cubic_kernel
    return lanczos_kernel(3.0 if method == "lanczos3" else 5.0)


def weight_matrix(
    n_in: int, n_out: int, scale: Tensor, translation: Tensor, kernel: Callable, antialias: bool
) -> Tensor:
    """The (n_out, n_in) resampling matrix of one axis, in the dtype of ``scale``."""
    dtype = scale.dtype
    inv_scale = 1.0 / scale
    sample = (arange(n_out, dtype=dtype) + 0.5) * inv_scale - translation * inv_scale - 0.5
    x = abs(sample[:, None] - arange(n_in, dtype=dtype)[None, :])
    if antialias:
        x = x / maximum(inv_scale, 1.0)
    weights = kernel(x)
    total = weights.sum(axis=1, keepdims=True)
    weights = where(abs(total) > 1000.0 * _EPS32, weights / where(total != 0, total, 1.0), 0.0)
    inside = logical_and(sample >= -0.5, sample <= n_in - 0.5)
    return where(inside[:, None], weights, 0.0)


def resample(
    x: Tensor,
    output_shape: Sequence[int],
    spatial_dims: Sequence[int],
    scale: Tensor,
    translation: Tensor,
    kernel: Callable,
    antialias: bool,
) -> Tensor:
    """Apply the per-axis matrices; integers are computed in float32, then rounded and
    clipped to the input's range."""
    y = cast(x, "float32") if is_int_dtype(x.dtype) else x
    for i, d in enumerate(spatial_dims):
        d = d % x.ndim
        m = weight_matrix(x.shape[d], int(output_shape[d]), scale[i], translation[i], kernel,
                          antialias)  # fmt: skip
        y = apply_along(y, m, d)
    if is_int_dtype(x.dtype):
        y = cast(clip(round(y), min(x), max(x)), x.dtype)
    return y


def scale_and_translate(
    images: Any,
    output_shape: Any,
    scale: Any,
    translation: Any,
    spatial_dims: Any,
    method: str,
    antialias: bool = True,
) -> Tensor:
    """Resample ``images`` to ``output_shape`` under a per-axis scale and translation (JAX's
    ``jax.image.scale_and_translate``).

    A point at input coordinate u (pixel centres at i + ½) goes to output coordinate
    u·s + t along each axis of ``spatial_dims``; the output samples the inverse map with the
    kernel of ``method``, stretched by 1/s when downsampling with ``antialias``. Output pixels
    whose source lies outside the input are zero.

    Args:
        images: a tensor of any rank.
        output_shape: the full output shape (the axes not in ``spatial_dims`` unchanged).
        scale, translation: one value per axis of ``spatial_dims``.
        spatial_dims: the axes to resample.
        method: ``"linear"`` (also ``"bilinear"``, ``"trilinear"``, ``"triangle"``),
            ``"cubic"`` (``"bicubic"``, ``"tricubic"``: Keys' kernel, a = −0.5),
            ``"lanczos3"`` or ``"lanczos5"``.
        antialias: low-pass with the stretched kernel when downsampling.

    Returns:
        A tensor of ``output_shape`` and the dtype of ``images``; differentiable in
        ``images``, ``scale`` and ``translation``.

    Example:
        >>> import numpy as np
        >>> x = np.arange(9, dtype="float32").reshape((3, 3))
        >>> s = np.array([2.0, 2.0], "float32")
        >>> y = scale_and_translate(x, (5, 5), s, -(s / 2 - 0.5), (0, 1), "linear")
        >>> y[0].tolist()
        [0.0, 0.5, 1.0, 1.5, 2.0]
    """
    check_choice(method, METHODS, "method", "scale_and_translate")
    x = convert_to_tensor(images)
    spatial_dims = tuple(int(d) for d in spatial_dims)
    output_shape = tuple(int(s) for s in output_shape)
    if len(output_shape) != x.ndim:
        raise ValueError(
            f"scale_and_translate: `output_shape` {output_shape} must have one entry per axis "
            f"of images (shape {shape_str(x.shape)})."
        )
    scale, translation = convert_to_tensor(scale), convert_to_tensor(translation)
    dtype = _weight_dtype(scale, translation)
    scale, translation = cast(scale, dtype), cast(translation, dtype)
    if scale.shape != (len(spatial_dims),) or translation.shape != (len(spatial_dims),):
        raise ValueError(
            "scale_and_translate: `scale` and `translation` need one value per axis of "
            f"spatial_dims={spatial_dims}; received shapes {shape_str(scale.shape)} and "
            f"{shape_str(translation.shape)}."
        )
    if not spatial_dims:
        return x
    return resample(x, output_shape, spatial_dims, scale, translation, kernel_for(method),
                    antialias)  # fmt: skip


def _weight_dtype(scale: Tensor, translation: Tensor) -> str:
    """Keras's ``result_type`` of scale and translation (float32 even for float64 inputs)."""
    return result_type(scale.dtype, translation.dtype, float)


def lanczos_resize(x: Tensor, axes: Sequence[int], size: Sequence[int], radius: float,
                   antialias: bool) -> Tensor:  # fmt: skip
    """``resize`` with a lanczos kernel (Keras's NumPy/JAX backends): scale n_out/n_in along
    each axis whose size changes, no translation, weights in float64."""
    changed = [(a, n) for a, n in zip(axes, size) if x.shape[a] != n]
    if not changed:
        return x
    out_shape = list(x.shape)
    for a, n in changed:
        out_shape[a] = n
    scale = convert_to_tensor([n / x.shape[a] for a, n in changed], "float64")
    translation = convert_to_tensor([0.0] * len(changed), "float64")
    kernel = lanczos_kernel(radius)
    y = x
    for i, (a, n) in enumerate(changed):
        m = weight_matrix(y.shape[a], n, scale[i], translation[i], kernel, antialias)
        y = apply_along(y, m, a)
    return y
