"""The graph walk: reverse-mode accumulation of gradients, without recursion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from deepnum.autodiff.function import Function
from deepnum.autodiff.mode import _state
from deepnum.autodiff.tensor import Tensor, _to_array, shape_str
from deepnum.autodiff.tracing import Tracer


def _key(t: Tensor) -> tuple:
    """Gradients are keyed by (creator, output index), or by (None, id) for a leaf."""
    return (None, id(t)) if t.creator is None else (t.creator, t._index)


def _topological_order(roots: Sequence[Tensor]) -> list[Function]:
    """Functions reachable from ``roots``, each after all the functions that consume it."""
    order: list[Function] = []
    seen: set[Function] = set()  # Functions hash by identity
    stack: list[tuple[Function, bool]] = [(t.creator, False) for t in roots if t.creator]
    push, pop = stack.append, stack.pop
    while stack:
        fn, expanded = pop()
        if expanded:
            order.append(fn)
            continue
        if fn in seen:
            continue
        if fn.inputs is None:
            raise RuntimeError(
                f"Trying to backward through {type(fn).__name__} a second time, but its saved "
                "values were freed by the first backward. Pass retain_graph=True to the first "
                "backward (or to the transform) if you need to walk the graph again."
            )
        seen.add(fn)
        push((fn, True))
        for x in fn.inputs:
            creator = x.creator
            if creator is not None and creator not in seen:
                push((creator, False))
    order.reverse()
    return order


def _seed(t: Tensor, grad: Any, tensors: bool) -> Any:
    """The gradient that starts the walk from ``t``: a Tensor if ``tensors``, else an array."""
    if grad is None:
        data = t.data
        if data.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {t.shape} needs `grad`: a gradient is implied "
                "only for one-element outputs. Reduce it first (e.g. loss.sum() or loss.mean()) "
                "or pass grad=ones_like(output)."
            )
        # A loss (a 0-d array or a NumPy scalar): np.array is ~4x cheaper than np.ones.
        if data.ndim == 0 and (type(data) is np.ndarray or isinstance(data, np.generic)):
            seed = np.array(1, data.dtype)
        else:
            seed = t.xp.ones(data.shape, data.dtype)
        return Tensor._make(seed) if tensors else seed
    g = grad if isinstance(grad, Tensor) else Tensor._make(_to_array(grad, t.dtype))
    if g.shape != t.shape:
        raise ValueError(
            f"backward(): grad has shape {shape_str(g.shape)} but the output has shape "
            f"{shape_str(t.shape)}; they must match."
        )
    return g if tensors else g.data


def run_backward(
    outputs: Sequence[Tensor],
    grad_outputs: Sequence[Any],
    retain_graph: bool = False,
    create_graph: bool = False,
    inputs: Sequence[Tensor] | None = None,
) -> list[Tensor | None] | None:
    """Backpropagate from ``outputs``.

    With ``inputs=None`` (``Tensor.backward``), gradients accumulate into ``leaf.grad`` for
    every leaf that requires grad. With ``inputs`` given (the transforms, ``GradientTape``),
    nothing is accumulated and the gradients with respect to ``inputs`` are returned (``None``
    where an input is not connected to the outputs).

    Two walks share this code. With ``create_graph`` the gradients are Tensors and every
    backward is recorded (higher derivatives). Otherwise, the common case, the gradients are
    raw arrays: a Function's ``backward_arrays`` runs directly on them when it has one, and
    ``backward`` gets them wrapped in Tensors when it has not.
    """
    for t in outputs:
        if not t.requires_grad:
            raise RuntimeError(
                "backward(): the output does not require grad; none of the tensors it was "
                "computed from had requires_grad=True (or it was computed under no_grad())."
            )
    # The graph recorded by create_graph points back into this one (e.g. Exp's backward uses
    # its output), so it is kept, as PyTorch does (retain_graph defaults to create_graph).
    release = not (retain_graph or create_graph)
    grads: dict[tuple, Any] = {}
    leaves: dict[int, Tensor] = {id(t): t for t in outputs if t.creator is None}
    # Seeds that are tracers of a transform (vmap over cotangents: all the rows of a
    # Jacobian in one pass) flow as Tensors through the recorded backward methods.
    traced = False
    for g in grad_outputs:
        if g is not None and isinstance(g, Tracer):
            traced = True
            break
    tensors = create_graph or traced
    apply = _apply if tensors else _apply_arrays
    prev = _state["enabled"]
    _state["enabled"] = tensors
    try:
        for t, g in zip(outputs, grad_outputs):
            _accumulate(grads, _key(t), _seed(t, g, tensors))
        wanted = None if inputs is None else {_key(x): None for x in inputs}
        pop = grads.pop
        inline = wanted is None
        for fn in _topological_order(outputs):
            if inline and len(fn._out_meta) == 1:  # the common case, inline
                g = pop((fn, 0), None)
                if g is not None:
                    apply(fn, [g], grads, leaves)
            else:
                gys = _pop_output_grads(grads, fn, wanted, tensors)
                if gys is not None:
                    apply(fn, gys, grads, leaves)
            if release:
                fn.release()
    finally:
        _state["enabled"] = prev
    if wanted is not None:
        for key, g in grads.items():
            if key in wanted:
                wanted[key] = g
        found = [wanted[_key(x)] for x in inputs]
        if traced and not create_graph:
            return [None if g is None else g.detach() for g in found]
        return found if tensors else [None if g is None else Tensor._make(g) for g in found]
    _store_leaf_grads(grads, leaves, create_graph, outputs, traced)
    return None


def _store_leaf_grads(
    grads: dict,
    leaves: dict[int, Tensor],
    create_graph: bool,
    outputs: Sequence[Tensor],
    traced: bool,
) -> None:
    """Accumulate into ``leaf.grad``.

    Without ``create_graph`` every leaf gets a writable array of its own: the walk may hand
    one gradient to several leaves (``x + y``), or a read-only broadcast view (``sum``), and
    ``.grad`` is routinely updated in place (``x.grad.data *= 0``).
    """
    if not (create_graph or traced):  # raw arrays: the grad mode does not matter
        _store_arrays(grads, leaves, outputs)
        return
    prev = _state["enabled"]
    _state["enabled"] = create_graph  # leaf.grad + g is a Tensor op, recorded with create_graph
    try:
        if not create_graph:
            _store_arrays(grads, leaves, outputs)
            return
        for (creator, ident), g in grads.items():
            leaf = leaves.get(ident) if creator is None else None
            if leaf is not None and leaf.requires_grad:
                leaf.grad = g if leaf.grad is None else leaf.grad + g
    finally:
        _state["enabled"] = prev


def _store_arrays(grads: dict, leaves: dict[int, Tensor], outputs: Sequence[Tensor]) -> None:
    """``leaf.grad`` without ``create_graph``: each leaf's gradient in memory of its own."""
    taken = None  # the memory already handed out, computed when a first .grad is stored
    for (creator, ident), g in grads.items():
        if creator is not None:
            continue
        leaf = leaves.get(ident)
        if leaf is None or not leaf.requires_grad:
            continue
        if leaf.grad is not None:
            leaf.grad = Tensor._make(leaf.grad.data + g)
        else:
            if taken is None:
                taken = {id(_root(t.data)) for t in outputs}
            leaf.grad = Tensor._make(_private(g, taken))


def _root(a: Any) -> Any:
    """The array that owns the memory of ``a`` (itself, or the base of a view)."""
    while getattr(a, "base", None) is not None:
        a = a.base
    return a


def _private(a: Any, taken: set[int]) -> Any:
    """``a``, or a copy of it when it is read-only or shares memory already handed out."""
    root = id(_root(a))
    if root in taken or not getattr(a.flags, "writeable", True):
        a = a.copy()
        root = id(a)
    taken.add(root)
    return a


def _accumulate(grads: dict[tuple, Any], key: tuple, g: Any) -> None:
    prev = grads.get(key)
    grads[key] = g if prev is None else prev + g


def _pop_output_grads(grads: dict, fn: Function, wanted: dict | None, tensors: bool) -> list | None:
    gys = []
    for i in range(len(fn._out_meta)):
        g = grads.pop((fn, i), None)
        if wanted is not None and (fn, i) in wanted:
            wanted[(fn, i)] = g
        gys.append(g)
    if all(g is None for g in gys):
        return None
    for i, g in enumerate(gys):
        if g is None:  # an output nobody used: its gradient is zero
            shape, dtype = fn._out_meta[i]
            zeros = fn.inputs[0].xp.zeros(shape, dtype=dtype)
            gys[i] = Tensor._make(zeros) if tensors else zeros
    return gys


def _check_count(fn: Function, gxs: Any) -> tuple:
    if not isinstance(gxs, tuple):
        gxs = (gxs,)
    if len(gxs) != len(fn.inputs):
        raise RuntimeError(
            f"{type(fn).__name__}.backward returned {len(gxs)} gradients for "
            f"{len(fn.inputs)} inputs; return one per input (None where not needed)."
        )
    return gxs


def _check_shape(fn: Function, x: Tensor, shape: tuple) -> None:
    if shape != x.data.shape:
        raise RuntimeError(
            f"{type(fn).__name__}.backward returned a gradient of shape {shape_str(shape)} "
            f"for an input of shape {shape_str(x.shape)}; they must match."
        )


def _apply(fn: Function, gys: list[Tensor], grads: dict, leaves: dict[int, Tensor]) -> None:
    """One recorded backward (create_graph): Tensors in, Tensors out."""
    gxs = _check_count(fn, fn.backward(*gys))
    for x, gx, needed in zip(fn.inputs, gxs, fn.needs_input_grad):
        if gx is None or not needed:
            continue
        if not isinstance(gx, Tensor):
            gx = Tensor._make(_to_array(gx))
        _check_shape(fn, x, gx.data.shape)
        if gx.data.dtype != x.data.dtype:  # x * float64 promotes; x's gradient keeps x's dtype
            gx = _cast(gx, x.dtype)
        if x.creator is None:
            leaves[id(x)] = x
        _accumulate(grads, _key(x), gx)


def _apply_arrays(fn: Function, gys: list[Any], grads: dict, leaves: dict[int, Tensor]) -> None:
    """One backward on raw arrays: ``backward_arrays`` if the Function has it, else
    ``backward`` on the arrays wrapped in Tensors. (The hot path of every training step:
    written out without helper calls.)"""
    fast = fn.backward_arrays
    if fast is not None:
        gxs = fast(*gys)
    else:
        gxs = fn.backward(*[Tensor._make(g) for g in gys])
    if type(gxs) is not tuple:
        gxs = (gxs,)
    if len(gxs) != len(fn.inputs):
        _check_count(fn, gxs)
    for x, gx, needed in zip(fn.inputs, gxs, fn.needs_input_grad):
        if gx is None or not needed:
            continue
        if type(gx) is not np.ndarray:  # a Tensor, a NumPy scalar, a CuPy array, a number
            gx = gx.data if isinstance(gx, Tensor) else _to_array(gx)
        data = x.data
        if gx.shape != data.shape:
            _check_shape(fn, x, gx.shape)
        # x * float64 promotes; x's gradient keeps x's dtype (builtin dtypes are singletons:
        # the identity test settles the common case without dtype.__ne__)
        if gx.dtype is not data.dtype and gx.dtype != data.dtype:
            gx = gx.astype(data.dtype)
        if x.creator is None:
            key = (None, id(x))
            leaves[key[1]] = x
        else:
            key = (x.creator, x._index)
        prev = grads.get(key)
        grads[key] = gx if prev is None else prev + gx


def _cast(g: Tensor, dtype: Any) -> Tensor:
    from deepnum.ops.numpy._elementwise import cast  # ops build on this module

    return cast(g, dtype)
