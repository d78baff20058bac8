"""InputSpec: what a layer accepts, checked on every call with a message that helps."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import shape_str


class InputSpec:
    """Constraints on a layer's input (Keras's ``InputSpec``).

    Args:
        ndim: exact rank, including the batch axis.
        min_ndim: minimum rank.
        axes: ``{axis: size}`` fixed sizes (e.g. ``{-1: 784}`` for a Dense built on 784 features).
    """

    def __init__(
        self,
        ndim: int | None = None,
        min_ndim: int | None = None,
        max_ndim: int | None = None,
        axes: dict[int, int] | None = None,
        allow_last_axis_squeeze: bool = False,
    ) -> None:
        self.ndim, self.min_ndim, self.max_ndim = ndim, min_ndim, max_ndim
        self.axes = axes or {}


def check_input_spec(layer: Any, spec: InputSpec, shape: tuple, index: int = 0) -> None:
    """Raise a ValueError naming the layer, the expectation, the received shape and a fix."""
    rank = len(shape)
    shown = shape_str((None,) + tuple(shape[1:])) if rank else "()"
    prefix = f'Input {index} of layer "{layer.name}" is incompatible with the layer: '
    if spec.ndim is not None and rank != spec.ndim:
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
