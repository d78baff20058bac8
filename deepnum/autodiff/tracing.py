"""What the function transforms share: tracer tensors, the stack of active transforms, and
the one hook in ``Function.__call__`` through which they see every operation.

``vmap`` and forward-mode ``jvp`` run the user's function on *tracers*: Tensors that stand for
a value of the transform (a batch of examples, a primal with its tangent). When an operation
(a :class:`~deepnum.autodiff.function.Function`) receives a tracer, ``Function.__call__`` hands
it to the interpreter of the innermost transform among its inputs, which computes the result
from the values one level down (the physical batch, the primal and tangent) with a rule keyed
by the Function's class, and wraps it in a tracer again. Transforms nest: the values one level
down may themselves be tracers of an outer transform.

A tracer's ``.data`` is a :class:`TracerArray`: it knows the shape and dtype the function
sees, and nothing else. Code that reads the values of a tracer directly (NumPy on ``.data``,
``float(x)``, ``if x > 0:``) raises :class:`TracerEscape`, and the transform then falls back to
a slower path that is always right (``vmap`` runs the function once per example, ``jvp`` uses
two reverse passes). Nothing is ever computed on the wrong values.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from typing import Any

from deepnum.autodiff import function as _function
from deepnum.autodiff.tensor import Tensor, shape_str

_levels = itertools.count(1)
_stack: list[Interpreter] = []
_subst: dict[int, Tensor] = {}
_observers: list[Callable[[Any, tuple], None]] = []
_processing: list[Interpreter] = []  # the transforms computing an operation right now
_hidden: list[Interpreter] = []  # transforms whose values a reverse pass has unwrapped


class TracerEscape(BaseException):
    """Code read the values of a tracer directly; its transform falls back to a slower path.

    A ``BaseException`` (like ``KeyboardInterrupt``) so that a user's ``except Exception``
    cannot swallow it and go on with wrong values.
    """

    def __init__(self, interp: Interpreter, what: str) -> None:
        super().__init__(f"{interp.name} cannot batch or trace {what}")
        self.interp, self.what = interp, what


def _escape(tracer: Tracer, what: str) -> None:
    interp = tracer._interp
    if not interp.active:
        raise RuntimeError(
            f"A tracer of {interp.name} was used after the transform returned ({what}). It "
            "escaped through a global, a closure or a non-tensor output; return tensors from "
            "the transformed function instead."
        )
    raise TracerEscape(interp, what)


class TracerArray:
    """The ``.data`` of a tracer: the shape and dtype seen by the traced function, no values.

    Reading anything else (``np.asarray(x.data)``, ``x.data + 1``, ``x.data[0]``) raises
    :class:`TracerEscape`: see the module docstring.
    """

    __slots__ = ("tracer",)
    __hash__ = object.__hash__

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer

    shape = property(lambda self: self.tracer.shape)
    dtype = property(lambda self: self.tracer.dtype)
    ndim = property(lambda self: len(self.tracer.shape))
    size = property(lambda self: self.tracer.size)
    itemsize = property(lambda self: self.tracer.dtype.itemsize)
    nbytes = property(lambda self: self.tracer.size * self.tracer.dtype.itemsize)

    @property
    def data(self) -> Any:
        # An empty array of the right module, so that get_array_module(x.data) sees CuPy.
        return self.tracer._xp().empty((0,), self.tracer.dtype)

    def __len__(self) -> int:
        if not self.tracer.shape:
            raise TypeError("len() of unsized object")
        return self.tracer.shape[0]

    def __repr__(self) -> str:
        return f"TracerArray(shape={shape_str(self.shape)}, dtype={self.dtype})"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):  # NumPy's protocol probes
            _escape(self.tracer, "a NumPy conversion of its data")
        return self.tracer._array_method(name)

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        _escape(self.tracer, "np.asarray(x.data)")

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return self.tracer._array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return self.tracer._array_function(func, args, kwargs)

    def __getitem__(self, index: Any) -> Any:
        return self.tracer._array_method("__getitem__")(index)

    def __iter__(self) -> Any:
        _escape(self.tracer, "iteration over x.data")

    def __bool__(self) -> bool:
        _escape(self.tracer, "bool(x) (Python control flow on a traced value)")

    def __float__(self) -> float:
        _escape(self.tracer, "float(x)")

    def __int__(self) -> int:
        _escape(self.tracer, "int(x)")

    def __index__(self) -> int:
        _escape(self.tracer, "a traced value used as an index")

    def __complex__(self) -> complex:
        _escape(self.tracer, "complex(x)")


def _ufunc_operator(ufunc_name: str, reflected: bool = False) -> Callable:
    import numpy as np

    ufunc = getattr(np, ufunc_name)
    if reflected:
        return lambda self, other: ufunc(other, self)
    return lambda self, other: ufunc(self, other)


def _install_operators() -> None:
    """Arithmetic and comparisons on a TracerArray go through ``__array_ufunc__``, as they do
    on an ndarray (``x.data > 0`` is ``np.greater(x.data, 0)``)."""
    import numpy as np

    pairs = {
        "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
        "floordiv": "floor_divide", "mod": "remainder", "pow": "power", "matmul": "matmul",
        "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
        "lshift": "left_shift", "rshift": "right_shift",
    }  # fmt: skip
    for short, name in pairs.items():
        setattr(TracerArray, f"__{short}__", _ufunc_operator(name))
        setattr(TracerArray, f"__r{short}__", _ufunc_operator(name, reflected=True))
    for short, name in {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal",
                        "gt": "greater", "ge": "greater_equal"}.items():  # fmt: skip
        setattr(TracerArray, f"__{short}__", _ufunc_operator(name))
    TracerArray.__neg__ = lambda self: np.negative(self)
    TracerArray.__pos__ = lambda self: np.positive(self)
    TracerArray.__abs__ = lambda self: np.absolute(self)
    TracerArray.__invert__ = lambda self: np.invert(self)


_install_operators()


class Tracer(Tensor):
    """A Tensor that stands for a value of a transform (see the module docstring).

    Subclasses set ``_interp`` (the transform) and implement the logical ``shape``/``dtype``.
    ``requires_grad`` is always True: the op wrappers then take the path through a Function,
    where the transform sees the operation.
    """

    __slots__ = ("_interp",)

    @property  # type: ignore[override]
    def data(self) -> Any:
        if self._interp.active:
            return TracerArray(self)
        return self._after_return().data

    def _after_return(self) -> Tensor:
        """What the tracer stands for once its transform has returned (used after it leaked
        out of the transform through a closure): an error unless the subclass says."""
        _escape(self, "its values")

    @classmethod
    def _new(cls, interp: Interpreter) -> Any:
        t = object.__new__(cls)
        t.grad = None
        t.creator = None
        t._index = 0
        t.name = None
        t.requires_grad = True
        t._interp = interp
        return t

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    @property
    def xp(self) -> Any:
        return self._xp()

    def _xp(self) -> Any:
        raise NotImplementedError

    def _array_method(self, name: str) -> Any:
        """``x.data.<name>`` for a name TracerArray does not define: an escape by default."""
        _escape(self, f"x.data.{name}")

    def _array_ufunc(self, ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
        _escape(self, f"NumPy's {ufunc.__name__} on x.data")

    def _array_function(self, func: Any, args: tuple, kwargs: dict) -> Any:
        _escape(self, f"np.{func.__name__} on x.data")

    def backward(self, grad: Any = None, retain_graph: bool = False, create_graph: bool = False):
        raise RuntimeError(
            f"backward() on a tensor traced by {self._interp.name}: inside a transform, take "
            "gradients with deepnum.grad / deepnum.vjp instead (vmap(grad(f)) gives one "
            "gradient per example)."
        )

    def numpy(self) -> Any:
        if not self._interp.active:
            return self._after_return().numpy()
        _escape(self, "x.numpy()")

    def item(self) -> Any:
        if not self._interp.active:
            return self._after_return().item()
        _escape(self, "x.item()")


class Interpreter:
    """One active transform. ``process`` computes an operation whose innermost tracer
    input belongs to this transform; it is entered with ``with interp:``."""

    name = "a transform"

    def __init__(self) -> None:
        self.level = next(_levels)
        self.active = False

    def __enter__(self) -> Interpreter:
        self.active = True
        _stack.append(self)
        _update_hook()
        return self

    def __exit__(self, *exc: Any) -> None:
        _stack.remove(self)
        self.active = False
        _update_hook()

    def process(self, fn: Any, inputs: tuple) -> Any:
        raise NotImplementedError


def active_interpreters() -> list[Interpreter]:
    """The transforms a value computed now may be traced by, outermost first: all the active
    ones, or, while a transform computes an operation, those entered before it (the values
    one level down never hold tracers of that transform or of later ones)."""
    if _processing:
        level = _processing[-1].level
        return [i for i in _stack if i.level < level and i not in _hidden]
    return [i for i in _stack if i not in _hidden]


@contextlib.contextmanager
def hidden(interp: Interpreter) -> Iterator[None]:
    """Within the block, ``interp`` is not among :func:`active_interpreters`: a reverse pass
    over the values one level below it runs there."""
    _hidden.append(interp)
    try:
        yield
    finally:
        _hidden.remove(interp)


def _update_hook() -> None:
    busy = bool(_stack) or bool(_subst) or bool(_observers)
    _function.set_transform_hook(_dispatch if busy else None)


class _Done:
    """What the hook returns when it computed the operation itself."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _dispatch(fn: Any, inputs: tuple) -> Any:
    """The hook of ``Function.__call__``: the inputs to go on with (a tuple), or ``_Done``."""
    if _subst:
        inputs = tuple([_subst.get(id(x), x) for x in inputs])
    for observe in _observers:
        observe(fn, inputs)
    top = None
    for x in inputs:
        if isinstance(x, Tracer):
            interp = x._interp
        elif isinstance(x, Tensor) and type(x.data) is TracerArray:
            interp = x.data.tracer._interp  # Tensor._make(tracer.data): a detached tracer
        else:
            continue
        if not interp.active:
            inputs = tuple([_after_return(v) for v in inputs])
            return _dispatch(fn, inputs)
        if top is None or interp.level > top.level:
            top = interp
    if top is None:
        return inputs
    inputs = tuple([_detached_tracer(x) for x in inputs])
    _processing.append(top)
    try:
        return _Done(top.process(fn, inputs))
    finally:
        _processing.pop()


def _after_return(x: Any) -> Any:
    if isinstance(x, Tracer) and not x._interp.active:
        return x._after_return()
    if isinstance(x, Tensor) and type(x.data) is TracerArray and not x.data.tracer._interp.active:
        return x.data.tracer._after_return().detach()
    return x


def _detached_tracer(x: Any) -> Any:
    if type(x) is Tensor and type(x.data) is TracerArray:
        return x.data.tracer._detached()
    return x


@contextlib.contextmanager
def substitute(mapping: dict[int, Tensor]) -> Iterator[None]:
    """Within the block, an operation given the tensor with ``id`` k receives ``mapping[k]``
    instead (how ``functional_call`` swaps a model's weights)."""
    saved = {k: _subst[k] for k in mapping if k in _subst}
    _subst.update(mapping)
    _update_hook()
    try:
        yield
    finally:
        for k in mapping:
            _subst.pop(k, None)
        _subst.update(saved)
        _update_hook()


@contextlib.contextmanager
def observe(callback: Callable[[Any, tuple], None]) -> Iterator[None]:
    """Call ``callback(fn, inputs)`` for every operation run within the block."""
    _observers.append(callback)
    _update_hook()
    try:
        yield
    finally:
        _observers.remove(callback)
        _update_hook()


def describe(x: Any) -> str:
    """A short description of a value for error messages."""
    if isinstance(x, Tensor):
        return f"a tensor of shape {shape_str(x.shape)} and dtype {x.dtype}"
    return type(x).__name__
