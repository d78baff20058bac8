"""Coarse-to-fine search: sample a wide space, then zoom into the region of the best trials.

A round narrows every numeric range (``Int``/``Float``) around the ``top_k`` best trials so
far and searches again. The narrowing happens on the axis where the range is sampled
uniformly: the logarithm for ``sampling="log"`` (so ``lr`` in [1e-5, 1] around 3e-3 becomes
e.g. [3e-4, 3e-2], not [0, 0.5]), ``-log(max + min - x)`` for ``"reverse_log"``, ``x`` itself
for ``"linear"``. ``Choice`` and ``Boolean`` keep all their values.
"""

from __future__ import annotations

import math
from typing import Any

from deepnum.tuners.hp_types import Float, Int, Numerical, serialize
from deepnum.tuners.random_search import RandomSearch


def narrow(hp: Numerical, points: list, shrink: float) -> Numerical:
    """The range of ``hp`` narrowed around ``points`` (the best value first).

    On the sampling axis ``c``, the new interval is centered on the best point with width
    ``shrink * (c(max) - c(min))``, widened to contain every point, shifted (not cut) to stay
    inside the old range, then rounded outwards to the step grid (integers for ``Int``).

    Args:
        hp: an Int or Float definition.
        points: values of the best trials, best first.
        shrink: the new width over the old one, in (0, 1].

    Returns:
        A new Int or Float with the same sampling and step and ``default`` = the best point.

    Example:
        >>> new = narrow(Float("lr", 1e-5, 1.0, sampling="log"), [1e-3], shrink=0.4)
        >>> round(new.min_value, 8), round(new.max_value, 8)
        (0.0001, 0.01)
    """
    if not 0 < shrink <= 1:
        raise ValueError(f"shrink must be in (0, 1], received shrink={shrink}.")
    if hp.min_value == hp.max_value or (hp.step is not None and hp.sampling == "reverse_log"):
        return hp  # nothing to narrow, or a grid that a new range cannot express
    coords = [hp.to_coordinate(v) for v in points]
    lo0, hi0 = hp.to_coordinate(hp.min_value), hp.to_coordinate(hp.max_value)
    half = shrink * (hi0 - lo0) / 2
    lo, hi = min(min(coords), coords[0] - half), max(max(coords), coords[0] + half)
    if lo < lo0:
        lo, hi = lo0, min(hi0, hi + lo0 - lo)
    if hi > hi0:
        lo, hi = max(lo0, lo - (hi - hi0)), hi0
    new_min = min(hp.max_value, max(hp.min_value, hp.from_coordinate(lo)))
    new_max = min(hp.max_value, max(hp.min_value, hp.from_coordinate(hi)))
    new_min, new_max = _snap(hp, new_min, new_max)
    best = int(round(points[0])) if isinstance(hp, Int) else float(points[0])
    config = {
        **hp.get_config(),
        "min_value": new_min,
        "max_value": new_max,
        "default": min(new_max, max(new_min, best)),
    }
    return type(hp).from_config(config)


def _snap(hp: Numerical, new_min: float, new_max: float) -> tuple:
    """Round a range outwards onto the step grid of ``hp`` (and to integers for Int)."""
    eps = 1e-9
    if hp.step is not None and hp.sampling == "linear":
        k_lo = math.floor((new_min - hp.min_value) / hp.step + eps)
        k_hi = math.ceil((new_max - hp.min_value) / hp.step - eps)
        k_top = math.floor((hp.max_value - hp.min_value) / hp.step + eps)
        new_min = hp.min_value + k_lo * hp.step
        new_max = hp.min_value + min(k_hi, k_top) * hp.step
    elif hp.step is not None:  # log: values min * step**k
        ratio = math.log(hp.step)
        k_lo = math.floor(math.log(new_min / hp.min_value) / ratio + eps)
        k_hi = math.ceil(math.log(new_max / hp.min_value) / ratio - eps)
        k_top = math.floor(math.log(hp.max_value / hp.min_value) / ratio + eps)
        new_min = hp.min_value * hp.step**k_lo
        new_max = hp.min_value * hp.step ** min(k_hi, k_top)
    if isinstance(hp, Int):
        return int(round(new_min)) if hp.step else math.floor(new_min), (
            int(round(new_max)) if hp.step else math.ceil(new_max)
        )
    return float(f"{new_min:.12g}"), float(f"{new_max:.12g}")


def start_round(
    tuner: Any,
    top_k: int = 3,
    shrink: float = 0.5,
    max_trials: int | None = None,
    expected_round: int | None = None,
) -> dict:
    """Open a new round of ``tuner`` whose numeric ranges are narrowed around its ``top_k``
    best trials; the round is stored in the study, so every process and a resumed search use
    it. Returns the round's record.

    ``expected_round`` makes it a no-op when another process already opened the next round.
    """
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise ValueError(f"top_k must be an integer >= 1, received top_k={top_k!r}.")
    if not 0 < shrink <= 1:
        raise ValueError(f"shrink must be in (0, 1], received shrink={shrink}.")
    rounds = tuner._rounds()
    if expected_round is not None and len(rounds) - 1 != expected_round:
        return rounds[-1]
    best = [t for t in tuner.get_best_trials(top_k) if math.isfinite(t.score)]
    if not best:
        raise ValueError(
            "refine needs at least one completed trial with a finite score; run search() first."
        )
    overrides = tuner._overrides()
    ranges = {}
    for hp in tuner._space.space:
        current = tuner._definition(hp, overrides)
        if not isinstance(current, (Int, Float)) or hp.name in ranges:
            continue
        points = [
            t.hyperparameters.values[hp.name]
            for t in best
            if t.hyperparameters.values.get(hp.name) is not None
        ]
        ranges[hp.name] = serialize(narrow(current, points, shrink) if points else current)
    record = {
        "max_trials": max_trials if max_trials is not None else tuner.max_trials,
        "top_k": top_k,
        "shrink": shrink,
        "ranges": ranges,
    }
    tuner.study.set_user_attr("rounds", rounds + [record])
    return record


class CoarseToFine(RandomSearch):
    """Random search in ``rounds`` rounds, each narrowing the numeric ranges around the
    ``top_k`` best trials so far (see :func:`narrow`).

    Args:
        hypermodel: a ``build_model(hp)`` function or a :class:`HyperModel`.
        objective: the metric to optimize.
        max_trials: trials per round.
        rounds: the number of rounds (the first one searches the full space).
        top_k: how many best trials each narrowed range contains.
        shrink: each round's width over the previous one, on the sampling axis.
        seed, **kwargs: as for :class:`RandomSearch`.

    Example:
        >>> import tempfile
        >>> def build_model(hp):
        ...     hp.Float("lr", 1e-5, 1.0, sampling="log")
        ...     return None
        >>> tuner = CoarseToFine(build_model, max_trials=4, rounds=2, seed=0,
        ...                      directory=tempfile.mkdtemp())
        >>> tuner.rounds
        2
    """

    def __init__(
        self,
        hypermodel: Any = None,
        objective: Any = "val_loss",
        max_trials: int = 10,
        rounds: int = 3,
        top_k: int = 3,
        shrink: float = 0.5,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        self._check_int("rounds", rounds, 1)
        self._check_int("top_k", top_k, 1)
        if not 0 < shrink <= 1:
            raise ValueError(f"shrink must be in (0, 1], received shrink={shrink}.")
        self.rounds, self.top_k, self.shrink = rounds, top_k, shrink
        super().__init__(
            hypermodel, objective=objective, max_trials=max_trials, seed=seed, **kwargs
        )

    def search(self, *fit_args: Any, **fit_kwargs: Any) -> None:
        """Run the remaining rounds (a resumed search continues its current round)."""
        while True:
            super().search(*fit_args, **fit_kwargs)
            round_ = self.current_round
            if round_ + 1 >= self.rounds or self.remaining_trials:
                return
            start_round(self, self.top_k, self.shrink, expected_round=round_)
