"""Input and parameter checks with scikit-learn's wording.

Every message names the estimator, the argument, what was received and what is
allowed, so a user who copies a scikit-learn snippet gets the error text they would
search for.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from deepnum.autodiff import Tensor
from deepnum.backend import default_rng, get_array_module, is_array


class InvalidParameterError(ValueError, TypeError):
    """A constructor argument has a wrong type or value (sklearn's name and bases)."""


def check_array(
    X: Any,
    estimator: str,
    *,
    name: str = "X",
    ensure_min_samples: int = 1,
) -> Any:
    """Return ``X`` as a finite 2-D float array on its own device (NumPy or CuPy).

    float32 and float64 arrays keep their dtype; integers, booleans and Python lists become
    float64 (scikit-learn's rule, so results agree with it to rounding). A deepnum
    ``Tensor`` is unwrapped to its array.

    Args:
        X: array-like of shape ``(n_samples, n_features)``.
        estimator: the estimator's class name, used in messages.
        name: the argument's name in messages.
        ensure_min_samples: the smallest ``n_samples`` accepted.

    Returns:
        The validated array (no copy when nothing had to change).

    Raises:
        ValueError: wrong ndim, empty, NaN or infinite values, non-numeric dtype.
    """
    if isinstance(X, Tensor):
        X = X.data
    if not is_array(X):
        X = np.asarray(X)
    xp = get_array_module(X)
    if X.dtype.kind not in "biuf":
        raise ValueError(
            f"{estimator} expects numeric input {name}; got an array of dtype {X.dtype}. "
            "Convert categorical or string columns to numbers first."
        )
    if X.ndim < 2:
        kind = "scalar" if X.ndim == 0 else "1D"
        raise ValueError(
            f"Expected 2D array, got {kind} array instead:\narray={_preview(X)}.\n"
            "Reshape your data either using array.reshape(-1, 1) if your data has a single "
            "feature or array.reshape(1, -1) if it contains a single sample."
        )
    if X.ndim > 2:
        raise ValueError(
            f"Found array with dim {X.ndim} while dim <= 2 is required by {estimator}; "
            f"got shape {tuple(X.shape)}. Flatten the trailing axes, e.g. X.reshape(len(X), -1)."
        )
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(xp.float64)
    n_samples, n_features = X.shape
    if n_samples < ensure_min_samples:
        raise ValueError(
            f"Found array with {n_samples} sample(s) (shape={tuple(X.shape)}) while a minimum "
            f"of {ensure_min_samples} is required by {estimator}."
        )
    if n_features < 1:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={tuple(X.shape)}) while a minimum of 1 is "
            f"required by {estimator}."
        )
    _check_finite(X, xp, estimator, name)
    return X


def _check_finite(X: Any, xp: Any, estimator: str, name: str) -> None:
    # One reduction decides the common case; the slower NaN test runs only on failure.
    if bool(xp.isfinite(X.sum())):
        return
    if bool(xp.isnan(X).any()):
        raise ValueError(
            f"Input {name} contains NaN. {estimator} does not accept missing values encoded "
            "as NaN; impute them (e.g. with the column mean) or drop those rows first."
        )
    if not bool(xp.isfinite(X).all()):
        raise ValueError(
            f"Input {name} contains infinity or a value too large for {X.dtype!r}. "
            f"{estimator} needs finite values; clip or rescale the data."
        )


def _preview(X: Any) -> str:
    values = np.asarray(X.get() if hasattr(X, "get") else X)
    text = np.array2string(values, threshold=10, edgeitems=3)
    return text


def check_n_features(X: Any, n_features_in: int, estimator: str) -> None:
    """Raise a ValueError when ``X`` has a different number of columns than at fit time."""
    if X.shape[1] != n_features_in:
        raise ValueError(
            f"X has {X.shape[1]} features, but {estimator} is expecting {n_features_in} "
            "features as input."
        )


def check_int(
    value: Any,
    name: str,
    estimator: str,
    *,
    low: int | None = None,
    high: int | None = None,
) -> int:
    """Return ``value`` as an int in ``[low, high]`` or raise :class:`InvalidParameterError`.

    The message follows scikit-learn: ``"The 'n_clusters' parameter of KMeans must be an int
    in the range [1, inf). Got 0 instead."``
    """
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if ok and (low is None or value >= low) and (high is None or value <= high):
        return int(value)
    raise InvalidParameterError(
        f"The {name!r} parameter of {estimator} must be an int in the range "
        f"{_interval(low, high)}. Got {value!r} instead."
    )


def check_real(
    value: Any,
    name: str,
    estimator: str,
    *,
    low: float | None = None,
    high: float | None = None,
    closed: str = "both",
) -> float:
    """Return ``value`` as a float in the interval or raise :class:`InvalidParameterError`.

    ``closed`` is ``"both"``, ``"left"``, ``"right"`` or ``"neither"``.
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok and np.isfinite(value):
        low_ok = low is None or value > low or (closed in ("both", "left") and value == low)
        high_ok = high is None or value < high or (closed in ("both", "right") and value == high)
        if low_ok and high_ok:
            return float(value)
    raise InvalidParameterError(
        f"The {name!r} parameter of {estimator} must be a float in the range "
        f"{_interval(low, high, closed)}. Got {value!r} instead."
    )


def check_option(value: Any, name: str, estimator: str, options: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``options`` or raise :class:`InvalidParameterError`."""
    if isinstance(value, str) and value in options:
        return value
    allowed = ", ".join(repr(o) for o in options)
    raise InvalidParameterError(
        f"The {name!r} parameter of {estimator} must be a str among {{{allowed}}}. "
        f"Got {value!r} instead."
    )


def _interval(low: float | None, high: float | None, closed: str = "both") -> str:
    left = "[" if closed in ("both", "left") and low is not None else "("
    right = "]" if closed in ("both", "right") and high is not None else ")"
    lo = "-inf" if low is None else repr(low)
    hi = "inf" if high is None else repr(high)
    return f"{left}{lo}, {hi}{right}"


def check_random_state(random_state: Any, estimator: str) -> np.random.Generator:
    """Return a NumPy ``Generator`` for ``random_state``.

    ``None`` uses deepnum's global generator (seeded by ``deepnum.utils.set_random_seed``),
    an int seeds a fresh generator, and a ``Generator`` is used as is. Random draws happen
    on the host even for CuPy data: they are a few numbers per iteration.
    """
    if random_state is None:
        return default_rng()
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state >= 0:
            return np.random.default_rng(int(random_state))
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise InvalidParameterError(
        f"The 'random_state' parameter of {estimator} must be None, a non-negative int or a "
        f"numpy.random.Generator. Got {random_state!r} instead."
    )


def row_norms_squared(X: Any) -> Any:
    """Return ``‖x_i‖²`` for every row, computed without materialising ``X**2``."""
    xp = get_array_module(X)
    return xp.einsum("ij,ij->i", X, X)
