"""Hyperband: many configurations on few epochs, the promising ones on more (Optuna's pruner)."""

from __future__ import annotations

import math
from typing import Any

from deepnum.tuners.hyperparameters import HyperParameters
from deepnum.tuners.tuner import Tuner


def trials_per_iteration(max_epochs: int, factor: int) -> int:
    """How many configurations one Hyperband iteration starts, as KerasTuner counts them.

    With ``s_max = floor(log_factor(max_epochs))``, bracket ``s`` (``0..s_max``) starts
    ``ceil((s_max + 1) / (s + 1) * factor**s)`` configurations.

    Example:
        >>> trials_per_iteration(9, 3)  # brackets of 3, 5 and 9 configurations
        17
    """
    s_max = int(math.floor(math.log(max_epochs) / math.log(factor) + 1e-9))
    return sum(math.ceil((s_max + 1) / (s + 1) * factor**s) for s in range(s_max + 1))


class Hyperband(Tuner):
    """Hyperband: successive halving in several brackets, with epochs as the resource.

    Every trial trains for up to ``max_epochs`` epochs and reports its objective after each
    one to Optuna's HyperbandPruner, which stops the trials that fall behind the others of
    their bracket at the rungs ``1, factor, factor**2, ...`` epochs. The ``epochs`` passed to
    :meth:`search` are replaced by ``max_epochs``.

    Args:
        hypermodel: a ``build_model(hp)`` function or a :class:`HyperModel`.
        objective: the metric to optimize.
        max_epochs: the most epochs a trial trains.
        factor: the reduction factor: about 1/factor of the trials at a rung go on.
        hyperband_iterations: how many times to run the full set of brackets; the number of
            trials is ``hyperband_iterations * trials_per_iteration(max_epochs, factor)``.
        seed: the random seed.
        hyperparameters, tune_new_entries, allow_new_entries, max_consecutive_failed_trials,
        **kwargs: as for :class:`RandomSearch` (``max_trials`` overrides the trial count).

    Example:
        >>> import tempfile
        >>> def build_model(hp):
        ...     hp.Float("lr", 1e-4, 1e-1, sampling="log")
        ...     return None
        >>> Hyperband(build_model, max_epochs=9, factor=3,
        ...           directory=tempfile.mkdtemp()).max_trials
        17
    """

    def __init__(
        self,
        hypermodel: Any = None,
        objective: Any = "val_loss",
        max_epochs: int = 100,
        factor: int = 3,
        hyperband_iterations: int = 1,
        seed: int | None = None,
        hyperparameters: HyperParameters | None = None,
        tune_new_entries: bool = True,
        allow_new_entries: bool = True,
        max_consecutive_failed_trials: int = 3,
        **kwargs: Any,
    ) -> None:
        self._check_int("max_epochs", max_epochs, 1)
        self._check_int("factor", factor, 2)
        self._check_int("hyperband_iterations", hyperband_iterations, 1)
        self.max_epochs, self.factor = max_epochs, factor
        self.hyperband_iterations = hyperband_iterations
        max_trials = kwargs.pop("max_trials", None)
        if max_trials is None:
            max_trials = hyperband_iterations * trials_per_iteration(max_epochs, factor)
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

    def _make_pruner(self) -> Any:
        from deepnum.tuners._study import optuna

        return optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=self.max_epochs, reduction_factor=self.factor
        )

    def _prepare_fit_kwargs(self, fit_kwargs: dict) -> dict:
        return {**fit_kwargs, "epochs": self.max_epochs}
