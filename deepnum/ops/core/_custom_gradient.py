"""custom_gradient: a function whose gradient is given by the user (Keras's decorator)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from deepnum import tree
from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.ops.core._convert import convert_to_tensor

__all__ = ["custom_gradient"]


def _takes_args(grad_fn: Callable) -> bool:
    """True when ``grad_fn`` has a ``*args`` parameter (PyTorch-style ``grad(*args, upstream)``);
    otherwise it is called JAX/TensorFlow-style as ``grad(upstream)``."""
    try:
        params = inspect.signature(grad_fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)


class CustomGradient(Function):
    """Outputs computed by the user's forward; backward calls the user's ``grad_fn``."""

    def __init__(self, name: str, outputs: list, structure: Any, grad_fn: Callable, call: tuple):
        self.name, self.out, self.structure = name, outputs, structure
        self.grad_fn, self.args, self.leaf_is_input = grad_fn, call[0], call[1]

    def forward(self, *arrays):
        data = tuple(t.data for t in self.out)
        self.out = None  # the arrays live on in the outputs
        return data if len(data) > 1 else data[0]

    def backward(self, *gys):
        upstream = gys[0] if len(gys) == 1 else tree.pack_sequence_as(self.structure, list(gys))
        if _takes_args(self.grad_fn):
            grads = self.grad_fn(*self.args, upstream=upstream)
        else:
            grads = self.grad_fn(upstream)
        grads = list(grads) if isinstance(grads, (tuple, list)) else [grads]
        n_inputs = len(self.inputs)
        if len(grads) == len(self.leaf_is_input) != n_inputs:
            grads = [g for g, is_input in zip(grads, self.leaf_is_input) if is_input]
        if len(grads) != n_inputs:
            raise ValueError(
                f"custom_gradient: the grad function of {self.name} returned {len(grads)} "
                f"gradient(s) but the function has {n_inputs} tensor argument(s); return one "
                "gradient per argument (None for arguments without one)."
            )
        out = []
        for i, (g, x) in enumerate(zip(grads, self.inputs)):
            if g is not None:
                g = convert_to_tensor(g)
                if g.shape != x.shape:
                    raise ValueError(
                        f"custom_gradient: the gradient for argument {i} of {self.name} has "
                        f"shape {shape_str(g.shape)} but the argument has shape "
                        f"{shape_str(x.shape)}."
                    )
            out.append(g)
        return tuple(out)


def custom_gradient(f: Callable) -> Callable:
    """Decorate ``f(*args) -> (output, grad_fn)`` so that its gradient is ``grad_fn``'s.

    ``grad_fn`` receives ``upstream``, the gradient of the loss with respect to ``output`` (a
    tuple of them for a structure of outputs), and returns the gradients with respect to the
    tensor arguments of ``f`` (one per argument, ``None`` for none). Both of Keras's calling
    conventions work: a ``grad_fn`` with ``*args`` is called PyTorch-style as
    ``grad_fn(*args, upstream=upstream)``; otherwise JAX/TensorFlow-style as
    ``grad_fn(upstream)``. The backend-agnostic form from Keras's documentation,
    ``def grad(*args, upstream=None)``, works too.

    The forward pass is recorded as usual, so a ``grad_fn`` written with deepnum ops over
    values of the forward pass can itself be differentiated (second derivatives).

    Args:
        f: the function returning ``(output, grad_fn)``.

    Returns:
        ``h(*args, **kwargs)`` with the value of ``f(*args, **kwargs)[0]`` and the gradient
        given by ``grad_fn``.

    Example:
        >>> import deepnum as dn
        >>> @custom_gradient
        ... def log1pexp(x):
        ...     e = dn.ops.exp(x)
        ...     def grad(*args, upstream=None):
        ...         if upstream is None:
        ...             (upstream,) = args
        ...         return upstream * (1.0 - 1.0 / (1 + e))
        ...     return dn.ops.log(1 + e), grad
        >>> round(float(dn.grad(log1pexp)(dn.tensor(10.0))), 4)
        1.0
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = f(*args, **kwargs)
        if not (isinstance(result, (tuple, list)) and len(result) == 2 and callable(result[1])):
            raise TypeError(
                f"custom_gradient: {getattr(f, '__name__', f)} must return a pair "
                f"(output, grad_fn) with a callable grad_fn; received {type(result).__name__}."
            )
        output, grad_fn = result
        outputs = [convert_to_tensor(o) for o in tree.flatten(output)]
        leaves = tree.flatten(args)
        leaf_is_input = [isinstance(v, Tensor) for v in leaves]
        inputs = [v for v in leaves if isinstance(v, Tensor)]
        name = getattr(f, "__name__", "the function")
        node = CustomGradient(name, outputs, output, grad_fn, (args, leaf_is_input))
        made = node(*inputs) if inputs else tuple(outputs)
        made = list(made) if isinstance(made, tuple) else [made]
        return tree.pack_sequence_as(output, made)

    return wrapper
