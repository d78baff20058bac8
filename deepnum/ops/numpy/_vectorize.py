"""vectorize: turn a function of scalars (or of core-shaped blocks, given a gufunc signature)
into one that maps over broadcast leading axes, as NumPy's ``vectorize``.

The wrapper loops in Python over the broadcast positions, calls the function on each slice and
stacks the results, so it is differentiable wherever the function is (slicing scatters the
gradient back, stacking splits it).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable
from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.ops.numpy._broadcast import broadcast_to
from deepnum.ops.numpy._joining import stack
from deepnum.ops.numpy._shape import reshape

__all__ = ["vectorize"]

_GROUP = re.compile(r"\(([^()]*)\)")


def _parse_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """``"(m,n),(n)->(m)"`` as ``([("m", "n"), ("n",)], [("m",)])``."""
    inputs, arrow, outputs = signature.replace(" ", "").partition("->")
    if not arrow:
        raise ValueError(f"vectorize: signature {signature!r} lacks '->'.")

    def groups(side: str) -> list[tuple[str, ...]]:
        found = _GROUP.findall(side)
        if ",".join(f"({g})" for g in found) != side:
            raise ValueError(
                f"vectorize: cannot parse signature {signature!r}; expected e.g. '(m,n),(n)->(m)'."
            )
        return [tuple(d for d in g.split(",") if d) for g in found]

    return groups(inputs), groups(outputs)


def _broadcast_shapes(shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(ndim):
        sizes = {s[i - ndim + len(s)] for s in shapes if i - ndim + len(s) >= 0} - {1}
        if len(sizes) > 1:
            raise ValueError(
                f"vectorize: loop shapes {[shape_str(s) for s in shapes]} do not broadcast."
            )
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def _core_sizes(
    tensors: list[Tensor], core: list[tuple[str, ...]]
) -> tuple[list[tuple[int, ...]], dict[str, int]]:
    """Each argument's loop shape, and the size bound to each core dimension name."""
    loops, sizes = [], {}
    for t, dims in zip(tensors, core):
        if t.ndim < len(dims):
            raise ValueError(
                f"vectorize: an argument of shape {shape_str(t.shape)} has fewer axes than its "
                f"core dimensions {dims}."
            )
        loops.append(t.shape[: t.ndim - len(dims)])
        for name, size in zip(dims, t.shape[t.ndim - len(dims) :]):
            if sizes.setdefault(name, size) != size:
                raise ValueError(
                    f"vectorize: core dimension {name!r} has inconsistent sizes {sizes[name]} "
                    f"and {size}."
                )
    return loops, sizes


def _stack_results(results: list[Any], loop: tuple[int, ...]) -> Any:
    if isinstance(results[0], (tuple, list)):
        return tuple(_stack_results(list(parts), loop) for parts in zip(*results))
    stacked = stack([as_tensor(r) for r in results], axis=0)
    return reshape(stacked, loop + stacked.shape[1:])


def vectorize(pyfunc: Callable, *, excluded: Any = None, signature: str | None = None) -> Callable:
    """Wrap ``pyfunc`` so that it maps over the broadcast leading axes of its arguments.

    Args:
        pyfunc: a function of tensors.
        excluded: positions (ints) or keyword names of arguments passed through unchanged.
            Other keyword arguments are passed through unchanged too.
        signature: a generalized-ufunc signature such as ``"(m,n),(n)->(m)"``: the trailing
            core axes each call receives and returns. By default every call gets 0-d tensors.

    Returns:
        The vectorized function: outputs have the broadcast loop shape followed by the output
        core shape (a tuple when ``pyfunc`` returns several values).

    Example:
        >>> f = vectorize(lambda a, b: a * b + 1)
        >>> f([1.0, 2.0, 3.0], 2.0).numpy().tolist()
        [3.0, 5.0, 7.0]
    """
    if not callable(pyfunc):
        raise ValueError(f"vectorize: pyfunc must be callable, received {pyfunc!r}.")
    fixed = set(excluded or ())
    parsed = _parse_signature(signature) if signature is not None else None

    @functools.wraps(pyfunc)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        moving = [i for i in range(len(args)) if i not in fixed]
        tensors = [as_tensor(args[i]) for i in moving]
        core = parsed[0] if parsed else [()] * len(tensors)
        if len(core) != len(tensors):
            raise ValueError(
                f"vectorize: signature {signature!r} names {len(core)} inputs, received "
                f"{len(tensors)} vectorized arguments."
            )
        loops, _ = _core_sizes(tensors, core)
        loop = _broadcast_shapes(loops)
        tensors = [broadcast_to(t, loop + t.shape[len(s) :]) for t, s in zip(tensors, loops)]
        if 0 in loop:
            raise ValueError("vectorize: cannot infer the output of a call over zero elements.")
        results = []
        call_args = list(args)
        for index in itertools.product(*[range(n) for n in loop]):
            for i, t in zip(moving, tensors):
                call_args[i] = t[index] if index else t
            results.append(pyfunc(*call_args, **kwargs))
        return _stack_results(results, loop)

    return wrapped
