"""Creating tensors: zeros, ones, full, empty, their ``_like`` forms, arange, eye, identity,
tri, array, copy — shapes, dtypes and values against keras.ops."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")

I64 = np.arange(6).reshape(2, 3)
F64 = np.ones((2, 3))

KERAS_CASES = [
    ("zeros", ((2, 3),), {}),
    ("zeros", (3,), {"dtype": "int32"}),
    ("ones", (4,), {}),
    ("ones", ((2, 1),), {"dtype": "float64"}),
    ("full", ((2,), 3), {}),  # floatx, even for an integer fill value
    ("full", ((2, 3), np.array([1.0, 2.0, 3.0])), {}),
    ("full", ((2, 2), 7), {"dtype": "int32"}),
    ("zeros_like", (I64,), {}),
    ("ones_like", (F64,), {"dtype": "int32"}),
    ("full_like", (I64, 2.5), {}),  # x's dtype: truncated to 2
    ("full_like", (F64, 2), {"dtype": "float32"}),
    ("arange", (5,), {}),  # int32
    ("arange", (5.0,), {}),  # floatx
    ("arange", (1, 5, 0.5), {}),
    ("arange", (np.int64(5),), {}),
    ("arange", (2, 9, 3), {"dtype": "float64"}),
    ("arange", (5, 1, -1), {}),
    ("eye", (3,), {}),
    ("eye", (3, 4), {"k": 1}),
    ("eye", (4, 2), {"k": -1, "dtype": "int32"}),
    ("identity", (3,), {}),
    ("identity", (2,), {"dtype": "float64"}),
    ("tri", (3,), {}),
    ("tri", (3, 4), {"k": -1}),
    ("tri", (2, 3), {"k": 1, "dtype": "int32"}),
    ("array", ([1, 2],), {}),  # Python ints: int32
    ("array", ([1.0, 2.0],), {}),  # Python floats: floatx
    ("array", ([[True, False]],), {}),
    ("array", (I64,), {}),  # arrays keep their dtype
    ("array", ([1, 2],), {"dtype": "float64"}),
    ("copy", (I64,), {}),
]


@pytest.mark.parametrize(
    "name, args, kwargs", KERAS_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_CASES)]
)
def test_against_keras(name, args, kwargs):
    check_keras(name, *args, **kwargs)


@pytest.mark.parametrize(
    "name, args, dtype", [("empty", ((2, 3),), "float32"), ("empty_like", (I64,), "int64")]
)
def test_empty(name, args, dtype):
    out = getattr(ops, name)(*args)
    assert out.shape == (2, 3) and out.dtype == dtype and not out.requires_grad


def test_constants_carry_no_gradient():
    x = dn.tensor(F64, requires_grad=True)
    for out in (ops.zeros_like(x), ops.ones_like(x), ops.full_like(x, 2.0), ops.empty_like(x)):
        assert not out.requires_grad and out.dtype == np.float64


def test_copy_and_tensor_fill_are_differentiable():
    check_op(ops.copy, torch.clone, (2, 3))
    check_op(lambda v: ops.full((2, 3), v, v.dtype), lambda v: v.expand(2, 3), (3,))
    check_op(lambda v: ops.full_like(np.ones((2, 3), v.dtype), v), lambda v: v.expand(2, 3), (1, 3))


def test_copy_is_a_new_buffer():
    x = dn.tensor(np.zeros(2))
    y = ops.copy(x)
    y.data[0] = 1.0
    assert x.numpy()[0] == 0.0


def test_arange_errors():
    with pytest.raises(ValueError, match="step must not be zero"):
        ops.arange(0, 5, 0)


def test_floatx_is_the_default_float():
    dn.config.set_floatx("float64")
    assert ops.ones(2).dtype == np.float64 and ops.arange(2.0).dtype == np.float64
    assert ops.eye(2).dtype == np.float64 and ops.array([1.5]).dtype == np.float64
