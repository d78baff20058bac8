"""Linear algebra: matmul, dot, tensordot, einsum (matrix products with their adjoints)."""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.numpy._broadcast import broadcast_to, sum_to, sum_to_array
from deepnum.ops.numpy._shape import reshape, swapaxes, transpose

__all__ = ["dot", "einsum", "inner", "matmul", "outer", "tensordot"]


class MatMul(Function):
    """C = A @ B for rank ≥ 2 (batched, broadcast); ∂L/∂A = G Bᵀ, ∂L/∂B = Aᵀ G."""

    def forward(self, a, b):
        return get_array_module(a).matmul(a, b)

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(matmul(gy, swapaxes(b, -1, -2)), a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(matmul(swapaxes(a, -1, -2), gy), b.shape) if self.needs_input_grad[1] else None
        return ga, gb

    def backward_arrays(self, gy):
        a, b = self.inputs[0].data, self.inputs[1].data
        xp = get_array_module(gy)
        need = self.needs_input_grad
        ga = sum_to_array(xp.matmul(gy, b.swapaxes(-1, -2)), a.shape) if need[0] else None
        gb = sum_to_array(xp.matmul(a.swapaxes(-1, -2), gy), b.shape) if need[1] else None
        return ga, gb


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with NumPy's ``matmul`` rules (1-d operands are promoted, then squeezed).

    Example:
        >>> matmul([[1.0, 2.0]], [[3.0], [4.0]]).numpy().tolist()
        [[11.0]]
    """
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: operands must have at least one dimension; use multiply.")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise ValueError(
            f"matmul: shapes {shape_str(a.shape)} and {shape_str(b.shape)} are incompatible: "
            f"the last axis of the first ({ka}) must equal the "
            f"{'second-to-last' if b.ndim > 1 else 'only'} axis of the second ({kb})."
        )
    if a.ndim == 1 and b.ndim == 1:
        return reshape(MatMul()(reshape(a, (1, -1)), reshape(b, (-1, 1))), ())
    if a.ndim == 1:
        out = MatMul()(reshape(a, (1, -1)), b)
        return reshape(out, out.shape[:-2] + out.shape[-1:])
    if b.ndim == 1:
        return reshape(MatMul()(a, reshape(b, (-1, 1))), a.shape[:-1])
    return MatMul()(a, b)


def tensordot(a: Any, b: Any, axes: Any = 2) -> Tensor:
    """Sum products over the given axes of ``a`` and ``b`` (NumPy's ``tensordot``).

    Built from transpose, reshape and one matmul, so it inherits their gradients.
    """
    a, b = as_tensor(a), as_tensor(b)
    if isinstance(axes, int):
        axes_a = list(range(a.ndim - axes, a.ndim))
        axes_b = list(range(axes))
    else:
        axes_a, axes_b = (
            [axes[0]] if isinstance(axes[0], int) else list(axes[0]),
            [axes[1]] if isinstance(axes[1], int) else list(axes[1]),
        )
    axes_a = [ax % a.ndim for ax in axes_a]
    axes_b = [ax % b.ndim for ax in axes_b]
    for i, j in zip(axes_a, axes_b):
        if a.shape[i] != b.shape[j]:
            raise ValueError(
                f"tensordot: axis {i} of {shape_str(a.shape)} and axis {j} of "
                f"{shape_str(b.shape)} must have equal sizes."
            )
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [j for j in range(b.ndim) if j not in axes_b]
    k = 1
    for i in axes_a:
        k *= a.shape[i]
    a2 = reshape(transpose(a, free_a + axes_a), (-1, k))
    b2 = reshape(transpose(b, axes_b + free_b), (k, -1))
    out_shape = tuple(a.shape[i] for i in free_a) + tuple(b.shape[j] for j in free_b)
    return reshape(MatMul()(a2, b2), out_shape)


def dot(a: Any, b: Any) -> Tensor:
    """NumPy's ``dot``: inner product, matrix product, or sum over the last axis of ``a`` and
    the second-to-last of ``b``."""
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.ndim <= 2 and b.ndim <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([a.ndim - 1], [max(b.ndim - 2, 0)]))


def inner(a: Any, b: Any) -> Tensor:
    """Sum of products over the last axes."""
    a, b = as_tensor(a), as_tensor(b)
    return tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 1]))


def outer(a: Any, b: Any) -> Tensor:
    """Outer product of two flattened tensors."""
    a, b = as_tensor(a), as_tensor(b)
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


# ---------------------------------------------------------------------------- einsum
class Einsum(Function):
    """Einstein summation over explicit subscripts (no ellipsis, no repeated index in one
    operand). The gradient for operand k is itself an einsum of the output gradient with the
    other operands, broadcast over indices that only operand k carries."""

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


def _parse_einsum(spec: str, shapes: Sequence[tuple[int, ...]]) -> tuple[list[str], str]:
    spec = spec.replace(" ", "")
    lhs, _, rhs = spec.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(shapes):
        raise ValueError(f"einsum: {spec!r} names {len(subs)} operands, got {len(shapes)}.")
    used = set(spec) - set(",->.")
    free = [c for c in string.ascii_letters if c not in used]
    ell_dims = max(
        (len(shp) - len(s.replace("...", "")) for s, shp in zip(subs, shapes) if "..." in s),
        default=0,
    )
    ell = "".join(free[:ell_dims])
    expanded = []
    for s, shp in zip(subs, shapes):
        if "..." in s:
            n = len(shp) - len(s.replace("...", ""))
            s = s.replace("...", ell[ell_dims - n :])
        if len(s) != len(shp):
            raise ValueError(
                f"einsum: subscripts {s!r} do not match an operand of rank {len(shp)}."
            )
        if len(set(s)) != len(s):
            raise ValueError(f"einsum: repeated index in {s!r} (a diagonal) is not supported.")
        expanded.append(s)
    if not _:
        counts = "".join(expanded)
        rhs = ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1 and c not in ell))
    else:
        rhs = rhs.replace("...", ell)
    return expanded, rhs


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """Einstein summation, e.g. ``einsum("ij,jk->ik", a, b)`` (any number of operands,
    ellipsis allowed; repeated indices within one operand are not).

    Example:
        >>> einsum("i,i->", [1.0, 2.0], [3.0, 4.0]).item()
        11.0
    """
    xs = [as_tensor(x) for x in operands]
    subs, out = _parse_einsum(subscripts, [x.shape for x in xs])
    return Einsum(subs, out)(*xs)
