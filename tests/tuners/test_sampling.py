"""How RandomSearch draws values: log and reverse_log scales, steps, choices, conditions."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from deepnum import tuners
from tests.conftest import reference
from tests.tuners._models import Analytic

optuna = reference("optuna")
SCORE = tuners.Objective("score", "min")


def draws(tmp_path, define, n, seed=0):
    """Run ``n`` RandomSearch trials of a hypermodel that only defines hyperparameters;
    return the values of every trial in trial order."""
    tuner = tuners.RandomSearch(
        Analytic(define),
        objective=SCORE,
        max_trials=n,
        seed=seed,
        directory=tmp_path,
        storage=optuna.storages.InMemoryStorage(),
    )
    tuner.search(verbose=0)
    trials = tuner.get_trials()
    assert len(trials) == n and all(t.status == "COMPLETED" for t in trials)
    return [t.hyperparameters.values for t in trials]


def decade_shares(values, low_exponent=-4, high_exponent=0):
    edges = np.logspace(low_exponent, high_exponent, high_exponent - low_exponent + 1)
    counts, _ = np.histogram(values, bins=edges)
    return counts / len(values)


def test_log_sampling_gives_each_decade_the_same_share(tmp_path):
    values = [
        v["lr"] for v in draws(tmp_path, lambda hp: hp.Float("lr", 1e-4, 1.0, sampling="log"), 200)
    ]
    assert min(values) >= 1e-4 and max(values) <= 1.0
    shares = decade_shares(values)
    # 200 draws, 4 decades: 25 % each, binomial sd 3.1 %; 15-35 % is more than 3 sd.
    assert np.all((shares > 0.15) & (shares < 0.35)), shares


def test_linear_sampling_puts_ninety_percent_in_the_top_decade(tmp_path):
    values = [v["lr"] for v in draws(tmp_path, lambda hp: hp.Float("lr", 1e-4, 1.0), 200)]
    shares = decade_shares(values)
    assert shares[-1] > 0.83, shares  # expected 0.9
    assert shares[0] + shares[1] < 0.05  # [1e-4, 1e-2) is 1 % of the interval


def test_reverse_log_is_log_uniform_below_the_top(tmp_path):
    # reverse_log: max + min - value is log-uniform, so the values crowd towards max
    # (momentum 0.9, 0.99, 0.999 are equally likely decades of 1 - momentum).
    values = [
        v["m"]
        for v in draws(tmp_path, lambda hp: hp.Float("m", 1e-4, 1.0, sampling="reverse_log"), 200)
    ]
    assert min(values) >= 1e-4 and max(values) <= 1.0
    gaps = [1.0 + 1e-4 - v for v in values]
    shares = decade_shares(gaps)
    assert np.all((shares > 0.15) & (shares < 0.35)), shares
    assert np.mean(np.array(values) > 0.9) > 0.65  # a linear draw gives 10 %


def test_int_steps_and_log_int(tmp_path):
    def define(hp):
        hp.Int("units", 8, 64, step=8)
        hp.Int("odd", 6, 13, step=3)
        hp.Int("batch", 2, 32, step=2, sampling="log")
        hp.Int("layers", 1, 3)
        hp.Int("width", 1, 1000, sampling="log")

    trials = draws(tmp_path, define, 120)
    assert {v["units"] for v in trials} == set(range(8, 65, 8))
    assert {v["odd"] for v in trials} == {6, 9, 12}
    assert {v["batch"] for v in trials} == {2, 4, 8, 16, 32}
    assert {v["layers"] for v in trials} == {1, 2, 3}
    widths = [v["width"] for v in trials]
    assert all(isinstance(w, int) and 1 <= w <= 1000 for w in widths)
    assert sum(w < 32 for w in widths) > 0.3 * len(widths)  # half the decades lie below 32
    assert all(isinstance(v["units"], int) for v in trials)


def test_float_step_stays_on_the_grid(tmp_path):
    trials = draws(tmp_path, lambda hp: hp.Float("dropout", 0.0, 0.5, step=0.1), 60)
    assert {v["dropout"] for v in trials} == {0.0, 0.1, 0.2, 0.3, 0.4, 0.5}


def test_choice_boolean_fixed(tmp_path):
    def define(hp):
        hp.Choice("optimizer", ["sgd", "adam", "rmsprop"])
        hp.Choice("batch_size", [16, 32, 64])
        hp.Boolean("batch_norm")
        hp.Fixed("epochs", 3)

    trials = draws(tmp_path, define, 90)
    counts = Counter(v["optimizer"] for v in trials)
    assert set(counts) == {"sgd", "adam", "rmsprop"} and min(counts.values()) > 15
    assert {v["batch_size"] for v in trials} == {16, 32, 64}
    assert {v["batch_norm"] for v in trials} == {False, True}
    assert {v["epochs"] for v in trials} == {3}


def test_conditional_parameter_only_active_with_its_parent_value(tmp_path):
    def define(hp):
        model = hp.Choice("model", ["mlp", "cnn"])
        with hp.conditional_scope("model", ["mlp"]):
            units = hp.Int("units", 8, 64, step=8)
            assert (units is None) == (model != "mlp")
        with hp.conditional_scope("model", ["cnn"]):
            filters = hp.Int("filters", 4, 16, step=4)
            assert (filters is None) == (model != "cnn")

    trials = draws(tmp_path, define, 40)
    for v in trials:
        assert ("units" in v) == (v["model"] == "mlp")
        assert ("filters" in v) == (v["model"] == "cnn")
    assert {v["model"] for v in trials} == {"mlp", "cnn"}


def test_search_space_summary_lists_both_conditional_branches(tmp_path, capsys):
    def define(hp):
        hp.Choice("model", ["mlp", "cnn"])
        with hp.conditional_scope("model", ["cnn"]):
            hp.Int("filters", 4, 16)

    tuner = tuners.RandomSearch(Analytic(define), objective=SCORE, directory=tmp_path)
    text = tuner.search_space_summary()
    assert "Default search space size: 2" in text and "filters (Int)" in text
    assert "'conditions': [{'name': 'model', 'values': ['cnn']}]" in text
    assert "filters (Int)" in capsys.readouterr().out


def test_seed_fixes_the_sequence_and_a_new_seed_changes_it(tmp_path):
    def define(hp):
        hp.Float("lr", 1e-5, 1.0, sampling="log")
        hp.Int("units", 1, 100)

    first = draws(tmp_path / "a", define, 12, seed=3)
    second = draws(tmp_path / "b", define, 12, seed=3)
    other = draws(tmp_path / "c", define, 12, seed=4)
    assert first == second
    assert first != other
    assert len({round(math.log(v["lr"]), 9) for v in first}) == 12


@pytest.mark.parametrize("tuner_class", [tuners.RandomSearch, tuners.BayesianOptimization])
def test_values_respect_the_ranges_for_every_sampler(tmp_path, tuner_class):
    def define(hp):
        hp.Float("lr", 1e-4, 1e-1, sampling="log")
        hp.Float("momentum", 0.5, 0.999, sampling="reverse_log")
        hp.Int("units", 4, 32, step=4)

    tuner = tuner_class(
        Analytic(define, lambda v: v["lr"]),
        objective=SCORE,
        max_trials=15,
        seed=0,
        directory=tmp_path,
        storage=optuna.storages.InMemoryStorage(),
    )
    tuner.search(verbose=0)
    for t in tuner.get_trials():
        v = t.hyperparameters.values
        assert 1e-4 <= v["lr"] <= 1e-1 and 0.5 <= v["momentum"] <= 0.999
        assert v["units"] in range(4, 33, 4)
