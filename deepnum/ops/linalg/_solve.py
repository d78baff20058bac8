"""Inverses and linear solves: inv, solve, solve_triangular, cholesky_inverse.

Each is differentiable to any order: ``inv`` and ``solve`` are Functions whose backward is
made of ``inv``/``solve`` and ``matmul``; the triangular solve and the Cholesky inverse are
composites of them, so their gradients come with them.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.linalg._base import (
    as_float_tensor,
    broadcast_batch,
    check_matrix,
    eye_like,
    lapack,
    matrix_transpose,
    promote,
    tril,
    triu,
)
from deepnum.ops.numpy import expand_dims, matmul, squeeze
from deepnum.ops.numpy._broadcast import sum_to

__all__ = ["cholesky_inverse", "inv", "solve", "solve_triangular"]

_SINGULAR = "The matrix is singular (or numerically so); check its rank, or use pinv or lstsq."


class Inverse(Function):
    """Y = A⁻¹; ∂L/∂A = −Yᵀ (∂L/∂Y) Yᵀ."""

    save_outputs = True

    def forward(self, a):
        return lapack("inv", _SINGULAR, get_array_module(a).linalg.inv, a)

    def backward(self, gy):
        yt = matrix_transpose(self.outputs[0])
        return -matmul(matmul(yt, gy), yt)


class Solve(Function):
    """X = A⁻¹B for matrices B, batch axes broadcast.

    ∂L/∂B = A⁻ᵀ (∂L/∂X) and ∂L/∂A = −(∂L/∂B) Xᵀ, each summed back over broadcast axes.
    """

    save_outputs = True

    def forward(self, a, b):
        xp = get_array_module(a, b)
        batch = broadcast_batch("solve", a.shape[:-2], b.shape[:-2])
        a = xp.broadcast_to(a, batch + a.shape[-2:])
        b = xp.broadcast_to(b, batch + b.shape[-2:])
        return lapack("solve", _SINGULAR, xp.linalg.solve, a, b)

    def backward(self, gx):
        a, b = self.inputs
        gb = Solve()(matrix_transpose(a), gx)
        ga = None
        if self.needs_input_grad[0]:
            ga = sum_to(-matmul(gb, matrix_transpose(self.outputs[0])), a.shape)
        return ga, sum_to(gb, b.shape) if self.needs_input_grad[1] else None


def inv(x: Any) -> Tensor:
    """The inverse of each square matrix, ``A⁻¹`` with ``A A⁻¹ = I``.

    Args:
        x: a tensor of shape ``(..., M, M)``; integers are converted to ``floatx``.

    Returns:
        A tensor of shape ``(..., M, M)``. Its gradient is ``−A⁻ᵀ G A⁻ᵀ``.

    Example:
        >>> inv([[2.0, 0.0], [0.0, 4.0]]).numpy().tolist()
        [[0.5, 0.0], [0.0, 0.25]]
    """
    x = as_float_tensor(x)
    check_matrix(x, "inv", square=True)
    return Inverse()(x)


def solve(a: Any, b: Any) -> Tensor:
    """Solve ``a @ x = b`` for ``x``.

    ``b`` is a batch of vectors when it is 1-d or has shape ``a.shape[:-1]``, else a batch of
    matrices ``(..., M, K)``; batch axes broadcast (PyTorch's ``linalg.solve`` rules).

    Args:
        a: coefficient matrices, shape ``(..., M, M)``.
        b: right-hand sides, ``(..., M)`` or ``(..., M, K)``.

    Returns:
        ``x = a⁻¹ b``, shaped as ``b`` (with the broadcast batch axes).

    Example:
        >>> solve([[2.0, 0.0], [0.0, 4.0]], [2.0, 2.0]).numpy().tolist()
        [1.0, 0.5]
    """
    a, b = promote("solve", a, b)
    check_matrix(a, "solve", square=True, arg="a")
    if b.ndim < 1:
        raise ValueError(f"solve: `b` must have rank >= 1, received shape {shape_str(b.shape)}.")
    if b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1]):
        _check_rows("solve", a, b.shape[-1], b.shape)
        return squeeze(Solve()(a, expand_dims(b, -1)), -1)
    _check_rows("solve", a, b.shape[-2], b.shape)
    return Solve()(a, b)


def solve_triangular(a: Any, b: Any, lower: bool = False) -> Tensor:
    """Solve ``a @ x = b`` where ``a`` is triangular; only its lower (``lower=True``) or upper
    triangle is read.

    ``b`` is a batch of vectors when ``b.ndim == a.ndim - 1`` (Keras's rule), else matrices.
    The triangle is solved through the general solver, so the gradient with respect to ``a`` is
    the solve's gradient restricted to that triangle.

    Args:
        a: triangular matrices, shape ``(..., M, M)``.
        b: right-hand sides, ``(..., M)`` or ``(..., M, K)``.
        lower: use the lower triangle of ``a`` (default: the upper one).

    Returns:
        ``x``, shaped as ``b``.

    Example:
        >>> solve_triangular([[2.0, 9.0], [1.0, 4.0]], [2.0, 5.0], lower=True).numpy().tolist()
        [1.0, 1.0]
    """
    a, b = promote("solve_triangular", a, b)
    check_matrix(a, "solve_triangular", square=True, arg="a")
    if b.ndim < 1:
        raise ValueError(
            f"solve_triangular: `b` must have rank >= 1, received shape {shape_str(b.shape)}."
        )
    t = tril(a) if lower else triu(a)
    if b.ndim == a.ndim - 1:
        _check_rows("solve_triangular", a, b.shape[-1], b.shape)
        return squeeze(Solve()(t, expand_dims(b, -1)), -1)
    _check_rows("solve_triangular", a, b.shape[-2], b.shape)
    return Solve()(t, b)


def _check_rows(fname: str, a: Tensor, rows: int, b_shape: tuple[int, ...]) -> None:
    if rows != a.shape[-1]:
        raise ValueError(
            f"{fname}: `a` of shape {shape_str(a.shape)} needs {a.shape[-1]} rows in `b`, "
            f"received `b` of shape {shape_str(b_shape)}."
        )


def cholesky_inverse(x: Any, upper: bool = False) -> Tensor:
    """The inverse of ``A = L Lᵀ`` (or ``Uᵀ U`` with ``upper=True``) from its Cholesky factor.

    Only the lower (upper) triangle of ``x`` is read: ``A⁻¹ = L⁻ᵀ L⁻¹`` (``U⁻¹ U⁻ᵀ``).

    Args:
        x: Cholesky factors, shape ``(..., M, M)``.
        upper: ``x`` holds the upper factor ``U`` instead of the lower one.

    Returns:
        ``A⁻¹``, shape ``(..., M, M)``.

    Example:
        >>> cholesky_inverse([[2.0, 0.0], [1.0, 1.0]]).numpy().tolist()
        [[0.5, -0.5], [-0.5, 1.0]]
    """
    x = as_float_tensor(x)
    check_matrix(x, "cholesky_inverse", square=True)
    eye = eye_like(x, x.shape[-1])
    if upper:
        u_inv = Solve()(triu(x), eye)
        return matmul(u_inv, matrix_transpose(u_inv))
    l_inv = Solve()(tril(x), eye)
    return matmul(matrix_transpose(l_inv), l_inv)
