"""Lazy access to Optuna, an optional dependency (``pip install deepnum[tune]``)."""

from __future__ import annotations

from typing import Any


def require_optuna() -> Any:
    """Import Optuna, or raise an ImportError that says how to install it."""
    try:
        import optuna
    except ImportError as e:
        raise ImportError(
            "deepnum.tuners runs its searches on Optuna, an optional dependency. Install it "
            "with `pip install deepnum[tune]` (or `pip install optuna`)."
        ) from e
    return optuna
