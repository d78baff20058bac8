"""InputSpec: what a layer accepts, checked on every call with a message that helps."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.tensor import shape_str


class InputSpec:
    """Constraints on a layer's input (Keras's ``InputSpec``), checked on every call.

    Args:
        dtype: the expected dtype.
        shape: the expected shape with the batch axis (``None`` for any size); sets ``ndim``.
        ndim: exact rank, including the batch axis.
        max_ndim: maximum rank.
        min_ndim: minimum rank.
        axes: ``{axis: size}`` fixed sizes (e.g. ``{-1: 784}`` for a Dense built on 784 features).
        allow_last_axis_squeeze: accept a rank one higher or lower when the extra last axis
            has size 1.
        name: the key of this input when inputs come as a dict.
        optional: whether ``None`` is accepted for this input.

    Example:
        >>> from deepnum.layers import InputSpec
        >>> InputSpec(shape=(None, 28, 28, 1))
        InputSpec(shape=(None, 28, 28, 1), ndim=4)
    """

    def __init__(
        self,
        dtype: Any = None,
        shape: Any = None,
        ndim: int | None = None,
        max_ndim: int | None = None,
        min_ndim: int | None = None,
        axes: dict[int, int] | None = None,
        allow_last_axis_squeeze: bool = False,
        name: str | None = None,
        optional: bool = False,
    ) -> None:
        self.dtype = None if dtype is None else np.dtype(dtype).name
        if shape is not None:
            self.shape: tuple | None = tuple(None if d is None else int(d) for d in shape)
            self.ndim = len(self.shape)
        else:
            self.shape, self.ndim = None, ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name, self.optional = name, optional
        try:
            self.axes = {int(k): v for k, v in (axes or {}).items()}
        except (ValueError, TypeError, AttributeError):
            raise TypeError(
                "InputSpec: argument `axes` must be a dict with integer keys. "
                f"Received: axes={axes}"
            ) from None
        top = self.ndim if self.ndim else self.max_ndim
        if self.axes and top is not None and max(self.axes) > top - 1:
            raise ValueError(
                f"InputSpec: axis {max(self.axes)} is greater than the maximum allowed value: "
                f"{top - 1}."
            )

    def __repr__(self) -> str:
        parts = [
            f"{key}={value}"
            for key, value in (
                ("dtype", self.dtype),
                ("shape", self.shape),
                ("ndim", self.ndim),
                ("max_ndim", self.max_ndim),
                ("min_ndim", self.min_ndim),
                ("axes", self.axes),
            )
            if value
        ]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self) -> dict:
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
            "optional": self.optional,
        }

    @classmethod
    def from_config(cls, config: dict) -> InputSpec:
        return cls(**config)


def check_input_spec(
    layer: Any, spec: InputSpec, shape: tuple, index: int = 0, dtype: Any = None
) -> None:
    """Raise a ValueError naming the layer, the expectation, the received shape and a fix."""
    rank = len(shape)
    shown = shape_str((None,) + tuple(shape[1:])) if rank else "()"
    prefix = f'Input {index} of layer "{layer.name}" is incompatible with the layer: '
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and rank != spec.ndim:
        raise ValueError(
            prefix + f"expected ndim={spec.ndim}, found ndim={rank}. Full shape received: "
            f"{shown}.{_rank_hint(layer, spec.ndim, rank)}"
        )
    if spec.min_ndim is not None and rank < spec.min_ndim:
        raise ValueError(
            prefix + f"expected min_ndim={spec.min_ndim}, found ndim={rank}. Full shape "
            f"received: {shown}.{_rank_hint(layer, spec.min_ndim, rank)}"
        )
    if spec.max_ndim is not None and rank > spec.max_ndim:
        raise ValueError(
            prefix + f"expected max_ndim={spec.max_ndim}, found ndim={rank}. Full shape "
            f"received: {shown}."
        )
    for axis, size in spec.axes.items():
        if size is None or -rank > axis or axis >= rank:
            continue
        if shape[axis] is not None and shape[axis] != size:
            hint = ""
            if axis == -1 and rank > 2 and _prod(shape[1:]) == size:
                hint = " Flatten the input or add a Flatten layer before this layer."
            raise ValueError(
                prefix + f"expected axis {axis} of input shape to have value {size}, but "
                f"received input with shape {shown}.{hint}"
            )
    if spec.dtype is not None and dtype is not None and np.dtype(dtype).name != spec.dtype:
        raise ValueError(
            prefix + f"expected dtype={spec.dtype}, found dtype={np.dtype(dtype).name}."
        )
    if spec.shape is not None:
        _check_shape(spec, tuple(shape), prefix, shown)


def _check_shape(spec: InputSpec, shape: tuple, prefix: str, shown: str) -> None:
    expected = spec.shape
    if spec.allow_last_axis_squeeze:
        shape = shape[:-1] if shape and shape[-1] == 1 else shape
        expected = expected[:-1] if expected and expected[-1] == 1 else expected
    for want, got in zip(expected, shape):
        if want is not None and got is not None and want != got:
            raise ValueError(
                prefix + f"expected shape={shape_str(spec.shape)}, found shape={shown}."
            )


def _rank_hint(layer: Any, expected: int, rank: int) -> str:
    if rank > expected:
        return " Is a Flatten (or a pooling layer) missing before this layer?"
    if rank == expected - 1:
        return " Add the missing axis, e.g. with Reshape or np.expand_dims."
    return ""


def _prod(values: Any) -> int:
    out = 1
    for v in values:
        if v is None:
            return -1
        out *= v
    return out
