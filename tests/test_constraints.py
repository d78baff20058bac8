"""Weight constraints against Keras 3's, and applied after each optimizer step."""

import numpy as np
import pytest

import deepnum as dn
from deepnum import constraints
from tests.conftest import reference


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("MaxNorm", {"max_value": 0.5, "axis": 0}),
        ("MaxNorm", {"max_value": 1.5, "axis": 1}),
        ("NonNeg", {}),
        ("UnitNorm", {"axis": 0}),
        ("MinMaxNorm", {"min_value": 0.8, "max_value": 1.2, "rate": 0.7, "axis": 0}),
    ],
)
def test_constraints_match_keras(name, kwargs):
    keras = reference("keras")
    w = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    ours = getattr(constraints, name)(**kwargs)(w)
    theirs = keras.ops.convert_to_numpy(getattr(keras.constraints, name)(**kwargs)(w))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


def test_constraint_is_applied_after_each_update():
    model = dn.Sequential(
        [dn.Input((3,)), dn.layers.Dense(2, kernel_constraint=constraints.NonNeg())]
    )
    model.compile(optimizer=dn.optimizers.SGD(learning_rate=1.0), loss="mse")
    x = np.random.default_rng(1).standard_normal((16, 3)).astype("float32")
    model.fit(x, -10 * np.ones((16, 2), "float32"), epochs=2, verbose=0)
    assert (model.layers[0].kernel.numpy() >= 0).all()


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("MaxNorm", {}),
        ("MaxNorm", {"max_value": 3.0, "axis": [0, 1]}),
        ("NonNeg", {}),
        ("UnitNorm", {"axis": 1}),
        ("MinMaxNorm", {"min_value": 0.5, "rate": 0.3}),
    ],
)
def test_config_matches_keras_and_round_trips(name, kwargs):
    keras = reference("keras")
    ours = constraints.serialize(getattr(constraints, name)(**kwargs))
    assert ours == keras.constraints.serialize(getattr(keras.constraints, name)(**kwargs))
    assert constraints.deserialize(ours).get_config() == ours["config"]


def test_names_and_aliases_match_keras():
    keras = reference("keras")
    for name in ("max_norm", "min_max_norm", "non_neg", "unit_norm", "MaxNorm", "constraint"):
        assert type(constraints.get(name)).__name__ == type(keras.constraints.get(name)).__name__
    assert constraints.max_norm is constraints.MaxNorm
    assert constraints.non_neg is constraints.NonNeg
