"""deepnum.activations against keras.activations: every name, Keras's signatures and values on
the same inputs, relu's options, derivatives of the compositions, and get / serialize /
deserialize round trips (also from Keras's own serialized form)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepnum as dn
from deepnum import activations
from tests.conftest import reference
from tests.ops.helpers import check_op

keras = reference("keras")
torch = reference("torch")
F = torch.nn.functional

REGISTRY = ("get", "serialize", "deserialize")
NAMES = sorted(n for n in dir(keras.activations) if not n.startswith("_") and n not in REGISTRY)
KWARGS = {"threshold": {"threshold": 0.3, "default_value": -1.0}}
# Keras 3.15's sparsemax is wrong once the support has two elements (keras-team/keras#23425);
# tests/ops/nn/test_activations.py checks it against the paper's algorithm instead.
VALUES = [n for n in NAMES if n != "sparsemax"]


def _x(shape=(3, 4), dtype="float32", seed=0):
    x = np.random.default_rng(seed).uniform(-4, 4, shape)
    near = np.abs(np.abs(x)[..., None] - np.array([0.0, 0.3, 0.5, 1.0, 3.0, 6.0])).min(-1) < 0.05
    return np.where(near, x + 0.1, x).astype(dtype)


def _compare(got, want, dtype):
    want = want.detach().numpy() if hasattr(want, "detach") else np.asarray(want)
    assert got.dtype == want.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


def test_every_keras_name_has_keras_signature():
    assert set(NAMES) <= set(activations.__all__)
    for name in NAMES + list(REGISTRY):
        ours = inspect.signature(getattr(activations, name))
        theirs = inspect.signature(getattr(keras.activations, name))
        assert list(ours.parameters) == list(theirs.parameters), name
        for p, q in zip(ours.parameters.values(), theirs.parameters.values()):
            assert p.default == q.default, f"{name}: default of {p.name}"


@pytest.mark.parametrize("name", VALUES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_against_keras(name, dtype):
    x = _x((4, 6), dtype)
    kwargs = KWARGS.get(name, {})
    _compare(getattr(activations, name)(x, **kwargs),
             getattr(keras.activations, name)(x, **kwargs), dtype)  # fmt: skip


@pytest.mark.parametrize(
    "kwargs",
    [{"max_value": 6.0}, {"max_value": 1.5}, {"negative_slope": 0.1},
     {"threshold": 0.5}, {"threshold": -1.0}, {"negative_slope": 0.2, "threshold": 0.5},
     {"max_value": 2.0, "negative_slope": 0.2, "threshold": 0.5},
     {"max_value": 2.0, "negative_slope": 0.3}],
    ids=str,
)  # fmt: skip
def test_relu_options_against_keras(kwargs):
    x = _x((4, 6))
    _compare(activations.relu(x, **kwargs), keras.activations.relu(x, **kwargs), "float32")
    dn.check_grad(lambda t: activations.relu(t, **kwargs), _x((3, 4), "float64", seed=1))


@pytest.mark.parametrize(
    "fn, ref",
    [(activations.mish, F.mish), (activations.gelu, F.gelu),
     (lambda t: activations.relu(t, 0.2, 2.0, 0.5),
      lambda t: torch.where(t > 0.5, torch.clamp(t, 0, 2.0), torch.zeros_like(t))
      - 0.2 * torch.relu(0.5 - t))],
    ids=["mish", "gelu", "relu-options"],
)  # fmt: skip
def test_derivatives_against_torch(fn, ref):
    check_op(fn, ref, inputs=[_x((3, 5), "float64")])


@pytest.mark.parametrize("name", NAMES + ["step"])
def test_get_serialize_deserialize_round_trip(name):
    fn = getattr(activations, name)
    assert activations.get(name) is fn
    assert activations.get(activations.serialize(fn)) is fn
    assert activations.deserialize(activations.serialize(fn)) is fn


@pytest.mark.parametrize("name", NAMES)
def test_keras_serialized_forms_load(name):
    from keras.src.saving import serialization_lib

    theirs = getattr(keras.activations, name)
    assert activations.serialize(getattr(activations, name)) == keras.activations.serialize(theirs)
    config = serialization_lib.serialize_keras_object(theirs)
    assert activations.deserialize(config) is getattr(activations, name)
    assert activations.get(config) is getattr(activations, name)


def test_aliases_serialize_under_keras_names():
    assert activations.swish is activations.silu
    assert activations.hard_swish is activations.hard_silu
    assert activations.serialize(activations.swish) == "silu"
    assert activations.get(None) is activations.linear


def test_deserialize_with_custom_objects():
    def scaled(x):
        return 2 * x

    assert activations.deserialize("scaled", custom_objects={"scaled": scaled}) is scaled
    with pytest.raises(ValueError, match="'scaled'"):
        activations.deserialize("scaled")
