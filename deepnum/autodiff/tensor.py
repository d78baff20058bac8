"""The Tensor: an N-d array plus the link to the Function that made it."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from deepnum.backend import floatx, get_array_module, is_array, is_float_dtype, to_numpy


def _to_array(data: Any, dtype: Any = None) -> Any:
    """Convert ``data`` to an ndarray with deepnum's dtype rules.

    NumPy/CuPy arrays keep their dtype (float64 stays float64, as in PyTorch);
    Python scalars and (nested) lists of numbers become ``floatx``; booleans stay bool.
    """
    if isinstance(data, Tensor):
        data = data.data
    if is_array(data):
        return data if dtype is None else data.astype(dtype, copy=False)
    if isinstance(data, np.generic):
        return np.asarray(data, dtype=dtype)
    arr = np.asarray(data)
    if dtype is not None:
        return arr.astype(dtype, copy=False)
    if arr.dtype.kind in "iuf":
        return arr.astype(floatx(), copy=False)
    if arr.dtype == object:
        raise TypeError(
            f"tensor(): cannot build a numeric tensor from {type(data).__name__}; "
            "expected a number, a (nested) list of numbers or an array."
        )
    return arr


def _engine() -> Any:
    """The engine module (imported on first use: it builds on this one)."""
    global _ENGINE
    if _ENGINE is None:
        from deepnum.autodiff import engine

        _ENGINE = engine
    return _ENGINE


_ENGINE: Any = None


class Tensor:
    """An N-dimensional array that can record the operations applied to it.

    Args:
        data: array-like (NumPy or CuPy array, Python scalar, nested list, Tensor).
        dtype: dtype; ``None`` keeps an array's dtype and uses ``floatx`` for Python numbers.
        requires_grad: record operations on this tensor so that ``backward`` reaches it.
        name: optional label (shown in error messages and ``repr``).

    Attributes:
        data: the underlying ``numpy.ndarray`` (or ``cupy.ndarray``).
        grad: the accumulated gradient (a Tensor) after ``backward``, else ``None``.
        creator: the Function that produced this tensor, ``None`` for a leaf.

    Example:
        >>> import deepnum as dn
        >>> x = dn.tensor([3.0, 4.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad.numpy().tolist()
        [6.0, 8.0]
    """

    __slots__ = (
        "data",
        "grad",
        "requires_grad",
        "creator",
        "_index",
        "name",
        "_keras_mask",
        "__weakref__",
    )
    # NumPy must hand binary operators to Tensor (e.g. ``ndarray + Tensor``).
    __array_ufunc__ = None

    def __init__(
        self,
        data: Any,
        dtype: Any = None,
        requires_grad: bool = False,
        name: str | None = None,
    ) -> None:
        self.data = _to_array(data, dtype)
        self.grad: Tensor | None = None
        self.creator = None
        self._index = 0
        self.name = name
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data: Any, creator: Any = None, index: int = 0) -> Tensor:
        """Wrap an array without conversion (the fast path used by Functions)."""
        t = object.__new__(Tensor)
        t.data = data
        t.grad = None
        t.creator = creator
        t._index = index
        t.name = None
        t.requires_grad = creator is not None
        return t

    # ----------------------------------------------------------------- properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def T(self) -> Tensor:  # noqa: N802 - NumPy's name
        return ops.transpose(self)

    @property
    def is_leaf(self) -> bool:
        return self.creator is None

    @property
    def device(self) -> Any:
        """The device holding the data (``device(type='cpu')`` or a CUDA device)."""
        from deepnum.backend.device import device_of

        return device_of(self.data)

    def to(self, device: Any) -> Tensor:
        """A copy on ``device`` (``"cpu"``, ``"cuda"``); differentiable, like PyTorch's."""
        return ops.to_device(self, device)

    def cpu(self) -> Tensor:
        return ops.to_device(self, "cpu")

    @property
    def xp(self) -> Any:
        """The array module (NumPy or CuPy) of this tensor."""
        return get_array_module(self.data)

    # ----------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        """Return the data as a NumPy array (copied from the GPU if needed)."""
        return to_numpy(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # NumPy 2 passes copy=True for np.array(t) and trusts us to copy.
        if copy:
            return np.array(to_numpy(self.data), dtype=dtype, copy=True)
        arr = to_numpy(self.data)
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def item(self) -> Any:
        """Return the value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                "item(): only one-element tensors can be converted, this one has shape "
                f"{self.shape}."
            )
        return self.data.item()

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"The truth value of a tensor of shape {self.shape} is ambiguous; "
                "use .any() or .all()."
            )
        return bool(self.data)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(")
        extra = ""
        if self.dtype != np.dtype(floatx()):
            extra += f", dtype={self.dtype}"
        if self.creator is not None:
            extra += f", grad_fn={type(self.creator).__name__}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__

    # ----------------------------------------------------------------- autodiff
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (floating-point tensors only)."""
        if requires_grad and not is_float_dtype(self.data.dtype):
            raise TypeError(
                f"Only floating-point tensors can require gradients; this tensor has dtype "
                f"{self.dtype}. Convert it first, e.g. x.astype('float32')."
            )
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """Return a tensor that shares the data but is cut from the graph."""
        return Tensor._make(self.data)

    def backward(
        self,
        grad: Any = None,
        retain_graph: bool = False,
        create_graph: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        Args:
            grad: the gradient flowing into this tensor; required unless it has one element.
            retain_graph: keep the graph so that ``backward`` can run again.
            create_graph: record the backward pass itself, for higher-order derivatives (the
                graph is then kept too, since the recorded pass refers back to it).
        """
        _engine().run_backward([self], [grad], retain_graph=retain_graph, create_graph=create_graph)

    def zero_grad(self) -> None:
        self.grad = None

    # ----------------------------------------------------------------- operators
    def __add__(self, other: Any) -> Tensor:
        return ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return ops.subtract(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return ops.subtract(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.multiply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return ops.multiply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops.divide(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.divide(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return ops.power(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return ops.power(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return ops.negative(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return ops.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.getitem(self, index)

    def __floordiv__(self, other: Any) -> Tensor:
        return ops.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return ops.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return ops.mod(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return ops.mod(other, self)

    # Bitwise operators act on integer and boolean tensors (logical for booleans).
    def __and__(self, other: Any) -> Tensor:
        return ops.bitwise_and(self, other)

    def __rand__(self, other: Any) -> Tensor:
        return ops.bitwise_and(other, self)

    def __or__(self, other: Any) -> Tensor:
        return ops.bitwise_or(self, other)

    def __ror__(self, other: Any) -> Tensor:
        return ops.bitwise_or(other, self)

    def __xor__(self, other: Any) -> Tensor:
        return ops.bitwise_xor(self, other)

    def __rxor__(self, other: Any) -> Tensor:
        return ops.bitwise_xor(other, self)

    def __invert__(self) -> Tensor:
        return ops.bitwise_invert(self)

    def __lshift__(self, other: Any) -> Tensor:
        return ops.left_shift(self, other)

    def __rlshift__(self, other: Any) -> Tensor:
        return ops.left_shift(other, self)

    def __rshift__(self, other: Any) -> Tensor:
        return ops.right_shift(self, other)

    def __rrshift__(self, other: Any) -> Tensor:
        return ops.right_shift(other, self)

    # Comparisons give boolean tensors and carry no gradient. Against a non-numeric object
    # (None, a string), == and != defer to Python's identity comparison.
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        try:
            return ops.equal(self, other)
        except TypeError:
            return NotImplemented

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        try:
            return ops.not_equal(self, other)
        except TypeError:
            return NotImplemented

    def __lt__(self, other: Any) -> Tensor:
        return ops.less(self, other)

    def __le__(self, other: Any) -> Tensor:
        return ops.less_equal(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return ops.greater(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return ops.greater_equal(self, other)

    # ----------------------------------------------------------------- methods
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.min(self, axis=axis, keepdims=keepdims)

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """Variance Σ (x − x̄)² / (n − ddof) (NumPy's ``ddof``; ``ops.var`` is ddof=0)."""
        return ops.numpy._statistics.variance(self, axis=axis, keepdims=keepdims, ddof=ddof)

    def std(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """Standard deviation √var with NumPy's ``ddof`` (``ops.std`` is ddof=0)."""
        return ops.numpy._statistics.standard_deviation(
            self, axis=axis, keepdims=keepdims, ddof=ddof
        )

    def prod(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.prod(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return ops.argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return ops.argmin(self, axis=axis, keepdims=keepdims)

    def any(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.any(self, axis=axis, keepdims=keepdims)

    def all(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.all(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.reshape(self, shape)

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return ops.transpose(self, axes or None)

    def flatten(self) -> Tensor:
        return ops.reshape(self, (-1,))

    def squeeze(self, axis: Any = None) -> Tensor:
        return ops.squeeze(self, axis)

    def expand_dims(self, axis: int) -> Tensor:
        return ops.expand_dims(self, axis)

    def astype(self, dtype: Any) -> Tensor:
        return ops.cast(self, dtype)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return ops.clip(self, min, max)

    def exp(self) -> Tensor:
        return ops.exp(self)

    def log(self) -> Tensor:
        return ops.log(self)

    def sqrt(self) -> Tensor:
        return ops.sqrt(self)

    def tanh(self) -> Tensor:
        return ops.tanh(self)

    def sigmoid(self) -> Tensor:
        return ops.sigmoid(self)

    def relu(self) -> Tensor:
        return ops.relu(self)

    def dot(self, other: Any) -> Tensor:
        return ops.dot(self, other)


def as_tensor(value: Any, like: Tensor | None = None) -> Tensor:
    """Return ``value`` as a Tensor; a Python number takes the dtype of ``like`` when given."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, numbers.Number) and not isinstance(value, bool):
        kind = like.data.dtype.kind
        if kind == "f" or (kind in "iu" and isinstance(value, numbers.Integral)):
            xp = get_array_module(like.data)
            return Tensor._make(xp.asarray(value, dtype=like.data.dtype))
    if like is not None and not is_array(value):
        xp = get_array_module(like.data)
        if xp is not np:
            return Tensor._make(xp.asarray(_to_array(value)))
    return Tensor(value)


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Create a Tensor (PyTorch's ``torch.tensor``).

    Args:
        data: number, nested list or array. Arrays keep their dtype; Python numbers use floatx.
        dtype: optional dtype to convert to.
        requires_grad: whether to track gradients for this tensor.

    Returns:
        A new leaf Tensor.

    Example:
        >>> import deepnum as dn
        >>> dn.tensor([[1, 2], [3, 4]]).shape
        (2, 2)
    """
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def shape_str(shape: Sequence[Any]) -> str:
    """Format a shape for error messages, ``None`` standing for an unknown size."""
    return (
        "("
        + ", ".join("None" if s is None else str(s) for s in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )


# Operators delegate to deepnum.ops, which itself builds on Tensor: the import sits at the end
# of this module so that the cycle resolves once both are defined.
from deepnum import ops  # noqa: E402
