"""Numerical differentiation, as taught: central differences, and gradient checking.

The central difference f'(x) ≈ (f(x + h) − f(x − h)) / 2h has error O(h²), against O(h) for
the one-sided (f(x + h) − f(x)) / h.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deepnum.autodiff.mode import no_grad
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import to_numpy


class GradientCheckError(AssertionError):
    """Raised by :func:`check_grad` when autodiff and numerical derivatives disagree."""


def _scalar(value: Any) -> float:
    arr = to_numpy(value.data if isinstance(value, Tensor) else value)
    if arr.size != 1:
        raise ValueError(f"expected f to return a single value, it returned shape {arr.shape}.")
    return float(arr.reshape(()))


def _array(value: Any) -> np.ndarray:
    """A float64, C-contiguous copy: perturbing ``x.reshape(-1)`` in place must reach ``x``
    (for a transposed array reshape would copy) and must not touch the caller's array."""
    return np.array(
        to_numpy(value.data if isinstance(value, Tensor) else value), dtype=np.float64, order="C"
    )


def _eval(f: Callable, x: np.ndarray) -> Any:
    with no_grad():
        return f(Tensor(x))


def numerical_diff(f: Callable, x: float, h: float = 1e-4) -> float:
    """Central-difference derivative of a scalar function of a scalar.

    f'(x) ≈ (f(x + h) − f(x − h)) / (2h)

    Example:
        >>> round(numerical_diff(lambda x: x ** 2, 3.0), 6)
        6.0
    """
    x = float(_scalar(x))
    return (_scalar(_eval(f, np.float64(x + h))) - _scalar(_eval(f, np.float64(x - h)))) / (2 * h)


def numerical_grad(f: Callable, x: Any, h: float = 1e-4) -> np.ndarray:
    """Gradient of a scalar function of an array: one central difference per element.

    ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h)

    Example:
        >>> numerical_grad(lambda x: (x ** 2).sum(), [3.0, 4.0]).round(6).tolist()
        [6.0, 8.0]
    """
    x = _array(x)
    grad = np.zeros_like(x)
    flat, g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        orig = flat[i]
        flat[i] = orig + h
        fp = _scalar(_eval(f, x))
        flat[i] = orig - h
        fm = _scalar(_eval(f, x))
        flat[i] = orig
        g[i] = (fp - fm) / (2 * h)
    return grad


def numerical_jacobian(f: Callable, x: Any, h: float = 1e-4) -> np.ndarray:
    """Jacobian by central differences, shape ``f(x).shape + x.shape``."""
    x = _array(x)
    y0 = _array(_eval(f, x))
    jac = np.zeros((y0.size, x.size))
    flat = x.reshape(-1)
    for j in range(flat.size):
        orig = flat[j]
        flat[j] = orig + h
        yp = _array(_eval(f, x)).reshape(-1)
        flat[j] = orig - h
        ym = _array(_eval(f, x)).reshape(-1)
        flat[j] = orig
        jac[:, j] = (yp - ym) / (2 * h)
    return jac.reshape(y0.shape + x.shape)


def numerical_hessian(f: Callable, x: Any, h: float = 1e-4) -> np.ndarray:
    """Hessian of a scalar function by the four-point second difference.

    Hᵢⱼ ≈ (f(x+hᵢ+hⱼ) − f(x+hᵢ−hⱼ) − f(x−hᵢ+hⱼ) + f(x−hᵢ−hⱼ)) / (4h²)
    """
    x = _array(x)
    n = x.size
    flat = x.reshape(-1)
    hess = np.zeros((n, n))

    def at(i: int, si: float, j: int, sj: float) -> float:
        oi, oj = flat[i], flat[j]
        flat[i] += si * h
        flat[j] += sj * h
        v = _scalar(_eval(f, x))
        flat[i], flat[j] = oi, oj
        return v

    for i in range(n):
        for j in range(i, n):
            second = at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)
            hess[i, j] = hess[j, i] = second / (4 * h * h)
    return hess.reshape(x.shape + x.shape)


def _relative_error(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """|a − n| / max(1, |a|, |n|): relative for large values, absolute near zero."""
    return np.abs(a - n) / np.maximum(1.0, np.maximum(np.abs(a), np.abs(n)))


def _worst_element(a: np.ndarray, n: np.ndarray) -> tuple[float, str, float, float]:
    """The largest error between autodiff ``a`` and numerical ``n`` (nan counts as inf)."""
    errs = np.nan_to_num(_relative_error(a, n), nan=np.inf)
    idx = np.unravel_index(int(np.argmax(errs)), errs.shape)
    where = f"at index {tuple(int(i) for i in idx)}"
    return float(errs[idx]), where, float(a[idx]), float(n[idx])


def _check_direction(
    f: Callable, x: np.ndarray, a: np.ndarray, h: float, rng: np.random.Generator
) -> tuple[float, str, float, float]:
    """Compare ∇f·v with (f(x + hv) − f(x − hv)) / 2h along a random direction v."""
    v = rng.standard_normal(x.shape)
    num = (_scalar(_eval(f, x + h * v)) - _scalar(_eval(f, x - h * v))) / (2 * h)
    ana = float((a * v).sum())
    err = float(np.nan_to_num(_relative_error(np.array(ana), np.array(num)), nan=np.inf))
    return err, "along a random direction", ana, num


def check_grad(
    f: Callable,
    *inputs: Any,
    rtol: float = 1e-5,
    h: float = 1e-6,
    max_elements: int = 10_000,
    seed: int = 0,
) -> float:
    """Compare autodiff gradients of ``f`` with central differences, in float64.

    A non-scalar output is reduced to ⟨f(x), r⟩ with a fixed random r, so every output element
    is checked. Every input element is perturbed, except for inputs with more than
    ``max_elements`` elements: there a random direction v is checked instead,
    ∇f·v ≈ (f(x + hv) − f(x − hv)) / 2h.

    Args:
        f: a function of Tensors.
        *inputs: the point at which to check (arrays, numbers or Tensors).
        rtol: the largest relative error accepted, |a − n| / max(1, |a|, |n|).

    Returns:
        The largest relative error over all inputs.

    Raises:
        GradientCheckError: naming the input, the worst element and both values.

    Example:
        >>> import deepnum as dn
        >>> dn.check_grad(lambda x: (dn.ops.sin(x) * x).sum(), [0.5, 1.0]) < 1e-5
        True
    """
    from deepnum.autodiff.transforms import grad

    xs = [_array(x) for x in inputs]
    rng = np.random.default_rng(seed)
    with no_grad():
        y0 = _array(f(*[Tensor(x) for x in xs]))
    proj = rng.standard_normal(y0.shape) if y0.size != 1 else None

    def scalar_f(*ts: Tensor) -> Any:
        y = f(*ts)
        return (y * Tensor(proj)).sum() if proj is not None else y

    analytic = grad(scalar_f, argnums=tuple(range(len(xs))))(*xs)
    worst = 0.0
    for k, (x, a) in enumerate(zip(xs, analytic)):
        if x.size == 0:
            continue

        def f_k(t: Tensor, k: int = k) -> Any:
            args = [Tensor(v) for v in xs]
            args[k] = t
            return scalar_f(*args)

        if x.size > max_elements:
            err, where, ana, num = _check_direction(f_k, x, _array(a), h, rng)
        else:
            err, where, ana, num = _worst_element(_array(a), numerical_grad(f_k, x, h=h))
        worst = max(worst, err)
        if err > rtol:
            raise GradientCheckError(
                f"check_grad: gradient of input {k} (shape {x.shape}) is wrong {where}: "
                f"autodiff gives {ana!r}, central differences give {num!r} "
                f"(relative error {err:.3g} > rtol={rtol:g})."
            )
    return worst
