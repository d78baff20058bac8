"""The backend: array module, dtype policy (floatx, epsilon) and the random seed."""

from __future__ import annotations

import random

import numpy as np
import pytest

import deepnum as dn
from deepnum import backend, ops
from tests.conftest import reference

torch = reference("torch")


def test_get_array_module_is_numpy_for_host_values():
    assert backend.get_array_module(np.ones(2)) is np
    assert backend.get_array_module(dn.tensor([1.0])) is np
    assert backend.get_array_module(1.0, [1, 2]) is np
    assert backend.get_array_module() is np
    assert dn.tensor([1.0]).xp is np


def test_is_array_and_to_numpy():
    assert backend.is_array(np.ones(2)) and not backend.is_array([1.0])
    assert isinstance(backend.to_numpy([1.0, 2.0]), np.ndarray)


def test_floatx_default_and_switch():
    assert dn.config.floatx() == "float32" == backend.floatx()
    dn.config.set_floatx("float64")
    assert dn.config.floatx() == "float64"
    assert dn.tensor([1.0]).dtype == np.float64
    with pytest.raises(ValueError, match="set_floatx: expected one of"):
        dn.config.set_floatx("int32")


def test_float64_works_through_ops_transforms_and_tapes():
    dn.config.set_floatx("float64")
    x = dn.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    assert x.dtype == np.float64
    y = ops.softmax(ops.tanh(x @ x.T) * 2 + 1, axis=-1)
    loss = ops.sparse_softmax_cross_entropy(ops.log(y), np.array([0, 1])).mean()
    assert loss.dtype == np.float64
    loss.backward()
    assert x.grad.dtype == np.float64
    h = dn.hessian(lambda t: (ops.sigmoid(t) ** 3).sum())([0.1, 0.2])
    assert h.dtype == np.float64
    tt = torch.tensor([0.1, 0.2], dtype=torch.float64)
    want = torch.autograd.functional.hessian(lambda t: (torch.sigmoid(t) ** 3).sum(), tt)
    np.testing.assert_allclose(h.numpy(), want.numpy(), rtol=1e-12)
    v = dn.Variable([1.0])
    assert v.dtype == np.float64
    assert ops.one_hot([1], 2).dtype == np.float64


def test_standardize_and_is_float_dtype():
    assert backend.standardize_dtype(None) == "float32"
    assert backend.standardize_dtype(np.float64) == "float64"
    assert backend.standardize_dtype("int32") == "int32"
    assert backend.is_float_dtype("float16") and not backend.is_float_dtype("int64")


def test_epsilon():
    assert dn.config.epsilon() == 1e-7
    dn.config.set_epsilon(1e-5)
    try:
        assert backend.epsilon() == 1e-5
    finally:
        dn.config.set_epsilon(1e-7)


def _draw():
    return (
        random.random(),
        np.random.rand(),
        backend.default_rng().standard_normal(3).tolist(),
    )


def test_set_random_seed_is_reproducible():
    dn.utils.set_random_seed(123)
    first = _draw()
    dn.utils.set_random_seed(123)
    assert _draw() == first
    dn.utils.set_random_seed(124)
    assert _draw() != first


def test_set_random_seed_rejects_bad_seeds():
    with pytest.raises(ValueError, match="non-negative int"):
        dn.utils.set_random_seed(-1)
    with pytest.raises(ValueError, match="non-negative int"):
        dn.utils.set_random_seed(1.5)


# ------------------------------------------------------------------ keras.backend's names
OURS = [
    "backend",
    "clear_session",
    "epsilon",
    "floatx",
    "get_uid",
    "image_data_format",
    "is_float_dtype",
    "is_int_dtype",
    "is_keras_tensor",
    "set_epsilon",
    "set_floatx",
    "result_type",
    "set_image_data_format",
    "standardize_dtype",
]


@pytest.mark.parametrize("name", OURS)
def test_keras_backend_signatures(name):
    from tools.keras_compatibility import signature_difference

    keras = reference("keras")
    assert signature_difference(getattr(keras.backend, name), getattr(backend, name)) is None


def test_backend_name_is_numpy_in_both_namespaces():
    assert backend.backend() == dn.config.backend() == "numpy"


def test_image_data_format_is_what_layers_and_ops_default_to():
    keras = reference("keras")
    assert backend.image_data_format() == keras.backend.image_data_format() == "channels_last"
    x = np.zeros((1, 2, 5, 5), "float32")  # (batch, channels, h, w)
    try:
        backend.set_image_data_format("channels_first")
        assert dn.config.image_data_format() == "channels_first"
        assert dn.layers.Conv2D(3, 2).data_format == "channels_first"
        assert dn.layers.MaxPooling2D(2)(x).shape == (1, 2, 2, 2)
    finally:
        dn.config.set_image_data_format("channels_last")
    assert dn.layers.Conv2D(3, 2).data_format == "channels_last"
    with pytest.raises(ValueError, match="data_format"):
        backend.set_image_data_format("NHWC")


def test_get_uid_and_clear_session_name_layers_as_keras_does():
    keras = reference("keras")
    names = []
    for lib in (dn, keras):
        lib.backend.clear_session(free_memory=False)
        a, b = lib.layers.Dense(2), lib.layers.Dense(2)
        uids = (lib.backend.get_uid("dense"), lib.backend.get_uid("x"), lib.backend.get_uid("x"))
        c = lib.layers.Dense(2)
        lib.backend.clear_session(free_memory=False)
        names.append((a.name, b.name, uids, c.name, lib.layers.Dense(2).name))
    assert names[0] == names[1]


def test_clear_session_resets_the_dtype_policy():
    dn.config.set_dtype_policy("float64")
    backend.clear_session(free_memory=False)
    assert dn.config.dtype_policy().name == "float32"


def test_is_keras_tensor_matches_keras():
    keras = reference("keras")
    assert backend.is_keras_tensor(dn.Input((3,))) == keras.backend.is_keras_tensor(
        keras.Input((3,))
    )
    assert backend.is_keras_tensor(dn.layers.Dense(2)(dn.Input((3,))))
    for value in (dn.tensor([1.0]), np.ones(2), 1.0):
        assert backend.is_keras_tensor(value) is False
    assert keras.backend.is_keras_tensor(keras.ops.ones(2)) is False
