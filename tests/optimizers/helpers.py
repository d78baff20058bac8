"""Shared helpers: run deepnum and Keras optimizers side by side on the same problem."""

from __future__ import annotations

from typing import Any

import numpy as np

import deepnum as dn

SHAPES = [(4, 3), (3,), (2, 2, 2)]
NAMES = ["kernel", "bias", "cube"]


def problem(steps: int, seed: int = 0, scale: float = 1.0, shapes=SHAPES):
    """Initial weights and a sequence of gradient lists (float32)."""
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(s).astype("float32") for s in shapes]
    grads = [
        [(scale * rng.standard_normal(s)).astype("float32") for s in shapes] for _ in range(steps)
    ]
    return weights, grads


def run_deepnum(optimizer: Any, weights, grads, flat: bool = False, names=NAMES):
    """Apply the gradient sequence with a deepnum optimizer; return (variables, optimizer)."""
    optimizer.flat_parameters = flat
    variables = [dn.Variable(w.copy(), name=n) for w, n in zip(weights, names)]
    for step_grads in grads:
        optimizer.apply_gradients(zip([_maybe(dn.tensor, g) for g in step_grads], variables))
    return variables, optimizer


def run_keras(keras: Any, optimizer: Any, weights, grads, names=NAMES):
    """Apply the same sequence with a Keras optimizer on keras.Variables."""
    variables = [keras.Variable(w.copy(), name=n) for w, n in zip(weights, names)]
    for step_grads in grads:
        tensors = [_maybe(keras.ops.convert_to_tensor, g) for g in step_grads]
        optimizer.apply_gradients(zip(tensors, variables))
    return variables, optimizer


def _maybe(convert: Any, grad: Any) -> Any:
    return None if grad is None else convert(grad)


def numpy_of(keras: Any, values) -> list[np.ndarray]:
    """NumPy copies of Keras variables or torch tensors (Keras runs on torch in the tests)."""
    arrays = []
    for v in values:
        v = v.value if isinstance(v, keras.Variable) else v
        arrays.append(v.detach().cpu().numpy().copy() if hasattr(v, "detach") else np.array(v))
    return arrays
