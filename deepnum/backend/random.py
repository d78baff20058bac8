"""The global random state, seeded in one place."""

from __future__ import annotations

import random as _py_random

import numpy as np

_RNG = np.random.default_rng()


def default_rng() -> np.random.Generator:
    """Return deepnum's global NumPy random generator (used by initializers, dropout, shuffling)."""
    return _RNG


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy's legacy global state, deepnum's generator and CuPy.

    Args:
        seed: a non-negative integer.
    """
    global _RNG
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"set_random_seed: seed must be a non-negative int, received {seed!r}.")
    _py_random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    _RNG = np.random.default_rng(int(seed))
    try:
        import cupy

        cupy.random.seed(int(seed))
    except Exception:  # CuPy missing or no device: nothing to seed.
        pass
