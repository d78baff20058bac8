"""optimizers.get / serialize / deserialize, Keras defaults, learning-rate API, argument errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepnum as dn
from deepnum import optimizers
from tests.conftest import reference

# Keras's own float(variable) / get_config call np.array() on torch objects, which NumPy 2 flags.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

KERAS_NAMES = ["sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamw", "adamax", "nadam", "lion"]


def _without_name(config):
    return {k: v for k, v in config.items() if k != "name"}


@pytest.mark.parametrize("identifier", KERAS_NAMES)
def test_get_by_name_gives_keras_defaults(identifier):
    keras = reference("keras")
    ours = optimizers.get(identifier)
    theirs = keras.optimizers.get(identifier)
    assert type(ours).__name__ == type(theirs).__name__
    assert _without_name(ours.get_config()) == _without_name(theirs.get_config())
    assert ours.name.split("_")[0] == theirs.name.split("_")[0]


def test_get_accepts_any_case_dicts_instances_and_none():
    assert isinstance(optimizers.get("Adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSProp"), optimizers.RMSprop)
    sgd = optimizers.SGD(momentum=0.5)
    assert optimizers.get(sgd) is sgd
    assert optimizers.get(None) is None
    clone = optimizers.get({"class_name": "SGD", "config": {"momentum": 0.5}})
    assert clone.momentum == 0.5


@pytest.mark.parametrize("identifier", ["adamm", "", "Optimizerr"])
def test_get_unknown_name_lists_the_known_ones(identifier):
    with pytest.raises(ValueError, match=f"Unknown optimizer '{identifier}'.*Adam.*SGD"):
        optimizers.get(identifier)


def test_get_rejects_other_objects():
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 3"):
        optimizers.get(3)


def test_serialize_round_trips_through_json():
    schedule = optimizers.schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=5)
    opt = optimizers.Adam(learning_rate=schedule, beta_1=0.8, amsgrad=True, clipnorm=1.0)
    config = json.loads(json.dumps(optimizers.serialize(opt)))
    assert config["class_name"] == "Adam" and config["module"] == "keras.optimizers"
    clone = optimizers.deserialize(config)
    assert type(clone) is optimizers.Adam and clone.get_config() == opt.get_config()
    assert isinstance(clone._learning_rate, optimizers.schedules.CosineDecay)


@pytest.mark.parametrize("identifier", KERAS_NAMES)
def test_configs_move_between_keras_and_deepnum(identifier):
    keras = reference("keras")
    theirs = keras.optimizers.get(identifier)
    theirs.learning_rate = 0.25
    ours = optimizers.deserialize(keras.optimizers.serialize(theirs))
    assert ours.get_config() == theirs.get_config()
    back = keras.optimizers.deserialize(optimizers.serialize(ours))
    assert back.get_config() == theirs.get_config()


def test_keras_config_with_a_schedule_deserializes():
    keras = reference("keras")
    theirs = keras.optimizers.SGD(
        learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9), momentum=0.9
    )
    ours = optimizers.deserialize(keras.optimizers.serialize(theirs))
    assert float(ours.learning_rate) == pytest.approx(0.1)
    assert ours.get_config() == theirs.get_config()


def test_variables_are_in_keras_order_with_keras_names():
    opt = optimizers.Adam(name="adam", use_ema=True)
    opt.build([dn.Variable(np.zeros((2, 3)), name="k"), dn.Variable(np.zeros(3), name="b")])
    assert [v.path for v in opt.variables] == [
        "adam/iteration",
        "adam/learning_rate",
        "adam/k_average",
        "adam/b_average",
        "adam/k_momentum",
        "adam/k_velocity",
        "adam/b_momentum",
        "adam/b_velocity",
    ]
    assert not any(v.trainable for v in opt.variables)


def test_learning_rate_property_and_setter():
    opt = optimizers.SGD(learning_rate=0.1)
    assert isinstance(opt.learning_rate, dn.Variable)
    assert float(opt.learning_rate) == pytest.approx(0.1)
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == 0.5 and len(opt.variables) == 2
    opt.learning_rate = optimizers.schedules.ExponentialDecay(1.0, 1, 0.5)
    assert len(opt.variables) == 1  # the learning-rate variable is no longer state
    assert float(opt.learning_rate) == 1.0
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        opt.learning_rate = 0.1
    called = optimizers.SGD(learning_rate=lambda: 0.3)
    assert called.learning_rate == 0.3


def test_apply_without_variables_after_build():
    w = dn.Variable([1.0, 1.0])
    opt = optimizers.SGD(learning_rate=0.5)
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([np.ones(2, "float32")])
    opt.build([w])
    opt.apply([np.ones(2, "float32")])
    assert w.numpy().tolist() == [0.5, 0.5]
    with pytest.raises(ValueError, match="received 2 gradients.*tracks 1"):
        opt.apply([np.ones(2), np.ones(2)])


def test_gradient_errors_name_the_variable():
    w = dn.Variable(np.zeros((2, 2)), name="kernel")
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match=r"'kernel' has shape \(3,\).*shape \(2, 2\)"):
        opt.apply([np.ones(3)], [w])
    with pytest.raises(ValueError, match="no gradients provided"):
        opt.apply([None], [w])
    with pytest.raises(ValueError, match="unknown variable 'other'"):
        opt.apply([np.ones(2)], [dn.Variable(np.zeros(2), name="other")])


def test_optimizer_state_save_load_and_set_weights():
    w = dn.Variable(np.ones(3), name="w")
    opt = optimizers.Adam(learning_rate=0.1)
    for _ in range(3):
        opt.apply([np.full(3, 0.5)], [w])
    store: dict = {}
    opt.save_own_variables(store)
    saved = {k: v.copy() for k, v in store.items()}
    opt.apply([np.full(3, 0.5)], [w])  # the store is a snapshot, not a live view
    assert all(np.array_equal(store[k], saved[k]) for k in store)
    fresh = optimizers.Adam(learning_rate=0.1)
    fresh.build([dn.Variable(np.ones(3), name="w")])
    fresh.load_own_variables(store)
    for i, variable in enumerate(fresh.variables):
        np.testing.assert_array_equal(variable.numpy(), saved[str(i)])
    with pytest.raises(ValueError, match="shape"):
        fresh.set_weights([np.zeros(()), np.zeros(()), np.zeros(5)])
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        fresh.load_own_variables({"0": 1})


def test_integer_learning_rate_and_numpy_scalars_are_accepted():
    assert float(optimizers.SGD(learning_rate=1).learning_rate) == 1.0
    assert float(optimizers.Adam(learning_rate=np.float32(0.5)).learning_rate) == 0.5


@pytest.mark.parametrize(
    "build, match",
    [
        (
            lambda: optimizers.SGD(learning_rate=-0.1),
            r"SGD.*`learning_rate`.*\[0.*learning_rate=-0.1",
        ),
        (lambda: optimizers.Adam(learning_rate="fast"), r"`learning_rate`.*learning_rate='fast'"),
        (lambda: optimizers.Adam(beta_1=1.0), r"Adam.*`beta_1`.*\[0, 1\).*beta_1=1.0"),
        (lambda: optimizers.Adam(beta_1=-0.1), r"`beta_1`.*\[0, 1\).*beta_1=-0.1"),
        (lambda: optimizers.AdamW(beta_2=1.5), r"AdamW.*`beta_2`.*beta_2=1.5"),
        (lambda: optimizers.Nadam(epsilon=-1.0), r"Nadam.*`epsilon`.*epsilon=-1.0"),
        (lambda: optimizers.Adamax(beta_1=2), r"Adamax.*`beta_1`"),
        (lambda: optimizers.SGD(momentum=1.5), r"SGD.*`momentum`.*\[0, 1\].*momentum=1.5"),
        (lambda: optimizers.RMSprop(rho=-1), r"RMSprop.*`rho`"),
        (lambda: optimizers.Lion(beta_1=0.0), r"Lion.*`beta_1`.*\(0, 1\].*beta_1=0.0"),
        (lambda: optimizers.Adagrad(initial_accumulator_value=-1), r"initial_accumulator_value"),
        (lambda: optimizers.Adadelta(rho=1.1), r"Adadelta.*`rho`"),
        (lambda: optimizers.AdamW(weight_decay=None), r"AdamW.*`weight_decay`.*None"),
        (lambda: optimizers.SGD(weight_decay=-0.1), r"`weight_decay`.*weight_decay=-0.1"),
        (lambda: optimizers.SGD(clipnorm=1.0, clipvalue=1.0), r"only one of `clipnorm`"),
        (lambda: optimizers.SGD(clipnorm=-1.0), r"`clipnorm`.*clipnorm=-1.0"),
        (lambda: optimizers.SGD(use_ema=True, ema_momentum=1.5), r"`ema_momentum`.*1.5"),
        (
            lambda: optimizers.SGD(use_ema=True, ema_overwrite_frequency=0),
            r"`ema_overwrite_frequency` must be an integer >= 1.*=0",
        ),
        (lambda: optimizers.SGD(gradient_accumulation_steps=1), r"integer >= 2.*=1"),
        (lambda: optimizers.SGD(lr=0.1), r"not recognized.*'lr'"),
    ],
)
def test_bad_arguments_raise_clear_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_setting_a_negative_learning_rate_raises():
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match=r"Adam.*learning_rate=-1"):
        opt.learning_rate = -1


def test_decay_argument_warns_like_keras():
    with pytest.warns(UserWarning, match="`decay` is no longer supported"):
        optimizers.SGD(decay=0.1)


def test_names_are_unique_snake_case_like_keras():
    from deepnum.layers.context import clear_session

    clear_session()
    assert [optimizers.RMSprop().name, optimizers.RMSprop().name] == ["rm_sprop", "rm_sprop_1"]
    assert optimizers.AdamW().name == "adam_w"
    assert optimizers.AdamW(name="mine").name == "mine"
    clear_session()
    assert optimizers.RMSprop().name == "rm_sprop"


def test_scale_loss_and_repr():
    opt = optimizers.SGD(loss_scale_factor=4.0)
    assert opt.scale_loss(2.0) == 8.0
    assert "SGD" in repr(opt)
