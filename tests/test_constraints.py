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
