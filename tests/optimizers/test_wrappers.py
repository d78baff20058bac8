"""LossScaleOptimizer, MultiOptimizer / OptimizerMap and ``optimizers.legacy`` against Keras 3
(torch backend): same weights, same state variables (names and order), same configs."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import optimizers
from tests.conftest import reference
from tests.optimizers.helpers import NAMES, numpy_of, problem

RTOL, ATOL = 1e-5, 1e-6


def variables_for(keras, weights):
    ours = [dn.Variable(w.copy(), name=n) for w, n in zip(weights, NAMES)]
    theirs = [keras.Variable(w.copy(), name=n) for w, n in zip(weights, NAMES)]
    return ours, theirs


def assert_same(keras, ours, theirs, dn_vars, keras_vars):
    for a, b in zip(dn_vars, numpy_of(keras, keras_vars)):
        np.testing.assert_allclose(a.numpy(), b, RTOL, ATOL)
    assert [v.name for v in ours.variables] == [v.name for v in theirs.variables]
    for a, b in zip(ours.variables, numpy_of(keras, theirs.variables)):
        np.testing.assert_allclose(a.numpy(), b, RTOL, ATOL, err_msg=a.name)


def run_both(keras, ours, theirs, grad_steps, weights):
    dn_vars, keras_vars = variables_for(keras, weights)
    for step in grad_steps:
        ours.apply([dn.tensor(g) for g in step], dn_vars)
        theirs.apply([keras.ops.convert_to_tensor(g) for g in step], keras_vars)
        assert_same(keras, ours, theirs, dn_vars, keras_vars)
    return dn_vars, keras_vars


# ------------------------------------------------------------------------ LossScaleOptimizer
def scaled_steps(scale):
    """Gradients as a scaled loss gives them, with a non-finite step in the middle."""
    _, grads = problem(6, scale=scale)
    grads[2][1] = np.full_like(grads[2][1], np.inf)
    grads[4][0] = grads[4][0] * np.nan
    return grads


@pytest.mark.parametrize(
    "inner, kwargs",
    [
        ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
        ("Adam", {"learning_rate": 0.05, "use_ema": True}),
        ("Lamb", {"learning_rate": 0.05, "clipnorm": 0.5}),
    ],
)
def test_loss_scale_optimizer_matches_keras(inner, kwargs):
    keras = reference("keras")
    weights, _ = problem(0)
    ours = optimizers.LossScaleOptimizer(
        getattr(optimizers, inner)(**kwargs), initial_scale=64.0, dynamic_growth_steps=2
    )
    theirs = keras.optimizers.LossScaleOptimizer(
        getattr(keras.optimizers, inner)(**kwargs), initial_scale=64.0, dynamic_growth_steps=2
    )
    run_both(keras, ours, theirs, scaled_steps(64.0), weights)
    assert int(ours.iterations) == 4 == int(keras.ops.convert_to_numpy(theirs.iterations))
    assert float(ours.dynamic_scale.numpy()) == 32.0  # 64 → ×2 → ÷2 → ÷2 over the six steps


def test_loss_scale_optimizer_api_matches_keras():
    keras = reference("keras")
    ours = optimizers.LossScaleOptimizer(optimizers.SGD(0.1, loss_scale_factor=4.0))
    theirs = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1, loss_scale_factor=4.0))
    assert ours.inner_optimizer.loss_scale_factor is None  # the wrapper owns the scaling
    assert float(ours.scale_loss(2.0)) == float(theirs.scale_loss(2.0)) == 65536.0
    ours.learning_rate = 0.5
    assert float(ours.inner_optimizer.learning_rate) == 0.5
    assert ours.get_config()["initial_scale"] == theirs.get_config()["initial_scale"]
    back = keras.optimizers.deserialize(optimizers.serialize(ours))
    assert type(back).__name__ == "LossScaleOptimizer"
    assert float(back.inner_optimizer.learning_rate) == pytest.approx(0.5)
    again = optimizers.deserialize(keras.optimizers.serialize(back))
    assert again.get_config() == ours.get_config()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"dynamic": False}, "dynamic=False"),
        ({"clipnorm": 1.0}, "does not support `clipnorm`"),
        ({"bogus": 1}, "does not support arguments: `bogus`"),
    ],
)
def test_loss_scale_optimizer_refuses_what_keras_refuses(kwargs, match):
    keras = reference("keras")
    for module in (optimizers, keras.optimizers):
        with pytest.raises(ValueError, match=match):
            module.LossScaleOptimizer(module.SGD(), **kwargs)


# ------------------------------------------------------------------------ MultiOptimizer
def two_way_maps(module):
    table = module.OptimizerMap(module.SGD(0.1, momentum=0.9, name="fast"))
    table["k.*"] = module.Adam(0.05, name="adaptive")
    table["cube"] = module.RMSprop(0.01, name="rms")
    return table


def test_multi_optimizer_matches_keras():
    keras = reference("keras")
    weights, grads = problem(4)
    ours = optimizers.MultiOptimizer(two_way_maps(optimizers), loss_scale_factor=2.0)
    theirs = keras.optimizers.MultiOptimizer(two_way_maps(keras.optimizers), loss_scale_factor=2.0)
    dn_vars, keras_vars = run_both(keras, ours, theirs, grads, weights)
    assert [o.name for o in ours.optimizers] == ["adaptive", "rms", "fast"]
    assert int(ours.iterations) == 4
    state = [v.numpy().copy() for v in ours.variables]
    ours.set_weights([np.zeros_like(s) for s in state])
    ours.set_weights(state)
    assert_same(keras, ours, theirs, dn_vars, keras_vars)


def test_multi_optimizer_with_a_function_matches_keras():
    keras = reference("keras")
    weights, grads = problem(3)

    def chooser(module):
        made = {}

        def pick(variable):
            kind = "Adam" if len(variable.shape) > 1 else "SGD"
            if kind not in made:
                made[kind] = getattr(module, kind)(0.05, name=kind.lower())
            return made[kind]

        return pick

    ours = optimizers.MultiOptimizer(chooser(optimizers))
    theirs = keras.optimizers.MultiOptimizer(chooser(keras.optimizers))
    run_both(keras, ours, theirs, grads, weights)
    assert [o.name for o in ours.optimizers] == ["adam", "sgd"]


def test_multi_optimizer_learning_rate_is_per_optimizer():
    opt = optimizers.MultiOptimizer(two_way_maps(optimizers))
    with pytest.raises(AttributeError, match="sub-optimizers"):
        _ = opt.learning_rate
    with pytest.raises(AttributeError, match="sub-optimizers"):
        opt.learning_rate = 0.1
    opt.loss_scale_factor = 3.0
    assert {o.loss_scale_factor for o in opt.optimizers} == {3.0}


def test_optimizer_map_lookup_matches_keras():
    keras = reference("keras")
    paths = ["encoder/layer_0/dense", "encoder/layer_0/attention", "decoder", "decoder/dense"]
    picked = []
    for module in (optimizers, keras.optimizers):
        table = module.OptimizerMap(module.RMSprop(name="rms"))
        table["encoder/layer_0/dense"] = module.Adam(name="adam")
        table["encoder/.*"] = module.SGD(name="sgd")
        table["decoder"] = module.Adam(name="adam2")
        picked.append([table[p].name for p in paths])
        with pytest.raises(ValueError, match="already exists"):
            table["decoder"] = module.SGD()
        with pytest.raises(ValueError):
            table["x"] = module.LossScaleOptimizer(module.SGD())
        table["enc.*"] = module.SGD()
        with pytest.raises(ValueError, match="Multiple optimizers"):
            table["encoder/x"]
    assert picked[0] == picked[1] == [["adam", "sgd", "adam2", "rms"]][0]


def test_multi_optimizer_configs_move_between_keras_and_deepnum():
    keras = reference("keras")
    theirs = keras.optimizers.MultiOptimizer(two_way_maps(keras.optimizers), loss_scale_factor=2.0)
    ours = optimizers.deserialize(keras.optimizers.serialize(theirs))
    assert type(ours) is optimizers.MultiOptimizer
    assert [type(o).__name__ for o in ours.optimizers] == ["Adam", "RMSprop", "SGD"]
    assert ours._optimizer_map["k.*"].get_config() == theirs._optimizer_map["k.*"].get_config()
    back = keras.optimizers.deserialize(optimizers.serialize(ours))
    assert [o.get_config() for o in back.optimizers] == [o.get_config() for o in theirs.optimizers]


def test_registered_chooser_function_round_trips():
    @dn.saving.register_keras_serializable(package="tests")
    def by_rank(variable, _table={}):  # noqa: B006 - one optimizer per kind, made once
        return _table.setdefault("sgd", optimizers.SGD(0.1))

    opt = optimizers.MultiOptimizer(by_rank)
    config = optimizers.serialize(opt)
    assert config["config"]["optimizer_map"]["registered_name"] == "tests>by_rank"
    assert optimizers.deserialize(config)._optimizer_map is by_rank
    config["config"]["optimizer_map"]["registered_name"] = "os>system"
    config["config"]["optimizer_map"]["config"] = "os.system"
    with pytest.raises(ValueError, match="unknown optimizer-map function"):
        optimizers.deserialize(config)


# ------------------------------------------------------------------------ legacy
@pytest.mark.parametrize("name", ["SGD", "Adam", "Adagrad", "Ftrl", "RMSprop", "Optimizer"])
def test_legacy_names_raise_like_keras(name):
    keras = reference("keras")
    for module in (optimizers.legacy, keras.optimizers.legacy):
        with pytest.raises(ImportError, match="not supported in Keras 3"):
            getattr(module, name)(learning_rate=0.1)
