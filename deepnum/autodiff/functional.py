"""functional_call: run a model with other weights, as a pure function of them
(``torch.func.functional_call``); the mechanism of ``Model.stateless_call`` too.

While the call runs, every operation that receives one of the model's variables receives the
given tensor instead (through the transforms' hook in ``Function.__call__``), and the
variable's ``.data`` shows the given values, so code that reads it directly sees them too. The
model's own weights are never read nor written; gradients, ``vmap`` and ``jvp`` flow to the
given tensors. ``functional_call(model, params, x)`` inside ``vmap(grad(...))`` is how
per-example gradients of a model are computed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from deepnum.autodiff import tracing
from deepnum.autodiff.tensor import Tensor, _to_array, as_tensor, shape_str


@contextlib.contextmanager
def swapped_variables(variables: Sequence[Any], values: Sequence[Any]) -> Iterator[None]:
    """Within the block, ``variables[i]`` stands for ``values[i]`` (see the module docstring).

    Args:
        variables: the Variables to replace.
        values: one tensor (or array) per variable, of the variable's shape.
    """
    replaced = []
    for var, value in zip(variables, values):
        value = value if isinstance(value, Tensor) else Tensor._make(_to_array(value, var.dtype))
        if tuple(value.shape) != tuple(var.shape):
            raise ValueError(
                f"functional_call: the value for variable {getattr(var, 'path', var.name)!r} "
                f"has shape {shape_str(value.shape)} but the variable has shape "
                f"{shape_str(var.shape)}."
            )
        replaced.append((var, value))
    saved = [(var, var.data, var.requires_grad) for var, _ in replaced]
    try:
        for var, value in replaced:
            var.data = value.data
            # Op wrappers then take the path through a Function, where the swap happens.
            var.requires_grad = var.requires_grad or value.requires_grad
        with tracing.substitute({id(var): value for var, value in replaced}):
            yield
    finally:
        for var, data, requires_grad in saved:
            var.data = data
            var.requires_grad = requires_grad


def _named_variables(model: Any) -> dict[str, Any]:
    return {v.path: v for v in model.weights}


def _merge(weights: Any) -> dict[str, Any]:
    if isinstance(weights, dict):
        return dict(weights)
    if isinstance(weights, (tuple, list)) and all(isinstance(w, dict) for w in weights):
        merged: dict[str, Any] = {}
        for part in weights:
            for key in part:
                if key in merged:
                    raise ValueError(f"functional_call: {key!r} is given twice.")
            merged.update(part)
        return merged
    raise TypeError(
        "functional_call: weights must be a dict {variable path: tensor} (or a tuple of "
        f"dicts), as model.weights names them; received {type(weights).__name__}."
    )


def functional_call(
    model: Any, weights: Any, args: Any = (), kwargs: dict | None = None, *, strict: bool = False
) -> Any:
    """Call ``model`` with some or all of its weights replaced by ``weights``.

    ``torch.func.functional_call``: the model's own variables are left untouched, and the
    result is a differentiable function of the given tensors, so ``grad``, ``vmap`` and
    ``jvp`` apply to it (``vmap(grad(loss))`` over a batch gives per-example gradients).

    Args:
        model: a built Layer or Model.
        weights: a dict ``{path: tensor}`` keyed by the variables' paths
            (``[v.path for v in model.weights]``, e.g. ``"dense/kernel"``), or a tuple of
            such dicts. Variables not named keep their values.
        args: the positional arguments of the call; a value that is not a tuple is the one
            argument (as in PyTorch).
        kwargs: keyword arguments of the call.
        strict: require a value for every variable of the model.

    Returns:
        ``model(*args, **kwargs)`` computed with the given weights.

    Example:
        >>> import deepnum as dn
        >>> layer = dn.layers.Dense(1, kernel_initializer="ones", name="d")
        >>> _ = layer(dn.tensor([[1.0, 2.0]]))
        >>> w = {"d/kernel": dn.tensor([[2.0], [0.0]]), "d/bias": dn.tensor([0.5])}
        >>> float(functional_call(layer, w, dn.tensor([[1.0, 2.0]]))[0, 0])
        2.5
        >>> float(layer.kernel[0, 0])  # untouched
        1.0
    """
    if not getattr(model, "built", True):
        raise ValueError(
            f"functional_call: {getattr(model, 'name', 'the model')} is not built yet; call it "
            "once on an input (or build it) so that its variables exist."
        )
    given = _merge(weights)
    named = _named_variables(model)
    unknown = sorted(set(given) - set(named))
    if unknown:
        raise ValueError(
            f"functional_call: {unknown} name no variable of {getattr(model, 'name', 'model')}; "
            f"its variables are {sorted(named)}."
        )
    if strict:
        missing = sorted(set(named) - set(given))
        if missing:
            raise ValueError(f"functional_call(strict=True): no value given for {missing}.")
    args = args if isinstance(args, tuple) else (args,)
    variables = [named[k] for k in given]
    values = [v if isinstance(v, Tensor) else as_tensor(v) for v in given.values()]
    with swapped_variables(variables, values):
        return model(*args, **(kwargs or {}))


def stateless_call(
    layer: Any,
    trainable_variables: Sequence[Any],
    non_trainable_variables: Sequence[Any],
    *args: Any,
    return_losses: bool = False,
    **kwargs: Any,
) -> tuple:
    """``layer(*args, **kwargs)`` with the given variable values and no side effect: Keras's
    ``Layer.stateless_call`` (see ``Model.stateless_call``).

    Args:
        layer: a built Layer or Model.
        trainable_variables: one value per ``layer.trainable_variables``, in that order.
        non_trainable_variables: one value per ``layer.non_trainable_variables``.
        *args, **kwargs: the arguments of the call.
        return_losses: also return the losses added during the call.

    Returns:
        ``(outputs, non_trainable_variables)``, the latter holding the values after the call
        (e.g. BatchNormalization's updated statistics in training), or
        ``(outputs, non_trainable_variables, losses)``.
    """
    name = type(layer).__name__
    if not layer.built:
        raise ValueError(
            f"To call stateless_call, {name} must be built (i.e. its variables must have been "
            "already created). You can build it by calling it on some data."
        )
    for given, own, what in (
        (trainable_variables, layer.trainable_variables, "trainable_variables"),
        (non_trainable_variables, layer.non_trainable_variables, "non_trainable_variables"),
    ):
        if len(given) != len(own):
            raise ValueError(
                f"Argument `{what}` must be a list of tensors corresponding 1:1 to "
                f"{name}().{what}. Received list with length {len(given)}, but expected "
                f"{len(own)} variables."
            )
    trainable = [v if isinstance(v, Tensor) else as_tensor(v) for v in trainable_variables]
    state = [_private_copy(v, own) for v, own in zip(non_trainable_variables,
                                                      layer.non_trainable_variables)]  # fmt: skip
    variables = list(layer.trainable_variables) + list(layer.non_trainable_variables)
    with swapped_variables(variables, trainable + state):
        outputs = layer(*args, **kwargs)
        losses = list(layer.losses) if return_losses else None
    return (outputs, state, losses) if return_losses else (outputs, state)


def _private_copy(value: Any, variable: Any) -> Tensor:
    """A copy the call may update in place (the caller's array stays as it was)."""
    if isinstance(value, tracing.Tracer):
        return value
    data = value.data if isinstance(value, Tensor) else _to_array(value, variable.dtype)
    return Tensor._make(data.copy())
