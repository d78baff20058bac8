"""Variable: a Tensor that holds model state (weights, optimizer slots) and is updated in place."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, _to_array, shape_str
from deepnum.backend import floatx


class Variable(Tensor):
    """A named, mutable tensor (Keras's ``keras.Variable``).

    Trainable float variables require grad, so every op that reads them is recorded.
    Updates go through ``assign`` / ``assign_add`` / ``assign_sub``, which write in place
    (the array object stays the same, so views and optimizer buffers stay valid).

    Args:
        initializer: an array-like value, or a callable ``initializer(shape, dtype)``.
        shape: required when ``initializer`` is a callable.
        dtype: defaults to ``floatx()``.
        trainable: whether optimizers update it (and gradients flow to it).
        name: the variable's name, e.g. ``"kernel"``.

    Example:
        >>> import deepnum as dn
        >>> v = dn.Variable([1.0, 2.0], name="w")
        >>> v.assign_sub([0.5, 0.5]).numpy().tolist()
        [0.5, 1.5]
    """

    __slots__ = ("trainable", "path", "constraint", "_layer")

    def __init__(
        self,
        initializer: Any,
        shape: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        name: str | None = None,
    ) -> None:
        if callable(initializer):
            if shape is None:
                raise ValueError(f"Variable {name!r}: a callable initializer needs `shape`.")
            value = initializer(tuple(shape), dtype=dtype or floatx())
        else:
            value = initializer
        data = _to_array(value, dtype)
        super().__init__(data, name=name or "variable")
        self.trainable = bool(trainable)
        self.path = self.name
        self.constraint = None
        self._layer = None
        if self.trainable and data.dtype.kind == "f":
            self.requires_grad = True

    @property
    def value(self) -> Tensor:
        """The current value as a plain tensor (no graph)."""
        return Tensor._make(self.data)

    def assign(self, value: Any) -> Variable:
        """Overwrite the value in place; the shape must match."""
        new = value.data if isinstance(value, Tensor) else value
        new = self.xp.asarray(new, dtype=self.data.dtype)
        if new.shape != self.data.shape and new.size != self.data.size:
            raise ValueError(
                f"Variable {self.path!r}: cannot assign a value of shape {shape_str(new.shape)} "
                f"to a variable of shape {shape_str(self.data.shape)}."
            )
        self.data[...] = new.reshape(self.data.shape)
        return self

    def assign_add(self, value: Any) -> Variable:
        """In-place ``self += value``."""
        self.data += value.data if isinstance(value, Tensor) else value
        return self

    def assign_sub(self, value: Any) -> Variable:
        """In-place ``self -= value``."""
        self.data -= value.data if isinstance(value, Tensor) else value
        return self

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"
