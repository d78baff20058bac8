"""Keras's forward-mode ``jvp``: ``torch.func.jvp``'s signature and return convention on top
of :func:`deepnum.jvp`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from deepnum.autodiff import transforms
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.ops.core import cast
from deepnum.ops.numpy import concatenate, reshape

__all__ = ["jvp"]


def _flatten(tree: Any) -> list[Any]:
    if isinstance(tree, dict):
        return [leaf for key in sorted(tree) for leaf in _flatten(tree[key])]
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _flatten(item)]
    return [tree]


def _pack(tree: Any, leaves: Any) -> Any:
    """``tree`` with its leaves replaced, in :func:`_flatten` order (``leaves`` an iterator)."""
    if isinstance(tree, dict):
        packed = {key: _pack(tree[key], leaves) for key in sorted(tree)}
        return {key: packed[key] for key in tree}
    if isinstance(tree, (tuple, list)):
        items = [_pack(item, leaves) for item in tree]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    return next(leaves)


def _check_arguments(primals: Any, tangents: Any) -> None:
    for name, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, (tuple, list)):
            raise TypeError(
                f"jvp: `{name}` must be a tuple or list of the function's arguments, received "
                f"{type(value).__name__}; wrap a single argument as ({name[:-1]},)."
            )
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: `primals` and `tangents` must have the same length, received {len(primals)} "
            f"and {len(tangents)}."
        )
    for i, (p, t) in enumerate(zip(primals, tangents)):
        ps, ts = as_tensor(p).shape, as_tensor(t).shape
        if ps != ts:
            raise ValueError(
                f"jvp: tangent {i} has shape {shape_str(ts)} but its primal has shape "
                f"{shape_str(ps)}; each tangent must match its primal."
            )


def jvp(
    fun: Callable, primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False
) -> tuple[Any, ...]:
    """The Jacobian-vector product of ``fun`` at ``primals`` along ``tangents`` (forward mode).

    For y = fun(x₁, …, xₙ) it returns y and ``Σₖ ∂y/∂xₖ · vₖ``; ``fun`` may return a tensor or
    a nested tuple / list / dict of tensors, and the tangents come back in the same structure.

    Args:
        fun: a function of tensors.
        primals: the arguments of ``fun`` (a tuple or list).
        tangents: one direction per primal, with the primals' shapes.
        has_aux: ``fun`` returns ``(output, aux)``; ``aux`` is passed through undifferentiated.

    Returns:
        ``(primals_out, tangents_out)``, or ``(primals_out, tangents_out, aux)`` with
        ``has_aux``.

    Example:
        >>> import deepnum as dn
        >>> y, t = jvp(dn.ops.sin, (dn.tensor(0.0),), (dn.tensor(2.0),))
        >>> y.item(), t.item()
        (0.0, 2.0)
    """
    _check_arguments(primals, tangents)
    record: dict[str, Any] = {}

    def flat_fun(*args: Any) -> Tensor:
        out = fun(*args)
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise ValueError(
                    "jvp: with has_aux=True, `fun` must return a pair (output, aux), received "
                    f"{type(out).__name__}."
                )
            out, record["aux"] = out
        leaves = [as_tensor(leaf) for leaf in _flatten(out)]
        record["tree"], record["leaves"] = out, [(t.shape, t.dtype) for t in leaves]
        flat = [reshape(t, (-1,)) for t in leaves]
        return flat[0] if len(flat) == 1 else concatenate(flat, 0)

    y, t = transforms.jvp(flat_fun, tuple(primals), tuple(tangents))
    outer = transforms._depth[0] > 0 or any(
        isinstance(p, Tensor) and p.requires_grad for p in primals
    )
    aux = record.get("aux")
    if not outer:  # nothing will differentiate the results again
        y = y.detach()
        leaves = [a.detach() if isinstance(a, Tensor) else a for a in _flatten(aux)]
        aux = _pack(aux, iter(leaves))
    ys, ts, start = [], [], 0
    for shape, dtype in record["leaves"]:
        size = 1
        for s in shape:
            size *= s
        ys.append(cast(reshape(y[start : start + size], shape), dtype))
        ts.append(cast(reshape(t[start : start + size], shape), dtype))
        start += size
    out = _pack(record["tree"], iter(ys))
    tangent_out = _pack(record["tree"], iter(ts))
    return (out, tangent_out, aux) if has_aux else (out, tangent_out)
