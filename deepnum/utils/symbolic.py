"""Helpers for symbolic tensors (the ``KerasTensor`` of ``deepnum.Input``)."""

from __future__ import annotations

from typing import Any


def get_source_inputs(tensor: Any) -> Any:
    """The input tensors (``Input(...)``) that ``tensor`` is computed from, in the order a
    depth-first walk of its history meets them, each once — Keras's
    ``keras.utils.get_source_inputs``.

    Args:
        tensor: a symbolic tensor. Anything else is returned unchanged, as in Keras.

    Returns:
        A list of input tensors (``[tensor]`` for an input itself).

    Example:
        >>> import deepnum as dn
        >>> a, b = dn.Input((2,), name="a"), dn.Input((2,), name="b")
        >>> out = dn.layers.Dense(1)(dn.layers.Add()([a, dn.layers.Dense(2)(b)]))
        >>> [t.name for t in get_source_inputs(out)]
        ['a', 'b']
    """
    from deepnum.models.functional import InputLayer, KerasTensor

    if not isinstance(tensor, KerasTensor):
        return tensor
    sources: list[Any] = []
    stack, seen = [tensor], set()
    while stack:  # explicit stack: deep graphs must not hit Python's recursion limit
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        node = current.node
        if node is None or isinstance(node.layer, InputLayer) or not node.parents:
            if all(current is not s for s in sources):
                sources.append(current)
        else:
            stack.extend(reversed(node.parents))
    return sources
