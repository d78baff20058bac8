"""Hyperparameter search with KerasTuner's API, on Optuna (``pip install deepnum[tune]``).

Define the space where the model is built, pick a tuner, search::

    def build_model(hp):
        model = deepnum.Sequential([
            deepnum.Input((64,)),
            deepnum.layers.Dense(hp.Int("units", 16, 128, step=16), activation="relu"),
            deepnum.layers.Dense(10, activation="softmax"),
        ])
        lr = hp.Float("lr", 1e-4, 1e-1, sampling="log")
        model.compile(optimizer=deepnum.optimizers.Adam(lr),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    tuner = deepnum.tuners.RandomSearch(build_model, objective="val_accuracy", max_trials=20)
    tuner.search(x, y, epochs=10, validation_split=0.2)
    best_hp = tuner.get_best_hyperparameters()[0]

- :class:`HyperParameters` (``Int``, ``Float`` with ``sampling="log"|"reverse_log"``,
  ``Choice``, ``Boolean``, ``Fixed``, ``conditional_scope``), :class:`HyperModel`,
  :class:`Objective`.
- Tuners: :class:`RandomSearch` (Optuna's RandomSampler), :class:`GridSearch`,
  :class:`BayesianOptimization` (TPE), :class:`Hyperband` (HyperbandPruner, epochs as the
  resource), :class:`CoarseToFine` and ``tuner.refine()`` (ranges narrowed around the best).
- Plots: :func:`plot_optimization_history`, :func:`plot_parallel_coordinates`,
  :func:`plot_slice`.

Optuna is imported when a tuner is created, never by ``import deepnum``.
"""

from deepnum.tuners.bayesian import BayesianOptimization
from deepnum.tuners.coarse_to_fine import CoarseToFine
from deepnum.tuners.grid_search import GridSearch
from deepnum.tuners.hp_types import Boolean, Choice, Fixed, Float, HyperParameter, Int
from deepnum.tuners.hyperband import Hyperband
from deepnum.tuners.hypermodel import HyperModel
from deepnum.tuners.hyperparameters import HyperParameters
from deepnum.tuners.objective import Objective
from deepnum.tuners.plots import plot_optimization_history, plot_parallel_coordinates, plot_slice
from deepnum.tuners.random_search import RandomSearch
from deepnum.tuners.trial import FatalError, Trial
from deepnum.tuners.tuner import Tuner

__all__ = [
    "BayesianOptimization",
    "Boolean",
    "Choice",
    "CoarseToFine",
    "FatalError",
    "Fixed",
    "Float",
    "GridSearch",
    "HyperModel",
    "HyperParameter",
    "HyperParameters",
    "Hyperband",
    "Int",
    "Objective",
    "RandomSearch",
    "Trial",
    "Tuner",
    "plot_optimization_history",
    "plot_parallel_coordinates",
    "plot_slice",
]
