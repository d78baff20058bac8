"""custom_vjp and custom_jvp: functions whose derivative rules the user writes (JAX's API),
next to subclassing :class:`~deepnum.autodiff.function.Function`.

``custom_vjp``: ``f.defvjp(fwd, bwd)``; ``fwd(*args) -> (out, residuals)`` runs in the forward
pass, ``bwd(residuals, g) -> grads`` (one per argument) in the backward pass. Under ``vmap``
the residuals are batched and ``bwd`` runs under ``vmap`` too. Forward mode differentiates
``f`` itself.

``custom_jvp``: ``f.defjvp(rule)``; ``rule(primals, tangents) -> (out, tangent_out)`` gives
the tangent in forward mode. Reverse mode transposes it, as JAX does: the tangent output is
linear in the tangents, so its vjp with respect to them (at zero tangents) is the gradient.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from deepnum import tree
from deepnum.autodiff import reverse, tracing
from deepnum.autodiff.function import Function
from deepnum.autodiff.mode import enable_grad, is_grad_enabled
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str


def _tensor_leaves(args: tuple) -> list:
    return [v for v in tree.flatten(list(args)) if isinstance(v, Tensor)]


def _differentiating(tensors: list) -> bool:
    """True when the call is seen by a transform or recorded for a backward pass."""
    return any(isinstance(t, tracing.Tracer) for t in tensors) or (
        is_grad_enabled() and any(t.requires_grad for t in tensors)
    )


def _top(tensors: list, name: str) -> Any:
    top = reverse.top_level(tensors)
    return top if top is not None and top.name == name else None


def _per_leaf(name: str, grads: Any, args: tuple) -> list:
    """The gradients (one per argument, each shaped like it) per tensor leaf of ``args``."""
    if not isinstance(grads, (tuple, list)) or len(grads) != len(args):
        got = f" of length {len(grads)}" if isinstance(grads, (tuple, list)) else ""
        raise ValueError(
            f"{name}: the backward rule must return a tuple with one gradient per argument "
            f"({len(args)}), received {type(grads).__name__}{got}."
        )
    out = []
    for a, g in zip(args, grads):
        leaves = tree.flatten(a)
        parts = tree.flatten(g) if tree.is_nested(a) and g is not None else [g] * len(leaves)
        for part, leaf in zip(parts, leaves):
            if not isinstance(leaf, Tensor):
                continue
            if part is not None:
                part = as_tensor(part)
                if tuple(part.shape) != tuple(leaf.shape):
                    raise ValueError(
                        f"{name}: a gradient has shape {shape_str(part.shape)} for an argument "
                        f"of shape {shape_str(leaf.shape)}."
                    )
            out.append(part)
    return out


class CustomVJPCall(Function):
    """One call of a ``custom_vjp`` function: its outputs come from ``fwd``; its backward is
    ``bwd(residuals, g)``, one gradient per tensor leaf of the arguments."""

    def __init__(self, bwd: Callable, residuals: Any, outs: list, structure: Any) -> None:
        self.bwd, self.residuals, self.out, self.structure = bwd, residuals, outs, structure

    def forward(self, *arrays):
        data = tuple(o.data for o in self.out)
        return data if len(data) > 1 else data[0]

    def backward(self, *gys):
        return tuple(self.bwd(self.residuals, tree.pack_sequence_as(self.structure, list(gys))))

    def release(self) -> None:
        super().release()
        self.residuals = None


class custom_vjp:  # noqa: N801 - JAX's name
    """A function with a user-written reverse-mode rule (JAX's ``jax.custom_vjp``).

    Args:
        f: the function; it gives the values wherever the rule is not needed.

    Example:
        >>> import deepnum as dn
        >>> @dn.custom_vjp
        ... def clip_gradient(x):
        ...     return x
        >>> def fwd(x):
        ...     return x, None
        >>> def bwd(res, g):
        ...     return (dn.ops.clip(g, -1.0, 1.0),)
        >>> clip_gradient.defvjp(fwd, bwd)
        >>> dn.grad(lambda x: 5.0 * clip_gradient(x))(2.0).item()
        1.0
    """

    def __init__(self, f: Callable, nondiff_argnums: tuple = ()) -> None:
        if nondiff_argnums:
            raise NotImplementedError(
                "custom_vjp: nondiff_argnums is not supported; close over those arguments "
                "(functools.partial) instead."
            )
        functools.update_wrapper(self, f)
        self.f, self.fwd, self.bwd = f, None, None
        self.name = f"custom_vjp function {getattr(f, '__name__', 'f')}"

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """Set the rule: ``fwd(*args) -> (out, residuals)``, ``bwd(residuals, g) -> grads``."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any) -> Any:
        if self.fwd is None:
            raise TypeError(f"{self.name}: call defvjp(fwd, bwd) before calling it.")
        tensors = _tensor_leaves(args)
        if not _differentiating(tensors) or _top(tensors, "jvp") is not None:
            return self.f(*args)  # values, or forward mode (which differentiates f itself)
        result = self.fwd(*args)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise ValueError(
                f"{self.name}: fwd must return a pair (output, residuals), received "
                f"{type(result).__name__}."
            )
        out, residuals = result
        outs = [_constant(as_tensor(o)) for o in tree.flatten(out)]

        def bwd(res: Any, g: Any) -> list:
            return _per_leaf(self.name, self.bwd(res, g), args)

        made = CustomVJPCall(bwd, residuals, outs, out)(*tensors)
        return tree.pack_sequence_as(out, list(made) if isinstance(made, tuple) else [made])


def _constant(t: Tensor) -> Tensor:
    """``t`` without its graph (the custom rule replaces it), tracers kept."""
    if isinstance(t, tracing.Tracer):
        return t._detached() if t._interp.name != "vmap" else t.detach()
    return t.detach()


def batched_custom_vjp(fn: CustomVJPCall, args: list, batched: list, size: int) -> Any:
    """Under vmap: the batch of outputs; ``bwd`` runs under vmap over the batched residuals
    and the gradient of an argument shared by all examples is summed over them."""
    from deepnum.autodiff.batching import BatchedTensor, vmap
    from deepnum.autodiff.batching_rules import materialize
    from deepnum.ops.numpy import sum as _sum

    interp = tracing._processing[-1]

    def mine(x: Any) -> bool:
        return isinstance(x, BatchedTensor) and x._interp is interp

    outs = [o._phys if mine(o) else materialize(as_tensor(o), size) for o in fn.out]
    res = tree.flatten(fn.residuals)
    res_axes = [0 if mine(r) else None for r in res]
    res_phys = [r._phys if mine(r) else r for r in res]
    structure, user_bwd = fn.residuals, fn.bwd

    def bwd(res_flat: list, g: Any) -> list:
        per_example = vmap(
            lambda r, gg: user_bwd(tree.pack_sequence_as(structure, r), gg),
            in_axes=(res_axes, 0),
        )(res_flat, g)
        return [
            None if p is None else (p if b else _sum(p, axis=0))
            for p, b in zip(per_example, batched)
        ]

    return CustomVJPCall(bwd, res_phys, outs, fn.structure)(*args)


class custom_jvp:  # noqa: N801 - JAX's name
    """A function with a user-written forward-mode rule (JAX's ``jax.custom_jvp``); reverse
    mode uses the rule's transpose.

    Args:
        f: the function; it gives the values.

    Example:
        >>> import deepnum as dn
        >>> @dn.custom_jvp
        ... def log1pexp(x):
        ...     return dn.ops.log(1.0 + dn.ops.exp(x))
        >>> @log1pexp.defjvp
        ... def log1pexp_jvp(primals, tangents):
        ...     (x,), (t,) = primals, tangents
        ...     return log1pexp(x), t * dn.ops.sigmoid(x)
        >>> dn.grad(lambda x: log1pexp(x).sum())([100.0]).tolist()  # no overflow of exp
        [1.0]
    """

    def __init__(self, f: Callable, nondiff_argnums: tuple = ()) -> None:
        if nondiff_argnums:
            raise NotImplementedError(
                "custom_jvp: nondiff_argnums is not supported; close over those arguments "
                "(functools.partial) instead."
            )
        functools.update_wrapper(self, f)
        self.f, self.rule = f, None
        self.name = f"custom_jvp function {getattr(f, '__name__', 'f')}"
        self._reverse = custom_vjp(f)
        self._reverse.defvjp(lambda *args: (f(*args), args), self._transpose)

    def defjvp(self, rule: Callable) -> Callable:
        """Set ``rule(primals, tangents) -> (out, tangent_out)``; returns it (so that it can
        decorate the rule)."""
        self.rule = rule
        return rule

    def _call_rule(self, primals: list, tangents: list) -> tuple[Any, Any]:
        result = self.rule(tuple(primals), tuple(tangents))
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise ValueError(
                f"{self.name}: the jvp rule must return (output, tangent_output), received "
                f"{type(result).__name__}."
            )
        return result

    def _transpose(self, args: tuple, g: Any) -> tuple:
        """The gradient: the vjp of the rule's tangent output with respect to the tangents."""
        leaves = tree.flatten(list(args))
        zeros = [
            reverse.lift(Tensor._make(v.xp.zeros(v.shape, dtype=v.dtype)))
            if isinstance(v, Tensor)
            else v
            for v in leaves
        ]
        tangents = tree.pack_sequence_as(list(args), zeros)
        with enable_grad():
            _, t_out = self._call_rule(list(args), tangents)
        targets = [z for z, v in zip(zeros, leaves) if isinstance(v, Tensor)]
        outs = [as_tensor(t) for t in tree.flatten(t_out)]
        seeds = [as_tensor(s) for s in tree.flatten(g)]
        got = iter(reverse.vjp(outs, seeds, targets, create_graph=is_grad_enabled()))
        flat = [next(got) if isinstance(v, Tensor) else None for v in leaves]
        return tuple(tree.pack_sequence_as(list(args), flat))

    def __call__(self, *args: Any) -> Any:
        if self.rule is None:
            raise TypeError(f"{self.name}: call defjvp(rule) before calling it.")
        tensors = _tensor_leaves(args)
        interp = _top(tensors, "jvp")
        if interp is not None:
            return self._forward_mode(interp, args)
        return self._reverse(*args)

    def _forward_mode(self, interp: Any, args: tuple) -> Any:
        """The rule on the primals and tangents of the innermost ``jvp``."""
        from deepnum.autodiff.forward import DualTensor
        from deepnum.autodiff.jvp_rules import zeros

        def primal(v: Any) -> Any:
            return v.primal if isinstance(v, DualTensor) and v._interp is interp else v

        def tangent(v: Any) -> Any:
            if isinstance(v, DualTensor) and v._interp is interp:
                return zeros(v.primal) if v.tangent is None else v.tangent
            return zeros(v) if isinstance(v, Tensor) else v

        primals = tree.map_structure(primal, list(args))
        tangents = tree.map_structure(tangent, list(args))
        out, t_out = self._call_rule(primals, tangents)
        duals = [
            DualTensor.wrap(as_tensor(o), as_tensor(t), interp)
            for o, t in zip(tree.flatten(out), tree.flatten(t_out))
        ]
        return tree.pack_sequence_as(out, duals)
