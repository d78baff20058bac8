"""BayesianOptimization: model-based search with Optuna's TPE sampler."""

from __future__ import annotations

from typing import Any

from deepnum.tuners.hyperparameters import HyperParameters
from deepnum.tuners.tuner import Tuner


class BayesianOptimization(Tuner):
    """Bayesian optimization with a Tree-structured Parzen Estimator (Optuna's TPESampler).

    The first ``num_initial_points`` trials are random; after them each trial draws its values
    where the density of good trials over the density of bad ones, l(x)/g(x), is highest.
    KerasTuner uses a Gaussian process here; TPE plays the same role and also handles
    conditional and categorical hyperparameters.

    Args:
        hypermodel: a ``build_model(hp)`` function or a :class:`HyperModel`.
        objective: the metric to optimize.
        max_trials: the number of trials.
        num_initial_points: random trials before the model-based ones (Optuna's
            ``n_startup_trials``); 3 x the number of tunable hyperparameters by default.
        alpha, beta: accepted for KerasTuner compatibility (Gaussian-process parameters; TPE
            does not use them).
        seed: the random seed.
        hyperparameters, tune_new_entries, allow_new_entries, max_consecutive_failed_trials,
        **kwargs: as for :class:`RandomSearch`.

    Example:
        >>> import tempfile
        >>> def build_model(hp):
        ...     hp.Float("lr", 1e-4, 1e-1, sampling="log")
        ...     return None
        >>> BayesianOptimization(build_model, max_trials=4, num_initial_points=2,
        ...                      directory=tempfile.mkdtemp()).num_initial_points
        2
    """

    def __init__(
        self,
        hypermodel: Any = None,
        objective: Any = "val_loss",
        max_trials: int = 10,
        num_initial_points: int | None = None,
        alpha: float = 1e-4,
        beta: float = 2.6,
        seed: int | None = None,
        hyperparameters: HyperParameters | None = None,
        tune_new_entries: bool = True,
        allow_new_entries: bool = True,
        max_consecutive_failed_trials: int = 3,
        **kwargs: Any,
    ) -> None:
        self._check_int("num_initial_points", num_initial_points, 1, allow_none=True)
        self.num_initial_points = num_initial_points
        self.alpha, self.beta = alpha, beta
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
        if self.num_initial_points is None:
            self.num_initial_points = self._default_initial_points()

    def _default_initial_points(self) -> int:
        return max(1, 3 * sum(hp.tunable for hp in self._space.space))

    def _make_sampler(self, seed: int | None) -> Any:
        from deepnum.tuners._study import optuna

        n = self.num_initial_points or self._default_initial_points()
        return optuna.samplers.TPESampler(n_startup_trials=n, seed=seed)
