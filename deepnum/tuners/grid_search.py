"""GridSearch: every combination of the hyperparameter values, each exactly once."""

from __future__ import annotations

from typing import Any

from deepnum.tuners.hp_types import HyperParameter
from deepnum.tuners.hyperparameters import HyperParameters
from deepnum.tuners.tuner import Tuner

MAX_GRID_SIZE = 1_000_000


def enumerate_grid(space: list[HyperParameter]) -> list[dict]:
    """Every combination of values of the *active* hyperparameters, the last one varying
    fastest and each default first (KerasTuner's order). A conditional hyperparameter only
    varies where its parent takes one of its activating values.

    Args:
        space: the hyperparameters, parents before children.

    Returns:
        A list of ``{name: value}`` dicts.

    Example:
        >>> from deepnum.tuners import hp_types as t
        >>> enumerate_grid([t.Choice("opt", ["sgd", "adam"]), t.Int("units", 8, 16, step=8)])
        [{'opt': 'sgd', 'units': 8}, {'opt': 'sgd', 'units': 16}, {'opt': 'adam', 'units': 8}, \
{'opt': 'adam', 'units': 16}]
    """
    combos: list[dict] = []
    values: dict = {}

    def walk(i: int) -> None:
        if len(combos) > MAX_GRID_SIZE:
            raise ValueError(
                f"The grid has more than {MAX_GRID_SIZE:,} combinations; use "
                "larger steps, fewer values, or RandomSearch."
            )
        if i == len(space):
            combos.append(dict(values))
            return
        hp = space[i]
        if hp.name in values or not all(c.is_active(values) for c in hp.conditions):
            walk(i + 1)
            return
        for value in hp.grid_values():
            values[hp.name] = value
            walk(i + 1)
        del values[hp.name]

    walk(0)
    return combos


class GridSearch(Tuner):
    """Grid search: tries every combination of the hyperparameter values once.

    ``hp.Int`` ranges are enumerated with their step (1 by default); ``hp.Float`` needs a
    ``step`` (a continuous range has no grid; KerasTuner would pick 10 points, deepnum asks
    you to choose); ``hp.Choice`` and ``hp.Boolean`` give their values. The first trial uses
    the defaults. Several processes can share a grid through ``storage=``.

    Args:
        hypermodel: a ``build_model(hp)`` function or a :class:`HyperModel`.
        objective: the metric to optimize.
        max_trials: the most combinations to try; ``None`` (default) tries them all.
        seed: the random seed (model initialization).
        hyperparameters, tune_new_entries, allow_new_entries, max_consecutive_failed_trials,
        **kwargs: as for :class:`RandomSearch`.

    Raises:
        ValueError: a Float without ``step`` (or a log-sampled Int without ``step``) is in the
            space, naming the hyperparameter.

    Example:
        >>> import tempfile
        >>> def build_model(hp):
        ...     hp.Choice("optimizer", ["sgd", "adam"])
        ...     hp.Float("dropout", 0.0, 0.5, step=0.25)
        ...     return None
        >>> GridSearch(build_model, directory=tempfile.mkdtemp()).grid_size
        6
    """

    _grid_mode = True

    def __init__(
        self,
        hypermodel: Any = None,
        objective: Any = "val_loss",
        max_trials: int | None = None,
        seed: int | None = None,
        hyperparameters: HyperParameters | None = None,
        tune_new_entries: bool = True,
        allow_new_entries: bool = True,
        max_consecutive_failed_trials: int = 3,
        **kwargs: Any,
    ) -> None:
        self._grids: dict[int, list[dict]] = {}
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
        self._grid(self.current_round)  # fail now on a space without a grid

    @property
    def grid_size(self) -> int:
        """The number of combinations in the current round's grid."""
        return len(self._grid(self.current_round))

    def _grid(self, round_: int) -> list[dict]:
        if round_ not in self._grids:
            overrides = self._overrides() if round_ == self.current_round else {}
            space = [self._definition(hp, overrides) for hp in self._space.space]
            self._grids[round_] = enumerate_grid(space)
        return self._grids[round_]

    def _budget(self, round_: int) -> float:
        return min(super()._budget(round_), len(self._grid(round_)))

    @staticmethod
    def _taken(trials: list, round_: int, before: int | None = None) -> set:
        """Grid indices of the round held by trials that are queued, running or done."""
        from deepnum.tuners._study import TrialState

        states = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING)
        return {
            t.user_attrs.get("grid_index")
            for t in trials
            if t.state in states
            and t.user_attrs.get("round") == round_
            and (before is None or t.number < before)
        }

    def _before_ask(self, round_: int, trials: list) -> bool:
        from deepnum.tuners._study import TrialState

        waiting = [t for t in trials if t.state == TrialState.WAITING]
        if any(t.user_attrs.get("round") == round_ for t in waiting):
            return True  # ask() pops a combination enqueued earlier (e.g. by a killed run)
        taken = self._taken(trials, round_)
        grid = self._grid(round_)
        index = next((i for i in range(len(grid)) if i not in taken), None)
        if index is None:
            return False
        tunable = {hp.name for hp in self._space.space if hp.tunable}
        params = {k: v for k, v in grid[index].items() if k in tunable}
        self.study.enqueue_trial(params, user_attrs={"grid_index": index, "round": round_})
        return True

    def _is_surplus(self, trial: Any, round_: int, budget: float, trials: list) -> bool:
        index = trial.user_attrs.get("grid_index")
        return (
            index is None
            or super()._is_surplus(trial, round_, budget, trials)
            or index in self._taken(trials, round_, before=trial.number)
        )
