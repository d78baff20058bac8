"""Seeding for reproducible runs."""

from __future__ import annotations

from deepnum.backend import seed_everything


def set_random_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy, deepnum's generator and CuPy (when present).

    Example:
        >>> import deepnum as dn
        >>> dn.utils.set_random_seed(42)
    """
    seed_everything(seed)
