"""Discrete Fourier transforms on (real, imaginary) pairs, as Keras passes complex data:
fft, fft2, ifft2, rfft, irfft, and the complex views view_as_complex / view_as_real.

The transforms are linear, so each backward is another transform (differentiable again):
for Y = F X over N points, ∂L/∂X = Fᴴ ∂L/∂Y = N · ifft(∂L/∂Y), with a complex gradient
standing for the pair of gradients of the real and imaginary parts.
"""

from __future__ import annotations

import math
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import floatx, get_array_module
from deepnum.ops.core import cast
from deepnum.ops.numpy import pad, stack

__all__ = ["fft", "fft2", "ifft2", "irfft", "rfft", "view_as_complex", "view_as_real"]


def complex_pair(fname: str, x: Any, min_rank: int) -> tuple[Tensor, Tensor]:
    """Check and convert Keras's ``(real, imag)`` input: two float tensors of one shape."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(
            f"{fname}: `x` must be a tuple of two tensors, the real and imaginary parts; "
            f"received {type(x).__name__}."
        )
    real, imag = as_tensor(x[0]), as_tensor(x[1])
    if real.shape != imag.shape:
        raise ValueError(
            f"{fname}: the real and imaginary parts must have the same shape, received "
            f"{shape_str(real.shape)} and {shape_str(imag.shape)}."
        )
    if real.dtype.kind != "f" or imag.dtype.kind != "f":
        raise ValueError(
            f"{fname}: the real and imaginary parts must be floating point, received "
            f"{real.dtype} and {imag.dtype}."
        )
    if real.ndim < min_rank:
        raise ValueError(
            f"{fname}: the input must have rank >= {min_rank}, received shape "
            f"{shape_str(real.shape)}."
        )
    if real.dtype != imag.dtype:
        dtype = get_array_module(real.data).promote_types(real.dtype, imag.dtype)
        real, imag = cast(real, dtype), cast(imag, dtype)
    return real, imag


class FFTN(Function):
    """The DFT over the last ``ndim`` axes (inverse: with e^(+2πi…) and a 1/N factor) of a
    complex signal given as (real, imag)."""

    def __init__(self, ndim: int, inverse: bool) -> None:
        self.ndim, self.inverse = ndim, inverse

    def forward(self, real, imag):
        xp = get_array_module(real)
        axes = tuple(range(-self.ndim, 0))
        transform = xp.fft.ifftn if self.inverse else xp.fft.fftn
        out = transform(real + 1j * imag, axes=axes)
        return out.real.astype(real.dtype), out.imag.astype(real.dtype)

    def backward(self, g_real, g_imag):
        n = math.prod(self.inputs[0].shape[-self.ndim :])
        gr, gi = FFTN(self.ndim, not self.inverse)(g_real, g_imag)
        scale = 1.0 / n if self.inverse else float(n)
        return gr * scale, gi * scale


def fft(x: Any) -> tuple[Tensor, Tensor]:
    """The 1-d discrete Fourier transform along the last axis: Y_k = Σₙ Xₙ e^(−2πikn/N).

    Args:
        x: ``(real, imag)``, two float tensors of one shape (rank >= 1).

    Returns:
        ``(real, imag)`` of the transform, shaped as the input.

    Example:
        >>> [t.tolist() for t in fft(([1.0, 2.0], [0.0, 1.0]))]
        [[3.0, -1.0], [1.0, -1.0]]
    """
    return FFTN(1, False)(*complex_pair("fft", x, 1))


def fft2(x: Any) -> tuple[Tensor, Tensor]:
    """The 2-d discrete Fourier transform over the last two axes.

    Args:
        x: ``(real, imag)``, two float tensors of one shape (rank >= 2).

    Returns:
        ``(real, imag)`` of the transform, shaped as the input.

    Example:
        >>> [t.tolist() for t in fft2(([[1.0, 2.0], [2.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]))]
        [[[6.0, 0.0], [0.0, -2.0]], [[2.0, 0.0], [0.0, -2.0]]]
    """
    return FFTN(2, False)(*complex_pair("fft2", x, 2))


def ifft2(x: Any) -> tuple[Tensor, Tensor]:
    """The inverse 2-d discrete Fourier transform over the last two axes (with the 1/(M·N)
    factor): x_mn = 1/(MN) Σ Y_kl e^(+2πi(km/M + ln/N)).

    Args:
        x: ``(real, imag)``, two float tensors of one shape (rank >= 2).

    Returns:
        ``(real, imag)`` of the inverse transform, shaped as the input.

    Example:
        >>> [t.tolist() for t in ifft2(([[4.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]))]
        [[[1.0, 1.0], [1.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]]
    """
    return FFTN(2, True)(*complex_pair("ifft2", x, 2))


def _fit_length(x: Tensor, n: int) -> Tensor:
    """Crop or zero-pad the last axis of ``x`` to ``n``."""
    m = x.shape[-1]
    if m > n:
        return x[..., :n]
    if m < n:
        return pad(x, [(0, 0)] * (x.ndim - 1) + [(0, n - m)])
    return x


class RFFT(Function):
    """The DFT of a real signal of length N, keeping the N//2 + 1 non-redundant bins.

    Backward: the bins' gradient, zero-padded to N, through N · ifft; its real part.
    """

    def __init__(self, n: int) -> None:
        self.n = n

    def forward(self, x):
        out = get_array_module(x).fft.rfft(x, n=self.n, axis=-1)
        return out.real.astype(x.dtype), out.imag.astype(x.dtype)

    def backward(self, g_real, g_imag):
        n = self.n
        gr, _ = FFTN(1, True)(_fit_length(g_real, n), _fit_length(g_imag, n))
        return _fit_length(gr * float(n), self.inputs[0].shape[-1])


class IRFFT(Function):
    """The real signal of length N whose N//2 + 1 non-redundant DFT bins are given.

    x_n = 1/N Σ_k c_k Re(Z_k e^(2πikn/N)) with c_k = 2 but for the zero (and, N even, the
    Nyquist) bin, whose imaginary parts are ignored. Backward: rfft of the gradient · c_k / N.
    """

    def __init__(self, n: int) -> None:
        self.n = n

    def forward(self, real, imag):
        out = get_array_module(real).fft.irfft(real + 1j * imag, n=self.n, axis=-1)
        return out.astype(real.dtype)

    def backward(self, gx):
        n, bins = self.n, self.n // 2 + 1
        gr, gi = RFFT(n)(gx)
        xp = get_array_module(gx.data)
        weight = xp.full(bins, 2.0 / n, dtype=gx.dtype)
        weight[0] = 1.0 / n
        if n % 2 == 0:
            weight[-1] = 1.0 / n
        m = self.inputs[0].shape[-1]
        return _fit_length(gr * weight, m), _fit_length(gi * weight, m)


def rfft(x: Any, fft_length: int | None = None) -> tuple[Tensor, Tensor]:
    """The DFT of a real signal along the last axis, its ``fft_length // 2 + 1`` unique bins.

    The signal is cropped or zero-padded to ``fft_length`` (default: its length) first.

    Args:
        x: a real tensor (rank >= 1); integers become ``floatx``.
        fft_length: the number of points of the transform.

    Returns:
        ``(real, imag)``, each of shape ``x.shape[:-1] + (fft_length // 2 + 1,)``.

    Example:
        >>> [t.tolist() for t in rfft([0.0, 1.0, 2.0, 3.0])]
        [[6.0, -2.0, -2.0], [0.0, 2.0, 0.0]]
    """
    x = as_tensor(x)
    if x.ndim < 1:
        raise ValueError(f"rfft: `x` must have rank >= 1, received shape {shape_str(x.shape)}.")
    if x.dtype.kind != "f":
        x = cast(x, floatx())
    n = x.shape[-1] if fft_length is None else _check_length("rfft", fft_length)
    return RFFT(n)(x)


def irfft(x: Any, fft_length: int | None = None) -> Tensor:
    """The inverse of :func:`rfft`: the real signal of ``fft_length`` points whose unique DFT
    bins are given (cropped or zero-padded to ``fft_length // 2 + 1`` bins first).

    Args:
        x: ``(real, imag)`` of the bins (rank >= 1).
        fft_length: the output length; default ``2 · (bins − 1)`` (pass it for odd lengths).

    Returns:
        A real tensor of shape ``x.shape[:-1] + (fft_length,)``.

    Example:
        >>> irfft(([6.0, -2.0, -2.0], [0.0, 2.0, 0.0])).tolist()
        [0.0, 1.0, 2.0, 3.0]
    """
    real, imag = complex_pair("irfft", x, 1)
    n = 2 * (real.shape[-1] - 1) if fft_length is None else _check_length("irfft", fft_length)
    if n < 1:
        raise ValueError(f"irfft: the output length must be positive, received {n}.")
    return IRFFT(n)(real, imag)


def _check_length(fname: str, n: Any) -> int:
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"{fname}: `fft_length` must be a positive integer, received {n!r}.")
    return int(n)


def view_as_complex(x: Any) -> Tensor:
    """A real tensor of shape ``(..., 2)`` as a complex64 tensor ``x[..., 0] + i x[..., 1]``
    (Keras's dtype, whatever the input's precision). Not differentiable.

    Args:
        x: a real tensor whose last axis has size 2.

    Returns:
        A complex64 tensor of shape ``x.shape[:-1]``.

    Example:
        >>> view_as_complex([[1.0, 2.0], [3.0, 4.0]]).tolist()
        [(1+2j), (3+4j)]
    """
    x = as_tensor(x)
    if x.ndim < 1 or x.shape[-1] != 2:
        raise ValueError(
            "view_as_complex: the last axis must have size 2 (real and imaginary parts), "
            f"received shape {shape_str(x.shape)}."
        )
    xp = get_array_module(x.data)
    data = x.data.astype(xp.complex64)
    return Tensor._make(data[..., 0] + 1j * data[..., 1])


def view_as_real(x: Any) -> Tensor:
    """A complex tensor as a real one of shape ``(..., 2)``: its real and imaginary parts.

    Args:
        x: a complex tensor (a real one gets zero imaginary parts).

    Returns:
        float32 for complex64 input, float64 for complex128, shape ``x.shape + (2,)``.

    Example:
        >>> import numpy as np
        >>> view_as_real(np.array([1 + 2j, 3 + 4j])).tolist()
        [[1.0, 2.0], [3.0, 4.0]]
    """
    x = as_tensor(x)
    xp = get_array_module(x.data)
    if x.dtype.kind != "c":
        return stack([x, Tensor._make(xp.zeros_like(x.data))], -1)
    return Tensor._make(xp.stack([x.data.real, x.data.imag], axis=-1))
