"""Variable: named, mutable model state updated in place."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn


def test_variable_defaults():
    v = dn.Variable([1.0, 2.0], name="kernel")
    assert v.dtype == np.float32 and v.requires_grad and v.trainable
    assert v.name == "kernel" and "kernel" in repr(v)
    assert isinstance(v, dn.Tensor)


def test_callable_initializer_needs_a_shape():
    v = dn.Variable(lambda shape, dtype: np.ones(shape, dtype=dtype), shape=(2, 3))
    assert v.shape == (2, 3) and v.dtype == np.float32
    with pytest.raises(ValueError, match="callable initializer needs `shape`"):
        dn.Variable(lambda shape, dtype: np.ones(shape), name="w")


def test_non_trainable_and_integer_variables_do_not_require_grad():
    assert not dn.Variable([1.0], trainable=False).requires_grad
    assert not dn.Variable(np.array([1, 2])).requires_grad


def test_assign_keeps_the_same_array():
    v = dn.Variable(np.zeros(3))
    data = v.data
    v.assign([1.0, 2.0, 3.0])
    v.assign_add(np.ones(3))
    v.assign_sub(dn.tensor(np.full(3, 0.5)))
    assert v.data is data
    np.testing.assert_allclose(v.numpy(), [1.5, 2.5, 3.5])
    with pytest.raises(ValueError, match=r"shape \(2,\) to a variable of shape \(3,\)"):
        v.assign([1.0, 2.0])


def test_gradient_flows_to_a_variable():
    v = dn.Variable(np.array([1.0, 2.0]))
    (v * v).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [2.0, 4.0])
    assert isinstance(v.value, dn.Tensor) and not v.value.requires_grad
