"""einsum: Einstein summation over any number of operands, with ellipsis and repeated indices.

A repeated index within one operand (``"ii->i"``, ``"iij,j->i"``) first takes that operand's
diagonal (a differentiable op whose adjoint writes the diagonal back), so the summation itself
only ever sees distinct indices per operand. Its gradient for operand k is again an einsum: of
the output gradient with the other operands, broadcast over the indices only operand k carries.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.numpy._broadcast import broadcast_to, sum_to
from deepnum.ops.numpy._products import product_operands, product_result
from deepnum.ops.numpy._shape import reshape
from deepnum.ops.numpy._triangular import diagonal

__all__ = ["einsum"]


class Einsum(Function):
    """Einstein summation over explicit subscripts, each operand's indices distinct."""

    def __init__(self, inputs: list[str], output: str) -> None:
        self.subs, self.out = inputs, output

    def forward(self, *xs):
        spec = ",".join(self.subs) + "->" + self.out
        return get_array_module(*xs).einsum(spec, *xs, optimize=len(xs) > 2)

    def backward(self, gy):
        grads = []
        for k, x in enumerate(self.inputs):
            if not self.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [(s, t) for i, (s, t) in enumerate(zip(self.subs, self.inputs)) if i != k]
            available = set(self.out).union(*[s for s, _ in others])
            target = "".join(c for c in self.subs[k] if c in available)
            g = Einsum([self.out] + [s for s, _ in others], target)(gy, *[t for _, t in others])
            grads.append(self._fit(g, target, self.subs[k], x.shape))
        return tuple(grads)

    @staticmethod
    def _fit(g: Tensor, target: str, subs: str, shape: tuple[int, ...]) -> Tensor:
        """Bring the gradient over ``target`` back to the operand's ``subs`` and ``shape``.

        Indices the operand alone carried were summed out: broadcast the gradient over them.
        Indices of size 1 that broadcast against a larger size (ellipsis broadcasting) got the
        larger size: sum them back to 1.
        """
        sizes = dict(zip(target, g.shape))
        g = reshape(g, tuple(sizes.get(c, 1) for c in subs))
        g = sum_to(g, tuple(s if c in sizes else 1 for c, s in zip(subs, shape)))
        return broadcast_to(g, shape)


def _parse(spec: str, shapes: Sequence[tuple[int, ...]]) -> tuple[list[str], str]:
    """Subscripts per operand with the ellipsis spelled out, and the output subscripts."""
    spec = spec.replace(" ", "")
    lhs, arrow, rhs = spec.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(shapes):
        raise ValueError(f"einsum: {spec!r} names {len(subs)} operands, received {len(shapes)}.")
    bad = set(spec) - set(string.ascii_letters) - set(",->.")
    if bad:
        raise ValueError(f"einsum: subscripts must be letters; {spec!r} has {sorted(bad)}.")
    free = [c for c in string.ascii_letters if c not in spec]
    ell_dims = max(
        (len(shp) - len(s.replace("...", "")) for s, shp in zip(subs, shapes) if "..." in s),
        default=0,
    )
    ell = "".join(free[:ell_dims])
    expanded = []
    for s, shp in zip(subs, shapes):
        if "..." in s:
            n = len(shp) - len(s.replace("...", ""))
            s = s.replace("...", ell[ell_dims - n :] if n > 0 else "")
        if len(s) != len(shp):
            raise ValueError(
                f"einsum: subscripts {s!r} do not match an operand of rank {len(shp)} "
                f"(shape {shape_str(shp)})."
            )
        expanded.append(s)
    if not arrow:
        letters = "".join(expanded)
        rhs = ell + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell)
        )
    else:
        rhs = rhs.replace("...", ell)
    if len(set(rhs)) != len(rhs) or not set(rhs) <= set("".join(expanded)):
        raise ValueError(
            f"einsum: output subscripts {rhs!r} must be distinct indices of the inputs."
        )
    return expanded, rhs


def _distinct(x: Tensor, subs: str) -> tuple[Tensor, str]:
    """Take diagonals until every index of ``subs`` appears once (the diagonal's index moves to
    the end, as ``diagonal`` puts it)."""
    while len(set(subs)) != len(subs):
        c = next(c for c in subs if subs.count(c) > 1)
        p = subs.index(c)
        q = subs.index(c, p + 1)
        if x.shape[p] != x.shape[q]:
            raise ValueError(
                f"einsum: the repeated index {c!r} has sizes {x.shape[p]} and {x.shape[q]} in "
                f"one operand of shape {shape_str(x.shape)}; a diagonal needs equal sizes."
            )
        x = diagonal(x, 0, p, q)
        subs = subs[:p] + subs[p + 1 : q] + subs[q + 1 :] + c
    return x, subs


def einsum(subscripts: str, *operands: Any, **kwargs: Any) -> Tensor:
    """Einstein summation: multiply the operands elementwise over their shared indices and sum
    the indices missing from the output.

    ``"ij,jk->ik"`` is the matrix product, ``"ii->"`` the trace, ``"ii->i"`` the diagonal,
    ``"...ij,...jk"`` a batched product. Without ``->`` the output holds, in alphabetical order,
    the indices that appear once. Operands are promoted to their common dtype (two ``int8``
    operands give ``int32``). Keyword arguments (NumPy's ``optimize``) are accepted and
    ignored: the contraction order is chosen here.

    Example:
        >>> einsum("ij,j->i", [[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0]).numpy().tolist()
        [3.0, 7.0]
        >>> einsum("ii", [[1.0, 2.0], [3.0, 4.0]]).item()
        5.0
    """
    xs, dtype = product_operands(*operands) if operands else ([], None)
    if not xs:
        raise ValueError("einsum: needs at least one operand.")
    subs, out = _parse(subscripts, [x.shape for x in xs])
    reduced = [_distinct(x, s) for x, s in zip(xs, subs)]
    return product_result(Einsum([s for _, s in reduced], out)(*[x for x, _ in reduced]), dtype)
