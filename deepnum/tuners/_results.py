"""What a tuner reports: its trials, the best hyperparameters and models, and summaries."""

from __future__ import annotations

import math
import os

import numpy as np

from deepnum.tuners.hyperparameters import HyperParameters
from deepnum.tuners.trial import Trial

WEIGHTS_FILE = "best_weights.npz"


class TunerResults:
    """The read side of :class:`~deepnum.tuners.Tuner`: everything here only reads the study
    (``self.study``), the search space (``self._space``) and the saved weights."""

    def get_trials(self, states: tuple | None = None) -> list[Trial]:
        """Every trial of the study as a :class:`Trial` (race leftovers excluded)."""
        frozen = self.study.get_trials(deepcopy=False, states=states)
        return [
            Trial.from_frozen(t, self._space) for t in frozen if not t.user_attrs.get("surplus")
        ]

    def get_best_trials(self, num_trials: int = 1) -> list[Trial]:
        """The completed trials, best first (diverged ones last)."""
        from deepnum.tuners._study import TrialState

        trials = [t for t in self.get_trials((TrialState.COMPLETE,)) if t.score is not None]
        sign = 1.0 if self.objective.direction == "min" else -1.0
        trials.sort(key=lambda t: (not math.isfinite(t.score), sign * t.score, t.number))
        return trials[:num_trials]

    def get_best_hyperparameters(self, num_trials: int = 1) -> list[HyperParameters]:
        """The hyperparameters of the best trials, best first.

        Example:
            ``model = tuner.hypermodel.build(tuner.get_best_hyperparameters()[0])``
        """
        return [t.hyperparameters for t in self.get_best_trials(num_trials)]

    def get_best_models(self, num_models: int = 1) -> list:
        """The models of the best trials, rebuilt from their hyperparameters and loaded with the
        weights of their best epoch (saved on disk during the search, see ``save_weights``).

        For the best final model, retrain on all the data with
        :meth:`get_best_hyperparameters`, as KerasTuner recommends.
        """
        models = []
        for trial in self.get_best_trials(num_models):
            path = os.path.join(self.get_trial_dir(trial.number), WEIGHTS_FILE)
            if not os.path.exists(path):
                raise FileNotFoundError(
                    f"No saved weights for trial {trial.trial_id} at {path!r} (save_weights=False,"
                    " or the trial ran on a machine without this directory). Rebuild and train "
                    "from tuner.get_best_hyperparameters() instead."
                )
            model = self.hypermodel.build(trial.hyperparameters)
            shape = trial.result.get("input_shape")
            if not getattr(model, "built", True) and shape:
                model.build(tuple(shape))
            with np.load(path, allow_pickle=False) as data:
                model.set_weights([data[f"arr_{i}"] for i in range(len(data.files))])
            models.append(model)
        return models

    @property
    def remaining_trials(self) -> int | None:
        """Trials left in the current round's budget (``None`` when unbounded)."""
        from deepnum.tuners._study import counted_trials

        round_ = self.current_round
        budget = self._budget(round_)
        if budget == math.inf:
            return None
        trials = self.study.get_trials(deepcopy=False)
        return max(0, int(budget) - len(counted_trials(trials, round_)))

    @property
    def project_dir(self) -> str:
        return os.path.join(self.directory, self.project_name)

    def get_trial_dir(self, trial_number: int) -> str:
        return os.path.join(self.project_dir, f"trial_{int(trial_number):04d}")

    def _save_weights(self, number: int, weights: list) -> None:
        from deepnum.utils.io import atomic_write

        with atomic_write(os.path.join(self.get_trial_dir(number), WEIGHTS_FILE)) as f:
            np.savez(f, *weights)

    def search_space_summary(self, extended: bool = False) -> str:
        """Print (and return) the hyperparameters of the space, as KerasTuner does."""
        from deepnum.tuners._summary import search_space_summary

        return search_space_summary(self, extended)

    def results_summary(self, num_trials: int = 10) -> str:
        """Print (and return) the best trials and, after :meth:`refine`, each round's ranges."""
        from deepnum.tuners._summary import results_summary

        return results_summary(self, num_trials)
