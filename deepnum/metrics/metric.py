"""The ``Metric`` base class (Keras 3's ``keras.metrics.Metric``).

A metric accumulates state over batches (``update_state``), reports it (``result``) and starts
over (``reset_state``). Its state lives in non-trainable ``Variable``s, so it can be saved. No
gradient flows through a metric: the maths runs on raw arrays (NumPy or CuPy via ``xp``), and
the small accumulated state stays on the host.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.autodiff.variable import Variable
from deepnum.backend import floatx, get_array_module, to_numpy
from deepnum.losses.loss import to_snake_case


def to_array(x: Any, dtype: Any = None) -> Any:
    """The raw array behind ``x`` (Tensor, array, list or number), optionally cast."""
    if isinstance(x, Tensor):
        x = x.data
    if not hasattr(x, "dtype") or not hasattr(x, "shape"):
        x = np.asarray(x)
    return x if dtype is None else x.astype(dtype, copy=False)


def divide_no_nan(x: Any, y: Any) -> Any:
    """x / y elementwise, 0 where y == 0."""
    xp = get_array_module(x, y)
    x, y = xp.asarray(x), xp.asarray(y)
    safe = xp.where(y == 0, 1, y)
    return xp.where(y == 0, 0, x / safe).astype(xp.result_type(x, y), copy=False)


class Metric:
    """Base class of stateful metrics.

    Subclasses create their state with ``add_variable`` in ``__init__`` and implement
    ``update_state(y_true, y_pred, sample_weight=None)`` and ``result()``.

    Args:
        dtype: the dtype of the state and result (defaults to ``floatx()``).
        name: the metric's name (defaults to the snake-case class name).

    Example:
        >>> import deepnum.metrics as metrics
        >>> class Count(metrics.Metric):
        ...     def __init__(self, name="count", dtype=None):
        ...         super().__init__(name=name, dtype=dtype)
        ...         self.count = self.add_variable((), name="count")
        ...     def update_state(self, values, sample_weight=None):
        ...         self.count.assign_add(len(values))
        ...     def result(self):
        ...         return self.count.value
        >>> c = Count()
        >>> c.update_state([1, 2, 3]); float(c.result())
        3.0
    """

    # "up" or "down": whether a larger value is better (read by callbacks in mode="auto").
    _direction: str | None = None

    def __init__(self, dtype: Any = None, name: str | None = None) -> None:
        self.name = name or to_snake_case(type(self).__name__)
        self._dtype = str(np.dtype(dtype)) if dtype is not None else floatx()
        self._variables: list[Variable] = []
        self._metrics: list[Metric] = []

    @property
    def dtype(self) -> str:
        return self._dtype

    def add_variable(
        self, shape: Any, initializer: Any = "zeros", dtype: Any = None, name: str | None = None
    ) -> Variable:
        """Create a non-trainable state variable (zeros, or a callable/array initializer)."""
        shape = tuple(shape)
        dtype = dtype or self.dtype
        if initializer in ("zeros", None):
            value = np.zeros(shape, dtype=dtype)
        elif callable(initializer):
            value = np.asarray(to_numpy(to_array(initializer(shape, dtype=dtype))), dtype=dtype)
        else:
            value = np.broadcast_to(np.asarray(initializer, dtype=dtype), shape).copy()
        var = Variable(value, dtype=dtype, trainable=False, name=name or "variable")
        var.path = f"{self.name}/{var.name}"
        self._variables.append(var)
        return var

    add_weight = add_variable

    @property
    def variables(self) -> list[Variable]:
        """The state variables of this metric and of the metrics it contains."""
        out = list(self._variables)
        for m in self._metrics:
            out.extend(m.variables)
        return out

    def reset_state(self) -> None:
        """Set every state variable back to zero."""
        for v in self.variables:
            v.assign(np.zeros(v.shape, dtype=v.dtype))

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__}.update_state is not implemented.")

    def result(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__}.result is not implemented.")

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        """Update the state with one batch and return the running result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def _accumulate(self, var: Variable, value: Any) -> None:
        """Add a (device) array to a host state variable."""
        var.assign_add(np.asarray(to_numpy(value), dtype=var.dtype))

    def _result(self, value: Any) -> Tensor:
        return Tensor._make(np.asarray(to_numpy(value), dtype=self.dtype))

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"
