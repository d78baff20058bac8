"""Every optimizer and option against Keras 3 (torch backend): same weights and slots after N steps.

deepnum and Keras start from the same weights and apply the same gradient sequence; the weights
and every optimizer variable (iteration, learning rate, slots, in Keras's order) must agree to
float32 precision.
"""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import optimizers
from tests.conftest import reference
from tests.optimizers.helpers import numpy_of, problem, run_deepnum, run_keras

# Keras's torch Nadam converts a torch scalar with np.array(), which NumPy 2 flags.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

RTOL, ATOL = 1e-5, 1e-6
STEPS = 6

CASES = [
    ("SGD", {}),
    ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("RMSprop", {}),
    ("RMSprop", {"momentum": 0.5}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"centered": True, "momentum": 0.9, "rho": 0.8, "epsilon": 1e-3}),
    ("Adagrad", {}),
    ("Adagrad", {"initial_accumulator_value": 0.5, "epsilon": 1e-3}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adadelta", {"rho": 0.8, "epsilon": 1e-4}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True}),
    ("Adam", {"beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}),
    ("AdamW", {}),
    ("AdamW", {"weight_decay": 0.1, "amsgrad": True}),
    ("Adamax", {}),
    ("Adamax", {"beta_1": 0.7, "beta_2": 0.95}),
    ("Nadam", {}),
    ("Nadam", {"beta_1": 0.8, "epsilon": 1e-4}),
    ("Lion", {}),
    ("Lion", {"beta_1": 0.5, "beta_2": 0.9}),
]
NAMES = sorted({name for name, _ in CASES})

OPTIONS = [
    {"clipnorm": 0.5},
    {"global_clipnorm": 1.0},
    {"clipvalue": 0.2},
    {"weight_decay": 0.05},
    {"use_ema": True},
    {"use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 3},
    {"gradient_accumulation_steps": 2},
    {"gradient_accumulation_steps": 3, "use_ema": True, "ema_overwrite_frequency": 1},
    {"loss_scale_factor": 8.0},
]


def _compare(name, kwargs, steps=STEPS, scale=1.0, seed=0, keras_kwargs=None):
    keras = reference("keras")
    weights, grads = problem(steps, seed=seed, scale=scale)
    dn_vars, dn_opt = run_deepnum(getattr(optimizers, name)(**kwargs), weights, grads)
    keras_opt = getattr(keras.optimizers, name)(**(keras_kwargs or kwargs))
    keras_vars, keras_opt = run_keras(keras, keras_opt, weights, grads)
    for ours, theirs in zip(dn_vars, numpy_of(keras, keras_vars)):
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=RTOL, atol=ATOL)
    _compare_state(keras, dn_opt, keras_opt)
    return dn_vars, dn_opt, keras_vars, keras_opt


def _compare_state(keras, dn_opt, keras_opt):
    assert len(dn_opt.variables) == len(keras_opt.variables)
    theirs_all = numpy_of(keras, keras_opt.variables)
    for ours, theirs, keras_var in zip(dn_opt.variables, theirs_all, keras_opt.variables):
        if not keras_var.name.startswith("variable"):  # Keras leaves Nadam's u_product unnamed
            assert ours.name == keras_var.name
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=RTOL, atol=ATOL, err_msg=ours.name)


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_matches_keras(name, kwargs):
    _compare(name, {"learning_rate": 0.1, **kwargs})


@pytest.mark.parametrize("name", NAMES)
def test_defaults_match_keras(name):
    _compare(name, {}, steps=4)


@pytest.mark.parametrize("options", OPTIONS, ids=[str(o) for o in OPTIONS])
@pytest.mark.parametrize("name", NAMES)
def test_common_options_match_keras(name, options):
    # Large gradients so that every clipping option really clips.
    _compare(name, {"learning_rate": 0.05, **options}, scale=3.0, seed=1)


SCHEDULES = [
    ("ExponentialDecay", (0.1, 2, 0.5), {"staircase": True}),
    ("InverseTimeDecay", (0.1, 1, 0.5), {}),
    ("PiecewiseConstantDecay", ([1, 3], [0.1, 0.05, 0.01]), {}),
    ("PolynomialDecay", (0.1, 4), {"cycle": True}),
    ("CosineDecay", (0.0, 3), {"warmup_target": 0.1, "warmup_steps": 2}),
    ("CosineDecayRestarts", (0.1, 2), {}),
]


@pytest.mark.parametrize("schedule, args, kwargs", SCHEDULES, ids=[s[0] for s in SCHEDULES])
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_schedule_learning_rate_matches_keras(name, schedule, args, kwargs):
    keras = reference("keras")
    ours = getattr(optimizers.schedules, schedule)(*args, **kwargs)
    theirs = getattr(keras.optimizers.schedules, schedule)(*args, **kwargs)
    extra = {"momentum": 0.9} if name == "SGD" else {}
    _, dn_opt, _, keras_opt = _compare(
        name,
        {"learning_rate": ours, **extra},
        keras_kwargs={"learning_rate": theirs, **extra},
    )
    assert float(dn_opt.learning_rate) == pytest.approx(
        float(keras.ops.convert_to_numpy(keras_opt.learning_rate)), rel=1e-6
    )


def test_schedule_with_gradient_accumulation_sees_every_call():
    keras = reference("keras")
    schedule = (0.1, 1, 0.5)
    _compare(
        "Adam",
        {
            "learning_rate": optimizers.schedules.ExponentialDecay(*schedule),
            "gradient_accumulation_steps": 2,
        },
        keras_kwargs={
            "learning_rate": keras.optimizers.schedules.ExponentialDecay(*schedule),
            "gradient_accumulation_steps": 2,
        },
    )


def test_iterations_count_updates_with_gradient_accumulation():
    keras = reference("keras")
    _, dn_opt, _, keras_opt = _compare("SGD", {"gradient_accumulation_steps": 2}, steps=5)
    assert int(dn_opt.iterations) == 2 == int(keras.ops.convert_to_numpy(keras_opt.iterations))
    assert int(dn_opt.variables[0].numpy()) == 5  # the raw counter counts calls


@pytest.mark.parametrize("name", ["Adam", "SGD"])
def test_finalize_variable_values_matches_keras(name):
    keras = reference("keras")
    dn_vars, dn_opt, keras_vars, keras_opt = _compare(name, {"learning_rate": 0.1, "use_ema": True})
    dn_opt.finalize_variable_values(dn_vars)
    keras_opt.finalize_variable_values(keras_vars)
    for ours, theirs in zip(dn_vars, numpy_of(keras, keras_vars)):
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=RTOL, atol=ATOL)


def test_exclude_from_weight_decay_matches_keras():
    keras = reference("keras")
    weights, grads = problem(4)
    ours = optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    ours.exclude_from_weight_decay(var_names=["bias"])
    theirs = keras.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    theirs.exclude_from_weight_decay(var_names=["bias"])
    dn_vars, _ = run_deepnum(ours, weights, grads)
    keras_vars, _ = run_keras(keras, theirs, weights, grads)
    for a, b in zip(dn_vars, numpy_of(keras, keras_vars)):
        np.testing.assert_allclose(a.numpy(), b, rtol=RTOL, atol=ATOL)


def test_missing_gradients_are_skipped_like_keras():
    keras = reference("keras")
    weights, grads = problem(3)
    for step in grads[1:]:
        step[1] = None
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        dn_vars, dn_opt = run_deepnum(optimizers.Adam(learning_rate=0.1), weights, grads)
    with pytest.warns(UserWarning):
        keras_vars, keras_opt = run_keras(
            keras, keras.optimizers.Adam(learning_rate=0.1), weights, grads
        )
    for a, b in zip(dn_vars, numpy_of(keras, keras_vars)):
        np.testing.assert_allclose(a.numpy(), b, rtol=RTOL, atol=ATOL)
    _compare_state(keras, dn_opt, keras_opt)


@pytest.mark.parametrize(
    "name, kwargs",
    [("Adam", {}), ("Nadam", {}), ("SGD", {"momentum": 0.9}), ("RMSprop", {"centered": True})],
)
def test_state_saved_by_keras_resumes_in_deepnum(name, kwargs):
    """Keras trains 3 steps and saves its state; deepnum loads it and continues like Keras."""
    keras = reference("keras")
    weights, grads = problem(6)
    kwargs = {"learning_rate": 0.1, **kwargs}
    keras_opt = getattr(keras.optimizers, name)(**kwargs)
    keras_vars, _ = run_keras(keras, keras_opt, weights, grads[:3])
    store: dict = {}
    keras_opt.save_own_variables(store)
    midway = numpy_of(keras, keras_vars)

    ours = getattr(optimizers, name)(**kwargs)
    dn_vars, _ = run_deepnum(ours, midway, [])
    ours.build(dn_vars)
    ours.load_own_variables(store)
    assert int(ours.iterations) == 3
    for step in grads[3:]:
        ours.apply(step, dn_vars)
        keras_opt.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in step], keras_vars))
    for a, b in zip(dn_vars, numpy_of(keras, keras_vars)):
        np.testing.assert_allclose(a.numpy(), b, rtol=RTOL, atol=ATOL)
    _compare_state(keras, ours, keras_opt)


def test_learning_rate_setter_matches_keras():
    keras = reference("keras")
    weights, grads = problem(4)
    ours, theirs = optimizers.SGD(learning_rate=0.1), keras.optimizers.SGD(learning_rate=0.1)
    dn_vars, _ = run_deepnum(ours, weights, grads[:2])
    keras_vars, _ = run_keras(keras, theirs, weights, grads[:2])
    ours.learning_rate = 0.02
    theirs.learning_rate = 0.02
    for step in grads[2:]:
        ours.apply(step, dn_vars)
        theirs.apply([keras.ops.convert_to_tensor(g) for g in step], keras_vars)
    for a, b in zip(dn_vars, numpy_of(keras, keras_vars)):
        np.testing.assert_allclose(a.numpy(), b, rtol=RTOL, atol=ATOL)
    assert float(ours.learning_rate) == pytest.approx(0.02)
