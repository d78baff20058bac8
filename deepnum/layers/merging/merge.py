"""Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot and
their functional forms (``add([a, b])`` …), with Keras 3's shape rules."""

from __future__ import annotations

import numbers
from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import epsilon
from deepnum.layers.layer import Layer


def _shown(shape: Any) -> str:
    return shape_str((None,) + tuple(shape[1:])) if shape else "()"


class Merge(Layer):
    """Base of the elementwise merges: a list of tensors of shapes that broadcast after the
    batch axis (a lower-rank input gets size-1 axes right after the batch axis, as in Keras)."""

    _exact_inputs: int | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        shapes = self._shapes(input_shape)
        self.compute_output_shape(shapes)
        self.built = True

    def _shapes(self, input_shape: Any) -> list[tuple]:
        name = type(self).__name__
        if (
            not isinstance(input_shape, (list, tuple))
            or not input_shape
            or not all(isinstance(s, (list, tuple)) for s in input_shape)
        ):
            raise ValueError(
                f"A {name} layer must be called on a list of tensors, e.g. {name}()([a, b]); "
                f"received input shape {input_shape}."
            )
        if self._exact_inputs is not None and len(input_shape) != self._exact_inputs:
            raise ValueError(
                f"A {name} layer must be called on exactly {self._exact_inputs} inputs, "
                f"received {len(input_shape)}: {[_shown(s) for s in input_shape]}."
            )
        return [tuple(s) for s in input_shape]

    def call(self, inputs: list[Tensor]) -> Tensor:
        rank = max(x.ndim for x in inputs)
        inputs = [
            ops.reshape(x, x.shape[:1] + (1,) * (rank - x.ndim) + x.shape[1:])
            if x.ndim < rank
            else x
            for x in inputs
        ]
        return self._merge(inputs)

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        raise NotImplementedError

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = self._shapes(input_shape)
        batches = {s[0] for s in shapes if s} - {None}
        if len(batches) > 1:
            raise ValueError(
                f"{type(self).__name__}: cannot merge tensors with different batch sizes, "
                f"received shapes {[tuple(s) for s in shapes]}."
            )
        out = shapes[0][1:]
        for shape in shapes[1:]:
            out = _broadcast(type(self).__name__, out, shape[1:], shapes[0], shape)
        return (batches.pop() if batches else None,) + out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None or not isinstance(mask, (list, tuple)) or any(m is None for m in mask):
            return None
        out = _raw(mask[0])
        for m in mask[1:]:
            out = out | _raw(m)
        return Tensor._make(out)


def _broadcast(name: str, a: tuple, b: tuple, shape_a: tuple, shape_b: tuple) -> tuple:
    """Shape of an elementwise op on per-sample shapes ``a`` and ``b``, aligned on the right."""
    if len(a) < len(b):
        a, b = b, a
    out = list(a[: len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b) :], b):
        if i is None or j is None:
            out.append(None if i != 1 and j != 1 else (j if i == 1 else i))
        elif i == 1 or j == 1 or i == j:
            out.append(j if i == 1 else i)
        else:
            raise ValueError(
                f"{name}: inputs have incompatible shapes {_shown(shape_a)} and {_shown(shape_b)}; "
                "elementwise merging needs equal sizes (or 1) on every axis after the batch axis."
            )
    return tuple(out)


def _raw(mask: Any) -> Any:
    return mask.data if isinstance(mask, Tensor) else mask


class Add(Merge):
    """Elementwise sum of a list of tensors: y = x₁ + x₂ + … + xₙ.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.Add()([np.ones((1, 2), "float32"), np.ones((1, 2), "float32")]).numpy()
        array([[2., 2.]], dtype=float32)
    """

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


class Subtract(Merge):
    """Elementwise difference of exactly two tensors: y = x₁ − x₂."""

    _exact_inputs = 2

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        return inputs[0] - inputs[1]


class Multiply(Merge):
    """Elementwise product of a list of tensors: y = x₁ ⊙ x₂ ⊙ … ⊙ xₙ."""

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        out = inputs[0]
        for x in inputs[1:]:
            out = out * x
        return out


class Average(Merge):
    """Elementwise mean of a list of tensors: y = (x₁ + … + xₙ) / n."""

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out / len(inputs)


class Maximum(Merge):
    """Elementwise maximum of a list of tensors (ties share the gradient equally)."""

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.maximum(out, x)
        return out


class Minimum(Merge):
    """Elementwise minimum of a list of tensors (ties share the gradient equally)."""

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.minimum(out, x)
        return out


class Concatenate(Merge):
    """Join a list of tensors along ``axis``; every other axis must match.

    Args:
        axis: the axis to concatenate on (default the last, the features).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> a, b = np.zeros((2, 3), "float32"), np.zeros((2, 5), "float32")
        >>> dn.layers.Concatenate()([a, b]).shape
        (2, 8)
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
            raise ValueError(
                f"Concatenate: argument `axis` must be an integer, received axis={axis!r}."
            )
        self.axis = int(axis)

    def call(self, inputs: list[Tensor]) -> Tensor:
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = self._shapes(input_shape)
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes) or not -rank <= self.axis < rank:
            raise ValueError(
                f"Concatenate(axis={self.axis}): inputs must have the same rank, which must "
                f"include axis {self.axis}; received shapes {[_shown(s) for s in shapes]}."
            )
        axis = self.axis % rank
        out = list(shapes[0])
        for shape in shapes[1:]:
            for i in range(rank):
                if i == axis:
                    out[i] = None if out[i] is None or shape[i] is None else out[i] + shape[i]
                elif out[i] is None:
                    out[i] = shape[i]
                elif shape[i] is not None and shape[i] != out[i] and i != 0:
                    raise ValueError(
                        f"Concatenate(axis={self.axis}): inputs of shapes {_shown(shapes[0])} "
                        f"and {_shown(shape)} must match on every axis except axis {self.axis} "
                        f"(they differ on axis {i})."
                    )
        return tuple(out)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None or not isinstance(mask, (list, tuple)) or all(m is None for m in mask):
            return None
        parts = []
        for x, m in zip(inputs, mask):
            xp = x.xp
            if m is None:
                parts.append(xp.ones(x.shape, dtype=bool))
            else:
                m = _raw(m)
                parts.append(xp.broadcast_to(m[..., None], x.shape) if m.ndim < x.ndim else m)
        return Tensor._make(xp.concatenate(parts, axis=self.axis).any(axis=-1))

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class Dot(Merge):
    """Batched dot product of two tensors over one axis of each.

    For x of shape ``(batch, …)`` and y of shape ``(batch, …)`` and ``axes=(a, b)``, each
    sample's output is ``tensordot(x[i], y[i], (a − 1, b − 1))``: the shape is x's without the
    batch axis and axis a, followed by y's without its batch axis and axis b (``(batch, 1)``
    when nothing is left). With ``normalize=True`` both inputs are L2-normalized along the
    summed axes first, so the output is the cosine similarity.

    Args:
        axes: an int (the same axis in both) or a pair ``(a, b)``; the batch axis 0 is not
            allowed.
        normalize: L2-normalize before the product (x / max(‖x‖, ε)).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> x, y = np.ones((2, 3), "float32"), np.ones((2, 3), "float32")
        >>> dn.layers.Dot(axes=1)([x, y]).numpy().tolist()
        [[3.0], [3.0]]
    """

    _exact_inputs = 2

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        pair = axes if isinstance(axes, (list, tuple)) else None
        ok = (isinstance(axes, numbers.Integral) and not isinstance(axes, bool)) or (
            pair is not None
            and len(pair) == 2
            and all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in pair)
        )
        if not ok:
            raise ValueError(
                f"Dot: argument `axes` must be an integer or a pair of integers, received "
                f"axes={axes!r}."
            )
        self.axes = int(axes) if pair is None else [int(a) for a in pair]
        self.normalize = bool(normalize)
        self.supports_masking = True

    def _resolved_axes(self, shapes: list[tuple]) -> list[int]:
        pair = self.axes if isinstance(self.axes, list) else [self.axes, self.axes]
        out = []
        for a, shape in zip(pair, shapes):
            if not -len(shape) <= a < len(shape) or a % len(shape) == 0:
                raise ValueError(
                    f"Dot(axes={self.axes}): axis {a} is invalid for an input of shape "
                    f"{_shown(shape)}; use an axis from 1 to {len(shape) - 1} (not the batch axis)."
                )
            out.append(a % len(shape))
        return out

    def call(self, inputs: list[Tensor]) -> Tensor:
        x, y = inputs
        ax, ay = self._resolved_axes([x.shape, y.shape])
        if self.normalize:
            x, y = _l2_normalize(x, ax), _l2_normalize(y, ay)
        x = ops.moveaxis(x, ax, -1)  # (batch, m…, k)
        y = ops.moveaxis(y, ay, 1)  # (batch, k, n…)
        m_shape, n_shape = x.shape[1:-1], y.shape[2:]
        x3 = ops.reshape(x, (x.shape[0], -1, x.shape[-1]))
        y3 = ops.reshape(y, (y.shape[0], y.shape[1], -1))
        out = ops.matmul(x3, y3)
        return ops.reshape(out, (out.shape[0],) + (m_shape + n_shape or (1,)))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        sx, sy = self._shapes(input_shape)
        ax, ay = self._resolved_axes([sx, sy])
        if sx[0] is not None and sy[0] is not None and sx[0] != sy[0]:
            raise ValueError(f"Dot: the inputs have different batch sizes: shapes {sx} and {sy}.")
        if sx[ax] is not None and sy[ay] is not None and sx[ax] != sy[ay]:
            raise ValueError(
                f"Dot(axes={self.axes}): inputs of shapes {_shown(sx)} and {_shown(sy)} have "
                f"sizes {sx[ax]} and {sy[ay]} on the summed axes {ax} and {ay}; they must match."
            )
        rest = tuple(s for i, s in enumerate(sx) if i != ax) + tuple(
            s for i, s in enumerate(sy) if i not in (0, ay)
        )
        return rest if len(rest) > 1 else rest + (1,)

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None

    def get_config(self) -> dict:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _l2_normalize(x: Tensor, axis: int) -> Tensor:
    """x / max(‖x‖₂, ε) along ``axis`` (Keras's ``ops.normalize``)."""
    inv = ops.minimum(ops.sum(x * x, axis=axis, keepdims=True) ** -0.5, 1.0 / epsilon())
    return x * inv


# ---------------------------------------------------------------------- functional forms
def add(inputs: list, **kwargs: Any) -> Any:
    """``Add(**kwargs)(inputs)``: elementwise sum of a list of tensors."""
    return Add(**kwargs)(inputs)


def subtract(inputs: list, **kwargs: Any) -> Any:
    """``Subtract(**kwargs)(inputs)``: the difference of two tensors."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs: list, **kwargs: Any) -> Any:
    """``Multiply(**kwargs)(inputs)``: elementwise product of a list of tensors."""
    return Multiply(**kwargs)(inputs)


def average(inputs: list, **kwargs: Any) -> Any:
    """``Average(**kwargs)(inputs)``: elementwise mean of a list of tensors."""
    return Average(**kwargs)(inputs)


def maximum(inputs: list, **kwargs: Any) -> Any:
    """``Maximum(**kwargs)(inputs)``: elementwise maximum of a list of tensors."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs: list, **kwargs: Any) -> Any:
    """``Minimum(**kwargs)(inputs)``: elementwise minimum of a list of tensors."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs: list, axis: int = -1, **kwargs: Any) -> Any:
    """``Concatenate(axis, **kwargs)(inputs)``: join tensors along ``axis``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: list, axes: Any = -1, **kwargs: Any) -> Any:
    """``Dot(axes, **kwargs)(inputs)``: batched dot product of two tensors (``normalize`` is
    one of the keyword arguments, as in Keras)."""
    return Dot(axes=axes, **kwargs)(inputs)


__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Dot",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
