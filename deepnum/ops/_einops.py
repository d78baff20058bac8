"""rearrange: einops-style axis reordering, splitting and merging (Keras's ``ops.rearrange``)."""

from __future__ import annotations

import math
import re
from typing import Any

from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.ops import numpy as dnp
from deepnum.ops.core._convert import convert_to_tensor

__all__ = ["rearrange"]

_AXES = re.compile(r"\w+|\(.*?\)")


def _groups(side: str) -> list[list[str]]:
    """``"b (h w) c"`` → ``[["b"], ["h", "w"], ["c"]]``."""
    return [re.findall(r"\w+", token) for token in _AXES.findall(side)]


def _axis_sizes(
    groups: list[list[str]], shape: tuple[int, ...], lengths: dict[str, int]
) -> dict[str, int]:
    """The size of every named input axis, inferring at most one unknown per group."""
    if len(groups) != len(shape):
        raise ValueError(
            f"rearrange: the input pattern names {len(groups)} axes but the tensor has shape "
            f"{shape_str(shape)}."
        )
    sizes: dict[str, int] = {}
    for group, dim in zip(groups, shape):
        unknown = [a for a in group if a not in lengths]
        if len(unknown) > 1:
            raise ValueError(
                f"rearrange: cannot infer the sizes of {unknown} in ({' '.join(group)}); give "
                "all but one of them as keyword arguments."
            )
        known = math.prod(lengths[a] for a in group if a in lengths)
        for a in group:
            sizes[a] = lengths[a] if a in lengths else dim // known
        if math.prod(sizes[a] for a in group) != dim:
            raise ValueError(
                f"rearrange: axis ({' '.join(group)}) of size {dim} cannot be split into "
                f"{[sizes[a] for a in group]}."
            )
    return sizes


def rearrange(tensor: Any, pattern: str, **axes_lengths: int) -> Tensor:
    """Reorder, split and merge axes as an einops pattern says.

    Three steps, each differentiable: reshape to split the grouped input axes, transpose to the
    output order, reshape to merge the grouped output axes.

    Args:
        tensor: the input tensor.
        pattern: ``"<input axes> -> <output axes>"``; parentheses group axes, e.g.
            ``"b (h1 h) w c -> (b h1) h w c"``.
        **axes_lengths: sizes of split axes (one per group may be left out and inferred).

    Returns:
        The rearranged tensor.

    Example:
        >>> images = dnp.zeros((2, 4, 6, 3))
        >>> rearrange(images, "b h w c -> b c h w").shape
        (2, 3, 4, 6)
        >>> rearrange(images, "b (h1 h) (w1 w) c -> (b h1 w1) h w c", h1=2, w1=2).shape
        (8, 2, 3, 3)
    """
    tensor = convert_to_tensor(tensor)
    if "->" not in pattern:
        raise ValueError(f"rearrange: the pattern must contain '->', received {pattern!r}.")
    input_side, output_side = re.split(r"\s*->\s*", pattern.strip())
    inputs, outputs = _groups(input_side), _groups(output_side)
    sizes = _axis_sizes(inputs, tensor.shape, dict(axes_lengths))
    flat_in = [a for g in inputs for a in g]
    flat_out = [a for g in outputs for a in g]
    if sorted(flat_in) != sorted(flat_out) or len(set(flat_in)) != len(flat_in):
        raise ValueError(
            f"rearrange: the output axes {flat_out} must be the input axes {flat_in}, each once, "
            "in any order."
        )
    split = tuple(sizes[a] for a in flat_in)
    if split != tensor.shape:
        tensor = dnp.reshape(tensor, split)
    tensor = dnp.transpose(tensor, [flat_in.index(a) for a in flat_out])
    return dnp.reshape(tensor, tuple(math.prod(sizes[a] for a in g) for g in outputs))
