"""Forward-mode differentiation: jvp, jacfwd, linearize (JAX's and ``torch.func``'s names).

``jvp(f, primals, tangents)`` runs ``f`` once on :class:`DualTensor` s, pairs (x, ẋ) of a
primal and its tangent. Every operation reaches the :class:`JvpInterpreter`, which computes the
primal output as usual and its tangent ẏ = J·ẋ with the rule of the operation's Function class
(:mod:`deepnum.autodiff.jvp_rules`), so J is never formed and no reverse pass runs. A Function
without a rule gets its tangent from two reverse passes over that one operation (the
"double-vjp trick": uᵀJ is linear in u, so J·ẋ = ∂/∂u ⟨uᵀJ, ẋ⟩), and a function that reads the
values of a dual tensor directly (``float(x)``, NumPy on ``.data``) falls back, as a whole, to
that trick too: slower, always right.

``jacfwd`` pushes the columns of the identity through one batched forward pass (``vmap`` over
tangents); it is the cheap Jacobian when the inputs are fewer than the outputs.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Sequence
from typing import Any

from deepnum import tree
from deepnum.autodiff import reverse, transforms
from deepnum.autodiff.mode import _state, enable_grad
from deepnum.autodiff.tensor import Tensor, _to_array, as_tensor, shape_str
from deepnum.autodiff.tracing import Interpreter, Tracer, TracerArray, TracerEscape

fallback_classes: set[type] = set()  # Functions whose tangent came from two reverse passes


class DualTensor(Tracer):
    """A primal value with its tangent (``None``: zero), as seen inside ``jvp``."""

    __slots__ = ("primal", "tangent")

    @classmethod
    def wrap(cls, primal: Tensor, tangent: Tensor | None, interp: JvpInterpreter) -> DualTensor:
        t = cls._new(interp)
        t.primal, t.tangent = primal, tangent
        return t

    @property
    def shape(self) -> tuple[int, ...]:
        return self.primal.shape

    @property
    def dtype(self) -> Any:
        return self.primal.dtype

    def _xp(self) -> Any:
        return self.primal.xp

    def _detached(self) -> Tensor:
        return self.primal.detach()  # a constant: no tangent

    def _after_return(self) -> Tensor:
        return self.primal  # a dual leaked out of jvp (e.g. through a closure): its value

    def detach(self) -> Tensor:
        if not self._interp.active:
            return self.primal.detach()
        tangent = None if self.tangent is None else self.tangent.detach()
        return DualTensor.wrap(self.primal.detach(), tangent, self._interp)

    def __repr__(self) -> str:
        return f"DualTensor(shape={shape_str(self.shape)}, dtype={self.dtype})"


class JvpInterpreter(Interpreter):
    """One active ``jvp``: computes the primal and tangent of each operation."""

    name = "jvp"

    def process(self, fn: Any, inputs: tuple) -> Any:
        from deepnum.autodiff.jvp_rules import JVP_RULES

        primals, tangents = [], []
        for x in inputs:
            mine = isinstance(x, DualTensor) and x._interp is self
            primals.append(x.primal if mine else x)
            tangents.append(x.tangent if mine else None)
        # A copy computes the primal: lower transforms may record it on their own values,
        # while the rules bind ``fn`` itself to the primals of this level.
        outputs = copy.copy(fn)(*primals)
        if all(t is None for t in tangents):
            return outputs
        rule = JVP_RULES.get(type(fn), fallback_jvp)
        touts = rule(fn, primals, tangents, outputs)
        if type(outputs) is tuple:
            touts = touts if isinstance(touts, (tuple, list)) else (touts,)
            return tuple(DualTensor.wrap(o, t, self) for o, t in zip(outputs, touts))
        return DualTensor.wrap(outputs, touts, self)


def fallback_jvp(fn: Any, primals: list, tangents: list, outputs: Any) -> Any:
    """J·ẋ for one Function without a forward rule, by two reverse passes over a copy of it
    (the double-vjp trick; see the module docstring)."""
    fallback_classes.add(type(fn))
    ts = [Tensor._make(p.xp.zeros(p.shape, dtype=p.dtype)) if t is None else t
          for p, t in zip(primals, tangents)]  # fmt: skip
    _, dy = _double_vjp(lambda *xs: copy.copy(fn)(*xs), primals, list(primals), ts, False)
    return tuple(dy) if type(outputs) is tuple else dy


# ------------------------------------------------------------------ jvp
def _tangent_leaf(t: Any, p: Tensor, i: int) -> Tensor:
    t = t if isinstance(t, Tensor) else Tensor._make(_to_array(t, p.dtype))
    if t.shape != p.shape:
        raise ValueError(
            f"jvp: tangent {i} has shape {shape_str(t.shape)} but its primal has shape "
            f"{shape_str(p.shape)}; they must match."
        )
    return t


def _leaves(values: Sequence[Any], what: str) -> list[Tensor]:
    out = []
    for v in values:
        if transforms._is_structure(v):
            out += [as_tensor(x) for x in tree.flatten(v)]
        else:
            out.append(as_tensor(v))
    return out


def _pack_like(values: Sequence[Any], flat: list) -> list:
    out, k = [], 0
    for v in values:
        n = len(tree.flatten(v)) if transforms._is_structure(v) else 1
        part = flat[k : k + n]
        k += n
        out.append(tree.pack_sequence_as(v, part) if transforms._is_structure(v) else part[0])
    return out


def jvp(
    f: Callable, primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False
) -> tuple[Any, ...]:
    """Forward-mode Jacobian-vector product: ``(f(*primals), J·tangents)``.

    Args:
        f: a function of tensors (nested structures allowed).
        primals: a tuple with one value per positional argument of ``f``.
        tangents: a tuple of the same structure: the direction ẋ.
        has_aux: ``f`` returns ``(output, aux)``; the result is then ``(output, ẏ, aux)``.

    Returns:
        ``(y, ẏ)`` with ẏ = ∂f/∂x · ẋ, of the structure of ``y``.

    Example:
        >>> import deepnum as dn
        >>> y, t = dn.jvp(lambda x: x ** 2, ([3.0],), ([1.0],))
        >>> t.numpy().tolist()
        [6.0]
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            "jvp: primals and tangents must be tuples with one entry per argument of f, e.g. "
            "jvp(f, (x,), (v,))."
        )
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: {len(primals)} primals but {len(tangents)} tangents; give one tangent per "
            "primal."
        )
    ps = _leaves(primals, "primal")
    ts = [_tangent_leaf(t, p, i) for i, (t, p) in enumerate(zip(_leaves(tangents, "t"), ps))]
    interp = JvpInterpreter()
    try:
        return _traced_jvp(f, primals, ps, ts, interp, has_aux)
    except TracerEscape as e:
        if e.interp is not interp:
            raise
    return _double_vjp(f, primals, ps, ts, has_aux)


def _traced_jvp(f, primals, ps, ts, interp, has_aux):
    grad_enabled = _state["enabled"]
    _state["enabled"] = True  # op wrappers reach the Functions (where jvp sees them)
    try:
        with interp:
            duals = [DualTensor.wrap(p, t, interp) for p, t in zip(ps, ts)]
            result = f(*_pack_like(primals, duals))
    finally:
        _state["enabled"] = grad_enabled
    out, aux = result if has_aux else (result, None)
    flat = tree.flatten(out)
    ys, dys = [], []
    for y in flat:
        if type(y) is Tensor and type(y.data) is TracerArray:
            y = y.data.tracer._detached()
        if isinstance(y, DualTensor) and y._interp is interp:
            y, dy = y.primal, y.tangent
        else:
            dy = None
        y = as_tensor(y)
        dy = Tensor._make(y.xp.zeros(y.shape, dtype=y.dtype)) if dy is None else dy
        if not grad_enabled:
            y, dy = y.detach(), dy.detach()
        ys.append(y)
        dys.append(dy)
    y, dy = tree.pack_sequence_as(out, ys), tree.pack_sequence_as(out, dys)
    return (y, dy, aux) if has_aux else (y, dy)


def _double_vjp(f, primals, ps, ts, has_aux):
    """The always-right path: J·v = ∂/∂u ⟨uᵀJ, v⟩ with two reverse passes over ``f``."""
    args, targets, nested = transforms._prepare(ps, range(len(ps)))
    flat_targets = [t for group in targets for t in group]
    result = transforms._call(f, *_pack_like(primals, args))
    out, aux = result if has_aux else (result, None)
    outs = [as_tensor(y) for y in tree.flatten(out)]
    us = [reverse.lift(Tensor._make(y.xp.zeros(y.shape, dtype=y.dtype))) for y in outs]
    with enable_grad():
        gs = reverse.vjp(outs, us, flat_targets, create_graph=True)
        pairs = [(g, t) for g, t in zip(gs, ts) if g is not None]
        inner = transforms._inner([g for g, _ in pairs], [t for _, t in pairs]) if pairs else None
    if inner is None:
        dys = [transforms._zeros(y) for y in outs]
    else:
        one = Tensor._make(inner.xp.ones((), dtype=inner.dtype))
        got = reverse.vjp([inner], [one], us, create_graph=nested)
        dys = [transforms._zeros(y) if g is None else g for g, y in zip(got, outs)]
    y, dy = tree.pack_sequence_as(out, outs), tree.pack_sequence_as(out, dys)
    return (y, dy, aux) if has_aux else (y, dy)


# ------------------------------------------------------------------ jacfwd, linearize
def jacfwd(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Return the Jacobian function of ``f`` in forward mode (JAX's ``jacfwd``).

    For ``y = f(x)`` the result has shape ``y.shape + x.shape`` (J[i..., j...] = ∂yᵢ/∂xⱼ),
    as :func:`~deepnum.autodiff.transforms.jacrev`'s; the columns come from one forward pass
    batched over the columns of the identity. Several ``argnums`` give a tuple over them; a
    tuple of outputs gives a tuple over the outputs.

    Example:
        >>> import deepnum as dn
        >>> dn.jacfwd(lambda x: x ** 2)([1.0, 2.0]).numpy().tolist()
        [[2.0, 0.0], [0.0, 4.0]]
    """
    nums, single = transforms._as_tuple(argnums)

    @functools.wraps(f)
    def wrapper(*args: Any) -> Any:
        from deepnum.autodiff.batching import vmap
        from deepnum.ops.numpy import moveaxis, reshape

        args = [as_tensor(a) if not transforms._is_structure(a) else a for a in args]
        per_arg, aux = [], None
        for i in nums:
            x = as_tensor(args[i])
            n = x.size
            basis = Tensor._make(x.xp.eye(n, dtype=x.dtype).reshape((n,) + x.shape))

            def push(t: Tensor, i: int = i) -> Any:
                tangents = [transforms._zeros(as_tensor(a)) for a in args]
                tangents[i] = t
                return jvp(f, tuple(args), tuple(tangents), has_aux=has_aux)[1:]

            cols, aux_b = _split_aux(vmap(push, out_axes=0)(basis), has_aux)
            if has_aux:
                aux = tree.map_structure(lambda a: a[0], aux_b)
            per_arg.append(
                tree.map_structure(
                    lambda c, x=x: reshape(moveaxis(c, 0, -1), c.shape[1:] + x.shape), cols
                )
            )
        jac = per_arg[0] if single else _transpose_outputs(per_arg)
        return (jac, aux) if has_aux else jac

    return wrapper


def _split_aux(result: Any, has_aux: bool) -> tuple[Any, Any]:
    return (result[0], result[1]) if has_aux else (result[0], None)


def _transpose_outputs(per_arg: list) -> Any:
    """Per-argument Jacobians of a tuple of outputs as a tuple over outputs of tuples over
    arguments (as jacrev gives them)."""
    if isinstance(per_arg[0], tuple):
        return tuple(tuple(arg[k] for arg in per_arg) for k in range(len(per_arg[0])))
    return tuple(per_arg)


def linearize(f: Callable, *primals: Any) -> tuple[Any, Callable]:
    """Return ``(f(*primals), f_jvp)``: ``f_jvp(*tangents)`` is J·tangents at ``primals``
    (JAX's ``linearize``). Each call of ``f_jvp`` is one forward-mode pass.

    Example:
        >>> import deepnum as dn
        >>> y, f_jvp = dn.linearize(lambda x: dn.ops.sin(x), 0.0)
        >>> float(f_jvp(2.0))
        2.0
    """
    ps = [as_tensor(p) if not transforms._is_structure(p) else p for p in primals]
    with enable_grad():
        out = f(*ps)

    def f_jvp(*tangents: Any) -> Any:
        if len(tangents) != len(ps):
            raise ValueError(
                f"linearize: f_jvp takes one tangent per primal ({len(ps)}), "
                f"received {len(tangents)}."
            )
        return jvp(f, tuple(ps), tuple(tangents))[1]

    return out, f_jvp
