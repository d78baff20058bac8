"""Random tensors with Keras 3's ``keras.random`` names, signatures and seeding rules.

``seed`` may be:

* an int: a fixed stream; the same call with the same seed returns the same values;
* a :class:`SeedGenerator`: a stateful stream; each call draws new values, and a generator made
  with the same seed replays the same sequence;
* ``None``: deepnum's global generator, which :func:`deepnum.utils.set_random_seed` seeds
  (so a script is reproducible after ``set_random_seed``).

As in Keras, ``SeedGenerator(s)``'s first draw equals the draw with ``seed=s``. The numbers come
from NumPy's PCG64 generator keyed by ``(seed, counter)``, so they differ from Keras's; the
distributions are the same. They are drawn on the host and moved to the default device.
"""

from __future__ import annotations

import random as _py_random
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.autodiff.variable import Variable
from deepnum.backend import default_device, default_rng, floatx, standardize_dtype, to_numpy
from deepnum.backend.global_state import unique_name

__all__ = [
    "SeedGenerator",
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]

_MASK = 2**64 - 1  # seeds are taken modulo 2**64 (negative ints included)


class SeedGenerator:
    """A stateful source of random streams (Keras's ``keras.random.SeedGenerator``).

    Its ``state`` variable holds ``[seed, counter]``; each draw uses the stream keyed by the
    current state and advances the counter.

    Args:
        seed: an int, or ``None`` for a seed drawn from Python's ``random`` (which
            ``set_random_seed`` seeds).
        name: the generator's name (default ``seed_generator``, ``seed_generator_1``, ...).

    Example:
        >>> gen = SeedGenerator(42)
        >>> a, b = normal((2,), seed=gen), normal((2,), seed=gen)
        >>> bool((a.numpy() != b.numpy()).all())
        True
        >>> first = normal((2,), seed=SeedGenerator(7)).numpy()
        >>> bool((first == normal((2,), seed=7).numpy()).all())
        True
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs: Any) -> None:
        kwargs.pop("backend", None)  # Keras's hook for another backend's module: unused here
        if kwargs:
            raise ValueError(f"SeedGenerator: unrecognized keyword arguments: {kwargs}")
        self.name = name or unique_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = _py_random.randint(1, int(1e9))
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        self.state = Variable(
            np.array([int(seed) & _MASK, 0], dtype="uint64"),
            trainable=False,
            name="seed_generator_state",
        )

    def next(self, ordered: bool = True) -> Tensor:
        """The current ``[seed, counter]`` (a copy); advances the counter.

        ``ordered`` is accepted for Keras compatibility; the counter always advances by one.
        """
        current = Tensor._make(self.state.data.copy())
        self.state.data[1] += np.uint64(1)
        return current

    def get_config(self) -> dict:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> SeedGenerator:
        return cls(**config)


def _rng(seed: Any) -> np.random.Generator:
    """The NumPy generator for a ``seed`` argument (see the module docstring)."""
    if seed is None:
        return default_rng()
    if isinstance(seed, SeedGenerator):
        key = seed.next().data
        return np.random.default_rng([int(key[0]), int(key[1])])
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng([int(seed) & _MASK, 0])
    raise ValueError(
        "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
        f"Received: seed={seed!r} (of type {type(seed).__name__})"
    )


def _shape(shape: Any) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)


def _float_dtype(owner: str, dtype: Any) -> str:
    name = standardize_dtype(dtype or floatx())
    if np.dtype(name).kind != "f":
        raise ValueError(
            f"`keras.random.{owner}` requires a floating point `dtype`. Received: dtype={name}"
        )
    return name


def _out(values: np.ndarray, dtype: str) -> Tensor:
    return Tensor._make(default_device().xp.asarray(values.astype(dtype, copy=False)))


def _host(value: Any) -> np.ndarray:
    return to_numpy(value.data if isinstance(value, Tensor) else value)


def normal(
    shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None
) -> Tensor:
    """Samples from the normal distribution N(mean, stddev²).

    Args:
        shape: the shape of the result.
        mean, stddev: the distribution's mean and standard deviation.
        dtype: a float dtype (default ``floatx()``).
        seed: an int, a SeedGenerator or None (see the module docstring).

    Example:
        >>> normal((2, 3), seed=1).shape
        (2, 3)
    """
    dtype = _float_dtype("normal", dtype)
    return _out(_rng(seed).normal(mean, stddev, size=_shape(shape)), dtype)


def uniform(
    shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None, seed: Any = None
) -> Tensor:
    """Samples from the uniform distribution on [minval, maxval).

    Example:
        >>> bool((uniform((100,), 2.0, 3.0, seed=1).numpy() >= 2.0).all())
        True
    """
    dtype = _float_dtype("uniform", dtype)
    return _out(_rng(seed).uniform(minval, maxval, size=_shape(shape)), dtype)


def truncated_normal(
    shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None
) -> Tensor:
    """N(mean, stddev²) restricted to mean ± 2·stddev (values outside are drawn again).

    The standard deviation of the result is about 0.88·stddev.

    Example:
        >>> float(abs(truncated_normal((1000,), seed=0).numpy()).max()) <= 2.0
        True
    """
    dtype = _float_dtype("truncated_normal", dtype)
    rng = _rng(seed)
    values = rng.standard_normal(size=_shape(shape))
    bad = np.abs(values) > 2
    while bad.any():
        values[bad] = rng.standard_normal(size=int(bad.sum()))
        bad = np.abs(values) > 2
    return _out(mean + stddev * values, dtype)


def randint(shape: Any, minval: int, maxval: int, dtype: Any = "int32", seed: Any = None) -> Tensor:
    """Integers drawn uniformly from [minval, maxval).

    Example:
        >>> sorted(set(randint((100,), 3, 5, seed=0).tolist()))
        [3, 4]
    """
    name = standardize_dtype(dtype)
    if np.dtype(name).kind not in "iu":
        raise ValueError(
            f"`keras.random.randint` requires an integer `dtype`. Received: dtype={name}"
        )
    return _out(_rng(seed).integers(int(minval), int(maxval), size=_shape(shape)), name)


def categorical(logits: Any, num_samples: int, dtype: Any = "int32", seed: Any = None) -> Tensor:
    """For each row of ``logits`` (batch, classes), ``num_samples`` class indices drawn with
    probabilities softmax(row).

    Args:
        logits: a 2-D tensor of unnormalized log-probabilities.
        num_samples: draws per row.
        dtype: the dtype of the result.
        seed: an int, a SeedGenerator or None.

    Returns:
        A tensor of shape (batch, num_samples).

    Example:
        >>> categorical([[0.0, 0.0, -float("inf")]], 5, seed=0).shape
        (1, 5)
    """
    logits = _host(logits).astype(np.float64)
    if logits.ndim != 2:
        raise ValueError(
            "`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
            f"Received: logits of shape {shape_str(logits.shape)}"
        )
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    cdf = np.cumsum(p / p.sum(axis=-1, keepdims=True), axis=-1)
    u = _rng(seed).random((logits.shape[0], int(num_samples)))
    draws = (u[:, :, None] >= cdf[:, None, :]).sum(axis=-1)
    return _out(np.minimum(draws, logits.shape[1] - 1), standardize_dtype(dtype))


def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> Tensor:
    """Inverted dropout: zero each element with probability ``rate`` and scale the others by
    1/(1 − rate), so the expectation is unchanged. Differentiable in ``inputs``.

    Args:
        inputs: the tensor.
        rate: the drop probability, in [0, 1].
        noise_shape: the shape of the mask, broadcast over ``inputs`` (``None`` entries take
            the input's size), e.g. ``(batch, 1, features)`` to drop whole features.
        seed: an int, a SeedGenerator or None.

    Example:
        >>> y = dropout(np.ones(10_000, "float32"), 0.5, seed=0).numpy()
        >>> sorted(set(y.tolist()))
        [0.0, 2.0]
    """
    from deepnum.ops import convert_to_tensor, zeros_like

    x = convert_to_tensor(inputs)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"dropout: rate must be in [0, 1], received {rate}.")
    if rate == 1.0:
        return zeros_like(x)
    if rate == 0.0:
        return x
    shape = x.shape
    if noise_shape is not None:
        shape = tuple(s if n is None else int(n) for s, n in zip(x.shape, noise_shape))
    keep = _rng(seed).uniform(size=shape) >= rate
    scale = (keep / (1.0 - rate)).astype(x.dtype)
    return x * Tensor._make(x.xp.asarray(scale))


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> Tensor:
    """``x`` with its slices along ``axis`` in a random order (one permutation for the whole
    axis). Differentiable in ``x``.

    Example:
        >>> sorted(shuffle([1.0, 2.0, 3.0], seed=0).tolist())
        [1.0, 2.0, 3.0]
    """
    from deepnum.ops import convert_to_tensor

    x = convert_to_tensor(x)
    axis %= x.ndim
    order = x.xp.asarray(_rng(seed).permutation(x.shape[axis]))
    return x[(slice(None),) * axis + (order,)]


def gamma(shape: Any, alpha: Any, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples from the gamma distribution with concentration ``alpha`` and rate 1
    (mean alpha, variance alpha).

    Example:
        >>> gamma((3,), alpha=2.0, seed=0).shape
        (3,)
    """
    dtype = _float_dtype("gamma", dtype)
    size = _shape(shape)
    alpha = np.broadcast_to(_host(alpha), size)
    return _out(_rng(seed).gamma(alpha, 1.0, size=size), dtype)


def beta(shape: Any, alpha: Any, beta: Any, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples from the beta distribution with concentrations ``alpha`` and ``beta``
    (mean alpha / (alpha + beta)).

    Example:
        >>> bool(((b := beta((100,), 2.0, 5.0, seed=0).numpy()) > 0).all() and (b < 1).all())
        True
    """
    dtype = _float_dtype("beta", dtype)
    size = _shape(shape)
    a, b = np.broadcast_to(_host(alpha), size), np.broadcast_to(_host(beta), size)
    return _out(_rng(seed).beta(a, b, size=size), dtype)


def binomial(
    shape: Any, counts: Any, probabilities: Any, dtype: Any = None, seed: Any = None
) -> Tensor:
    """Samples from the binomial distribution: successes in ``counts`` trials of probability
    ``probabilities`` (mean counts·p, variance counts·p·(1 − p)).

    Args:
        shape: the shape of the result; ``counts`` and ``probabilities`` broadcast to it.
        counts, probabilities: the distribution's parameters.
        dtype: the result's dtype (default ``floatx()``).
        seed: an int, a SeedGenerator or None.

    Example:
        >>> binomial((4,), counts=10, probabilities=0.0, seed=0).tolist()
        [0.0, 0.0, 0.0, 0.0]
    """
    dtype = standardize_dtype(dtype or floatx())
    size = _shape(shape)
    n = np.broadcast_to(_host(counts), size).astype(np.int64)
    p = np.broadcast_to(_host(probabilities), size).astype(np.float64)
    return _out(_rng(seed).binomial(n, p, size=size), dtype)
