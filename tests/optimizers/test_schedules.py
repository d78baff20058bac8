"""Learning-rate schedules against Keras 3 at chosen steps, and their configs."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepnum as dn
from deepnum.optimizers import schedules
from tests.conftest import reference

STEPS = [0, 1, 2, 5, 9, 10, 11, 99, 100, 101, 1000, 12345, 10**6]

CASES = [
    ("ExponentialDecay", (0.1, 10, 0.96), {}),
    ("ExponentialDecay", (0.1, 10, 0.96), {"staircase": True}),
    ("ExponentialDecay", (1.0, 3, 0.5), {}),
    ("InverseTimeDecay", (0.1, 1, 0.5), {}),
    ("InverseTimeDecay", (0.1, 10, 2.0), {"staircase": True}),
    ("PiecewiseConstantDecay", ([10, 100], [1.0, 0.5, 0.1]), {}),
    ("PiecewiseConstantDecay", ([5], [0.3, 0.03]), {}),
    ("PolynomialDecay", (0.1, 100), {}),
    ("PolynomialDecay", (0.1, 100, 0.01, 0.5), {}),
    ("PolynomialDecay", (0.1, 10, 0.001, 2.0), {"cycle": True}),
    ("CosineDecay", (0.1, 100), {}),
    ("CosineDecay", (0.1, 100), {"alpha": 0.1}),
    ("CosineDecay", (0.0, 100), {"warmup_target": 0.1, "warmup_steps": 10}),
    ("CosineDecay", (0.01, 50), {"alpha": 0.2, "warmup_target": 0.1, "warmup_steps": 10}),
    ("CosineDecayRestarts", (0.1, 10), {}),
    ("CosineDecayRestarts", (0.1, 10), {"t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1}),
    ("CosineDecayRestarts", (0.1, 7), {"t_mul": 1.5, "m_mul": 0.9}),
]
IDS = [f"{name}-{kwargs}" for name, _, kwargs in CASES]


def _keras_value(keras, schedule, step):
    return float(schedule(step).detach().cpu().numpy())


@pytest.mark.parametrize("name, args, kwargs", CASES, ids=IDS)
def test_values_match_keras(name, args, kwargs):
    keras = reference("keras")
    ours = getattr(schedules, name)(*args, **kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    for step in STEPS:
        expected = _keras_value(keras, theirs, step)
        got = ours(step)
        assert got.dtype == np.float32
        assert float(got) == pytest.approx(expected, rel=2e-6, abs=1e-9), f"step {step}"


@pytest.mark.parametrize("name, args, kwargs", CASES, ids=IDS)
def test_array_of_steps_gives_each_value(name, args, kwargs):
    schedule = getattr(schedules, name)(*args, **kwargs)
    steps = np.array(STEPS)
    values = schedule(steps)
    assert values.shape == steps.shape
    np.testing.assert_array_equal(values, [schedule(int(s)) for s in steps])


@pytest.mark.parametrize("name, args, kwargs", CASES, ids=IDS)
def test_config_round_trips(name, args, kwargs):
    schedule = getattr(schedules, name)(*args, **kwargs)
    config = json.loads(json.dumps(schedules.serialize(schedule)))
    clone = schedules.deserialize(config)
    assert type(clone) is type(schedule) and clone.get_config() == schedule.get_config()
    assert float(clone(17)) == float(schedule(17))


@pytest.mark.parametrize("name, args, kwargs", CASES[::3], ids=IDS[::3])
def test_configs_move_between_keras_and_deepnum(name, args, kwargs):
    keras = reference("keras")
    theirs = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    ours = schedules.deserialize(keras.optimizers.schedules.serialize(theirs))
    assert ours.get_config() == theirs.get_config()
    back = keras.optimizers.schedules.deserialize(schedules.serialize(ours))
    assert back.get_config() == theirs.get_config()


def test_inverse_time_decay_is_the_course_formula():
    # α = α₀ / (1 + decay_rate · epoch), one decay per epoch of 50 steps.
    schedule = schedules.InverseTimeDecay(0.2, decay_steps=50, decay_rate=1.0, staircase=True)
    for epoch in range(4):
        assert float(schedule(epoch * 50 + 49)) == pytest.approx(0.2 / (1 + epoch))


def test_schedule_accepts_tensors_and_variables():
    schedule = schedules.ExponentialDecay(0.1, 10, 0.5)
    assert float(schedule(dn.tensor(10.0))) == pytest.approx(0.05)
    assert float(schedule(dn.Variable(np.int64(20)))) == pytest.approx(0.025)


def test_optimizer_evaluates_the_schedule_at_its_iterations():
    schedule = schedules.PiecewiseConstantDecay([1], [0.5, 0.1])
    w = dn.Variable([1.0])
    opt = dn.optimizers.SGD(learning_rate=schedule)
    lrs = []
    for _ in range(3):
        lrs.append(float(opt.learning_rate))
        opt.apply([np.ones(1, "float32")], [w])
    assert lrs == pytest.approx([0.5, 0.5, 0.1])
    assert float(w.numpy()[0]) == pytest.approx(1.0 - 0.5 - 0.5 - 0.1)


def test_float64_floatx_computes_in_float64():
    dn.config.set_floatx("float64")
    value = schedules.CosineDecay(0.1, 100)(30)
    assert value.dtype == np.float64
    assert float(value) == pytest.approx(0.05 * (1 + np.cos(np.pi * 0.3)), rel=1e-14)


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: schedules.ExponentialDecay(0.1, 0, 0.9), "decay_steps.*> 0.*decay_steps=0"),
        (lambda: schedules.InverseTimeDecay(0.1, -5, 0.9), "decay_steps=-5"),
        (lambda: schedules.PolynomialDecay(0.1, 0), "decay_steps"),
        (lambda: schedules.CosineDecay(0.1, 0), "decay_steps"),
        (lambda: schedules.CosineDecayRestarts(0.1, 0), "first_decay_steps"),
        (lambda: schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2]), "1 less than"),
        (lambda: schedules.PiecewiseConstantDecay([2, 1], [0.1, 0.2, 0.3]), "increasing"),
        (lambda: schedules.deserialize({"class_name": "Nope", "config": {}}), "Unknown.*'Nope'"),
    ],
)
def test_bad_arguments_raise(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_custom_schedule_needs_custom_objects():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, initial_learning_rate):
            self.initial_learning_rate = initial_learning_rate

        def __call__(self, step):
            return self.initial_learning_rate / 2 ** (int(step) // 10)

        def get_config(self):
            return {"initial_learning_rate": self.initial_learning_rate}

    config = schedules.serialize(Halving(0.4))
    with pytest.raises(ValueError, match="custom_objects"):
        schedules.deserialize(config)
    assert schedules.deserialize(config, {"Halving": Halving})(25) == 0.1
    w = dn.Variable([0.0])
    opt = dn.optimizers.SGD(learning_rate=Halving(0.4))
    opt.apply([np.ones(1, "float32")], [w])
    assert float(w.numpy()[0]) == pytest.approx(-0.4)
    clone = dn.optimizers.deserialize(dn.optimizers.serialize(opt), {"Halving": Halving})
    assert isinstance(clone._learning_rate, Halving)
