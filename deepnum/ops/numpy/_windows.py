"""Window functions for spectral analysis: bartlett, blackman, hamming, hanning, kaiser.

Each is a handful of values from a closed formula, computed by the array module of the default
device (NumPy or CuPy have them all) and returned there in floatx. With n = 0 … M − 1:

    bartlett  1 − |2n/(M − 1) − 1|
    blackman  0.42 − 0.5 cos(2πn/(M − 1)) + 0.08 cos(4πn/(M − 1))
    hamming   0.54 − 0.46 cos(2πn/(M − 1))
    hanning   0.5 − 0.5 cos(2πn/(M − 1))
    kaiser    I₀(β √(1 − (2n/(M − 1) − 1)²)) / I₀(β)
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import default_device, floatx

__all__ = ["bartlett", "blackman", "hamming", "hanning", "kaiser"]


def _length(x: Any, op: str) -> int:
    value = x.item() if hasattr(x, "item") else x
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{op}: the window length must be an integer, received {value}.")
    return max(int(value), 0)


def _window(name: str, x: Any, *args: Any) -> Tensor:
    xp = default_device().xp
    values = getattr(xp, name)(_length(x, name), *args)
    return Tensor._make(values.astype(floatx(), copy=False))


def bartlett(x: Any) -> Tensor:
    """The Bartlett (triangular) window of length ``x``.

    Example:
        >>> bartlett(5).numpy().tolist()
        [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    return _window("bartlett", x)


def blackman(x: Any) -> Tensor:
    """The Blackman window of length ``x``.

    Example:
        >>> blackman(5).shape, float(blackman(5)[2])
        ((5,), 1.0)
    """
    return _window("blackman", x)


def hamming(x: Any) -> Tensor:
    """The Hamming window of length ``x``.

    Example:
        >>> [round(v, 4) for v in hamming(3).tolist()]
        [0.08, 1.0, 0.08]
    """
    return _window("hamming", x)


def hanning(x: Any) -> Tensor:
    """The Hann window of length ``x``.

    Example:
        >>> hanning(3).numpy().tolist()
        [0.0, 1.0, 0.0]
    """
    return _window("hanning", x)


def kaiser(x: Any, beta: float) -> Tensor:
    """The Kaiser window of length ``x`` and shape ``beta`` (0: rectangular; larger: narrower).

    Example:
        >>> kaiser(3, 0.0).numpy().tolist()
        [1.0, 1.0, 1.0]
    """
    return _window("kaiser", x, float(beta))
