"""checkpoint: rematerialisation (``jax.checkpoint``, ``torch.utils.checkpoint``).

A checkpointed block keeps only its inputs for the backward pass, not the activations inside
it: the graph records the block as one operation, and its backward runs the block again (with
the same random state) to rebuild them, then backpropagates through that. Memory for
activations drops from all of the block's to its inputs', for one more forward pass.

The weights the block reads (a layer's variables, tensors it closes over) are inputs of the
recorded operation too, so they get their gradients; they are found while the block runs.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from deepnum import tree
from deepnum.autodiff import tracing
from deepnum.autodiff.engine import run_backward
from deepnum.autodiff.function import Function
from deepnum.autodiff.mode import enable_grad, is_grad_enabled
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import default_rng


class Checkpoint(Function):
    """A block recorded as one operation: inputs = its tensor arguments, then the tensors it
    read from outside (weights); backward = run the block again, then backpropagate."""

    def __init__(
        self, fn: Callable, args: tuple, kwargs: dict, outs: list, structure: Any, rng: Any
    ) -> None:
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.out, self.structure, self.rng_state = outs, structure, rng

    def forward(self, *arrays):
        data = tuple(o.data for o in self.out)
        self.fingerprints = [_fingerprint(o) for o in self.out]
        self.out = None  # the arrays live on in the outputs
        return data if len(data) > 1 else data[0]

    def backward(self, *gys):
        n_args = sum(isinstance(v, Tensor) for v in tree.flatten(list(self.args)))
        inputs, outside = list(self.inputs[:n_args]), list(self.inputs[n_args:])
        create_graph = is_grad_enabled()
        if not create_graph:  # a first-order pass stops at the block's inputs
            inputs = [Tensor(x.data, requires_grad=True) for x in inputs]
        with _random_state(self.rng_state), enable_grad():
            outs = [as_tensor(o) for o in tree.flatten(self.fn(*_with_tensors(self.args, inputs),
                                                                **self.kwargs))]  # fmt: skip
        again = [_fingerprint(o) for o in outs]
        if not all(math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6)
                   for a, b in zip(again, self.fingerprints)):  # fmt: skip
            raise RuntimeError(
                "checkpoint: the block gave other values when run again for the backward pass. "
                "Its randomness must come from deepnum's global generator (seeded by "
                "deepnum.utils.set_random_seed), which checkpoint replays; a layer with a seed "
                "of its own (e.g. Dropout(seed=...)) draws new values."
            )
        pairs = [(o, g) for o, g in zip(outs, gys) if o.requires_grad]
        if not pairs:
            return (None,) * len(self.inputs)
        grads = run_backward(
            [o for o, _ in pairs],
            [g for _, g in pairs],
            create_graph=create_graph,
            inputs=inputs + outside,
        )
        return tuple(grads)

    def release(self) -> None:
        super().release()
        self.args = self.kwargs = None


def _fingerprint(t: Tensor) -> float:
    """A sum of the values, to check that a recomputation gave the same ones."""
    return float(t.data.sum(dtype="float64")) if t.size else 0.0


class _random_state:  # noqa: N801 - used as a context manager
    """Run the recomputation with the random state of the first run (dropout masks agree)."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def __enter__(self) -> None:
        self.saved = default_rng().bit_generator.state
        default_rng().bit_generator.state = self.state

    def __exit__(self, *exc: Any) -> None:
        default_rng().bit_generator.state = self.saved


def _with_tensors(args: tuple, tensors: list) -> list:
    it = iter(tensors)
    leaves = [next(it) if isinstance(v, Tensor) else v for v in tree.flatten(list(args))]
    return tree.pack_sequence_as(list(args), leaves)


def _run_and_find_outside(fn: Callable, args: tuple, kwargs: dict) -> tuple[Any, list]:
    """Run ``fn`` on detached copies of the tensor arguments; return its outputs and the
    tensors from outside that it used and that need gradients (weights, closures): those
    that are not outputs of an operation run inside."""
    tensors = [v for v in tree.flatten(list(args)) if isinstance(v, Tensor)]
    detached = [t.detach() for t in tensors]
    inside: set[Any] = set()  # the Functions run by fn
    outside: dict[int, Tensor] = {}

    def note(op: Any, inputs: tuple) -> None:
        for x in inputs:
            if isinstance(x, Tensor) and x.requires_grad and x.creator not in inside:
                outside.setdefault(id(x), x)
        inside.add(op)

    with tracing.observe(note), enable_grad():
        out = fn(*_with_tensors(args, detached), **kwargs)
    return out, list(outside.values())


def checkpoint(fn: Any) -> Any:
    """Rematerialise ``fn`` in the backward pass instead of keeping its activations.

    Args:
        fn: a function of tensors, or a Layer (then a layer wrapping it is returned, which can
            go into a Sequential model or be assigned in a subclassed model).

    Returns:
        A function (or layer) computing the same values and gradients, whose recorded graph
        keeps only the inputs of ``fn``. Under ``vmap`` or forward mode it simply calls
        ``fn``.

    Example:
        >>> import deepnum as dn
        >>> block = dn.checkpoint(lambda x: dn.ops.tanh(x) * dn.ops.exp(x))
        >>> x = dn.tensor([0.5, 1.0], requires_grad=True)
        >>> block(x).sum().backward()
        >>> [round(v, 4) for v in x.grad.tolist()]
        [2.0585, 3.2118]
    """
    from deepnum.layers import Layer  # a layer goes through the wrapper layer

    if isinstance(fn, Layer):
        from deepnum.autodiff.checkpoint_layer import CheckpointLayer

        return CheckpointLayer(fn)
    if not callable(fn):
        raise TypeError(f"checkpoint: expected a function or a Layer, received {fn!r}.")

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tensors = [v for v in tree.flatten(list(args)) if isinstance(v, Tensor)]
        if not is_grad_enabled() or any(isinstance(t, tracing.Tracer) for t in tensors):
            return fn(*args, **kwargs)
        state = default_rng().bit_generator.state
        out, outside = _run_and_find_outside(fn, args, kwargs)
        outs = [as_tensor(o).detach() for o in tree.flatten(out)]
        inputs = tensors + outside
        if not any(t.requires_grad for t in inputs):
            return out
        made = Checkpoint(fn, args, kwargs, outs, out, state)(*inputs)
        return tree.pack_sequence_as(out, list(made) if isinstance(made, tuple) else [made])

    return wrapper
