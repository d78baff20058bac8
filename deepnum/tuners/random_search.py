"""RandomSearch: hyperparameters drawn independently at random (Optuna's RandomSampler)."""

from __future__ import annotations

from typing import Any

from deepnum.tuners.hyperparameters import HyperParameters
from deepnum.tuners.tuner import Tuner


class RandomSearch(Tuner):
    """Random search: every trial draws each hyperparameter independently from its range.

    For a few important hyperparameters, random search beats a grid of the same size: every
    trial tries a new value of each one. Log-sampled ranges (``hp.Float("lr", 1e-5, 1e-1,
    sampling="log")``) give each decade the same share of the trials.

    Args:
        hypermodel: a ``build_model(hp)`` function or a :class:`HyperModel`.
        objective: the metric to optimize (``"val_loss"`` by default).
        max_trials: the number of trials.
        seed: the random seed; the same seed gives the same hyperparameter values trial by
            trial and the same model initializations.
        hyperparameters: definitions that replace or fix the hypermodel's.
        tune_new_entries: tune hyperparameters missing from ``hyperparameters``.
        allow_new_entries: allow hyperparameters missing from ``hyperparameters``.
        max_consecutive_failed_trials: stop after this many failed trials in a row.
        **kwargs: :class:`Tuner` arguments (``executions_per_trial``, ``directory``,
            ``project_name``, ``overwrite``, ``storage``, ``pruner``, ...).

    Example:
        >>> import tempfile, deepnum as dn
        >>> def build_model(hp):
        ...     model = dn.Sequential([dn.Input((4,)), dn.layers.Dense(hp.Int("units", 4, 16)),
        ...                            dn.layers.Dense(1)])
        ...     model.compile(optimizer="adam", loss="mse")
        ...     return model
        >>> tuner = RandomSearch(build_model, max_trials=5, seed=0, directory=tempfile.mkdtemp())
        >>> tuner.search_space_summary()  # doctest: +ELLIPSIS
        Search space summary
        Default search space size: 1
        units (Int)
        ...
    """

    def __init__(
        self,
        hypermodel: Any = None,
        objective: Any = "val_loss",
        max_trials: int = 10,
        seed: int | None = None,
        hyperparameters: HyperParameters | None = None,
        tune_new_entries: bool = True,
        allow_new_entries: bool = True,
        max_consecutive_failed_trials: int = 3,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            hypermodel,
            objective=objective,
            max_trials=max_trials,
            seed=seed,
            hyperparameters=hyperparameters,
            tune_new_entries=tune_new_entries,
            allow_new_entries=allow_new_entries,
            max_consecutive_failed_trials=max_consecutive_failed_trials,
            **kwargs,
        )
