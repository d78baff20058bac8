"""Special functions: the error function family (erf, erfc, erfinv) and rsqrt.

Integer and boolean inputs become ``floatx``, as on Keras's PyTorch backend. The forwards run
in float64 and are cast back, so float32 results are correctly rounded.
"""

from __future__ import annotations

import math
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import floatx, get_array_module
from deepnum.ops.core import cast
from deepnum.ops.numpy import exp

__all__ = ["erf", "erfc", "erfinv", "rsqrt"]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0
_SERIES_LIMIT = 1.5  # below it the Maclaurin series, above it the continued fraction


def _erf_parts(ax: Any) -> tuple[Any, Any, Any]:
    """For ``ax = |x|`` in float64: (ax < 1.5, erf by its series there, erfc by its continued
    fraction elsewhere); each is accurate to ~1e-15 (relative) on its side.

    erf a = 2/√π Σ (−1)ⁿ a²ⁿ⁺¹ / (n!(2n+1));
    erfc a = e^(−a²)/√π · 1/(a + ½/(a + 1/(a + 3/2/(a + …)))).
    """
    xp = get_array_module(ax)
    small = ax < _SERIES_LIMIT
    xs = xp.where(small, ax, 0.0)
    term, total, x2 = xs.copy(), xs.copy(), xs * xs
    for n in range(1, 60):
        term = term * (-x2) / n
        total = total + term / (2 * n + 1)
    series = _TWO_OVER_SQRT_PI * total
    xl = xp.where(small, _SERIES_LIMIT, ax)
    frac = xl.copy()
    for k in range(80, 0, -1):
        frac = xl + (k / 2.0) / frac
    tail = xp.exp(-xl * xl) / (math.sqrt(math.pi) * frac)
    return small, series, tail


def _compiled_special(x: Any) -> Any:
    """SciPy's special functions for NumPy arrays (CuPy's for CuPy arrays) when installed:
    one compiled pass (Cephes' rational approximations, ~1e-16) instead of the ~140 array
    passes of ``_erf_parts``, which stays the fallback."""
    xp = get_array_module(x)
    try:
        if xp.__name__ == "cupy":
            import cupyx.scipy.special as special
        else:
            import scipy.special as special
    except ImportError:
        return None
    return special


def _erf_array(x: Any) -> Any:
    xp = get_array_module(x)
    special = _compiled_special(x)
    if special is not None:
        return special.erf(x.astype(xp.float64))
    small, series, tail = _erf_parts(xp.abs(x).astype(xp.float64))
    return xp.sign(x) * xp.where(small, series, 1.0 - tail)


def _erfc_array(x: Any) -> Any:
    """erfc x = 1 − erf x, without the cancellation for large x (relative accuracy)."""
    xp = get_array_module(x)
    special = _compiled_special(x)
    if special is not None:
        return special.erfc(x.astype(xp.float64))
    small, series, tail = _erf_parts(xp.abs(x).astype(xp.float64))
    positive = xp.where(small, 1.0 - series, tail)  # erfc |x|
    return xp.where(x >= 0, positive, 2.0 - positive)


def _erfinv_guess(a: Any) -> Any:
    """M. Giles' single-precision approximation of erfinv on 0 ≤ a < 1 (relative error ~1e-7)."""
    xp = get_array_module(a)
    w = -xp.log((1.0 - a) * (1.0 + a))
    central = w - 2.5
    p = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):  # fmt: skip
        p = c + p * central
    tail = xp.sqrt(w) - 3.0
    q = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):  # fmt: skip
        q = c + q * tail
    return xp.where(w < 5.0, p, q) * a


def _erfinv_array(y: Any) -> Any:
    """erfinv by Giles' guess refined by Newton steps, ±1 mapping to ±inf and |y| > 1 to nan.

    For a = |y| ≤ ½ the steps solve erf(x) = a (Halley's, cubic); for a > ½ they solve
    log erfc(x) = log(1 − a), which is nearly quadratic in the tail and exact to working
    precision there (1 − a is exact for a ≥ ½).
    """
    xp = get_array_module(y)
    a = xp.abs(y).astype(xp.float64)
    inside = a < 1.0
    a_in = xp.where(inside, a, 0.0)
    tail = a_in > 0.5
    log_c = xp.log(1.0 - a_in)
    x = _erfinv_guess(a_in)
    for _ in range(4):
        slope = _TWO_OVER_SQRT_PI * xp.exp(-x * x)
        c = _erfc_array(x)
        step_tail = (xp.log(c) - log_c) * c / slope
        step = (_erf_array(x) - a_in) / slope
        x = xp.where(tail, x + step_tail, x - step / (1.0 + x * step))
    out = xp.where(inside, x, xp.where(a == 1.0, xp.inf, xp.nan))
    return xp.sign(y) * out


class Erf(Function):
    """erf(x) = 2/√π ∫₀ˣ e^(−t²) dt; d/dx erf(x) = 2/√π · e^(−x²)."""

    def forward(self, x):
        return _erf_array(x).astype(x.dtype)

    def backward(self, gy):
        x = self.inputs[0]
        return gy * (_TWO_OVER_SQRT_PI * exp(-(x * x)))


class Erfc(Function):
    """erfc(x) = 1 − erf(x); d/dx erfc(x) = −2/√π · e^(−x²)."""

    def forward(self, x):
        return _erfc_array(x).astype(x.dtype)

    def backward(self, gy):
        x = self.inputs[0]
        return gy * (-_TWO_OVER_SQRT_PI * exp(-(x * x)))


class Erfinv(Function):
    """y = erfinv(x), the inverse of erf on (−1, 1); dy/dx = √π/2 · e^(y²)."""

    save_outputs = True

    def forward(self, x):
        return _erfinv_array(x).astype(x.dtype)

    def backward(self, gy):
        y = self.outputs[0]
        return gy * (_SQRT_PI_OVER_TWO * exp(y * y))


class Rsqrt(Function):
    """y = 1/√x; dy/dx = −½ x^(−3/2) = −½ y³."""

    save_outputs = True

    def forward(self, x):
        return 1 / get_array_module(x).sqrt(x)

    def backward(self, gy):
        y = self.outputs[0]
        return gy * (-0.5 * y * y * y)


def _float(x: Any) -> Tensor:
    x = as_tensor(x)
    return x if x.dtype.kind == "f" else cast(x, floatx())


def erf(x: Any) -> Tensor:
    """The error function, elementwise: erf(x) = 2/√π ∫₀ˣ e^(−t²) dt.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s floating dtype (``floatx`` for integers).

    Example:
        >>> round(erf(0.5).item(), 6)
        0.5205
    """
    return Erf()(_float(x))


def erfc(x: Any) -> Tensor:
    """The complementary error function, elementwise: erfc(x) = 1 − erf(x), computed without
    cancellation (accurate relative to its value for large x).

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s floating dtype (``floatx`` for integers).

    Example:
        >>> f"{erfc(5.0).item():.4e}"
        '1.5375e-12'
    """
    return Erfc()(_float(x))


def erfinv(x: Any) -> Tensor:
    """The inverse error function, elementwise: erf(erfinv(x)) = x on (−1, 1); ±1 give ±inf
    and values outside [−1, 1] give nan.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s floating dtype (``floatx`` for integers).

    Example:
        >>> round(erfinv(0.5).item(), 6)
        0.476936
    """
    return Erfinv()(_float(x))


def rsqrt(x: Any) -> Tensor:
    """The reciprocal square root, elementwise: 1/√x.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s floating dtype (``floatx`` for integers).

    Example:
        >>> rsqrt([1.0, 4.0, 100.0]).tolist()
        [1.0, 0.5, 0.10000000149011612]
    """
    return Rsqrt()(_float(x))
