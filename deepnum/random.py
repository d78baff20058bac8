"""Random tensors with Keras 3's ``keras.random`` names (drawn from deepnum's generator).

``seed`` may be an int (a fixed stream), a :class:`SeedGenerator`, or ``None`` (the global
generator that :func:`deepnum.utils.set_random_seed` seeds). The numbers differ from Keras's
(another generator); the distributions are the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import default_device, default_rng, floatx

__all__ = [
    "SeedGenerator",
    "categorical",
    "dropout",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]


class SeedGenerator:
    """A stateful source of random streams (Keras's ``keras.random.SeedGenerator``).

    Example:
        >>> gen = SeedGenerator(42)
        >>> normal((2,), seed=gen).shape
        (2,)
    """

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        self.seed = seed
        self.generator = np.random.default_rng(seed)


def _rng(seed: Any) -> np.random.Generator:
    if seed is None:
        return default_rng()
    if isinstance(seed, SeedGenerator):
        return seed.generator
    if isinstance(seed, (int, np.integer)):
        return np.random.default_rng(int(seed))
    raise ValueError(
        f"seed must be None, an int or a SeedGenerator, received {type(seed).__name__}."
    )


def _out(values: np.ndarray, dtype: Any) -> Tensor:
    return Tensor._make(default_device().xp.asarray(values.astype(dtype or floatx())))


def normal(
    shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None
) -> Tensor:
    """Samples from N(mean, stddev²)."""
    return _out(_rng(seed).normal(mean, stddev, size=shape), dtype)


def uniform(
    shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None, seed: Any = None
) -> Tensor:
    """Samples from U[minval, maxval)."""
    return _out(_rng(seed).uniform(minval, maxval, size=shape), dtype)


def truncated_normal(
    shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None
) -> Tensor:
    """N(mean, stddev²) restricted to two standard deviations (values outside are redrawn)."""
    rng = _rng(seed)
    values = rng.standard_normal(size=shape)
    bad = np.abs(values) > 2
    while bad.any():
        values[bad] = rng.standard_normal(size=int(bad.sum()))
        bad = np.abs(values) > 2
    return _out(mean + stddev * values, dtype)


def randint(shape: Any, minval: int, maxval: int, dtype: Any = "int32", seed: Any = None) -> Tensor:
    """Integers drawn uniformly from [minval, maxval)."""
    return _out(_rng(seed).integers(minval, maxval, size=shape), dtype)


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> Tensor:
    """``x`` with its entries along ``axis`` in a random order."""
    from deepnum.ops import take

    x = as_tensor(x)
    return take(x, _rng(seed).permutation(x.shape[axis]), axis=axis)


def categorical(logits: Any, num_samples: int, dtype: Any = "int32", seed: Any = None) -> Tensor:
    """For each row of ``logits`` (batch, classes), ``num_samples`` class draws with
    probabilities softmax(logits)."""
    from deepnum.backend import to_numpy

    logits = to_numpy(as_tensor(logits).data).astype(np.float64)
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    rng = _rng(seed)
    draws = np.stack([rng.choice(p.shape[-1], size=num_samples, p=row) for row in p])
    return _out(draws, dtype)


def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> Tensor:
    """Inverted dropout: zero each element with probability ``rate``, scale the rest by
    1/(1 − rate), so the expected value is unchanged."""
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout: rate must be in [0, 1), received {rate}.")
    x = as_tensor(inputs)
    shape = (
        x.shape
        if noise_shape is None
        else tuple(s if n is None else n for s, n in zip(x.shape, noise_shape))
    )
    keep = (_rng(seed).uniform(size=shape) >= rate).astype(x.dtype) / (1.0 - rate)
    return x * Tensor._make(x.xp.asarray(keep))
