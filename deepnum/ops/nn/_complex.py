"""``polar`` of ``keras.ops.nn``: a complex tensor from magnitudes and angles.

Gradients follow PyTorch's convention for complex outputs (the upstream gradient g of a
complex z = a + ib carries ∂L/∂a in its real part and ∂L/∂b in its imaginary part), so
z = r·cos θ + i·r·sin θ gives ∂L/∂r = Re g·cos θ + Im g·sin θ and
∂L/∂θ = r·(Im g·cos θ − Re g·sin θ). The three Functions below (complex from parts, real part,
imaginary part) are each other's adjoints, so the backward is differentiable again.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.ops.nn._inputs import float_tensor
from deepnum.ops.numpy import cos, sin

__all__ = ["polar"]


class Complex(Function):
    """z = a + ib from real parts a and b; backward (Re g, Im g)."""

    def forward(self, a, b):
        z = a + 1j * b
        return z.astype(_complex_of(a.dtype), copy=False)

    def backward(self, gz):
        return Real()(gz), Imag()(gz)


class Real(Function):
    """Re z; backward g + 0i."""

    def forward(self, z):
        return z.real.copy()

    def backward(self, g):
        return Complex()(g, g * 0)


class Imag(Function):
    """Im z; backward 0 + ig."""

    def forward(self, z):
        return z.imag.copy()

    def backward(self, g):
        return Complex()(g * 0, g)


def _complex_of(dtype: Any) -> str:
    return "complex128" if dtype.itemsize == 8 else "complex64"


def polar(abs_: Any, angle: Any) -> Tensor:
    """The complex number with magnitude ``abs_`` and angle ``angle``:
    abs_·cos(angle) + i·abs_·sin(angle) (``torch.polar``).

    Args:
        abs_: magnitudes.
        angle: angles in radians, broadcastable with ``abs_``.

    Returns:
        A complex64 tensor (complex128 for float64 inputs).

    Example:
        >>> import numpy as np
        >>> z = complex(polar(2.0, np.pi / 2).numpy())
        >>> round(z.real, 6) + 0.0, round(z.imag, 6)
        (0.0, 2.0)
    """
    r = float_tensor(abs_)
    theta = as_tensor(angle, like=r)
    theta = theta if theta.dtype.kind == "f" else theta.astype(r.dtype)
    if r.dtype != theta.dtype:
        wide = r.dtype if r.dtype.itemsize >= theta.dtype.itemsize else theta.dtype
        r, theta = r.astype(wide), theta.astype(wide)
    try:
        return Complex()(r * cos(theta), r * sin(theta))
    except ValueError:
        raise ValueError(
            f"polar: `abs_` of shape {shape_str(r.shape)} and `angle` of shape "
            f"{shape_str(theta.shape)} cannot be broadcast together."
        ) from None
