"""GridSearch: each combination once, conditional grids, resuming, errors."""

from __future__ import annotations

import itertools

import pytest

from deepnum import tuners
from deepnum.tuners.grid_search import enumerate_grid
from tests.conftest import reference
from tests.tuners._models import Analytic

optuna = reference("optuna")
SCORE = tuners.Objective("score", "min")


def define(hp):
    hp.Choice("optimizer", ["sgd", "adam"])
    hp.Int("units", 2, 6, step=2)
    hp.Boolean("batch_norm")
    hp.Float("dropout", 0.0, 0.2, step=0.1)
    hp.Fixed("epochs", 3)


def define_small(hp):
    hp.Choice("optimizer", ["sgd", "adam"])
    hp.Int("units", 2, 6, step=2)
    hp.Boolean("batch_norm")


def keys(tuner, names=("optimizer", "units", "batch_norm", "dropout")):
    return [
        tuple(t.hyperparameters.values[n] for n in names)
        for t in tuner.get_trials()
        if t.status == "COMPLETED"
    ]


def test_covers_the_grid_exactly_once(tmp_path):
    tuner = tuners.GridSearch(
        Analytic(define),
        objective=SCORE,
        directory=tmp_path,
        storage=optuna.storages.InMemoryStorage(),
    )
    assert tuner.grid_size == 2 * 3 * 2 * 3
    tuner.search(verbose=0)
    seen = keys(tuner)
    expected = set(itertools.product(["sgd", "adam"], [2, 4, 6], [False, True], [0.0, 0.1, 0.2]))
    assert len(seen) == 36 and set(seen) == expected
    assert seen[0] == ("sgd", 2, False, 0.0)  # the defaults come first
    assert all(t.hyperparameters.get("epochs") == 3 for t in tuner.get_trials())
    tuner.search(verbose=0)  # the grid is exhausted: nothing runs again
    assert len(tuner.get_trials()) == 36


def test_max_trials_stops_early_and_a_second_run_finishes_the_grid(tmp_path):
    kwargs = {"objective": SCORE, "directory": tmp_path}
    tuners.GridSearch(Analytic(define_small), max_trials=5, **kwargs).search(verbose=0)
    tuner = tuners.GridSearch(Analytic(define_small), **kwargs)
    names = ("optimizer", "units", "batch_norm")
    assert len(keys(tuner, names)) == 5
    tuner.search(verbose=0)
    seen = keys(tuner, names)
    assert len(seen) == 12 and len(set(seen)) == 12


def test_interrupted_grid_resumes_where_it_stopped(tmp_path):
    calls = []

    def score(values):
        calls.append(values)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return 0.0

    kwargs = {"objective": SCORE, "directory": tmp_path}
    with pytest.raises(KeyboardInterrupt):
        tuners.GridSearch(Analytic(define_small, score), **kwargs).search(verbose=0)
    tuner = tuners.GridSearch(Analytic(define_small, score), **kwargs)
    tuner.search(verbose=0)
    seen = keys(tuner, ("optimizer", "units", "batch_norm"))
    assert len(seen) == 12 and len(set(seen)) == 12 and len(calls) == 13
    assert calls[4] == calls[5]  # the interrupted combination ran again, and only it


def test_conditional_grid_only_varies_active_children():
    def define_conditional(hp):
        kind = hp.Choice("model", ["mlp", "cnn"])
        with hp.conditional_scope("model", ["mlp"]):
            hp.Int("units", 8, 24, step=8)
        with hp.conditional_scope("model", ["cnn"]):
            hp.Choice("kernel", [3, 5])
        return kind

    hp = tuners.HyperParameters()
    define_conditional(hp)
    with hp.conditional_scope("model", ["cnn"]):
        pass
    space = hp.space
    grid = enumerate_grid(space)
    assert grid == [
        {"model": "mlp", "units": 8},
        {"model": "mlp", "units": 16},
        {"model": "mlp", "units": 24},
        {"model": "cnn", "kernel": 3},
        {"model": "cnn", "kernel": 5},
    ]


def test_conditional_grid_search(tmp_path):
    def define_conditional(hp):
        hp.Choice("model", ["mlp", "cnn"])
        with hp.conditional_scope("model", ["mlp"]):
            hp.Int("units", 8, 24, step=8)
        with hp.conditional_scope("model", ["cnn"]):
            hp.Choice("kernel", [3, 5])

    tuner = tuners.GridSearch(Analytic(define_conditional), objective=SCORE, directory=tmp_path)
    tuner.search(verbose=0)
    seen = sorted(tuple(sorted(t.hyperparameters.values.items())) for t in tuner.get_trials())
    assert len(seen) == 5 and len(set(seen)) == 5


def test_float_without_step_is_an_error_naming_it(tmp_path):
    def define_float(hp):
        hp.Float("lr", 1e-4, 1e-1, sampling="log")

    with pytest.raises(ValueError, match=r'GridSearch cannot enumerate Float "lr".*step='):
        tuners.GridSearch(Analytic(define_float), objective=SCORE, directory=tmp_path)
