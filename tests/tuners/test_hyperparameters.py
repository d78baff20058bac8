"""HyperParameters and the hyperparameter types, with KerasTuner's semantics (no Optuna)."""

from __future__ import annotations

import pytest

from deepnum.tuners import Boolean, Choice, Fixed, Float, HyperParameters, Int, hp_types


def test_first_call_registers_and_returns_the_default():
    hp = HyperParameters()
    assert hp.Int("units", 32, 512, step=32) == 32
    assert hp.Int("units", 32, 512, step=32) == 32  # a second call looks it up
    assert hp.Float("lr", 1e-4, 1e-1, sampling="log", default=1e-3) == 1e-3
    assert hp.Choice("act", ["relu", "tanh"]) == "relu"
    assert hp.Boolean("bn") is False
    assert hp.Fixed("epochs", 5) == 5
    assert hp.values == {"units": 32, "lr": 1e-3, "act": "relu", "bn": False, "epochs": 5}
    assert [type(h).__name__ for h in hp.space] == ["Int", "Float", "Choice", "Boolean", "Fixed"]
    assert hp.get("units") == 32 and hp["act"] == "relu" and "lr" in hp


def test_int_step_values_like_keras_tuner():
    assert Int("n", 6, 12).grid_values() == [6, 7, 8, 9, 10, 11, 12]
    assert Int("n", 6, 13, step=3).grid_values() == [6, 9, 12]
    assert Int("b", 2, 32, step=2, sampling="log").grid_values() == [2, 4, 8, 16, 32]
    assert Int("n", 6, 13, step=3, default=9).grid_values() == [9, 6, 12]  # default first


def test_float_step_values_like_keras_tuner():
    assert Float("d", 0, 1, step=0.2).grid_values() == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert Float("lr", 0.001, 10, step=10, sampling="log").grid_values() == [
        0.001,
        0.01,
        0.1,
        1.0,
        10.0,
    ]
    # reverse_log: max + min - min * step**k, dense near max; the default (min) comes first
    assert Float("m", 1, 1000, step=10, sampling="reverse_log").grid_values() == [
        1.0,
        1000.0,
        991.0,
        901.0,
    ]
    with pytest.raises(ValueError, match=r'Float "lr".*step'):
        Float("lr", 1e-4, 1.0, sampling="log").grid_values()


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Int("n", 1.5, 3), r'Int "n": min_value must be an integer'),
        (lambda: Int("n", 5, 3), r"min_value must be <= max_value.*min_value=5"),
        (lambda: Float("lr", 0, 1, sampling="log"), r'sampling="log" needs min_value > 0'),
        (lambda: Float("lr", 1e-3, 1, sampling="exp"), r"sampling must be one of"),
        (lambda: Float("lr", 1e-3, 1, step=0.5, sampling="log"), r"must be > 1"),
        (lambda: Int("n", 1, 3, default=7), r"default must lie in \[1, 3\]"),
        (lambda: Choice("c", []), r"non-empty"),
        (lambda: Choice("c", ["a"], default="b"), r"default must be one of"),
        (lambda: Choice("c", ["a"], ordered=True), r"ordered=True needs numeric"),
    ],
)
def test_errors_name_the_argument_and_value(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_choice_needs_one_type_and_infers_ordered():
    with pytest.raises(TypeError, match="one type"):
        Choice("c", [1, "a"])
    assert Choice("c", [1, 2]).ordered is True
    assert Choice("c", ["a", "b"]).ordered is False
    assert Choice("c", [0.1, 0.2], default=0.2).default == 0.2


def test_conditional_scope_registers_but_returns_none_when_inactive():
    hp = HyperParameters()
    kind = hp.Choice("model", ["mlp", "cnn"])
    with hp.conditional_scope("model", ["mlp"]):
        units = hp.Int("units", 8, 64)
    with hp.conditional_scope("model", "cnn"):
        filters = hp.Int("filters", 4, 16)
    assert kind == "mlp" and units == 8 and filters is None
    assert [h.name for h in hp.space] == ["model", "units", "filters"]
    assert hp.values == {"model": "mlp", "units": 8}
    with pytest.raises(ValueError, match="inactive"):
        hp.get("filters")
    with pytest.raises(KeyError, match="does not exist"):
        hp.get("dropout")
    assert hp.is_active("units") and not hp.is_active("filters")
    with pytest.raises(ValueError, match="parent hyperparameter 'nope' is not defined"):
        with hp.conditional_scope("nope", [1]):
            pass


def test_parent_name_arguments_and_name_scope():
    hp = HyperParameters()
    hp.Boolean("dropout")
    assert hp.Float("rate", 0.1, 0.5, parent_name="dropout", parent_values=[True]) is None
    with hp.name_scope("block1"):
        hp.Int("units", 1, 4)
    assert "block1/units" in hp.values


def test_config_round_trip_and_merge():
    hp = HyperParameters()
    hp.Int("units", 8, 64, step=8)
    hp.Float("lr", 1e-4, 1e-1, sampling="log")
    with hp.conditional_scope("units", [8]):
        hp.Choice("act", ["relu", "tanh"])
    again = HyperParameters.from_config(hp.get_config())
    assert again.values == hp.values
    assert [h.get_config() for h in again.space] == [h.get_config() for h in hp.space]
    other = HyperParameters()
    other.Fixed("units", 16)
    hp.merge(other)
    assert hp.get("units") == 16


def test_serialize_round_trips_every_type():
    for hp in (
        Int("a", 1, 9, step=2, default=3),
        Float("b", 0.5, 0.99, sampling="reverse_log"),
        Choice("c", ["x", "y"], default="y"),
        Boolean("d", default=True),
        Fixed("e", "adam"),
    ):
        assert hp_types.deserialize(hp_types.serialize(hp)) == hp
