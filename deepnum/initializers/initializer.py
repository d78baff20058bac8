"""The ``Initializer`` base class, seeds, fans and samplers that write in the target dtype.

Every sampler draws directly in the requested float dtype (NumPy's generator makes float32 and
float64 natively), so a float32 weight never passes through a float64 array twice its size.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deepnum.backend import default_rng, floatx
from deepnum.random import SeedGenerator

# Dtypes NumPy's Generator samples natively; others (float16) are drawn in float32, then cast.
_NATIVE = (np.dtype("float32"), np.dtype("float64"))


class Initializer:
    """Base class: ``initializer(shape, dtype=None)`` returns an array of that shape and dtype.

    Subclasses implement ``__call__`` and, when they take arguments, ``get_config``.

    Example:
        >>> import numpy as np
        >>> class Halves(Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return np.full(shape, 0.5, dtype=dtype or "float32")
        >>> Halves()((2,)).tolist()
        [0.5, 0.5]
    """

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        raise NotImplementedError(
            f"{type(self).__name__} must implement __call__(shape, dtype=None)."
        )

    def get_config(self) -> dict:
        """The constructor arguments, JSON-serializable."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        """Rebuild from ``get_config``'s output."""
        return cls(**config)

    def clone(self) -> Initializer:
        """A new initializer with the same config."""
        return type(self).from_config(self.get_config())


def standardize_dtype(dtype: Any, owner: str, need_float: bool = False) -> np.dtype:
    """``dtype`` (default ``floatx()``) as a NumPy dtype; a clear error for a bad one."""
    try:
        out = np.dtype(dtype or floatx())
    except TypeError:
        raise ValueError(f"{owner}: unknown dtype {dtype!r}.") from None
    if need_float and out.kind != "f":
        raise ValueError(
            f"{owner} draws random floats: dtype must be a float dtype such as 'float32', "
            f"received dtype={out.name!r}."
        )
    return out


def standardize_shape(shape: Any) -> tuple[int, ...]:
    """``shape`` as a tuple of ints (a bare int is a 1-d shape)."""
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def compute_fans(shape: Any, input_axes: Any = None, output_axes: Any = None) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight shape, as Keras computes them.

    With ``input_axes`` and ``output_axes`` the fans are the products of those axes' sizes.
    Otherwise: a 2-d kernel ``(in, out)`` gives ``(in, out)``; a conv kernel ``(k..., in, out)``
    multiplies both by the receptive field size ∏k; a 1-d shape gives ``(n, n)``; a scalar
    ``(1, 1)``.

    Example:
        >>> compute_fans((3, 3, 16, 32))
        (144, 288)
    """
    shape = standardize_shape(shape)
    if input_axes is not None and output_axes is not None:
        fan_in = math.prod(shape[a] for a in input_axes)
        fan_out = math.prod(shape[a] for a in output_axes)
        return int(fan_in), int(fan_out)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def serialize_seed(seed: Any) -> Any:
    """A seed as it appears in a config: an int, None, or a SeedGenerator's Keras dict."""
    if isinstance(seed, SeedGenerator):
        return {
            "module": "keras.random",
            "class_name": "SeedGenerator",
            "config": seed.get_config(),
            "registered_name": None,
        }
    return seed


def _seed_from_config(seed: dict, owner: str) -> SeedGenerator:
    if seed.get("class_name") != "SeedGenerator" or not isinstance(seed.get("config"), dict):
        raise ValueError(
            f"{owner}: a dict seed must be a serialized SeedGenerator "
            f"({{'class_name': 'SeedGenerator', 'config': {{'seed': ...}}}}), received {seed!r}."
        )
    return SeedGenerator.from_config(seed["config"])


class RandomInitializer(Initializer):
    """Base of the random initializers: how ``seed`` works, as in Keras 3.

    An int seed, or ``None``, fixes the values: the initializer returns the same values on
    every call (``None`` draws its seed once, at construction, from deepnum's global generator,
    so :func:`deepnum.utils.set_random_seed` makes it reproducible). A
    :class:`deepnum.random.SeedGenerator` gives new values on each call.
    """

    def __init__(self, seed: Any = None) -> None:
        owner = type(self).__name__
        self._init_seed = seed
        if seed is None:
            seed = int(default_rng().integers(1, 10**9))
        elif isinstance(seed, dict):
            seed = _seed_from_config(seed, owner)
        elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer, SeedGenerator)):
            raise ValueError(
                f"{owner}: `seed` must be an int, a deepnum.random.SeedGenerator or None, "
                f"received seed={seed!r}."
            )
        self.seed = seed

    def _generator(self) -> np.random.Generator:
        if isinstance(self.seed, SeedGenerator):
            # A new stream per call: the generator's [seed, counter] state, then advanced.
            key = self.seed.next().numpy()
            return np.random.default_rng([int(k) for k in key])
        return np.random.default_rng(int(self.seed))

    def get_config(self) -> dict:
        return {"seed": serialize_seed(self._init_seed)}


def _sampling_dtype(dtype: np.dtype) -> np.dtype:
    return dtype if dtype in _NATIVE else np.dtype("float32")


def _finish(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return values if values.dtype == dtype else values.astype(dtype)


def sample_normal(rng: np.random.Generator, shape: tuple, mean: float, stddev: float, dtype):
    """N(mean, stddev²) drawn in ``dtype``: z ~ N(0, 1), then z·stddev + mean in place."""
    out = rng.standard_normal(shape, dtype=_sampling_dtype(dtype))
    out *= stddev
    out += mean
    return _finish(out, dtype)


def _outside_two(z: np.ndarray) -> np.ndarray:
    """|z| > 2 through boolean temporaries only (np.abs would copy the whole float array)."""
    bad = z > 2
    bad |= z < -2
    return bad


def sample_truncated_normal(
    rng: np.random.Generator, shape: tuple, mean: float, stddev: float, dtype
) -> np.ndarray:
    """N(mean, stddev²) restricted to ±2 standard deviations (values beyond are redrawn)."""
    out = rng.standard_normal(shape, dtype=_sampling_dtype(dtype))
    bad = _outside_two(out)
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()), dtype=out.dtype)
        bad = _outside_two(out)
    out *= stddev
    out += mean
    return _finish(out, dtype)


def sample_uniform(rng: np.random.Generator, shape: tuple, minval: float, maxval: float, dtype):
    """U[minval, maxval) drawn in ``dtype``: u ~ U[0, 1), then minval + u·(maxval − minval)."""
    out = rng.random(shape, dtype=_sampling_dtype(dtype))
    out *= maxval - minval
    out += minval
    return _finish(out, dtype)
