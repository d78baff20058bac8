"""Lamb, Ftrl, Adafactor, Muon and ScheduleFreeAdamW against Keras 3 (torch backend), step by
step: after every update the weights and every optimizer variable (in Keras's order, with
Keras's names) must agree to float32 precision."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import optimizers
from tests.conftest import reference
from tests.optimizers.helpers import NAMES, numpy_of, problem

RTOL, ATOL = 2e-5, 2e-6
STEPS = 4

CASES = [
    ("Lamb", {}),
    ("Lamb", {"beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}),
    ("Ftrl", {}),
    ("Ftrl", {"learning_rate_power": -0.7, "initial_accumulator_value": 0.5}),
    ("Ftrl", {"l1_regularization_strength": 0.05, "l2_regularization_strength": 0.1}),
    ("Ftrl", {"l2_shrinkage_regularization_strength": 0.2, "beta": 0.3}),
    ("Ftrl", {"learning_rate_power": 0.0}),
    ("Adafactor", {}),
    ("Adafactor", {"relative_step": False, "clip_threshold": 0.5, "epsilon_2": 0.1}),
    ("Adafactor", {"beta_2_decay": -0.5, "epsilon_1": 1e-3}),
    ("Muon", {}),
    ("Muon", {"nesterov": False, "rms_rate": None, "weight_decay": None}),
    ("Muon", {"momentum": 0.8, "ns_steps": 3, "adam_lr_ratio": 0.5, "adam_weight_decay": None}),
    ("Muon", {"exclude_layers": ["kern"]}),
    ("ScheduleFreeAdamW", {}),
    ("ScheduleFreeAdamW", {"warmup_steps": 3, "beta_1": 0.5, "epsilon": 1e-4}),
]

OPTIONS = [
    {"clipnorm": 0.5},
    {"global_clipnorm": 1.0},
    {"weight_decay": 0.05},
    {"use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 2},
    {"gradient_accumulation_steps": 2},
    {"loss_scale_factor": 8.0},
]


def keras_optimizer(keras, name, kwargs):
    """Keras's optimizer; ScheduleFreeAdamW as Keras computes it on JAX and TensorFlow."""
    if name != "ScheduleFreeAdamW":
        return getattr(keras.optimizers, name)(**kwargs)
    import torch

    class ScheduleFreeAdamW(keras.optimizers.ScheduleFreeAdamW):
        # Keras on torch updates z in place after reading its "old" value, so the old value
        # it reads is the new one; a fresh tensor keeps the old value intact.
        def assign_sub(self, variable, value):
            if any(variable is m for m in self._momentums):
                new = (variable.value - value).detach().clone()
                variable._value = torch.nn.Parameter(new, requires_grad=False)
            else:
                super().assign_sub(variable, value)

    return ScheduleFreeAdamW(**kwargs)


def lockstep(name, kwargs, steps=STEPS, scale=1.0, seed=0):
    """Apply the same gradients with deepnum and Keras; compare after every step."""
    keras = reference("keras")
    weights, grads = problem(steps, seed=seed, scale=scale)
    ours = getattr(optimizers, name)(**kwargs)
    theirs = keras_optimizer(keras, name, kwargs)
    dn_vars = [dn.Variable(w.copy(), name=n) for w, n in zip(weights, NAMES)]
    keras_vars = [keras.Variable(w.copy(), name=n) for w, n in zip(weights, NAMES)]
    for step, step_grads in enumerate(grads):
        ours.apply([dn.tensor(g) for g in step_grads], dn_vars)
        theirs.apply([keras.ops.convert_to_tensor(g) for g in step_grads], keras_vars)
        for a, b in zip(dn_vars, numpy_of(keras, keras_vars)):
            np.testing.assert_allclose(a.numpy(), b, RTOL, ATOL, err_msg=f"step {step}")
        compare_state(keras, ours, theirs)
    return ours, theirs, dn_vars, keras_vars


def compare_state(keras, ours, theirs):
    assert len(ours.variables) == len(theirs.variables)
    for a, b, keras_var in zip(ours.variables, numpy_of(keras, theirs.variables), theirs.variables):
        assert a.name == keras_var.name
        assert a.shape == b.shape
        np.testing.assert_allclose(a.numpy(), b, RTOL, ATOL, err_msg=a.name)


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_matches_keras_step_by_step(name, kwargs):
    lockstep(name, {"learning_rate": 0.05, **kwargs})


@pytest.mark.parametrize("name", ["Lamb", "Ftrl", "Adafactor", "Muon", "ScheduleFreeAdamW"])
def test_defaults_match_keras(name):
    lockstep(name, {}, steps=3)


@pytest.mark.parametrize("options", OPTIONS, ids=[str(o) for o in OPTIONS])
@pytest.mark.parametrize("name", ["Lamb", "Adafactor", "Muon", "ScheduleFreeAdamW"])
def test_common_options_match_keras(name, options):
    lockstep(name, {"learning_rate": 0.05, **options}, scale=3.0, seed=1)


def test_ftrl_with_a_schedule_matches_keras():
    keras = reference("keras")
    weights, grads = problem(4)
    ours = optimizers.Ftrl(optimizers.schedules.ExponentialDecay(0.1, 1, 0.5))
    theirs = keras.optimizers.Ftrl(keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5))
    dn_vars = [dn.Variable(w.copy(), name=n) for w, n in zip(weights, NAMES)]
    keras_vars = [keras.Variable(w.copy(), name=n) for w, n in zip(weights, NAMES)]
    for step in grads:
        ours.apply(step, dn_vars)
        theirs.apply([keras.ops.convert_to_tensor(g) for g in step], keras_vars)
    for a, b in zip(dn_vars, numpy_of(keras, keras_vars)):
        np.testing.assert_allclose(a.numpy(), b, RTOL, ATOL)


def test_muon_newton_schulz_orthogonalizes():
    rng = np.random.default_rng(0)
    g = rng.standard_normal((6, 4)).astype("float32")
    out = optimizers.Muon().zeropower_via_newtonschulz5(g, 5)
    u, _, vt = np.linalg.svd(g, full_matrices=False)
    # The quintic iteration pushes every singular value into roughly [0.7, 1.2], along U·Vᵀ.
    singular = np.linalg.svd(out, compute_uv=False)
    assert out.shape == g.shape and singular.min() > 0.6 and singular.max() < 1.25
    assert np.sum(out * (u @ vt)) / np.linalg.norm(out) / np.linalg.norm(u @ vt) > 0.95


def test_muon_embeddings_and_vectors_take_adamw():
    opt = optimizers.Muon()
    kernel = dn.Variable(np.zeros((3, 2), "float32"), name="kernel")
    table = dn.Variable(np.zeros((5, 2), "float32"), name="embeddings")
    table.path = "embedding/embeddings"
    bias = dn.Variable(np.zeros(2, "float32"), name="bias")
    assert [opt._should_use_adamw(v) for v in (kernel, table, bias)] == [False, True, True]
    opt.build([kernel, table, bias])
    assert [v.name for v in opt.variables[2:]] == [
        "kernel_momentum",
        "embedding_embeddings_momentum",
        "embedding_embeddings_velocity",
        "bias_momentum",
        "bias_velocity",
    ]


def test_per_variable_optimizers_refuse_the_flat_buffer():
    weights, grads = problem(2)
    for cls in (optimizers.Lamb, optimizers.Adafactor, optimizers.Muon):
        opt = cls(learning_rate=0.1)
        opt.flat_parameters = True
        variables = [dn.Variable(w.copy(), name=n) for w, n in zip(weights, NAMES)]
        opt.build(variables)
        assert opt._flat is None and opt.gradient_views is None


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: optimizers.Ftrl(learning_rate_power=0.5), "learning_rate_power"),
        (lambda: optimizers.Ftrl(initial_accumulator_value=-1.0), "initial_accumulator_value"),
        (lambda: optimizers.Ftrl(l1_regularization_strength=-1.0), "l1_regularization"),
        (lambda: optimizers.Lamb(beta_1=1.5), "beta_1"),
        (lambda: optimizers.Muon(bogus=1), "not recognized"),
    ],
)
def test_bad_arguments_raise_clear_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


@pytest.mark.parametrize("name", ["Lamb", "Ftrl", "Adafactor", "Muon", "ScheduleFreeAdamW"])
def test_configs_move_between_keras_and_deepnum(name):
    keras = reference("keras")
    theirs = getattr(keras.optimizers, name)(learning_rate=0.02)
    ours = optimizers.deserialize(keras.optimizers.serialize(theirs))
    assert type(ours).__name__ == name
    assert ours.get_config() == theirs.get_config()
    assert optimizers.serialize(ours) == keras.optimizers.serialize(theirs)
    if name != "Lamb":  # Keras 3.15 leaves Lamb out of its own name table: it cannot read it
        back = keras.optimizers.deserialize(optimizers.serialize(ours))
        assert back.get_config() == theirs.get_config()


@pytest.mark.parametrize("name", ["Adam", "Lamb", "Adafactor"])
def test_stateless_apply_matches_keras_and_changes_nothing(name):
    keras = reference("keras")
    weights, grads = problem(1)
    ours = getattr(optimizers, name)(learning_rate=0.1)
    theirs = getattr(keras.optimizers, name)(learning_rate=0.1)
    dn_vars = [dn.Variable(w.copy(), name=n) for w, n in zip(weights, NAMES)]
    keras_vars = [keras.Variable(w.copy(), name=n) for w, n in zip(weights, NAMES)]
    ours.build(dn_vars)
    theirs.build(keras_vars)
    state = [v.numpy().copy() for v in ours.variables]
    new_weights, new_state = ours.stateless_apply(state, grads[0], weights)
    tensor = keras.ops.convert_to_tensor
    k_weights, k_state = theirs.stateless_apply(
        [tensor(s) for s in numpy_of(keras, theirs.variables)],
        [tensor(g) for g in grads[0]],
        [tensor(w) for w in weights],
    )
    for a, b in zip(new_weights + new_state, numpy_of(keras, list(k_weights) + list(k_state))):
        np.testing.assert_allclose(a, b, RTOL, ATOL)
    for variable, before in zip(ours.variables, state):
        np.testing.assert_array_equal(variable.numpy(), before)
    for variable, before in zip(dn_vars, weights):
        np.testing.assert_array_equal(variable.numpy(), before)
