"""convert_to_tensor, convert_to_numpy, cast, saturate_cast, is_tensor, shape, dtype,
stop_gradient against keras.ops on the same inputs; gradients against torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.keras_reference import check_keras

keras = reference("keras")
torch = reference("torch")

CONVERT_INPUTS = [
    [1, 2],
    [1.0, 2],
    [True, False],
    [True, 1],
    [],
    1,
    2**40,
    1.5,
    True,
    1 + 2j,
    np.float64(1.0),
    np.float32(2.5),
    np.int64(3),
    np.array([1, 2]),
    np.array([1.5, 2.5]),
    np.array([[1, 2]], dtype="uint8"),
    [[1], [2.5]],
    [np.float64(1.0), 2],
    [np.float32(1.0), 2],
    [np.float16(1.0), 2],
    [np.int64(1), 2],
    [np.int8(1), np.int8(2)],
    [np.array([1, 2], "uint8"), [3, 4]],
    (1, 2),
    [[True, False], [False, True]],
]


@pytest.mark.parametrize("x", CONVERT_INPUTS, ids=repr)
def test_convert_to_tensor_gives_keras_dtypes_and_values(x):
    check_keras("convert_to_tensor", x)


@pytest.mark.parametrize(
    "x, dtype", [([1, 2], "float64"), (np.array([1.7, -2.2]), "int32"), (3, "float16")], ids=repr
)
def test_convert_to_tensor_with_dtype(x, dtype):
    check_keras("convert_to_tensor", x, dtype=dtype)


def test_convert_to_tensor_keeps_tensors_and_the_gradient_of_variables():
    t = dn.tensor([1.0, 2.0])
    assert ops.convert_to_tensor(t) is t
    v = dn.Variable([1.0, 2.0])
    out = ops.convert_to_tensor(v)
    assert ops.is_tensor(out) and not ops.is_tensor(v)
    (out * out).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [2.0, 4.0])
    stacked = ops.convert_to_tensor([t, dn.tensor([3.0, 4.0])])
    assert stacked.shape == (2, 2)


@pytest.mark.parametrize("flag", ["sparse", "ragged"])
def test_convert_to_tensor_rejects_sparse_and_ragged(flag):
    with pytest.raises(ValueError, match=f"{flag}=True is not supported"):
        ops.convert_to_tensor([1.0], **{flag: True})
    assert ops.convert_to_tensor([1.0], **{flag: False}).shape == (1,)


@pytest.mark.parametrize(
    "x", [np.array([1.0, 2.0]), [np.ones(2), np.zeros(2)], 3.5, [[1, 2], [3, 4]]], ids=repr
)
def test_convert_to_numpy_matches_keras(x):
    got = ops.convert_to_numpy(x)
    want = keras.ops.convert_to_numpy(x)
    assert isinstance(got, np.ndarray) and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    t = dn.tensor([1.0, 2.0], requires_grad=True)
    assert ops.convert_to_numpy(t * 2).tolist() == [2.0, 4.0]


@pytest.mark.parametrize(
    "x, dtype",
    [
        (np.array([1.7, -1.2, 2.5]), "int32"),
        ([1, 2], "float16"),
        (np.arange(4), "bool"),
        (np.array([1.5, 2.5], "float32"), "float64"),
        (np.array([1.5, 2.5], "float32"), "float32"),
        (np.array([3, 4], "int64"), "uint8"),
        (True, "float32"),
    ],
    ids=repr,
)
def test_cast_matches_keras(x, dtype):
    check_keras("cast", x, dtype)


def test_cast_between_floats_is_differentiable_twice():
    x = np.array([0.5, -1.25, 2.0])
    g = dn.grad(lambda t: (ops.cast(t, "float32") ** 3).sum())(x)
    assert g.dtype == np.float64  # the gradient comes back in the input's dtype
    np.testing.assert_allclose(g.numpy(), 3 * x**2, rtol=1e-6)
    h = dn.grad(lambda t: dn.grad(lambda s: (ops.cast(s, "float32") ** 3).sum())(t).sum())(x)
    np.testing.assert_allclose(h.numpy(), 6 * x, rtol=1e-6)
    assert not ops.cast(dn.tensor([1.5], requires_grad=True), "int32").requires_grad


@pytest.mark.parametrize(
    "x, dtype",
    [
        (np.array([-1.0, 256.0, 3.7, np.inf, -np.inf], "float32"), "uint8"),
        (np.array([-300, 300, 7], "int64"), "int8"),
        (np.array([1e300, -1e300, 1.0]), "float32"),
        (np.array([-2.0, 0.5, 3.0]), "bool"),
    ],
    ids=repr,
)
def test_saturate_cast_matches_keras(x, dtype):
    check_keras("saturate_cast", x, dtype)


@pytest.mark.parametrize("dtype", ["int32", "uint32", "int64"])
def test_saturate_cast_from_float32_stays_in_range_where_keras_overflows(dtype):
    # Keras rounds the int limit to float32 before comparing (2**31 - 1 becomes 2**31, which
    # overflows int32); the limit here is the largest float32 the target can hold.
    x = np.array([-1e30, 1e30, 5.0], "float32")
    info = np.iinfo(dtype)
    high = np.float32(info.max)
    high = high if int(high) <= info.max else np.nextafter(high, np.float32(0))
    got = ops.saturate_cast(x, dtype)
    assert got.dtype == dtype
    assert got.numpy().tolist() == [info.min, int(high), 5]


def test_saturate_cast_passes_the_gradient_inside_the_range():
    x = dn.tensor([0.5, 1e300, -2.0], dtype="float64", requires_grad=True)
    ops.saturate_cast(x, "float32").sum().backward()
    assert x.grad.numpy().tolist() == [1.0, 0.0, 1.0]


@pytest.mark.parametrize(
    "x", [np.zeros((8, 12)), np.ones(3, "int64"), np.array(True), np.zeros((2, 0, 3), "float16")]
)
def test_shape_dtype_is_tensor_match_keras(x):
    tx, kx = ops.convert_to_tensor(x), keras.ops.convert_to_tensor(x)
    assert ops.shape(tx) == keras.ops.shape(kx) and type(ops.shape(tx)) is tuple
    assert all(type(d) is int for d in ops.shape(tx))
    assert ops.dtype(tx) == keras.ops.dtype(kx) and ops.dtype(x) == keras.ops.dtype(x)
    assert ops.is_tensor(tx) == keras.ops.is_tensor(kx) is True
    assert ops.is_tensor(x) == keras.ops.is_tensor(x) is False
    assert ops.is_tensor(dn.Variable(1.0)) == keras.ops.is_tensor(keras.Variable(1.0))


def test_shape_of_symbolic_tensors_keeps_unknown_sizes():
    assert ops.shape(dn.Input((None, 3))) == (None, None, 3)
    assert ops.dtype(dn.Input((3,))) == "float32"


def test_stop_gradient_cuts_the_graph():
    x = dn.tensor([1.0, 2.0], requires_grad=True)
    g = dn.grad(lambda t: (t * ops.stop_gradient(t)).sum())(x)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    (tx * tx.detach()).sum().backward()
    np.testing.assert_array_equal(g.numpy(), tx.grad.numpy())
    v = dn.Variable([1.0])
    assert not ops.stop_gradient(v).requires_grad and ops.is_tensor(ops.stop_gradient(v))
