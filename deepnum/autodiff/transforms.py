"""JAX-style reverse-mode transforms built on the tape: grad, value_and_grad, jacobian
(jacrev), hessian, vjp, hvp. They nest to any order (``grad(grad(grad(f)))``) and compose with
``vmap`` and forward mode (``vmap(grad(f))``: per-example gradients; ``jacfwd(jacrev(f))``).

Each transform differentiates with respect to fresh leaves, unless an argument is already part
of an outer differentiation (it requires grad): then it differentiates through it and keeps the
graph, so the outer transform can differentiate the result again. A differentiated argument
may be a nested structure (a dict of weights): the gradient has the same structure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from deepnum import tree
from deepnum.autodiff import reverse
from deepnum.autodiff.mode import enable_grad
from deepnum.autodiff.tensor import Tensor, _to_array, as_tensor
from deepnum.autodiff.tracing import Tracer, TracerArray
from deepnum.backend import is_float_dtype

# How many transforms are evaluating their function right now. Inside an outer transform the
# inner one must record its backward pass, since the outer one may differentiate it again
# (also through tensors that ``f`` closes over).
_depth = [0]


def _call(f: Callable, *args: Any, **kwargs: Any) -> Any:
    _depth[0] += 1
    try:
        with enable_grad():
            return f(*args, **kwargs)
    finally:
        _depth[0] -= 1


def _bottom(t: Tensor) -> Tensor:
    """The physical tensor under the tracers of ``t``."""
    while isinstance(t, Tracer):
        t = t._phys if hasattr(t, "_phys") else t.primal
    if type(t) is Tensor and type(t.data) is TracerArray:
        return _bottom(t.data.tracer)
    return t


def _is_structure(a: Any) -> bool:
    """A dict, or a list/tuple of tensors; a (nested) list of numbers is one array."""
    if not tree.is_nested(a):
        return False
    return not all(isinstance(v, (int, float, np.generic)) for v in tree.flatten(a))


def _target(a: Any, i: int) -> tuple[Tensor, bool]:
    """One differentiated leaf, and whether it belongs to an outer graph."""
    if not isinstance(a, Tensor):
        data = _to_array(a)
        if not is_float_dtype(data.dtype):
            raise TypeError(
                f"grad: argument {i} has dtype {data.dtype}; only floating-point inputs can "
                "be differentiated. Pass floats, e.g. x.astype('float64')."
            )
        a = Tensor._make(data)
    elif not is_float_dtype(a.dtype):
        raise TypeError(
            f"grad: argument {i} has dtype {a.dtype}; only floating-point inputs can be "
            "differentiated. Pass floats, e.g. x.astype('float64')."
        )
    nested = _bottom(a).requires_grad
    return reverse.lift(a), nested


def _prepare(args: Sequence[Any], argnums: Sequence[int]) -> tuple[list[Any], list[list], bool]:
    """Make the leaves of the differentiated arguments inputs that require grad.

    Returns the new argument list, the differentiated leaves of each argument and whether
    any of them is part of an outer graph (then the backward pass must itself be recorded).
    """
    args = list(args)
    targets, nested = [], _depth[0] > 0
    for i in argnums:
        if i >= len(args):
            raise ValueError(f"argnums={i} but the function was called with {len(args)} arguments.")
        leaves = []
        for leaf in tree.flatten(args[i]) if _is_structure(args[i]) else [args[i]]:
            t, outer = _target(leaf, i)
            nested = nested or outer
            leaves.append(t)
        args[i] = tree.pack_sequence_as(args[i], leaves) if _is_structure(args[i]) else leaves[0]
        targets.append(leaves)
    return args, targets, nested


def _as_tuple(argnums: int | Sequence[int]) -> tuple[tuple[int, ...], bool]:
    if isinstance(argnums, int):
        return (argnums,), True
    return tuple(argnums), False


def _zeros(t: Tensor) -> Tensor:
    """A zero gradient, the same for every example of any transform."""
    return Tensor._make(t.xp.zeros(t.shape, dtype=t.dtype))


def _grads(out: Tensor, targets: list[Tensor], seed: Any, create_graph: bool) -> list[Tensor]:
    if seed is None:
        seed = Tensor._make(out.xp.ones(out.shape, dtype=out.dtype))
    gs = reverse.vjp([out], [seed], targets, create_graph)
    return [_zeros(t) if g is None else g for g, t in zip(gs, targets)]


def _pack(args: list, nums: Sequence[int], targets: list[list], flat: list) -> list:
    """The flat gradients in the structure of each differentiated argument."""
    out, k = [], 0
    for i, leaves in zip(nums, targets):
        gs = flat[k : k + len(leaves)]
        k += len(leaves)
        out.append(tree.pack_sequence_as(args[i], gs) if _is_structure(args[i]) else gs[0])
    return out


def value_and_grad(
    f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable:
    """Return a function computing ``(f(*args), ∇f(*args))`` for scalar-valued ``f``.

    Args:
        f: a function of tensors returning a one-element tensor (or ``(value, aux)``).
        argnums: which positional argument(s) to differentiate; an argument may be a nested
            structure of tensors (a dict of weights), its gradient then has that structure.
        has_aux: ``f`` returns ``(value, aux)``; the result is then ``((value, aux), grad)``.

    Example:
        >>> import deepnum as dn
        >>> v, g = dn.value_and_grad(lambda x: (x ** 2).sum())([3.0, 4.0])
        >>> v.item(), g.numpy().tolist()
        (25.0, [6.0, 8.0])
    """
    nums, single = _as_tuple(argnums)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        args, targets, nested = _prepare(args, nums)
        result = _call(f, *args, **kwargs)
        value, aux = result if has_aux else (result, None)
        value = as_tensor(value)
        if value.size != 1:
            raise ValueError(
                f"grad: f must return a single value (a scalar loss), it returned shape "
                f"{value.shape}. Use jacobian() for vector-valued functions."
            )
        flat = _grads(value, [t for ts in targets for t in ts], None, create_graph=nested)
        gs = _pack(args, nums, targets, flat)
        g = gs[0] if single else tuple(gs)
        return ((value, aux), g) if has_aux else (value, g)

    return wrapper


def grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Return the gradient function ∇f of a scalar-valued ``f`` (JAX's ``grad``).

    Example:
        >>> import deepnum as dn
        >>> df = dn.grad(lambda x: x[0] ** 2 + x[1] ** 2)
        >>> df([3.0, 4.0]).numpy().tolist()
        [6.0, 8.0]
        >>> dn.grad(dn.grad(lambda x: x ** 3))(2.0).item()  # d²/dx² x³ = 6x
        12.0
    """
    vg = value_and_grad(f, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        (value, g) = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def jacobian(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """Return the Jacobian function of ``f`` in reverse mode (JAX's ``jacrev``).

    For ``y = f(x)`` the result has shape ``y.shape + x.shape``: J[i..., j...] = ∂yᵢ/∂xⱼ. All
    the rows come from one reverse pass, seeded with the rows of the identity under ``vmap``.
    With several ``argnums`` it is a tuple over the arguments; when ``f`` returns a tuple, a
    tuple over the outputs (so ``hessian`` with several ``argnums`` gives ``H[i][j]``).

    Example:
        >>> import deepnum as dn
        >>> dn.jacobian(lambda x: x * x)([1.0, 2.0]).numpy().tolist()
        [[2.0, 0.0], [0.0, 4.0]]
    """
    nums, single = _as_tuple(argnums)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        args, targets, nested = _prepare(args, nums)
        flat = [t for ts in targets for t in ts]
        out = _call(f, *args, **kwargs)

        def of(y: Tensor) -> Any:
            gs = _pack(args, nums, targets, _jacobian_of(as_tensor(y), flat, nested))
            return gs[0] if single else tuple(gs)

        if isinstance(out, (tuple, list)):
            return tuple(of(y) for y in out)
        return of(out)

    return wrapper


jacrev = jacobian


def _jacobian_of(y: Tensor, targets: list[Tensor], nested: bool) -> list[Tensor]:
    """The Jacobian of ``y`` with respect to each target: the rows of the identity as the
    cotangents of one batched reverse pass."""
    from deepnum.autodiff.batching import vmap
    from deepnum.ops.numpy import reshape

    m, xp = y.size, y.xp
    if m == 0:
        return [Tensor._make(xp.zeros(y.shape + t.shape, dtype=y.dtype)) for t in targets]
    eye = Tensor._make(xp.eye(m, dtype=y.dtype).reshape((m,) + y.shape))

    def row(u: Tensor) -> tuple:
        return tuple(_grads(y, targets, u, create_graph=nested))

    rows = vmap(row)(eye) if m > 1 else tuple(g[None] for g in row(eye[0]))
    return [reshape(r, y.shape + t.shape) for r, t in zip(rows, targets)]


def hessian(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """Return the Hessian function of a scalar ``f``: H[i, j] = ∂²f/∂xᵢ∂xⱼ. For ``x`` of
    shape S the result has shape S + S.

    It is the Jacobian of the gradient, computed as one reverse pass over the recorded
    gradient with all the rows of the identity batched by ``vmap`` (``jacfwd(jacrev(f))``,
    forward over reverse, gives the same matrix).

    Example:
        >>> import deepnum as dn
        >>> dn.hessian(lambda x: x[0] ** 2 * x[1])([1.0, 2.0]).numpy().tolist()
        [[4.0, 2.0], [2.0, 0.0]]
    """
    return jacobian(grad(f, argnums), argnums)


def vjp(f: Callable, *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """Return ``(f(*primals), vjp_fn)`` where ``vjp_fn(u)`` gives uᵀJ for each primal (a tuple).

    With ``has_aux`` ``f`` returns ``(output, aux)`` and the result is
    ``(output, vjp_fn, aux)``.

    Example:
        >>> import deepnum as dn
        >>> y, back = dn.vjp(lambda x: x * 3, [1.0, 2.0])
        >>> back([1.0, 1.0])[0].numpy().tolist()
        [3.0, 3.0]
    """
    nums = tuple(range(len(primals)))
    args, targets, nested = _prepare(primals, nums)
    result = _call(f, *args)
    out, aux = result if has_aux else (result, None)
    y = as_tensor(out)
    flat = [t for ts in targets for t in ts]

    def vjp_fn(u: Any) -> tuple[Any, ...]:
        u_t = u if isinstance(u, Tensor) else Tensor._make(_to_array(u, y.dtype))
        create = nested or _bottom(u_t).requires_grad
        return tuple(_pack(args, nums, targets, _grads(y, flat, u_t, create_graph=create)))

    return (y, vjp_fn, aux) if has_aux else (y, vjp_fn)


def _inner(gs: Sequence[Tensor], tangents: Sequence[Any]) -> Tensor:
    """Σₖ ⟨gₖ, vₖ⟩ over the primals, recorded so that it can be differentiated."""
    total = None
    for g, v in zip(gs, tangents):
        v = v if isinstance(v, Tensor) else as_tensor(_to_array(v, g.dtype))
        term = (g * v).sum()
        total = term if total is None else total + term
    return total


def hvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Tensor, Any]:
    """Hessian-vector product H·v of a scalar ``f`` without forming H: ∇ₓ⟨∇f(x), v⟩.

    Returns ``(f(*primals), H·v)`` (a tuple of products for several primals).

    Example:
        >>> import deepnum as dn
        >>> _, hv = dn.hvp(lambda x: (x ** 3).sum(), ([1.0, 2.0],), ([1.0, 1.0],))
        >>> hv.numpy().tolist()
        [6.0, 12.0]
    """
    nums = tuple(range(len(primals)))
    args, targets, nested = _prepare(primals, nums)
    flat = [t for ts in targets for t in ts]
    value = as_tensor(_call(f, *args))
    with enable_grad():
        inner = _inner(_grads(value, flat, None, create_graph=True), tree.flatten(list(tangents)))
    hv = _pack(args, nums, targets, _grads(inner, flat, None, create_graph=nested))
    return value, hv[0] if len(hv) == 1 else tuple(hv)


def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False) -> Any:
    """Forward-mode J·v; see :func:`deepnum.autodiff.forward.jvp` (kept here for the callers
    that reach the transforms through this module)."""
    from deepnum.autodiff.forward import jvp as forward_jvp

    return forward_jvp(f, primals, tangents, has_aux=has_aux)
