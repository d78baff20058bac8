"""Elementwise mathematical functions, each with its derivative written in deepnum ops."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import get_array_module
from deepnum.ops.numpy._arithmetic import _Binary, _binary, _pair
from deepnum.ops.numpy._broadcast import sum_to

__all__ = [
    "abs",
    "absolute",
    "arctan",
    "clip",
    "cos",
    "cosh",
    "exp",
    "log",
    "log1p",
    "maximum",
    "minimum",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "tan",
    "tanh",
    "where",
]


class Exp(Function):
    """y = eˣ, dy/dx = y."""

    save_outputs = True

    def forward(self, x):
        return get_array_module(x).exp(x)

    def backward(self, gy):
        return gy * self.outputs[0]


class Log(Function):
    """y = ln x, dy/dx = 1/x."""

    def forward(self, x):
        return get_array_module(x).log(x)

    def backward(self, gy):
        return gy / self.inputs[0]


class Log1p(Function):
    """y = ln(1 + x), dy/dx = 1/(1 + x)."""

    def forward(self, x):
        return get_array_module(x).log1p(x)

    def backward(self, gy):
        return gy / (1 + self.inputs[0])


class Sqrt(Function):
    """y = √x, dy/dx = 1/(2y)."""

    save_outputs = True

    def forward(self, x):
        return get_array_module(x).sqrt(x)

    def backward(self, gy):
        return gy / (2 * self.outputs[0])


class Abs(Function):
    """y = |x|, dy/dx = sign(x) (0 at 0, as in PyTorch)."""

    def forward(self, x):
        return get_array_module(x).abs(x)

    def backward(self, gy):
        return gy * sign(self.inputs[0])


class Sin(Function):
    def forward(self, x):
        return get_array_module(x).sin(x)

    def backward(self, gy):
        return gy * cos(self.inputs[0])


class Cos(Function):
    def forward(self, x):
        return get_array_module(x).cos(x)

    def backward(self, gy):
        return -gy * sin(self.inputs[0])


class Tan(Function):
    """dy/dx = 1 + tan²x."""

    save_outputs = True

    def forward(self, x):
        return get_array_module(x).tan(x)

    def backward(self, gy):
        y = self.outputs[0]
        return gy * (1 + y * y)


class Tanh(Function):
    """dy/dx = 1 − tanh²x."""

    save_outputs = True

    def forward(self, x):
        return get_array_module(x).tanh(x)

    def backward(self, gy):
        y = self.outputs[0]
        return gy * (1 - y * y)


class Sinh(Function):
    def forward(self, x):
        return get_array_module(x).sinh(x)

    def backward(self, gy):
        return gy * cosh(self.inputs[0])


class Cosh(Function):
    def forward(self, x):
        return get_array_module(x).cosh(x)

    def backward(self, gy):
        return gy * sinh(self.inputs[0])


class Arctan(Function):
    """dy/dx = 1/(1 + x²)."""

    def forward(self, x):
        return get_array_module(x).arctan(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy / (1 + x * x)


class _Select(_Binary):
    """maximum/minimum: the gradient goes to the selected input; ties split it half-half."""

    def backward(self, gy):
        x, y = self.inputs
        xp = get_array_module(x.data)
        picked = self.pick(x.data, y.data)
        tie = x.data == y.data
        wx = xp.where(tie, 0.5, picked).astype(gy.dtype)
        gx = sum_to(gy * wx, x.shape) if self.needs_input_grad[0] else None
        gy2 = sum_to(gy * (1 - wx), y.shape) if self.needs_input_grad[1] else None
        return gx, gy2


class Maximum(_Select):
    op_name = "maximum"

    def forward(self, x, y):
        return get_array_module(x).maximum(x, y)

    @staticmethod
    def pick(x, y):
        return x > y


class Minimum(_Select):
    op_name = "minimum"

    def forward(self, x, y):
        return get_array_module(x).minimum(x, y)

    @staticmethod
    def pick(x, y):
        return x < y


class Clip(Function):
    """Clamp to [lo, hi]; the gradient passes where lo ≤ x ≤ hi (PyTorch's convention)."""

    def __init__(self, lo: Any, hi: Any) -> None:
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return get_array_module(x).clip(x, self.lo, self.hi)

    def backward(self, gy):
        x = self.inputs[0].data
        mask = x == x  # all True, NaN excluded
        if self.lo is not None:
            mask = mask & (x >= self.lo)
        if self.hi is not None:
            mask = mask & (x <= self.hi)
        return gy * mask.astype(gy.dtype)


class Where(Function):
    """where(condition, x, y): condition is a constant; the gradient is routed by it."""

    def __init__(self, condition: Any) -> None:
        self.condition = condition

    def forward(self, x, y):
        return get_array_module(x).where(self.condition, x, y)

    def backward(self, gy):
        x, y = self.inputs
        zero = gy.data.dtype.type(0)
        gx = sum_to(where(self.condition, gy, zero), x.shape) if self.needs_input_grad[0] else None
        gy2 = sum_to(where(self.condition, zero, gy), y.shape) if self.needs_input_grad[1] else None
        return gx, gy2


class Cast(Function):
    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, gy):
        return cast(gy, self.inputs[0].dtype)


def exp(x: Any) -> Tensor:
    """Elementwise eˣ."""
    return Exp()(x)


def log(x: Any) -> Tensor:
    """Elementwise natural logarithm."""
    return Log()(x)


def log1p(x: Any) -> Tensor:
    """Elementwise ln(1 + x), accurate for small x."""
    return Log1p()(x)


def sqrt(x: Any) -> Tensor:
    """Elementwise square root."""
    return Sqrt()(x)


def abs(x: Any) -> Tensor:  # noqa: A001 - NumPy's name
    """Elementwise absolute value."""
    return Abs()(x)


absolute = abs


def sign(x: Any) -> Tensor:
    """Elementwise sign (-1, 0, 1); a constant for differentiation."""
    x = as_tensor(x)
    return Tensor._make(get_array_module(x.data).sign(x.data))


def sin(x: Any) -> Tensor:
    return Sin()(x)


def cos(x: Any) -> Tensor:
    return Cos()(x)


def tan(x: Any) -> Tensor:
    return Tan()(x)


def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent, (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)."""
    return Tanh()(x)


def sinh(x: Any) -> Tensor:
    return Sinh()(x)


def cosh(x: Any) -> Tensor:
    return Cosh()(x)


def arctan(x: Any) -> Tensor:
    return Arctan()(x)


def maximum(x: Any, y: Any) -> Tensor:
    """Elementwise maximum with broadcasting (ties split the gradient equally)."""
    return _binary(Maximum, x, y)


def minimum(x: Any, y: Any) -> Tensor:
    """Elementwise minimum with broadcasting (ties split the gradient equally)."""
    return _binary(Minimum, x, y)


def clip(x: Any, x_min: Any = None, x_max: Any = None) -> Tensor:
    """Clamp every element to ``[x_min, x_max]`` (either bound may be ``None``)."""
    if x_min is None and x_max is None:
        raise ValueError("clip: at least one of x_min and x_max must be given.")
    return Clip(_raw(x_min), _raw(x_max))(as_tensor(x))


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """Pick ``x`` where ``condition`` is true, else ``y`` (with broadcasting)."""
    cond = _raw(condition)
    x, y = _pair(x, y)
    cond = get_array_module(x.data, y.data).asarray(cond, dtype=bool)
    return Where(cond)(x, y)


def cast(x: Any, dtype: Any) -> Tensor:
    """Convert to ``dtype``; the gradient is cast back to the input's dtype."""
    x = as_tensor(x)
    if x.dtype == dtype:
        return x
    if get_array_module(x.data).dtype(dtype).kind != "f":
        return Tensor._make(x.data.astype(dtype))
    return Cast(dtype)(x)


def stop_gradient(x: Any) -> Tensor:
    """Return ``x`` cut from the graph: its gradient is zero."""
    return as_tensor(x).detach()


def _raw(v: Any) -> Any:
    return v.data if isinstance(v, Tensor) else v
