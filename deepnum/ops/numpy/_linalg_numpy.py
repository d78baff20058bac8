"""``slogdet``: the sign and log-absolute-determinant (Keras's ``ops.numpy`` member).

The linear-algebra helpers come from ``deepnum.ops.linalg``, which builds on this namespace, so
they are imported when first used.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module

__all__ = ["slogdet"]


class SlogDet(Function):
    """(s, l) with det A = s · eˡ; ∂l/∂A = A⁻ᵀ, and the sign s is piecewise constant."""

    def forward(self, a):
        from deepnum.ops.linalg._base import lapack

        sign, logabs = lapack("slogdet", "", get_array_module(a).linalg.slogdet, a)
        return sign, logabs

    def backward(self, gsign, glogabs):
        from deepnum.ops.linalg._base import expand_last2, matrix_transpose
        from deepnum.ops.linalg._solve import inv

        return expand_last2(glogabs) * matrix_transpose(inv(self.inputs[0]))


def slogdet(x: Any) -> tuple[Tensor, Tensor]:
    """The sign and the natural log of the absolute value of each determinant.

    ``det(A) = sign · exp(logabsdet)``, computed without overflow or underflow.

    Args:
        x: a tensor of shape ``(..., M, M)``.

    Returns:
        ``(sign, logabsdet)``, each of shape ``(...)``; ``sign`` is −1, 0 or 1. The gradient
        of ``logabsdet`` is ``A⁻ᵀ``.

    Example:
        >>> sign, logabsdet = slogdet([[0.0, 2.0], [3.0, 0.0]])
        >>> sign.item(), round(logabsdet.item(), 5)
        (-1.0, 1.79176)
    """
    from deepnum.ops.linalg._base import as_float_tensor, check_matrix

    x = as_float_tensor(x)
    check_matrix(x, "slogdet", square=True)
    return SlogDet()(x)
