"""Interpolation matrices of ``resize``: for an axis of ``n_in`` samples resized to ``n_out``,
the (n_out, n_in) matrix whose row o holds the weights of output sample o.

Each follows the reference implementation Keras runs for it, half-pixel centres throughout
(output sample o sits at input coordinate ``s·(o + ½) − ½``, ``s = n_in / n_out``):

* ``nearest`` — PyTorch's ``nearest-exact``: index ⌊s·(o + ½)⌋, s computed in float32;
* ``bilinear`` — PyTorch's ``bilinear`` (align_corners=False): the coordinate clamped at 0,
  the two neighbours, the upper one clamped to the last sample;
* ``bicubic`` — PyTorch's ``bicubic``: Keys' cubic convolution with a = −0.75 on the four
  neighbours, indices clamped to the border;
* ``antialias=True`` (bilinear, bicubic) — PyTorch's anti-aliased kernels (Pillow's): the
  filter (triangle, or Keys' cubic with a = −0.5) stretched by s when downsampling, evaluated
  at ``(i + ½ − s·(o + ½)) / max(s, 1)`` and normalised per row;
* ``area`` — TensorFlow's ``area``: the box ``[s·o, s·(o+1))`` averaged, each input sample
  weighted by its overlap with the box.

The lanczos kernels come from :mod:`deepnum.ops.image._scale_translate` (JAX's
``scale_and_translate``, which Keras's other backends run).
"""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


def one_hot_sum(xp: Any, index: Any, weight: Any, n_in: int) -> Any:
    """The (n_out, n_in) matrix with ``weight[o, k]`` added at column ``index[o, k]``
    (repeated indices add up, as at clamped borders)."""
    cols = xp.arange(n_in)
    return (weight[:, :, None] * (index[:, :, None] == cols)).sum(axis=1)


def nearest_indices(xp: Any, n_in: int, n_out: int) -> Any:
    """⌊s·(o + ½)⌋ with s = n_in / n_out in float32, as PyTorch's ``nearest-exact``."""
    scale = xp.asarray(n_in, "float32") / xp.asarray(n_out, "float32")
    pos = ((xp.arange(n_out) + 0.5) * scale.astype("float64")).astype("float32")
    return xp.minimum(xp.floor(pos).astype("int64"), n_in - 1)


def _source(xp: Any, n_in: int, n_out: int, dtype: str) -> Any:
    """s·(o + ½) − ½ in ``dtype``, s = n_in / n_out rounded to ``dtype``. PyTorch evaluates it
    with a fused multiply-add (one rounding): for float32 the float64 value rounded once
    gives the same weights, bit for bit."""
    scale = xp.asarray(n_in, dtype) / xp.asarray(n_out, dtype)
    exact = scale.astype("float64") * (xp.arange(n_out) + 0.5) - 0.5
    return exact.astype(dtype)


def bilinear_matrix(xp: Any, n_in: int, n_out: int, dtype: str) -> Any:
    src = xp.maximum(_source(xp, n_in, n_out, dtype), 0)
    low = xp.minimum(xp.floor(src).astype("int64"), n_in - 1)
    frac = xp.clip(src - low, 0, 1).astype(dtype)
    high = low + (low < n_in - 1)
    index = xp.stack([low, high], axis=1)
    return one_hot_sum(xp, index, xp.stack([1 - frac, frac], axis=1), n_in)


def cubic_coefficients(xp: Any, t: Any, a: float) -> Any:
    """Keys' cubic convolution weights of the neighbours at offsets −1, 0, 1, 2 for a sample at
    fractional position t ∈ [0, 1): W(x) = (a+2)|x|³ − (a+3)|x|² + 1 for |x| ≤ 1,
    a|x|³ − 5a|x|² + 8a|x| − 4a for 1 < |x| < 2."""

    def near(x: Any) -> Any:
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: Any) -> Any:
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return xp.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1)


def bicubic_matrix(xp: Any, n_in: int, n_out: int, dtype: str) -> Any:
    src = _source(xp, n_in, n_out, dtype)
    low = xp.floor(src)
    t = (src - low).astype(dtype)
    index = xp.clip(low.astype("int64")[:, None] - 1 + xp.arange(4), 0, n_in - 1)
    return one_hot_sum(xp, index, cubic_coefficients(xp, t, -0.75), n_in)


def antialias_matrix(xp: Any, n_in: int, n_out: int, cubic: bool) -> Any:
    """PyTorch's anti-aliased bilinear/bicubic weights (in float64)."""
    scale = n_in / n_out
    stretch = max(scale, 1.0)
    center = scale * (xp.arange(n_out) + 0.5)
    x = xp.abs(xp.arange(n_in)[None, :] + 0.5 - center[:, None]) / stretch
    if cubic:
        a = -0.5
        w = xp.where(
            x < 1,
            ((a + 2) * x - (a + 3)) * x * x + 1,
            xp.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0.0),
        )
    else:
        w = xp.maximum(1 - x, 0.0)
    return w / w.sum(axis=1, keepdims=True)


def area_matrix(xp: Any, n_in: int, n_out: int) -> Any:
    """TensorFlow's area weights: overlap([s·o, s·(o+1)), [i, i+1)) / s (in float64)."""
    scale = n_in / n_out
    lo = xp.arange(n_out)[:, None] * scale
    hi = lo + scale
    cols = xp.arange(n_in)[None, :]
    overlap = xp.clip(xp.minimum(hi, cols + 1) - xp.maximum(lo, cols), 0, None)
    return overlap / scale


def resize_matrix(xp: Any, kind: str, n_in: int, n_out: int, dtype: str, antialias: bool) -> Any:
    """The (n_out, n_in) matrix of ``kind`` (bilinear, bicubic or area) in ``dtype``."""
    if kind == "area":
        return area_matrix(xp, n_in, n_out).astype(dtype)
    if antialias:
        return antialias_matrix(xp, n_in, n_out, kind == "bicubic").astype(dtype)
    if kind == "bilinear":
        return bilinear_matrix(xp, n_in, n_out, dtype)
    return bicubic_matrix(xp, n_in, n_out, dtype)
