"""Reverse mode inside other transforms: gradients whose inputs and outputs are tracers.

The reverse pass always walks the graph of the physical values, one level below every
transform. A ``grad`` taken inside ``vmap`` differentiates with respect to a batch of leaves
and seeds each example of the output with its own cotangent; one backward pass then gives
every example's gradient, since example i of the batch depends only on example i of the
inputs. For that, :func:`lift` first makes each differentiated argument a batch at every
active ``vmap`` (repeating an argument that is the same for all examples, such as the weights
in per-example gradients).

Inside forward mode (``jvp``) a value is a primal p with a tangent ṗ, both computed by the
physical graph. The gradient of a primal output y with respect to an input x is ∂y/∂x; its
tangent, the derivative of ∂y/∂x along the tangents, is ∂ẏ/∂x (ẏ is linear in the tangents,
which do not depend on x). So the gradient of a dual output is the dual (∂y/∂x, ∂ẏ/∂x), two
reverse passes over the physical graph: forward-over-reverse, as ``jacfwd(jacrev(f))`` needs.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.engine import run_backward
from deepnum.autodiff.tensor import Tensor
from deepnum.autodiff.tracing import (
    Interpreter,
    Tracer,
    TracerArray,
    active_interpreters,
    hidden,
)


def _untracked(x: Any) -> Any:
    if type(x) is Tensor and type(x.data) is TracerArray:
        return x.data.tracer._detached()
    return x


def _is_vmap(interp: Interpreter) -> bool:
    return interp.name == "vmap"


def top_level(values: list) -> Interpreter | None:
    """The innermost transform among the tracers in ``values``."""
    top = None
    for v in values:
        if isinstance(v, Tracer) and (top is None or v._interp.level > top.level):
            top = v._interp
    return top


def lift(x: Tensor, interps: list[Interpreter] | None = None) -> Tensor:
    """``x`` made a differentiable input at every active transform: a batch at every vmap
    (repeated where it was the same for all examples) over a physical tensor that requires
    grad (a fresh leaf, unless it is already part of an outer graph)."""
    from deepnum.autodiff.batching import BatchedTensor
    from deepnum.autodiff.batching_rules import materialize

    interps = active_interpreters() if interps is None else interps
    x = _untracked(x)
    if not interps:
        if isinstance(x, Tracer):
            raise RuntimeError("a tracer of a finished transform was differentiated.")
        return x if x.requires_grad else Tensor(x.data, requires_grad=True)
    top, rest = interps[-1], interps[:-1]
    mine = isinstance(x, Tracer) and x._interp is top
    if _is_vmap(top):
        if mine:
            return BatchedTensor.wrap(lift(x._phys, rest), top)
        if not rest and not isinstance(x, Tracer) and not x.requires_grad:
            # The same value for every example, differentiated per example: a leaf of its
            # own (a broadcast view), so that the backward pass stops there.
            view = x.xp.broadcast_to(x.data[None], (top.size,) + tuple(x.shape))
            return BatchedTensor.wrap(Tensor(view, requires_grad=True), top)
        return BatchedTensor.wrap(materialize(lift(x, rest), top.size), top)
    if mine:  # a dual: its primal is differentiated, its tangent is the direction
        return type(x).wrap(lift(x.primal, rest), x.tangent, top)
    return lift(x, rest)


def vjp(outputs: list, seeds: list, targets: list, create_graph: bool) -> list:
    """Σₖ seedₖᵀ ∂outputₖ/∂target for each target, through every active transform.

    ``targets`` come from :func:`lift` (or are plain tensors of the physical graph). Seeds may
    be tracers of transforms entered after the outputs were computed (a vmap over seeds:
    one reverse pass for all the rows of a Jacobian). Returns one gradient per target, in
    the target's form (``None`` where not connected).
    """
    outputs = [_untracked(o) for o in outputs]
    seeds = [_untracked(s) for s in seeds]
    top = top_level(outputs + list(targets))
    if top is None:
        pairs = [(o, u) for o, u in zip(outputs, seeds) if o.requires_grad]
        if not pairs:
            return [None] * len(targets)
        return run_backward(
            [o for o, _ in pairs],
            [u for _, u in pairs],
            retain_graph=True,
            create_graph=create_graph,
            inputs=list(targets),
        )
    if _is_vmap(top):
        return _vjp_batched(top, outputs, seeds, targets, create_graph)
    return _vjp_dual(top, outputs, seeds, targets, create_graph)


def _vjp_batched(top, outputs, seeds, targets, create_graph) -> list:
    from deepnum.autodiff.batching import BatchedTensor

    outs, us = [], []
    for o, u in zip(outputs, seeds):
        if isinstance(o, BatchedTensor) and o._interp is top:  # else: no path to the targets
            outs.append(o._phys)
            us.append(unbatch_seed(u, top))
    lowered = [t._phys if isinstance(t, BatchedTensor) and t._interp is top else t for t in targets]
    with hidden(top):
        grads = vjp(outs, us, lowered, create_graph) if outs else [None] * len(targets)
    return [
        None if g is None else (rebatch(g, top) if t is not low else g)
        for g, t, low in zip(grads, targets, lowered)
    ]


def _vjp_dual(top, outputs, seeds, targets, create_graph) -> list:
    primal_outs, primal_seeds, tangent_outs, tangent_seeds = [], [], [], []
    for o, u in zip(outputs, seeds):
        o_p, o_t = _split(o, top)
        u_p, u_t = split_seed(u, top)
        primal_outs.append(o_p)
        primal_seeds.append(u_p)
        if o_t is not None:
            tangent_outs.append(o_t)
            tangent_seeds.append(u_p)
        if u_t is not None:
            tangent_outs.append(o_p)
            tangent_seeds.append(u_t)
    lowered = [_split(t, top)[0] for t in targets]
    with hidden(top):
        g_p = vjp(primal_outs, primal_seeds, lowered, create_graph)
        if tangent_outs:
            g_t = vjp(tangent_outs, tangent_seeds, lowered, create_graph)
        else:
            g_t = [None] * len(targets)
    out = []
    for gp, gt, low in zip(g_p, g_t, lowered):
        if gp is None and gt is None:
            out.append(None)
            continue
        out.append(redual(_zeros_like(low) if gp is None else gp, gt, top))
    return out


# ------------------------------------------------------------------ rebuilding the levels
# Gradients seeded by tracers of transforms entered later (above the level being unwrapped)
# carry those tracers outside; the level is rebuilt inside them, so that a tracer only ever
# holds values of the transforms entered before its own.
def rebatch(g: Any, level: Interpreter) -> Any:
    """``g``, whose examples start with the batch axis of the vmap ``level``, as a batch of
    that vmap (inside the tracers of later transforms that ``g`` holds)."""
    from deepnum.autodiff.batching import BatchedTensor

    outer = top_level([g])
    if outer is None or outer.level < level.level:
        return BatchedTensor.wrap(g, level)
    if _is_vmap(outer):
        from deepnum.ops.numpy import moveaxis

        return BatchedTensor.wrap(rebatch(moveaxis(g._phys, 1, 0), level), outer)
    tangent = None if g.tangent is None else rebatch(g.tangent, level)
    return type(g).wrap(rebatch(g.primal, level), tangent, outer)


def redual(primal: Any, tangent: Any, level: Interpreter) -> Any:
    """The dual (primal, tangent) of the jvp ``level``, inside the tracers of later
    transforms that the parts hold."""
    from deepnum.autodiff.batching import BatchedTensor
    from deepnum.autodiff.batching_rules import materialize
    from deepnum.autodiff.forward import DualTensor

    outer = top_level([primal, tangent])
    if outer is None or outer.level < level.level:
        return DualTensor.wrap(primal, tangent, level)

    def inner(x: Any) -> Any:
        if x is None or not _is_vmap(outer):
            return x
        if isinstance(x, Tracer) and x._interp is outer:
            return x._phys
        return materialize(x, outer.size)

    if _is_vmap(outer):
        return BatchedTensor.wrap(redual(inner(primal), inner(tangent), level), outer)
    p_p, p_t = _split(primal, outer)
    t_p, t_t = _split(tangent, outer) if tangent is not None else (None, None)
    return DualTensor.wrap(
        redual(p_p, t_p, level), None if p_t is None and t_t is None else
        redual(_or_zero(p_t, p_p), t_t, level), outer,
    )  # fmt: skip


def _split(x: Any, top: Interpreter) -> tuple[Any, Any]:
    """(primal, tangent) of ``x`` at the dual level ``top`` (tangent None: zero)."""
    if isinstance(x, Tracer) and x._interp is top:
        return x.primal, x.tangent
    return x, None


def _zeros_like(x: Tensor) -> Tensor:
    from deepnum.ops.numpy import zeros_like

    return zeros_like(x)


# ------------------------------------------------------------------ seeds of inner levels
def unbatch_seed(u: Any, level: Interpreter) -> Any:
    """A seed of a value batched by the vmap ``level``, as a seed of its physical batch.

    Transforms entered later than ``level`` (above it) stay around the result: their tracers
    are rebuilt with the batch axis of ``level`` as a new leading axis of each example.
    """
    from deepnum.autodiff.batching import BatchedTensor
    from deepnum.autodiff.batching_rules import materialize

    if u is None:
        return None
    if not isinstance(u, Tracer) or u._interp.level < level.level:
        return materialize(u, level.size)
    if u._interp is level:
        return u._phys
    outer = u._interp  # entered after `level`
    if _is_vmap(outer):
        from deepnum.ops.numpy import moveaxis

        inner = unbatch_seed(u._phys, level)  # (level batch, outer batch, ...)
        return BatchedTensor.wrap(moveaxis(inner, 1, 0), outer)
    tangent = None if u.tangent is None else unbatch_seed(u.tangent, level)
    return type(u).wrap(unbatch_seed(u.primal, level), tangent, outer)


def split_seed(u: Any, level: Interpreter) -> tuple[Any, Any]:
    """A seed at the dual ``level`` as (primal part, tangent part), transforms entered later
    rebuilt around each part."""
    from deepnum.autodiff.batching import BatchedTensor

    if u is None or not isinstance(u, Tracer) or u._interp.level < level.level:
        return u, None
    if u._interp is level:
        return u.primal, u.tangent
    outer = u._interp
    if _is_vmap(outer):
        p, t = split_seed(u._phys, level)
        return BatchedTensor.wrap(p, outer), None if t is None else BatchedTensor.wrap(t, outer)
    pp, pt = split_seed(u.primal, level)
    tp, tt = split_seed(u.tangent, level) if u.tangent is not None else (None, None)
    cls = type(u)
    primal = cls.wrap(pp, tp, outer)
    tangent = None if pt is None and tt is None else cls.wrap(_or_zero(pt, pp), tt, outer)
    return primal, tangent


def _or_zero(x: Any, like: Any) -> Any:
    return _zeros_like(like) if x is None else x
