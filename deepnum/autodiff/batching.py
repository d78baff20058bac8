"""vmap: vectorise a function written for one example over a batch (JAX's ``jax.vmap``,
PyTorch's ``torch.func.vmap``).

``vmap(f)(xs)`` runs ``f`` once, on :class:`BatchedTensor` s: tensors that look like one
example (their ``shape`` has no batch axis) but hold the whole batch, batch axis first. Every
operation ``f`` applies reaches the :class:`VmapInterpreter`, which computes it on the whole
batch with the batching rule of the operation's Function class
(:mod:`deepnum.autodiff.batching_rules`): an elementwise op runs on the batch as it is, a
reduction over axis k of an example reduces axis k + 1 of the batch, a matmul becomes a
batched matmul, and so on. A Function without a rule runs once per example and the results
are stacked (right, but slow). When ``f`` reads the values of a batched tensor directly
(Python control flow on them, NumPy on ``.data``), the whole of ``f`` runs once per example
instead, with a warning.

vmap composes with the other transforms: ``vmap(grad(f))`` gives one gradient per example,
``vmap(vmap(f))`` maps over two axes, ``vmap(jvp(...))`` is ``jacfwd``.
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from deepnum import tree
from deepnum.autodiff.mode import _state
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.autodiff.tracing import Interpreter, Tracer, TracerArray, TracerEscape

_warned: set[Any] = set()
fallback_classes: set[type] = set()  # Functions that ran once per example (docs, tests)


class BatchedTensor(Tracer):
    """A batch of tensors that ``f`` sees as one: ``shape`` is that of an example, the data
    (``_phys``) has the batch axis first."""

    __slots__ = ("_phys",)

    @classmethod
    def wrap(cls, phys: Tensor, interp: VmapInterpreter) -> BatchedTensor:
        t = cls._new(interp)
        t._phys = phys
        return t

    @property
    def shape(self) -> tuple[int, ...]:
        return self._phys.shape[1:]

    @property
    def dtype(self) -> Any:
        return self._phys.dtype

    def _xp(self) -> Any:
        return self._phys.xp

    def _detached(self) -> BatchedTensor:
        return BatchedTensor.wrap(self._phys.detach(), self._interp)

    def detach(self) -> BatchedTensor:
        return self._detached()

    def __repr__(self) -> str:
        return (
            f"BatchedTensor(shape={shape_str(self.shape)}, dtype={self.dtype}, "
            f"batch={self._interp.size})"
        )


class VmapInterpreter(Interpreter):
    """One active ``vmap``: computes the operations on its batched tensors."""

    name = "vmap"

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def process(self, fn: Any, inputs: tuple) -> Any:
        from deepnum.autodiff.batching_rules import RULES

        args, batched = [], []
        for x in inputs:
            mine = isinstance(x, BatchedTensor) and x._interp is self
            args.append(x._phys if mine else x)
            batched.append(mine)
        rule = RULES.get(type(fn))
        out = (rule or loop_rule)(fn, args, batched, self.size)
        if type(out) is tuple:
            return tuple([BatchedTensor.wrap(o, self) for o in out])
        return BatchedTensor.wrap(out, self)

    def batched(self, x: Any) -> bool:
        """True when ``x`` is batched by this vmap."""
        return isinstance(x, BatchedTensor) and x._interp is self


def loop_rule(fn: Any, args: list, batched: list[bool], size: int) -> Any:
    """The generic rule: run a copy of ``fn`` on each example and stack the results."""
    from deepnum.ops.core._scatter import unstack
    from deepnum.ops.numpy import stack

    if type(fn) not in fallback_classes:
        fallback_classes.add(type(fn))
        _warn_once(
            type(fn),
            f"vmap: {type(fn).__name__} has no batching rule; it runs once per example and the "
            "results are stacked (slow).",
        )
    slices = [unstack(a) if b else None for a, b in zip(args, batched)]
    results = []
    for i in range(size):
        xs = [s[i] if s is not None else a for s, a in zip(slices, args)]
        results.append(copy.copy(fn)(*xs))
    if type(results[0]) is tuple:
        return tuple(stack([r[k] for r in results]) for k in range(len(results[0])))
    return stack(results)


def _warn_once(key: Any, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, stacklevel=4)


# ------------------------------------------------------------------------- the transform
def _axes_for(args: tuple, in_axes: Any) -> list[Any]:
    """One axis (int or None) per leaf of ``args``, from ``in_axes`` (an int, None, or a
    tuple with one entry per argument: an int, None, or a structure matching the argument)."""
    if in_axes is None or isinstance(in_axes, int):
        return [in_axes] * len(tree.flatten(list(args)))
    if not isinstance(in_axes, (tuple, list)) or len(in_axes) != len(args):
        raise ValueError(
            f"vmap: in_axes must be an int, None, or a tuple with one entry per positional "
            f"argument ({len(args)}); received {in_axes!r}."
        )
    axes: list[Any] = []
    for i, (a, spec) in enumerate(zip(args, in_axes)):
        n = len(tree.flatten(a))
        if spec is None or isinstance(spec, int):
            axes += [spec] * n
            continue
        try:
            tree.assert_same_structure(a, spec)
        except (ValueError, TypeError):
            raise ValueError(
                f"vmap: in_axes[{i}] = {spec!r} does not match the structure of argument {i}; "
                "give an int, None, or the same structure with an int or None per leaf."
            ) from None
        axes += tree.flatten(spec)
    return axes


def _batch_size(leaves: list, axes: list, axis_size: int | None) -> int:
    sizes = {}
    for i, (x, a) in enumerate(zip(leaves, axes)):
        if a is None:
            continue
        if not isinstance(x, Tensor):
            raise ValueError(
                f"vmap: leaf {i} of the arguments is mapped along axis {a} but it is a "
                f"{type(x).__name__}, not a tensor; give it in_axes None or pass a tensor."
            )
        if not -x.ndim <= a < x.ndim:
            raise ValueError(
                f"vmap: in_axes {a} is out of range for leaf {i} of shape {shape_str(x.shape)}."
            )
        sizes[i] = x.shape[a]
    if axis_size is not None:
        sizes["axis_size"] = axis_size
    if not sizes:
        raise ValueError(
            "vmap: no argument is mapped (all in_axes are None); pass axis_size to say how "
            "many times to run the function."
        )
    if len(set(sizes.values())) != 1:
        detail = ", ".join(f"leaf {k}: {v}" for k, v in sizes.items())
        raise ValueError(f"vmap: the mapped axes have different sizes ({detail}).")
    return next(iter(sizes.values()))


def _leaf(x: Any, axis: Any) -> Any:
    if axis is None or isinstance(x, Tensor):
        return x
    return as_tensor(x)


def vmap(
    f: Callable, in_axes: Any = 0, out_axes: Any = 0, axis_size: int | None = None
) -> Callable:
    """Vectorise ``f`` over an axis of its arguments: ``vmap(f)(xs)[i] == f(xs[i])``.

    ``f`` is written for one example; the result runs it on a whole batch at once (see the
    module docstring). Keyword arguments are passed unchanged, not mapped (as in
    ``torch.func.vmap``).

    Args:
        f: a function of tensors (and nested lists, tuples and dicts of tensors).
        in_axes: the axis of each argument to map over: an int for all, ``None`` for an
            argument passed unchanged to every call, or a tuple with one entry per positional
            argument (an int, None, or a structure matching that argument).
        out_axes: where the batch axis goes in each output: an int, ``None`` (an output that
            does not depend on the batch), or a structure matching the output.
        axis_size: the batch size, needed only when no argument is mapped.

    Returns:
        The batched function. Its outputs have the batch axis at ``out_axes``; an output that
        does not depend on the batch is repeated along it.

    Example:
        >>> import deepnum as dn
        >>> xs = dn.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        >>> dn.vmap(lambda x: x @ x)(xs).tolist()  # one dot product per row
        [5.0, 25.0, 61.0]
        >>> dn.vmap(dn.grad(lambda x: (x ** 3).sum()))(xs).tolist()  # per-example gradients
        [[3.0, 12.0], [27.0, 48.0], [75.0, 108.0]]
    """
    if not callable(f):
        raise TypeError(f"vmap: f must be callable, received {type(f).__name__}.")
    if axis_size is not None and (not isinstance(axis_size, int) or axis_size < 1):
        raise ValueError(f"vmap: axis_size must be a positive int, received {axis_size!r}.")

    @functools.wraps(f)
    def batched(*args: Any, **kwargs: Any) -> Any:
        axes = _axes_for(args, in_axes)
        leaves = [_leaf(x, a) for x, a in zip(tree.flatten(list(args)), axes)]
        size = _batch_size(leaves, axes, axis_size)
        interp = VmapInterpreter(size)
        try:
            return _traced(f, args, kwargs, leaves, axes, interp, out_axes)
        except TracerEscape as e:
            if e.interp is not interp:
                raise
            _warn_once(
                (f, e.what),
                f"vmap: {getattr(f, '__name__', 'f')} reads {e.what}; it runs once per "
                "example instead (slow). Express it with deepnum ops to batch it.",
            )
        return _looped(f, args, kwargs, leaves, axes, size, out_axes)

    return batched


def _traced(
    f: Callable, args: tuple, kwargs: dict, leaves: list, axes: list, interp: Any, out_axes: Any
) -> Any:
    from deepnum.ops.numpy import moveaxis

    grad_enabled = _state["enabled"]
    _state["enabled"] = True  # op wrappers reach the Functions (where vmap sees them)
    try:
        with interp:
            wrapped = []
            for x, a in zip(leaves, axes):
                if a is not None:
                    x = BatchedTensor.wrap(moveaxis(x, a, 0) if a % x.ndim else x, interp)
                wrapped.append(x)
            out = f(*tree.pack_sequence_as(list(args), wrapped), **kwargs)
    finally:
        _state["enabled"] = grad_enabled
    return _unbatch(out, interp, out_axes, detach=not grad_enabled)


def _out_axes_for(out: Any, out_axes: Any) -> list[Any]:
    n = len(tree.flatten(out))
    if out_axes is None or isinstance(out_axes, int):
        return [out_axes] * n
    if isinstance(out, (tuple, list)) and len(out_axes) == len(out):
        axes = []
        for o, spec in zip(out, out_axes):
            axes += _out_axes_for(o, spec)
        return axes
    try:
        tree.assert_same_structure(out, out_axes)
    except (ValueError, TypeError):
        raise ValueError(
            f"vmap: out_axes={out_axes!r} does not match the structure of the outputs."
        ) from None
    return tree.flatten(out_axes)


def _unbatch(out: Any, interp: VmapInterpreter, out_axes: Any, detach: bool) -> Any:
    """The outputs of the traced ``f`` as batches, the batch axis at ``out_axes``."""
    from deepnum.ops.numpy import broadcast_to, expand_dims, moveaxis

    flat = tree.flatten(out)
    result = []
    for i, (y, axis) in enumerate(zip(flat, _out_axes_for(out, out_axes))):
        if type(y) is Tensor and type(y.data) is TracerArray:
            y = y.data.tracer._detached()
        mine = isinstance(y, BatchedTensor) and y._interp is interp
        if axis is None:
            if mine:
                raise ValueError(
                    f"vmap: output {i} depends on the mapped axis but out_axes is None for it."
                )
            result.append(as_tensor(y) if isinstance(y, (Tensor, np.ndarray)) else y)
            continue
        if mine:
            y = y._phys
        elif isinstance(y, Tracer) and not y._interp.active:
            raise RuntimeError("vmap: an output is a tracer of a transform that has returned.")
        else:  # the same for every example: repeated along the batch axis
            y = as_tensor(y)
            y = broadcast_to(expand_dims(y, 0), (interp.size,) + tuple(y.shape))
        if axis % y.ndim:
            y = moveaxis(y, 0, axis)
        result.append(y.detach() if detach else y)
    return tree.pack_sequence_as(out, result)


def _looped(
    f: Callable, args: tuple, kwargs: dict, leaves: list, axes: list, size: int, out_axes: Any
) -> Any:
    """The always-right path: ``f`` once per example, outputs stacked."""
    from deepnum.ops.numpy import moveaxis, stack

    outs = []
    for i in range(size):
        sliced = [x if a is None else moveaxis(x, a, 0)[i] for x, a in zip(leaves, axes)]
        outs.append(f(*tree.pack_sequence_as(list(args), sliced), **kwargs))
    flat = [tree.flatten(o) for o in outs]
    axes_out = _out_axes_for(outs[0], out_axes)
    result = []
    for k, axis in enumerate(axes_out):
        column = [fl[k] for fl in flat]
        result.append(column[0] if axis is None else stack(column, axis=axis))
    return tree.pack_sequence_as(outs[0], result)
