"""Coarse-to-fine: ranges narrow around the best trials, in log space when log-sampled."""

from __future__ import annotations

import math
import statistics

import pytest

from deepnum import tuners
from deepnum.tuners.coarse_to_fine import narrow
from deepnum.tuners.hp_types import Float, Int
from tests.conftest import reference
from tests.tuners._models import Analytic, log_bowl

optuna = reference("optuna")
SCORE = tuners.Objective("score", "min")


def define(hp):
    hp.Float("lr", 1e-5, 1.0, sampling="log")
    hp.Int("units", 8, 128, step=8)
    hp.Choice("act", ["relu", "tanh"])


def bowl(values):
    return log_bowl(values) + ((values["units"] - 40) / 40) ** 2


def test_narrow_works_on_the_sampling_axis():
    lr = narrow(Float("lr", 1e-5, 1.0, sampling="log"), [1e-3], shrink=0.4)
    assert lr.min_value == pytest.approx(1e-4) and lr.max_value == pytest.approx(1e-2)
    assert lr.default == 1e-3 and lr.sampling == "log"
    lin = narrow(Float("x", 0.0, 10.0), [9.5, 8.0], shrink=0.2)
    # width 2 around 9.5, widened to hold 8.0, then shifted (not cut) inside [0, 10]
    assert (lin.min_value, lin.max_value) == (7.5, 10.0)
    units = narrow(Int("units", 8, 128, step=8), [44], shrink=0.25)
    assert (units.min_value, units.max_value, units.step) == (24, 64, 8)
    assert set(units.grid_values()) <= set(range(8, 129, 8))
    m = narrow(Float("m", 0.5, 0.9999, sampling="reverse_log"), [0.99], shrink=0.5)
    assert m.min_value < 0.99 < m.max_value and m.max_value - m.min_value < 0.4
    with pytest.raises(ValueError, match="shrink must be in"):
        narrow(lr, [1e-3], shrink=0)


def test_refine_narrows_around_the_best_and_does_better(tmp_path, capsys):
    tuner = tuners.RandomSearch(
        Analytic(define, bowl), objective=SCORE, max_trials=12, seed=0, directory=tmp_path
    )
    tuner.search(verbose=0)
    coarse = tuner.get_best_trials(3)
    coarse_scores = [t.score for t in tuner.get_trials()]
    tuner.refine(top_k=3, shrink=0.3)
    assert tuner.current_round == 1 and tuner.remaining_trials == 0
    trials = tuner.get_trials()
    fine = [t for t in trials if t.round == 1]
    assert len(trials) == 24 and len(fine) == 12

    lr = tuner._overrides()["lr"]
    top = [t.hyperparameters.get("lr") for t in coarse]
    assert lr.min_value <= min(top) and max(top) <= lr.max_value
    width = math.log10(lr.max_value / lr.min_value)
    assert width < 5 * 0.75  # narrower than the 5 decades of round 0
    assert all(lr.min_value <= t.hyperparameters.get("lr") <= lr.max_value for t in fine)
    assert {t.hyperparameters.get("act") for t in fine} <= {"relu", "tanh"}

    assert tuner.get_best_trials()[0].score <= coarse[0].score
    assert statistics.median(t.score for t in fine) < statistics.median(coarse_scores)
    text = tuner.results_summary(1)
    assert "Round 0: 12 completed trials" in text and "Round 1: 12 completed trials" in text
    assert "lr: [1e-05, 1] log" in text and "top_k=3, shrink=0.3" in text


def test_coarse_to_fine_tuner_runs_its_rounds_and_resumes(tmp_path):
    kwargs = {
        "objective": SCORE,
        "max_trials": 6,
        "rounds": 3,
        "top_k": 2,
        "shrink": 0.5,
        "seed": 1,
        "directory": tmp_path,
    }
    tuner = tuners.CoarseToFine(Analytic(define, bowl), **kwargs)
    tuner.search(verbose=0)
    rounds = tuner._rounds()
    assert len(rounds) == 3 and len(tuner.get_trials()) == 18
    widths = [math.log10(deserialize_range(r["ranges"]["lr"])) for r in rounds]
    assert widths[0] > widths[1] > widths[2]
    again = tuners.CoarseToFine(Analytic(define, bowl), **kwargs)
    again.search(verbose=0)  # all rounds done: nothing more
    assert len(again.get_trials()) == 18


def deserialize_range(config):
    from deepnum.tuners.hp_types import deserialize

    hp = deserialize(config)
    return hp.max_value / hp.min_value


def test_refine_needs_a_search_first(tmp_path):
    tuner = tuners.RandomSearch(Analytic(define, bowl), objective=SCORE, directory=tmp_path)
    with pytest.raises(ValueError, match="call search\\(\\) first"):
        tuner.refine()
