"""Products: matmul, dot, vdot, inner, outer, tensordot, kron, cross.

One primitive, ``MatMul`` (batched, broadcast), with its adjoints ∂L/∂A = G Bᵀ and
∂L/∂B = Aᵀ G; the other products are built from it and from broadcasting multiplies, so they
inherit derivatives of every order. Operands are promoted to their common dtype first (Keras's
rules: a float beats every integer); two ``int8`` operands give ``int32``, two booleans a
boolean (any true product).
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.numpy._broadcast import sum_to, sum_to_array
from deepnum.ops.numpy._joining import result_dtype, stack
from deepnum.ops.numpy._shape import canonical_axis, moveaxis, ravel, reshape, swapaxes, transpose

__all__ = ["cross", "dot", "inner", "kron", "matmul", "outer", "tensordot", "vdot"]


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


def product_operands(*xs: Any) -> tuple[list[Tensor], Any]:
    """The operands cast to the dtype they multiply in, and the dtype of the result.

    Booleans multiply as int32 (the result is then "any product true"); two ``int8`` operands
    multiply as ``int32`` so that sums do not overflow.
    """
    from deepnum.ops.numpy._elementwise import cast

    ts = [x if type(x) is Tensor else as_tensor(x) for x in xs]
    dtypes = [t.data.dtype for t in ts]
    out = result_dtype(*dtypes)
    compute = out
    if out.kind == "b" or (out.name == "int8" and all(d.name == "int8" for d in dtypes)):
        compute = get_array_module(ts[0].data).dtype("int32")
        out = compute if out.kind != "b" else out
    return [t if t.data.dtype == compute else cast(t, compute) for t in ts], out


def product_result(y: Tensor, dtype: Any) -> Tensor:
    """Back from the compute dtype: a boolean product is true where any term was."""
    if y.dtype == dtype:
        return y
    return Tensor._make(y.data != 0 if dtype.kind == "b" else y.data.astype(dtype))


def matmul(x1: Any, x2: Any) -> Tensor:
    """Matrix product with NumPy's ``matmul`` rules: the last two axes multiply, leading axes
    broadcast; a 1-d operand is a row (left) or column (right) vector, its axis removed after.

    (A B)ᵢⱼ = Σₖ Aᵢₖ Bₖⱼ.

    Example:
        >>> matmul([[1.0, 2.0]], [[3.0], [4.0]]).numpy().tolist()
        [[11.0]]
    """
    if type(x1) is Tensor and type(x2) is Tensor and x1.data.dtype == x2.data.dtype:
        a, b = x1, x2
        if a.data.dtype.kind == "f" and a.data.ndim >= 2 and b.data.ndim >= 2:
            try:
                return MatMul()(a, b)
            except ValueError:
                pass  # the checks below explain the mismatch
    (a, b), dtype = product_operands(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            "matmul: operands must have at least one dimension; use multiply for scalars."
        )
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise ValueError(
            f"matmul: shapes {shape_str(a.shape)} and {shape_str(b.shape)} are incompatible: "
            f"the last axis of the first ({ka}) must equal the "
            f"{'second-to-last' if b.ndim > 1 else 'only'} axis of the second ({kb})."
        )
    if a.ndim == 1 and b.ndim == 1:
        out = reshape(MatMul()(reshape(a, (1, -1)), reshape(b, (-1, 1))), ())
    elif a.ndim == 1:
        out = MatMul()(reshape(a, (1, -1)), b)
        out = reshape(out, out.shape[:-2] + out.shape[-1:])
    elif b.ndim == 1:
        out = reshape(MatMul()(a, reshape(b, (-1, 1))), a.shape[:-1])
    else:
        try:
            out = MatMul()(a, b)
        except ValueError:
            raise ValueError(
                f"matmul: the batch axes of shapes {shape_str(a.shape)} and "
                f"{shape_str(b.shape)} do not broadcast."
            ) from None
    return product_result(out, dtype)


def _tensordot_axes(axes: Any, ndim1: int, ndim2: int) -> tuple[list[int], list[int]]:
    if isinstance(axes, int):
        if axes < 0 or axes > min(ndim1, ndim2):
            raise ValueError(
                f"tensordot: axes={axes} must be between 0 and the smaller rank "
                f"({min(ndim1, ndim2)})."
            )
        return list(range(ndim1 - axes, ndim1)), list(range(axes))
    first, second = axes
    first = [first] if isinstance(first, int) else list(first)
    second = [second] if isinstance(second, int) else list(second)
    if len(first) != len(second):
        raise ValueError(f"tensordot: axes {axes!r} must name as many axes of each operand.")
    return (
        [canonical_axis(a, ndim1, "tensordot") for a in first],
        [canonical_axis(b, ndim2, "tensordot") for b in second],
    )


def tensordot(x1: Any, x2: Any, axes: Any = 2) -> Tensor:
    """Sum of products over the given axes (NumPy's ``tensordot``).

    Args:
        x1, x2: tensors.
        axes: ``N`` (the last N axes of ``x1`` with the first N of ``x2``) or a pair of axis
            lists ``(axes_1, axes_2)``.

    Returns:
        The free axes of ``x1`` followed by those of ``x2``.

    Example:
        >>> tensordot([[1.0, 2.0]], [[3.0], [4.0]], axes=1).numpy().tolist()
        [[11.0]]
    """
    (a, b), dtype = product_operands(x1, x2)
    axes_a, axes_b = _tensordot_axes(axes, a.ndim, b.ndim)
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
    m = 1
    for i in free_a:
        m *= a.shape[i]
    a2 = reshape(transpose(a, free_a + axes_a), (m, k))
    b2 = reshape(transpose(b, axes_b + free_b), (k, -1))
    out_shape = tuple(a.shape[i] for i in free_a) + tuple(b.shape[j] for j in free_b)
    return product_result(reshape(MatMul()(a2, b2), out_shape), dtype)


def dot(x1: Any, x2: Any) -> Tensor:
    """NumPy's ``dot``: a product with a scalar; the inner product of vectors; the matrix
    product; otherwise the sum over the last axis of ``x1`` and the second-to-last of ``x2``.

    Example:
        >>> dot([1.0, 2.0], [3.0, 4.0]).item()
        11.0
    """
    (a, b), dtype = product_operands(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return product_result(a * b, dtype)
    if b.ndim <= 2:
        return product_result(matmul(a, b), dtype)
    return product_result(tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 2])), dtype)


def vdot(x1: Any, x2: Any) -> Tensor:
    """The inner product of the flattened tensors: Σᵢ x1ᵢ x2ᵢ.

    Example:
        >>> vdot([[1.0, 2.0]], [3.0, 4.0]).item()
        11.0
    """
    a, b = as_tensor(x1), as_tensor(x2)
    if a.size != b.size:
        raise ValueError(
            f"vdot: the tensors must have the same number of elements; received shapes "
            f"{shape_str(a.shape)} and {shape_str(b.shape)}."
        )
    return matmul(ravel(a), ravel(b))


def inner(x1: Any, x2: Any) -> Tensor:
    """Sum of products over the last axes (a product when either is a scalar).

    Example:
        >>> inner([[1.0, 2.0]], [[3.0, 4.0], [5.0, 6.0]]).numpy().tolist()
        [[11.0, 17.0]]
    """
    (a, b), dtype = product_operands(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return product_result(a * b, dtype)
    return product_result(tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 1])), dtype)


def outer(x1: Any, x2: Any) -> Tensor:
    """The outer product of the flattened tensors: out[i, j] = x1[i] · x2[j].

    Example:
        >>> outer([1.0, 2.0], [3.0]).numpy().tolist()
        [[3.0], [6.0]]
    """
    (a, b), dtype = product_operands(x1, x2)
    return product_result(reshape(a, (-1, 1)) * reshape(b, (1, -1)), dtype)


def kron(x1: Any, x2: Any) -> Tensor:
    """The Kronecker product: blocks ``x1[i, j] · x2`` (any rank; the lower-rank operand gains
    leading axes of size 1).

    out[i·p + k, j·q + l] = x1[i, j] · x2[k, l] for ``x2`` of shape (p, q).

    Example:
        >>> kron([1.0, 2.0], [1.0, 10.0]).numpy().tolist()
        [1.0, 10.0, 2.0, 20.0]
    """
    (a, b), dtype = product_operands(x1, x2)
    n = max(a.ndim, b.ndim)
    sa = (1,) * (n - a.ndim) + a.shape
    sb = (1,) * (n - b.ndim) + b.shape
    # Interleave the axes: a as (a0, 1, a1, 1, ...), b as (1, b0, 1, b1, ...).
    a2 = reshape(a, tuple(v for s in sa for v in (s, 1)))
    b2 = reshape(b, tuple(v for s in sb for v in (1, s)))
    out = reshape(a2 * b2, tuple(p * q for p, q in zip(sa, sb)))
    return product_result(out, dtype)


def cross(
    x1: Any, x2: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None
) -> Tensor:
    """The cross product of (arrays of) 2- or 3-vectors (NumPy's ``cross``).

    a × b = (a₁b₂ − a₂b₁, a₂b₀ − a₀b₂, a₀b₁ − a₁b₀); a 2-vector has a₂ = 0, and two 2-vectors
    give only the last component (a scalar per pair).

    Args:
        x1, x2: tensors whose vector axes are ``axisa`` and ``axisb``; the other axes
            broadcast.
        axisc: where the vector axis of the result goes.
        axis: when given, overrides all three.

    Example:
        >>> cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]).numpy().tolist()
        [0.0, 0.0, 1.0]
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    (a, b), dtype = product_operands(x1, x2)
    a = moveaxis(a, canonical_axis(axisa, a.ndim, "cross"), -1)
    b = moveaxis(b, canonical_axis(axisb, b.ndim, "cross"), -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError(
            f"cross: the vector axes must have size 2 or 3; received {a.shape[-1]} and "
            f"{b.shape[-1]}."
        )
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return product_result(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0], dtype)
    a0, a1, a2 = _components(a)
    b0, b1, b2 = _components(b)
    out = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return product_result(moveaxis(out, -1, canonical_axis(axisc, out.ndim, "cross")), dtype)


def _components(v: Tensor) -> list[Tensor]:
    """The three components along the last axis; a 2-vector gets a zero third one."""
    from deepnum.ops.numpy._padding import pad

    if v.shape[-1] == 2:
        v = pad(v, ((0, 0),) * (v.ndim - 1) + ((0, 1),))
    return [v[..., i] for i in range(3)]
