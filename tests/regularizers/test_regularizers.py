"""Regularizers against Keras 3 (penalties, configs), gradients against numerical ones."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import regularizers
from tests.conftest import reference


@pytest.fixture(scope="module")
def keras():
    return reference("keras")


# (class name, kwargs, weight shape)
CASES = [
    ("L1", {}, (4, 3)),
    ("L1", {"l1": 0.3}, (5,)),
    ("L2", {"l2": 0.2}, (4, 3)),
    ("L1L2", {"l1": 0.1, "l2": 0.05}, (2, 3, 4)),
    ("L1L2", {"l2": 0.5}, (3, 3)),
    ("L1L2", {}, (3,)),
    ("OrthogonalRegularizer", {}, (4, 6)),
    ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"}, (6, 4)),
    ("OrthogonalRegularizer", {"factor": 2.0, "mode": "rows"}, (5, 3)),
]
IDS = [f"{c[0]}-{c[1]}" for c in CASES]


@pytest.mark.parametrize("name, kwargs, shape", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_penalty_matches_keras(keras, name, kwargs, shape, dtype):
    w = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    ours = getattr(regularizers, name)(**kwargs)(dn.tensor(w))
    # A Keras tensor: Keras's NumPy branch of normalize() ignores axis=0 (mode="columns").
    theirs = getattr(keras.regularizers, name)(**kwargs)(keras.ops.convert_to_tensor(w))
    assert ours.dtype == dtype
    # Keras keeps L1's l1 and the orthogonal factor as float32 tensors: 0.01 → 0.0099999998.
    np.testing.assert_allclose(ours.numpy(), keras.ops.convert_to_numpy(theirs), rtol=1e-6)


@pytest.mark.parametrize("name, kwargs, shape", CASES, ids=IDS)
def test_gradient_matches_numerical(name, kwargs, shape):
    w = np.random.default_rng(1).standard_normal(shape)
    reg = getattr(regularizers, name)(**kwargs)
    assert dn.check_grad(reg, w) < 1e-6


@pytest.mark.parametrize("name, kwargs, shape", CASES, ids=IDS)
def test_config_matches_keras_and_round_trips(keras, name, kwargs, shape):
    ours = regularizers.serialize(getattr(regularizers, name)(**kwargs))
    theirs = keras.regularizers.serialize(getattr(keras.regularizers, name)(**kwargs))
    assert ours == {**theirs, "config": pytest.approx(theirs["config"])}  # float32 l1 in Keras
    assert regularizers.deserialize(ours).get_config() == ours["config"]


def test_none_means_the_default_as_in_keras(keras):
    for name, arg in (("L1", "l1"), ("L2", "l2"), ("L1L2", "l1"), ("L1L2", "l2")):
        ours = getattr(regularizers, name)(**{arg: None}).get_config()
        assert ours == pytest.approx(getattr(keras.regularizers, name)(**{arg: None}).get_config())


def test_names_and_aliases_match_keras(keras):
    for name in ("l1", "l2", "l1l2", "orthogonal_regularizer", "L1L2", "OrthogonalRegularizer"):
        assert type(regularizers.get(name)).__name__ == type(keras.regularizers.get(name)).__name__
    assert regularizers.l1_l2 is regularizers.L1L2
    assert regularizers.orthogonal_regularizer is regularizers.OrthogonalRegularizer


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: regularizers.L1(-0.1), "argument l1: expected a non-negative float"),
        (lambda: regularizers.L2(float("nan")), "l2=nan"),
        (lambda: regularizers.L1L2(l2=float("inf")), "l2=inf"),
        (lambda: regularizers.L1L2(l1="0.1"), "l1='0.1'"),
        (lambda: regularizers.OrthogonalRegularizer(factor=-1.0), "factor"),
        (lambda: regularizers.OrthogonalRegularizer(mode="diagonal"), "mode='diagonal'"),
        (lambda: regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2))), r"rank 2.*\(2, 2, 2\)"),
    ],
)
def test_bad_arguments_name_themselves(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_base_class_without_get_config_says_so():
    with pytest.raises(NotImplementedError, match="get_config"):
        regularizers.Regularizer().get_config()
    assert regularizers.Regularizer()(np.ones(3)) == 0.0


def test_penalty_reaches_the_model_losses():
    layer = dn.layers.Dense(2, kernel_regularizer="orthogonal_regularizer")
    layer(np.ones((1, 3), "float32"))
    want = regularizers.OrthogonalRegularizer()(layer.kernel)
    np.testing.assert_allclose(layer.losses[0].numpy(), want.numpy())
