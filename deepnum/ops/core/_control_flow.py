"""Control flow: cond, switch, while_loop, fori_loop, scan, map, associative_scan,
vectorized_map (Keras's ``keras.ops`` core functions).

deepnum runs eagerly, so each of these is a Python loop or branch over deepnum ops, as on
Keras's PyTorch backend: the operations the bodies run are recorded like any others and
gradients flow through them (to any order).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

from deepnum import tree
from deepnum.autodiff.batching import vmap
from deepnum.autodiff.tensor import Tensor
from deepnum.ops import numpy as dnp
from deepnum.ops.core._convert import convert_to_tensor
from deepnum.ops.core._scatter import unstack

__all__ = [
    "associative_scan",
    "cond",
    "fori_loop",
    "map",
    "scan",
    "switch",
    "vectorized_map",
    "while_loop",
]


def _check_callable(owner: str, name: str, fn: Any) -> None:
    if not callable(fn):
        raise TypeError(f"{owner}: `{name}` should be a callable. Received: {name}={fn!r}")


def cond(pred: Any, true_fn: Callable, false_fn: Callable) -> Any:
    """``true_fn()`` if ``pred`` else ``false_fn()``.

    Args:
        pred: a boolean scalar (Python bool or one-element tensor).
        true_fn: callable of no arguments, run when ``pred`` is true.
        false_fn: callable of no arguments, run otherwise.

    Returns:
        The output of the branch that ran.

    Example:
        >>> cond(convert_to_tensor(2.0) > 1, lambda: "big", lambda: "small")
        'big'
    """
    _check_callable("cond", "true_fn", true_fn)
    _check_callable("cond", "false_fn", false_fn)
    return true_fn() if bool(pred) else false_fn()


def switch(index: Any, branches: Sequence[Callable], *operands: Any) -> Any:
    """``branches[index](*operands)``, with ``index`` clamped to ``[0, len(branches) - 1]``.

    Args:
        index: an integer scalar (Python int or tensor).
        branches: a sequence of callables.
        *operands: passed to the chosen branch.

    Returns:
        The chosen branch's output.

    Example:
        >>> float(switch(1, [lambda x, y: x + y, lambda x, y: x - y], 2.0, 0.5))
        1.5
    """
    if not branches:
        raise ValueError("switch: `branches` must hold at least one callable.")
    i = int(convert_to_tensor(index, "int32"))
    return branches[builtins.max(0, builtins.min(i, len(branches) - 1))](*operands)


def while_loop(
    cond: Callable, body: Callable, loop_vars: Any, maximum_iterations: int | None = None
) -> Any:
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` holds.

    A tuple or list of loop variables is passed positionally to ``cond`` and ``body`` (and a
    tuple is returned); a single value is passed as it is. The variables are converted to
    tensors first.

    Args:
        cond: callable returning a boolean scalar.
        body: callable returning the new loop variables (same structure).
        loop_vars: the initial loop variables.
        maximum_iterations: stop after this many iterations even if ``cond`` holds.

    Returns:
        The final loop variables.

    Example:
        >>> [int(v) for v in while_loop(lambda x, y: x < 10, lambda x, y: (x + 1, y + 1), (0, 1))]
        [10, 11]
    """
    _check_callable("while_loop", "cond", cond)
    _check_callable("while_loop", "body", body)
    is_tuple = isinstance(loop_vars, (tuple, list))
    values = tuple(loop_vars) if is_tuple else (loop_vars,)
    values = tree.map_structure(convert_to_tensor, values)
    count = 0
    while (maximum_iterations is None or count < maximum_iterations) and bool(cond(*values)):
        values = body(*values)
        values = tuple(values) if isinstance(values, (tuple, list)) else (values,)
        count += 1
    return values if is_tuple else values[0]


def fori_loop(lower: int, upper: int, body_fun: Callable, init_val: Any) -> Any:
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``; returns ``val``.

    ``i`` is a Python int, as on Keras's PyTorch backend.

    Example:
        >>> fori_loop(0, 10, lambda i, s: s + i, 0)
        45
    """
    _check_callable("fori_loop", "body_fun", body_fun)
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def scan(
    f: Callable,
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
) -> tuple[Any, Any]:
    """Loop ``f`` over the leading axis of ``xs`` while carrying a state (JAX's ``lax.scan``).

    Semantics::

        carry = init
        for x in xs:                      # reversed(xs) with reverse=True
            carry, y = f(carry, x)
            ys.append(y)
        return carry, stack(ys)           # ys in the order of xs

    ``init``, ``xs`` and the outputs may be nested structures. A ``None`` output ``y`` stacks
    zeros shaped like the carry, as in Keras.

    Args:
        f: ``f(carry, x) -> (carry, y)``.
        init: the initial carry.
        xs: values to scan over their leading axis (``None``: ``f`` gets ``None``).
        length: the number of steps; required when ``xs`` is None.
        reverse: scan from the last slice to the first.
        unroll: accepted for Keras compatibility (a positive int or a bool); deepnum always
            runs an eager Python loop.

    Returns:
        ``(final carry, stacked ys)``.

    Example:
        >>> carry, ys = scan(lambda c, x: (c + x, c + x), 0, convert_to_tensor([1, 2, 3, 4, 5]))
        >>> int(carry), ys.tolist()
        (15, [1, 3, 6, 10, 15])
    """
    _check_callable("scan", "f", f)
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"`unroll` must be an positive integer or boolean. Received: {unroll}")
    if xs is None and length is None:
        raise ValueError("scan: got no `xs` to scan over and `length` not provided.")
    xs_flat = [convert_to_tensor(x) for x in tree.flatten(xs)] if xs is not None else []
    n = int(length) if length is not None else xs_flat[0].shape[0]
    for x in xs_flat:
        if x.ndim == 0 or x.shape[0] != n:
            raise ValueError(
                f"scan: every array in `xs` needs a leading axis of length {n}; received shape "
                f"{x.shape}."
            )
    steps = [unstack(x) for x in xs_flat]
    carry = tree.pack_sequence_as(init, [convert_to_tensor(v) for v in tree.flatten(init)])
    ys = []
    for i in reversed(range(n)) if reverse else range(n):
        x = tree.pack_sequence_as(xs, [s[i] for s in steps]) if xs is not None else None
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if any(y is None for y in ys):
        zeros = [dnp.zeros_like(c) for c in tree.flatten(carry)]
        ys = [zeros if y is None else y for y in ys]
    if not ys:
        return carry, None
    return carry, tree.map_structure(lambda *leaves: dnp.stack(list(leaves)), *ys)


def map(f: Callable, xs: Any) -> Any:  # noqa: A001 - Keras's name
    """``stack([f(x) for x in xs])`` over the leading axis (nested inputs and outputs allowed).

    Example:
        >>> map(lambda x: x**2, convert_to_tensor([0, 1, 2, 3])).tolist()
        [0, 1, 4, 9]
    """
    _check_callable("map", "f", f)
    _, ys = scan(lambda _, x: ((), f(x)), (), xs)
    return ys


def vectorized_map(function: Callable, elements: Any) -> Any:
    """Apply ``function`` to each slice of ``elements`` along axis 0 and stack the results.

    With a tuple or list of tensors, ``function`` receives one structure of slices (a single
    argument), as in Keras. It runs once, on the whole batch, through ``deepnum.vmap``
    (Keras's PyTorch backend uses ``torch.vmap``); the results are those of :func:`map`.

    Example:
        >>> vectorized_map(lambda x: x.sum(), convert_to_tensor([[1.0, 2.0], [3.0, 4.0]])).tolist()
        [3.0, 7.0]
    """
    _check_callable("vectorized_map", "function", function)
    return vmap(function)(tree.map_structure(convert_to_tensor, elements))


def _slice_axis(x: Tensor, start: Any, stop: Any, step: int, axis: int) -> Tensor:
    return x[(builtins.slice(None),) * axis + (builtins.slice(start, stop, step),)]


def _interleave(evens: Tensor, odds: Tensor, axis: int) -> Tensor:
    """[e0, o0, e1, o1, ...] along ``axis`` (``evens`` may be one longer than ``odds``)."""
    m = odds.shape[axis]
    pairs = dnp.stack([_slice_axis(evens, 0, m, 1, axis), odds], axis=axis + 1)
    shape = evens.shape[:axis] + (2 * m,) + evens.shape[axis + 1 :]
    merged = dnp.reshape(pairs, shape)
    if evens.shape[axis] > m:
        merged = dnp.concatenate([merged, _slice_axis(evens, m, None, 1, axis)], axis=axis)
    return merged


def associative_scan(f: Callable, elems: Any, reverse: bool = False, axis: int = 0) -> Any:
    """Inclusive prefix scan with an associative ``f``: ``[a, f(a, b), f(f(a, b), c), ...]``.

    The parallel algorithm of Blelloch (1990) as in JAX: combine neighbouring pairs, scan the
    half-length result recursively, then fill in the even positions, so ``f`` is called
    O(log n) times on whole slices rather than n times on single elements. ``f`` must act
    elementwise along ``axis`` and satisfy ``f(a, f(b, c)) == f(f(a, b), c)``.

    Args:
        f: ``f(a, b) -> c``, on structures shaped like ``elems``.
        elems: a tensor or nested structure of tensors with the same length along ``axis``.
        reverse: scan from the end.
        axis: the axis to scan along.

    Returns:
        A structure like ``elems``.

    Example:
        >>> associative_scan(lambda a, b: a + b, convert_to_tensor([0, 1, 2, 3, 4])).tolist()
        [0, 1, 3, 6, 10]
    """
    _check_callable("associative_scan", "f", f)
    flat = [convert_to_tensor(e) for e in tree.flatten(elems)]
    axis = axis % flat[0].ndim
    lengths = {e.shape[axis] for e in flat}
    if len(lengths) != 1:
        raise ValueError(
            "Array inputs to associative_scan must have the same first dimension. "
            f"(saw: {[e.shape for e in flat]})"
        )
    if reverse:
        flat = [_slice_axis(e, None, None, -1, axis) for e in flat]

    def combine(a: list, b: list) -> list:
        out = f(tree.pack_sequence_as(elems, a), tree.pack_sequence_as(elems, b))
        return [convert_to_tensor(v) for v in tree.flatten(out)]

    def run(parts: list) -> list:
        n = parts[0].shape[axis]
        if n < 2:
            return parts
        odd = run(
            combine(
                [_slice_axis(e, 0, -1, 2, axis) for e in parts],
                [_slice_axis(e, 1, None, 2, axis) for e in parts],
            )
        )
        odd_prefix = odd if n % 2 else [_slice_axis(e, 0, -1, 1, axis) for e in odd]
        even = combine(odd_prefix, [_slice_axis(e, 2, None, 2, axis) for e in parts])
        even = [
            dnp.concatenate([_slice_axis(e, 0, 1, 1, axis), r], axis=axis)
            for e, r in zip(parts, even)
        ]
        return [_interleave(e, o, axis) for e, o in zip(even, odd)]

    scanned = run(flat)
    if reverse:
        scanned = [_slice_axis(e, None, None, -1, axis) for e in scanned]
    return tree.pack_sequence_as(elems, scanned)
