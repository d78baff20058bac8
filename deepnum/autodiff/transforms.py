"""JAX-style function transforms built on the tape: grad, value_and_grad, jacobian, hessian,
vjp, jvp, hvp. They nest to any order: ``grad(grad(grad(f)))``.

Each transform differentiates with respect to fresh leaves, unless an argument is already part
of an outer differentiation (it requires grad): then it differentiates through it and keeps the
graph, so the outer transform can differentiate the result again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from deepnum.autodiff.engine import run_backward
from deepnum.autodiff.mode import enable_grad
from deepnum.autodiff.tensor import Tensor, _to_array, as_tensor
from deepnum.backend import get_array_module, is_float_dtype

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


def _prepare(args: Sequence[Any], argnums: Sequence[int]) -> tuple[list[Any], list[Tensor], bool]:
    """Make the differentiated arguments leaves that require grad.

    Returns the new argument list, the differentiated tensors and whether any of them is part of
    an outer graph (then the backward pass must itself be recorded).
    """
    args = list(args)
    targets, nested = [], _depth[0] > 0
    for i in argnums:
        if i >= len(args):
            raise ValueError(f"argnums={i} but the function was called with {len(args)} arguments.")
        a = args[i]
        if isinstance(a, Tensor) and a.requires_grad:
            nested = True
            t = a
        else:
            data = _to_array(a)
            if not is_float_dtype(data.dtype):
                raise TypeError(
                    f"grad: argument {i} has dtype {data.dtype}; only floating-point inputs can "
                    "be differentiated. Pass floats, e.g. x.astype('float64')."
                )
            t = Tensor(data, requires_grad=True)
        args[i] = t
        targets.append(t)
    return args, targets, nested


def _as_tuple(argnums: int | Sequence[int]) -> tuple[tuple[int, ...], bool]:
    if isinstance(argnums, int):
        return (argnums,), True
    return tuple(argnums), False


def _grads(out: Tensor, targets: list[Tensor], seed: Any, create_graph: bool) -> list[Tensor]:
    gs = (
        run_backward([out], [seed], retain_graph=True, create_graph=create_graph, inputs=targets)
        if out.requires_grad
        else [None] * len(targets)
    )
    xp = get_array_module(out.data)
    return [Tensor._make(xp.zeros_like(t.data)) if g is None else g for g, t in zip(gs, targets)]


def value_and_grad(
    f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable:
    """Return a function computing ``(f(*args), ∇f(*args))`` for scalar-valued ``f``.

    Args:
        f: a function of tensors returning a one-element tensor (or ``(value, aux)``).
        argnums: which positional argument(s) to differentiate.
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
        gs = _grads(value, targets, None, create_graph=nested)
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
    """Return the Jacobian function of ``f`` (reverse mode, one backward per output element).

    For ``y = f(x)`` the result has shape ``y.shape + x.shape``: J[i..., j...] = ∂yᵢ/∂xⱼ.
    With several ``argnums`` it is a tuple over the arguments; when ``f`` returns a tuple, a
    tuple over the outputs (so ``hessian`` with several ``argnums`` gives H[i][j]).

    Example:
        >>> import deepnum as dn
        >>> dn.jacobian(lambda x: x * x)([1.0, 2.0]).numpy().tolist()
        [[2.0, 0.0], [0.0, 4.0]]
    """
    nums, single = _as_tuple(argnums)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        args, targets, nested = _prepare(args, nums)
        out = _call(f, *args, **kwargs)
        if isinstance(out, (tuple, list)):
            return tuple(_jacobian_of(as_tensor(y), targets, nested, single) for y in out)
        return _jacobian_of(as_tensor(out), targets, nested, single)

    return wrapper


def _jacobian_of(y: Tensor, targets: list[Tensor], nested: bool, single: bool) -> Any:
    """The Jacobian of one output ``y`` with respect to each target: one backward per row."""
    from deepnum.ops.numpy import reshape, stack

    xp = get_array_module(y.data)
    rows: list[list[Tensor]] = [[] for _ in targets]
    eye = xp.eye(y.size, dtype=y.dtype)
    for i in range(y.size):
        seed = Tensor._make(eye[i].reshape(y.shape))
        for k, g in enumerate(_grads(y, targets, seed, create_graph=nested)):
            rows[k].append(g)
    jacs = []
    for t, r in zip(targets, rows):
        if not r:
            jacs.append(Tensor._make(xp.zeros(y.shape + t.shape, dtype=y.dtype)))
        else:
            jacs.append(reshape(stack(r), y.shape + t.shape))
    return jacs[0] if single else tuple(jacs)


jacrev = jacobian


def hessian(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """Return the Hessian function of a scalar ``f``: the Jacobian of its gradient
    (reverse-over-reverse). For ``x`` of shape S the result has shape S + S.

    Example:
        >>> import deepnum as dn
        >>> dn.hessian(lambda x: x[0] ** 2 * x[1])([1.0, 2.0]).numpy().tolist()
        [[4.0, 2.0], [2.0, 0.0]]
    """
    return jacobian(grad(f, argnums), argnums)


def vjp(f: Callable, *primals: Any) -> tuple[Tensor, Callable]:
    """Return ``(f(*primals), vjp_fn)`` where ``vjp_fn(u)`` gives uᵀJ for each primal (a tuple).

    Example:
        >>> import deepnum as dn
        >>> y, back = dn.vjp(lambda x: x * 3, [1.0, 2.0])
        >>> back([1.0, 1.0])[0].numpy().tolist()
        [3.0, 3.0]
    """
    args, targets, nested = _prepare(primals, range(len(primals)))
    y = as_tensor(_call(f, *args))

    def vjp_fn(u: Any) -> tuple[Tensor, ...]:
        u_t = u if isinstance(u, Tensor) else Tensor._make(_to_array(u, y.dtype))
        create = nested or u_t.requires_grad
        return tuple(_grads(y, targets, u_t, create_graph=create))

    return y, vjp_fn


def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Tensor, Tensor]:
    """Forward-mode product J·v, computed with the double-vjp trick.

    uᵀJ is linear in u, so J·v = ∂/∂u ⟨uᵀJ, v⟩. Returns ``(f(*primals), J·v)``.

    Example:
        >>> import deepnum as dn
        >>> y, t = dn.jvp(lambda x: x ** 2, ([3.0],), ([1.0],))
        >>> t.numpy().tolist()
        [6.0]
    """
    args, targets, nested = _prepare(primals, range(len(primals)))
    y = as_tensor(_call(f, *args))
    u = Tensor(get_array_module(y.data).zeros_like(y.data), requires_grad=True)
    with enable_grad():
        inner = _inner(_grads(y, targets, u, create_graph=True), tangents)
    (jv,) = _grads(inner, [u], None, create_graph=nested)
    return y, jv


def _inner(gs: Sequence[Tensor], tangents: Sequence[Any]) -> Tensor:
    """Σₖ ⟨gₖ, vₖ⟩ over the primals, recorded so that it can be differentiated."""
    total = None
    for g, v in zip(gs, tangents):
        term = (g * as_tensor(_to_array(v, g.dtype))).sum()
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
    args, targets, nested = _prepare(primals, range(len(primals)))
    value = as_tensor(_call(f, *args))
    with enable_grad():
        inner = _inner(_grads(value, targets, None, create_graph=True), tangents)
    hv = _grads(inner, targets, None, create_graph=nested)
    return value, hv[0] if len(hv) == 1 else tuple(hv)
